/**
 * The comparison against PyTorch's float64 references used by the fixture tests: per element i
 * of a reference tensor ref,
 *
 *     |ours_i − ref_i| ≤ rel · max(|ref_i|, max_j |ref_j|)
 *
 * 1e-5 relative to the element, or to the tensor's largest element where the element is
 * smaller (an entry that is a sum with cancellation carries the float32 rounding of its terms,
 * which are on the tensor's scale, not its own). The same rule as autograd-ops-torch.test.ts.
 */
import { expect } from 'vitest';

export const REL = 1e-5;

/** The largest |Δ|/bound seen (TORCH_CLOSE_REPORT=1 prints it after each file). */
export const worst = { ratio: 0, where: '' };

export function torchClose(
  what: string,
  ours: ArrayLike<number>,
  ref: readonly number[],
  rel = REL,
): void {
  expect(ours.length, `${what}: length`).toBe(ref.length);
  let scale = 0;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  for (let i = 0; i < ref.length; i++) {
    const bound = rel * Math.max(Math.abs(ref[i]), scale);
    const err = Math.abs(ours[i] - ref[i]);
    if (bound > 0 && err / bound > worst.ratio) {
      worst.ratio = err / bound;
      worst.where = `${expect.getState().currentTestName} ${what}[${i}]`;
    }
    if (!(err <= bound))
      expect.fail(
        `${what}[${i}]: ours ${ours[i]}, torch ${ref[i]} (|Δ| ${err.toExponential(2)} > ${bound.toExponential(2)})`,
      );
  }
}
