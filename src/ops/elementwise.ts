/** Checked binary elementwise ops, scalar forms, axpy, fill and copy. */
import { BINARY_CODES, type BinaryOp } from '../backend/kernels.js';
import { f32, finite, lengthIs, noOverlap, oneOf } from '../backend/validate.js';
import type { Pick } from './pick.js';

export const BINARY_OPS = Object.keys(BINARY_CODES) as BinaryOp[];

export function elementwiseOps(pick: Pick) {
  return {
    /** out = a op b elementwise; `out` may be `a` or `b` itself. */
    binary(
      op: BinaryOp,
      a: Float32Array,
      b: Float32Array,
      out?: Float32Array,
      name?: string,
    ): Float32Array {
      const fn = name ?? `binary(${String(op)})`;
      oneOf(fn, 'op', op, BINARY_OPS);
      f32(fn, 'a', a);
      f32(fn, 'b', b);
      lengthIs(fn, 'b', b, a.length, 'the length of a');
      const o = out ?? new Float32Array(a.length);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, a.length, 'the length of a');
      noOverlap(fn, 'out', o, 'a', a, true);
      noOverlap(fn, 'out', o, 'b', b, true);
      pick(a.length).binary(op, o, a, b);
      return o;
    },

    /** out = x op s for a scalar s; `out` may be `x` itself. */
    binaryScalar(op: BinaryOp, x: Float32Array, s: number, out?: Float32Array): Float32Array {
      const fn = `binaryScalar(${String(op)})`;
      oneOf(fn, 'op', op, BINARY_OPS);
      f32(fn, 'x', x);
      if (typeof s !== 'number') finite(fn, 's', s);
      const o = out ?? new Float32Array(x.length);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, x.length, 'the length of x');
      noOverlap(fn, 'out', o, 'x', x, true);
      pick(x.length).binaryScalar(op, o, x, s);
      return o;
    },

    /** y += alpha · x (y is updated in place and returned). */
    axpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
      const fn = 'axpy';
      finite(fn, 'alpha', alpha);
      f32(fn, 'x', x);
      f32(fn, 'y', y);
      lengthIs(fn, 'y', y, x.length, 'the length of x');
      noOverlap(fn, 'y', y, 'x', x, false);
      pick(x.length).axpy(alpha, x, y);
      return y;
    },

    /** out = alpha · x; `out` may be `x` itself. */
    scale(x: Float32Array, alpha: number, out?: Float32Array): Float32Array {
      const fn = 'scale';
      finite(fn, 'alpha', alpha);
      f32(fn, 'x', x);
      const o = out ?? new Float32Array(x.length);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, x.length, 'the length of x');
      noOverlap(fn, 'out', o, 'x', x, true);
      pick(x.length).binaryScalar('mul', o, x, alpha);
      return o;
    },

    /** a += w·(b − a) in place (torch.lerp); returns a. */
    lerp(a: Float32Array, b: Float32Array, w: number): Float32Array {
      const fn = 'lerp';
      f32(fn, 'a', a);
      f32(fn, 'b', b);
      finite(fn, 'w', w);
      lengthIs(fn, 'b', b, a.length, 'the length of a');
      noOverlap(fn, 'a', a, 'b', b, false);
      pick(a.length).lerp(a, b, w);
      return a;
    },

    /** out = min(max(x, lo), hi), NaN kept; `out` may be `x` itself. */
    clamp(x: Float32Array, lo: number, hi: number, out?: Float32Array): Float32Array {
      const fn = 'clamp';
      f32(fn, 'x', x);
      if (typeof lo !== 'number' || Number.isNaN(lo)) finite(fn, 'lo', lo);
      if (typeof hi !== 'number' || Number.isNaN(hi)) finite(fn, 'hi', hi);
      if (lo > hi) throw new RangeError(`${fn}: lo must be ≤ hi, got lo = ${lo}, hi = ${hi}`);
      const o = out ?? new Float32Array(x.length);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, x.length, 'the length of x');
      noOverlap(fn, 'out', o, 'x', x, true);
      pick(x.length).clamp(o, x, lo, hi);
      return o;
    },

    /** Sets every element of `out` to `value`. */
    fill(out: Float32Array, value: number): Float32Array {
      f32('fill', 'out', out);
      if (typeof value !== 'number') finite('fill', 'value', value);
      pick(out.length).fill(out, value);
      return out;
    },

    /** Copies `src` into `dst` (equal lengths, no partial overlap). */
    copy(src: Float32Array, dst: Float32Array): Float32Array {
      f32('copy', 'src', src);
      f32('copy', 'dst', dst);
      lengthIs('copy', 'dst', dst, src.length, 'the length of src');
      noOverlap('copy', 'dst', dst, 'src', src, true);
      pick(src.length).copy(dst, src);
      return dst;
    },
  };
}
