/**
 * The batch gather: rows of a row-major table picked by index, as a shuffled mini-batch is
 * read from a dataset in memory. One kernel call (the embedding lookup's) instead of a copy per
 * row from JS. On the native backend the rows are split over the pool's threads, since the rows
 * of a large table miss every cache and each thread keeps its own reads in flight (128
 * Fashion-MNIST images inside a training step: 190–237 µs copied from JS, 115–150 µs here;
 * benchmarks/step-phases.mjs).
 */
import { backend, getBackend } from '../backend/select.js';
import { f32, i32, lengthIs, noOverlap, positiveInt } from '../backend/validate.js';

/**
 * `out[r, :] = table[indices[r], :]` for rows of `rowLength` values; `out` is allocated when
 * omitted. Every argument is checked before anything is written.
 *
 * @example
 * ```ts
 * import { data } from 'descent-ml';
 *
 * const table = new Float32Array([0, 1, 10, 11, 20, 21]); // 3 rows of 2
 * data.gatherRows(table, 2, new Int32Array([2, 0])); // Float32Array [20, 21, 0, 1]
 * ```
 */
export function gatherRows(
  table: Float32Array,
  rowLength: number,
  indices: Int32Array,
  out?: Float32Array,
): Float32Array {
  const fn = 'gatherRows';
  f32(fn, 'table', table);
  positiveInt(fn, 'rowLength', rowLength);
  i32(fn, 'indices', indices);
  if (table.length % rowLength !== 0)
    throw new RangeError(
      `${fn}: table has length ${table.length}, not a multiple of rowLength ${rowLength}`,
    );
  const rows = table.length / rowLength;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (i < 0 || i >= rows)
      throw new RangeError(`${fn}: indices[${k}] = ${i} is outside [0, ${rows}) (table rows)`);
  }
  const want = indices.length * rowLength;
  if (out === undefined) out = new Float32Array(want);
  else {
    f32(fn, 'out', out);
    lengthIs(fn, 'out', out, want, 'indices × rowLength');
    noOverlap(fn, 'out', out, 'table', table, false);
    noOverlap(fn, 'out', out, 'indices', indices, false);
  }
  gatherRowsUnchecked(table, rowLength, indices, out);
  return out;
}

/** {@link gatherRows} for callers whose indices and buffers are valid by construction. */
export function gatherRowsUnchecked(
  table: Float32Array,
  rowLength: number,
  indices: Int32Array,
  out: Float32Array,
): void {
  if (indices.length === 0) return;
  const b = getBackend();
  // The wasm backend would first copy the whole table into its memory, and kernels must not
  // read memory other threads may write (a dataset on a SharedArrayBuffer): the JS copy then.
  const native = b.name === 'native' && !isShared(table.buffer) && !isShared(out.buffer);
  const k = native ? b.kernelsFor(out.length) : backend('js').kernels;
  k.embeddingForward(out, table, indices, rowLength);
}

function isShared(buf: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer;
}
