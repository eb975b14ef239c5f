/**
 * Shape operations: reshape/flatten/squeeze/unsqueeze are views (same buffer, no copy);
 * permute/transpose copy into the new order (every tensor here is dense row-major).
 */

import { record } from '../node.js';
import type { DType } from '../storage.js';
import { numel, shapeStr, type Tensor, type TensorLike, viewOf } from '../tensor.js';
import { type AnyTensor, asTensor, axisOf, backendOf, checkShape, out } from './util.js';

/** The shape with one −1 resolved, or an error naming both shapes. */
function resolveShape(fn: string, from: readonly number[], to: readonly number[]): number[] {
  if (!Array.isArray(to) || to.some((d) => !Number.isSafeInteger(d) || d < -1))
    throw new TypeError(
      `${fn}: shape must be an array of non-negative integers (one may be −1), got ${Array.isArray(to) ? shapeStr(to) : typeof to}`,
    );
  const n = numel(from);
  const free = to.filter((d) => d === -1).length;
  if (free > 1) throw new RangeError(`${fn}: only one dimension may be −1, got ${shapeStr(to)}`);
  const known = to.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (free === 1) {
    if (known === 0 || n % known !== 0)
      throw new RangeError(
        `${fn}: cannot reshape ${shapeStr(from)} (${n} elements) to ${shapeStr(to)}`,
      );
    return to.map((d) => (d === -1 ? n / known : d));
  }
  if (known !== n)
    throw new RangeError(
      `${fn}: cannot reshape ${shapeStr(from)} (${n} elements) to ${shapeStr(to)} (${known} elements)`,
    );
  return [...to];
}

function view<D extends DType>(fn: string, t: Tensor<D>, shape: readonly number[]): Tensor<D> {
  const v = viewOf(t, shape);
  if (t.dtype !== 'float32') return v;
  return record(
    {
      name: fn,
      inputs: [t as unknown as Tensor],
      backward: (ctx) => ctx.give(0, reshape(ctx.dy() as Tensor, t.shape)),
    },
    [v as unknown as Tensor],
  ) as unknown as Tensor<D>;
}

/** The same elements under `shape` (one dimension may be −1); shares the buffer. */
export function reshape<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  shape: readonly number[],
): Tensor<D> {
  const t = asTensor('reshape', 'x', x, 'any') as Tensor<D>;
  return view('reshape', t, resolveShape('reshape', t.shape, shape));
}

/** Dimensions `start`…`end` (inclusive, default 1…−1: keeps the batch axis) merged into one. */
export function flatten<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  start = 1,
  end = -1,
): Tensor<D> {
  const fn = 'flatten';
  const t = asTensor(fn, 'x', x, 'any') as Tensor<D>;
  if (t.ndim === 0) return view(fn, t, [1]);
  const s = axisOf(fn, 'start', start, t.ndim);
  const e = axisOf(fn, 'end', end, t.ndim);
  if (s > e) throw new RangeError(`${fn}: start (${start}) must not come after end (${end})`);
  const shape = [...t.shape.slice(0, s), numel(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return view(fn, t, shape);
}

/** A size-1 axis inserted at `axis` (in [−ndim−1, ndim]). */
export function unsqueeze<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  axis: number,
): Tensor<D> {
  const t = asTensor('unsqueeze', 'x', x, 'any') as Tensor<D>;
  const a = axisOf('unsqueeze', 'axis', axis, t.ndim + 1);
  return view('unsqueeze', t, [...t.shape.slice(0, a), 1, ...t.shape.slice(a)]);
}

/** Size-1 axes removed (all of them, or the one at `axis`, which must have size 1). */
export function squeeze<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  axis?: number,
): Tensor<D> {
  const fn = 'squeeze';
  const t = asTensor(fn, 'x', x, 'any') as Tensor<D>;
  if (axis === undefined)
    return view(
      fn,
      t,
      t.shape.filter((d) => d !== 1),
    );
  const a = axisOf(fn, 'axis', axis, t.ndim);
  if (t.shape[a] !== 1)
    throw new RangeError(
      `${fn}: axis ${axis} of ${shapeStr(t.shape)} has size ${t.shape[a]}, not 1`,
    );
  return view(
    fn,
    t,
    t.shape.filter((_, i) => i !== a),
  );
}

/** Axes reordered: output axis i is input axis `dims[i]` (torch.permute). Copies. */
export function permute<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  dims: readonly number[],
): Tensor<D> {
  const fn = 'permute';
  const t = asTensor(fn, 'x', x, 'any') as AnyTensor;
  checkShape(fn, 'dims', dims);
  if (
    dims.length !== t.ndim ||
    new Set(dims.map((d) => axisOf(fn, 'dims', d, t.ndim))).size !== t.ndim
  )
    throw new RangeError(
      `${fn}: dims must be a permutation of 0…${t.ndim - 1}, got [${dims.join(', ')}]`,
    );
  const p = dims.map((d) => (d < 0 ? d + t.ndim : d));
  const shape = p.map((d) => t.shape[d]);
  const y = out(backendOf(fn, t), shape, t.dtype) as AnyTensor;
  permuteInto(y._d, t._d, t.shape, p);
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => {
    inv[d] = i;
  });
  if (t.dtype !== 'float32') return y as Tensor<D>;
  return record(
    {
      name: fn,
      inputs: [t as Tensor],
      backward: (ctx) => ctx.give(0, permute(ctx.dy() as Tensor, inv)),
    },
    [y as Tensor],
  ) as unknown as Tensor<D>;
}

/** Axes `a` and `b` swapped (default: the last two, a matrix transpose). */
export function transpose<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  a = -2,
  b = -1,
): Tensor<D> {
  const t = asTensor('transpose', 'x', x, 'any') as Tensor<D>;
  const ia = axisOf('transpose', 'a', a, t.ndim);
  const ib = axisOf('transpose', 'b', b, t.ndim);
  const dims = t.shape.map((_, i) => (i === ia ? ib : i === ib ? ia : i));
  return permute(t, dims);
}

/** dst = src (shape `shape`) with axes permuted by `p`. */
function permuteInto(
  dst: Float32Array | Int32Array,
  src: Float32Array | Int32Array,
  shape: readonly number[],
  p: readonly number[],
): void {
  const nd = shape.length;
  const inStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const outShape = p.map((d) => shape[d]);
  const strides = p.map((d) => inStrides[d]);
  // 2-D (and batched 2-D with a trailing swap) in cache-friendly blocks.
  if (nd === 2 && p[0] === 1) {
    const [r, c] = shape;
    const B = 32;
    for (let i0 = 0; i0 < r; i0 += B)
      for (let j0 = 0; j0 < c; j0 += B)
        for (let i = i0; i < Math.min(i0 + B, r); i++)
          for (let j = j0; j < Math.min(j0 + B, c); j++) dst[j * r + i] = src[i * c + j];
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const total = dst.length;
  let off = 0;
  const last = nd - 1;
  for (let o = 0; o < total; ) {
    // innermost output axis in one run
    const n = outShape[last] ?? 1;
    const st = strides[last] ?? 0;
    for (let j = 0; j < n; j++) dst[o++] = src[off + j * st];
    // advance the outer index
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < outShape[d]) break;
      off -= strides[d] * outShape[d];
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}
