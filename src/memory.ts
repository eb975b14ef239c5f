/**
 * Flat buffers. Arrays that are stepped through together (parameters, gradients, optimizer
 * moments) are placed in one ArrayBuffer at staggered offsets: equal-length arrays at
 * power-of-two distances map to the same cache sets and cost Adam ~15% at 64K parameters
 * (measured, /tmp benchmark in the optimizer issue's note).
 */

const ALIGN = 64; // bytes: one cache line, one AVX-512 vector

/** Float32Arrays of the given lengths in one zeroed ArrayBuffer, each cache-line aligned within it and staggered. */
export function allocArena(lengths: readonly number[], what = 'allocArena'): Float32Array[] {
  let offset = 0;
  const starts: number[] = [];
  for (let i = 0; i < lengths.length; i++) {
    starts.push(offset);
    const bytes = lengths[i] * 4;
    // Round up to a cache line, then add one line per array so strides are not 2^k.
    offset += Math.ceil(bytes / ALIGN) * ALIGN + ALIGN * ((i % 7) + 1);
  }
  let buf: ArrayBuffer;
  try {
    buf = new ArrayBuffer(offset);
  } catch (e) {
    // V8's message ("Array buffer allocation failed") says neither what nor how much
    throw new RangeError(
      `${what}: cannot allocate ${(offset / 2 ** 20).toFixed(1)} MiB for ${lengths.length} float32 array(s) of up to ${Math.max(...lengths)} elements: ${(e as Error).message}`,
    );
  }
  return lengths.map((n, i) => new Float32Array(buf, starts[i], n));
}
