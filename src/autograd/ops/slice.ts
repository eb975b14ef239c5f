/**
 * Pieces along one axis and back: `slice` (start/end/step, Python's slice rules as torch's
 * `x[..., a:b:c]`), `split`/`chunk` (torch.split/torch.chunk: one node with several outputs),
 * `cat` and `stack`. Every one is block copies over the [outer, n, inner] view of the axis.
 * They are linear and each one's backward is another of them (derivatives.yaml: slice ↔
 * slice_backward, cat ↔ split), so gradients of any order come for free. int32 tensors can
 * be sliced, split and joined too (not differentiated).
 */

import { describe } from '../../backend/validate.js';
import { record } from '../node.js';
import { internally } from '../scope.js';
import type { DType } from '../storage.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { unsqueeze } from './shape.js';
import { type AnyTensor, asTensor, axisOf, backendOf, out } from './util.js';

type Buf = Float32Array | Int32Array;

/** outer × n × inner around `axis`. */
function blocks(shape: readonly number[], axis: number) {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}

function int(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(v)}`);
  return v;
}

/** dst[o, j, :] = src[o, start + j·step, :] for j < m (dst has m along the axis). */
function gatherRows(
  dst: Buf,
  src: Buf,
  outer: number,
  n: number,
  inner: number,
  start: number,
  step: number,
  m: number,
): void {
  for (let o = 0; o < outer; o++) {
    const so = o * n * inner;
    const doff = o * m * inner;
    if (step === 1) {
      const s = so + start * inner;
      (dst as Float32Array).set((src as Float32Array).subarray(s, s + m * inner), doff);
    } else {
      for (let j = 0; j < m; j++) {
        const s = so + (start + j * step) * inner;
        (dst as Float32Array).set((src as Float32Array).subarray(s, s + inner), doff + j * inner);
      }
    }
  }
}

/**
 * Elements `start`, `start + step`, … before `end` along `axis` (torch `x[..., start:end:step]`:
 * negative bounds count from the end, bounds past the ends are clamped, step ≥ 1). Copies.
 */
export function slice<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  axis: number,
  start = 0,
  end?: number,
  step = 1,
): Tensor<D> {
  const fn = 'slice';
  const t = asTensor(fn, 'x', x, 'any');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  const n = t.shape[a];
  const clampIdx = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = clampIdx(int(fn, 'start', start));
  const e = end === undefined ? n : clampIdx(int(fn, 'end', end));
  const st = int(fn, 'step', step);
  if (st < 1) throw new RangeError(`${fn}: step must be ≥ 1, got ${st}`);
  const m = e > s ? Math.ceil((e - s) / st) : 0;
  return sliced(t, a, s, st, m) as Tensor<D>;
}

/** The slice with normalised arguments (m elements from s by st along axis a). */
function sliced(t: AnyTensor, a: number, s: number, st: number, m: number): AnyTensor {
  const shape = [...t.shape];
  shape[a] = m;
  const { outer, n, inner } = blocks(t.shape, a);
  const y = out(backendOf('slice', t), shape, t.dtype) as AnyTensor;
  gatherRows(y._d, t._d, outer, n, inner, s, st, m);
  if (t.dtype !== 'float32') return y;
  const tf = t as Tensor;
  return record(
    {
      name: 'slice',
      inputs: [tf],
      backward: (ctx) => ctx.give(0, sliceScatter(ctx.dy() as Tensor, tf.shape, a, s, st)),
    },
    [y as Tensor],
  );
}

/**
 * Zeros of `shape` with `src` placed at `start`, `start + step`, … along `axis` (the backward
 * of slice, torch's slice_backward; its own backward is the slice).
 */
export function sliceScatter(
  src: Tensor,
  shape: readonly number[],
  axis: number,
  start: number,
  step: number,
): Tensor {
  const y = out(backendOf('slice', src), shape);
  const { outer, n, inner } = blocks(shape, axis);
  const m = src.shape[axis];
  const d = y._d;
  const sd = src._d;
  if (step === 1 && m === n) d.set(sd);
  else {
    d.fill(0);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        const so = (o * m + j) * inner;
        d.set(sd.subarray(so, so + inner), (o * n + start + j * step) * inner);
      }
  }
  return record(
    {
      name: 'sliceBackward',
      inputs: [src],
      backward: (ctx) => ctx.give(0, sliced(ctx.dy() as Tensor, axis, start, step, m) as Tensor),
    },
    [y],
  );
}

/**
 * Pieces along `axis` (default 0): of `size` elements each (the last may be shorter), or of
 * the given sizes, which must add up to the axis (torch.split). One node, one output per piece.
 */
export function split<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  sizes: number | readonly number[],
  axis = 0,
): Tensor<D>[] {
  const fn = 'split';
  const t = asTensor(fn, 'x', x, 'any');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  const n = t.shape[a];
  let list: number[];
  if (typeof sizes === 'number') {
    const sz = int(fn, 'sizes', sizes);
    if (sz < 1 && n > 0) throw new RangeError(`${fn}: sizes must be ≥ 1, got ${sz}`);
    list = [];
    for (let i = 0; i < n; i += sz) list.push(Math.min(sz, n - i));
    if (list.length === 0) list.push(0);
  } else {
    if (!Array.isArray(sizes) || sizes.length === 0)
      throw new TypeError(
        `${fn}: sizes must be an integer or a non-empty array of integers, got ${describe(sizes)}`,
      );
    list = sizes.map((v, i) => {
      const s = int(fn, `sizes[${i}]`, v);
      if (s < 0) throw new RangeError(`${fn}: sizes[${i}] must be ≥ 0, got ${s}`);
      return s;
    });
    const total = list.reduce((p, v) => p + v, 0);
    if (total !== n)
      throw new RangeError(
        `${fn}: sizes [${list.join(', ')}] add up to ${total}, but axis ${a} of ${shapeStr(t.shape)} has ${n}`,
      );
  }
  return splitSizes(t, a, list) as Tensor<D>[];
}

function splitSizes(t: AnyTensor, a: number, list: readonly number[]): AnyTensor[] {
  const { outer, n, inner } = blocks(t.shape, a);
  const b = backendOf('split', t);
  let off = 0;
  const outs = list.map((m) => {
    const shape = [...t.shape];
    shape[a] = m;
    const y = out(b, shape, t.dtype) as AnyTensor;
    gatherRows(y._d, t._d, outer, n, inner, off, 1, m);
    off += m;
    return y;
  });
  if (t.dtype !== 'float32') return outs;
  const tf = t as Tensor;
  record(
    {
      name: 'split',
      inputs: [tf],
      // The pieces' gradients joined back (a piece that got none contributes zeros).
      backward: (ctx) =>
        ctx.give(
          0,
          cat(
            outs.map((o, k) => ctx.dy(k) ?? zerosLike(o as Tensor)),
            a,
          ),
        ),
    },
    outs as Tensor[],
  );
  return outs;
}

function zerosLike(t: Tensor): Tensor {
  const z = out(backendOf('split', t), t.shape);
  z._d.fill(0);
  return z;
}

/**
 * `chunks` pieces along `axis` (default 0) of ⌈n/chunks⌉ elements each, the last shorter
 * (torch.chunk: fewer pieces when n does not fill them).
 */
export function chunk<D extends DType = 'float32'>(
  x: Tensor<D> | TensorLike,
  chunks: number,
  axis = 0,
): Tensor<D>[] {
  const fn = 'chunk';
  const t = asTensor(fn, 'x', x, 'any');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const c = int(fn, 'chunks', chunks);
  if (c < 1) throw new RangeError(`${fn}: chunks must be ≥ 1, got ${c}`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  const size = Math.max(1, Math.ceil(t.shape[a] / c));
  return split(t as Tensor<D>, size, a);
}

/** The tensors joined along `axis` (default 0); their other dimensions must agree (torch.cat). */
export function cat<D extends DType = 'float32'>(
  tensors: readonly (Tensor<D> | TensorLike)[],
  axis = 0,
): Tensor<D> {
  const fn = 'cat';
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new TypeError(`${fn}: tensors must be a non-empty array, got ${describe(tensors)}`);
  const ts = tensors.map((x, i) => asTensor(fn, `tensors[${i}]`, x, 'any'));
  const first = ts[0];
  if (first.ndim === 0) throw new RangeError(`${fn}: tensors[0] must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, first.ndim);
  ts.forEach((t, i) => {
    if (t.dtype !== first.dtype)
      throw new TypeError(
        `${fn}: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}; join tensors of one dtype`,
      );
    if (t.ndim !== first.ndim || t.shape.some((d, j) => j !== a && d !== first.shape[j]))
      throw new RangeError(
        `${fn}: tensors[0] ${shapeStr(first.shape)} and tensors[${i}] ${shapeStr(t.shape)} differ outside axis ${a}`,
      );
  });
  const b = backendOf(fn, ...ts);
  const shape = [...first.shape];
  shape[a] = ts.reduce((p, t) => p + t.shape[a], 0);
  const y = out(b, shape, first.dtype) as AnyTensor;
  const { outer, n, inner } = blocks(shape, a);
  let off = 0;
  for (const t of ts) {
    const m = t.shape[a];
    const src = t._d as Float32Array;
    const dst = y._d as Float32Array;
    for (let o = 0; o < outer; o++)
      dst.set(src.subarray(o * m * inner, (o + 1) * m * inner), (o * n + off) * inner);
    off += m;
  }
  if (first.dtype !== 'float32') return y as Tensor<D>;
  const offsets: number[] = [];
  off = 0;
  for (const t of ts) {
    offsets.push(off);
    off += t.shape[a];
  }
  return record(
    {
      name: fn,
      inputs: ts as Tensor[],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        ts.forEach((t, i) => {
          if (ctx.needs(i)) ctx.give(i, sliced(dy, a, offsets[i], 1, t.shape[a]) as Tensor);
        });
      },
    },
    [y as Tensor],
  ) as unknown as Tensor<D>;
}

/** Another name for `cat` (torch.concat). */
export const concat = cat;

/** The tensors (all of one shape) stacked along a new axis `axis` (default 0), torch.stack. */
export function stack<D extends DType = 'float32'>(
  tensors: readonly (Tensor<D> | TensorLike)[],
  axis = 0,
): Tensor<D> {
  const fn = 'stack';
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new TypeError(`${fn}: tensors must be a non-empty array, got ${describe(tensors)}`);
  const ts = tensors.map((x, i) => asTensor(fn, `tensors[${i}]`, x, 'any'));
  const first = ts[0];
  ts.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d, j) => d !== first.shape[j]))
      throw new RangeError(
        `${fn}: tensors[0] ${shapeStr(first.shape)} and tensors[${i}] ${shapeStr(t.shape)} differ; stack needs one shape`,
      );
  });
  const a = axisOf(fn, 'axis', axis, first.ndim + 1);
  return internally(() =>
    cat(
      ts.map((t) => unsqueeze(t, a) as AnyTensor as Tensor),
      a,
    ),
  ) as unknown as Tensor<D>;
}
