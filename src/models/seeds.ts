/**
 * Seeds of a model's parts: each network and the noise stream get their own generator,
 * derived from the model's seed and the part's index as nn.Model derives its layers' (so two
 * parts never share a stream, and changing one part leaves the others' draws alone).
 */
export function subSeed(seed: number, part: number): number {
  return Number((BigInt(seed) * 1000003n + BigInt(part)) % 2n ** 53n);
}
