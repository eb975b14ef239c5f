/**
 * Binary elementwise kernels and simple fills/copies. Arithmetic is done in f64 on the f32
 * inputs and rounded once on store (for two f32 operands this is the correctly rounded f32
 * result). `out` may alias `a`, `b` or `x`: each loop reads element i before writing it.
 */
import type { BinaryOp } from '../kernels.js';

export function binary(op: BinaryOp, out: Float32Array, a: Float32Array, b: Float32Array): void {
  const n = out.length;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return;
    case 'max':
      // Math.max propagates NaN and orders -0 < +0, like torch.maximum.
      for (let i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]);
      return;
    case 'min':
      for (let i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]);
      return;
    default:
      throw new Error(`unknown binary op: ${String(op)}`);
  }
}

export function binaryScalar(op: BinaryOp, out: Float32Array, x: Float32Array, s: number): void {
  const n = out.length;
  s = Math.fround(s); // scalar operands are f32, as in the native kernels
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = x[i] + s;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = x[i] - s;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = x[i] * s;
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = x[i] / s;
      return;
    case 'max':
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], s);
      return;
    case 'min':
      for (let i = 0; i < n; i++) out[i] = Math.min(x[i], s);
      return;
    default:
      throw new Error(`unknown binary op: ${String(op)}`);
  }
}

/** `y[i] += alpha * x[i]`, computed in f64 per element. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  const n = y.length;
  alpha = Math.fround(alpha); // scalar operands are f32, as in the native kernels
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

export function fill(out: Float32Array, value: number): void {
  out.fill(value);
}

export function copy(dst: Float32Array, src: Float32Array): void {
  if (dst === src) return;
  // TypedArray#set handles overlapping views of one buffer correctly (memmove semantics).
  dst.set(src.length === dst.length ? src : src.subarray(0, dst.length));
}

/** `a += w(b − a)`, torch.lerp's two-branch formula; w is an f32 operand. */
export function lerp(a: Float32Array, b: Float32Array, w: number): void {
  w = Math.fround(w);
  const n = a.length;
  if (Math.abs(w) < 0.5) {
    for (let i = 0; i < n; i++) a[i] = a[i] + w * (b[i] - a[i]);
  } else {
    const omw = Math.fround(1 - w);
    for (let i = 0; i < n; i++) a[i] = b[i] - (b[i] - a[i]) * omw;
  }
}

/** `out = min(max(x, lo), hi)` with NaN kept; lo and hi are f32 operands. */
export function clamp(out: Float32Array, x: Float32Array, lo: number, hi: number): void {
  lo = Math.fround(lo);
  hi = Math.fround(hi);
  for (let i = 0; i < out.length; i++) {
    const v = x[i];
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** `x[o, j, i] += b[j]` for x of shape (outer, n, inner). */
export function biasAdd(
  x: Float32Array,
  b: Float32Array,
  outer: number,
  n: number,
  inner: number,
): void {
  let p = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const v = b[j];
      for (let i = 0; i < inner; i++, p++) x[p] += v;
    }
  }
}
