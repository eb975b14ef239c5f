/** Checked reductions. */
import { bool, count, f32, i32, lengthIs, noOverlap } from '../backend/validate.js';
import type { Pick } from './pick.js';

export function reduceOps(pick: Pick) {
  function shape(fn: string, x: Float32Array, rows: number, cols: number): void {
    f32(fn, 'x', x);
    count(fn, 'rows', rows);
    count(fn, 'cols', cols);
    lengthIs(fn, 'x', x, rows * cols, `rows × cols = ${rows} × ${cols}`);
  }
  return {
    /** Σ x (blockwise f32 lanes combined in f64 natively; f64 in JS). */
    sum(x: Float32Array): number {
      f32('sum', 'x', x);
      return pick(x.length).sum(x);
    },
    /** Arithmetic mean; NaN for an empty array. */
    mean(x: Float32Array): number {
      f32('mean', 'x', x);
      return x.length === 0 ? Number.NaN : pick(x.length).sum(x) / x.length;
    },
    /** Σ x². */
    sumSquares(x: Float32Array): number {
      f32('sumSquares', 'x', x);
      return pick(x.length).sumSquares(x);
    },
    /** Euclidean norm √(Σ x²). */
    norm(x: Float32Array): number {
      f32('norm', 'x', x);
      return Math.sqrt(pick(x.length).sumSquares(x));
    },
    /** Σ|x| (the L1 norm). */
    sumAbs(x: Float32Array): number {
      f32('sumAbs', 'x', x);
      return pick(x.length).sumAbs(x);
    },
    /** max |x| (the infinity norm); NaN if any element is NaN; 0 when empty. */
    maxAbs(x: Float32Array): number {
      f32('maxAbs', 'x', x);
      return pick(x.length).maxAbs(x);
    },
    /** Σ a·b. */
    dot(a: Float32Array, b: Float32Array): number {
      f32('dot', 'a', a);
      f32('dot', 'b', b);
      lengthIs('dot', 'b', b, a.length, 'the length of a');
      return pick(a.length).dot(a, b);
    },
    /** Largest element; NaN if any is NaN; -Infinity when empty. */
    max(x: Float32Array): number {
      f32('max', 'x', x);
      return pick(x.length).max(x);
    },
    /** Index of the first maximum of each row of a rows × cols matrix. */
    argmaxRows(x: Float32Array, rows: number, cols: number, out?: Int32Array): Int32Array {
      const fn = 'argmaxRows';
      shape(fn, x, rows, cols);
      if (cols === 0 && rows > 0)
        throw new RangeError(`${fn}: cols must be ≥ 1 when rows > 0, got 0`);
      const o = out ?? new Int32Array(rows);
      i32(fn, 'out', o);
      lengthIs(fn, 'out', o, rows, 'rows');
      noOverlap(fn, 'out', o, 'x', x, false);
      pick(x.length).argmaxRows(o, x, rows, cols);
      return o;
    },
    /** Column sums of a rows × cols matrix (bias gradients); `accumulate` adds to `out`. */
    colSums(
      x: Float32Array,
      rows: number,
      cols: number,
      out?: Float32Array,
      accumulate = false,
    ): Float32Array {
      const fn = 'colSums';
      shape(fn, x, rows, cols);
      bool(fn, 'accumulate', accumulate);
      const o = out ?? new Float32Array(cols);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, cols, 'cols');
      noOverlap(fn, 'out', o, 'x', x, false);
      pick(x.length).colSums(o, x, rows, cols, accumulate);
      return o;
    },
  };
}
