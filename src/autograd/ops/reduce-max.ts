/**
 * Reductions that pick: `max`/`min` over axes (torch.amax/torch.amin), `argmax` (int32, not
 * differentiable) and `logsumexp`. Rows (reduced axes last) go through the `argmaxRows`
 * kernel; a reduced axis with elements after it through the `max`/`min` binary kernel, one
 * call per reduced index; reduced axes with kept axes between them are first moved last.
 *
 * Gradients follow PyTorch's derivatives.yaml: amax/amin give the gradient to every element
 * equal to the result, divided by how many there are (`scale_grad_by_count`, so ties share it
 * evenly); logsumexp's is dy·exp(x − y) (`logsumexp_backward`). Both are written in tensor
 * operations, so they work under createGraph (the tie mask is a constant, as in PyTorch).
 */
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { expandInto, sumInto } from './broadcast.js';
import { div, mul, sub } from './elementwise.js';
import {
  keepdimsOf,
  type ReduceOptions,
  reduceAxes,
  reducedShapes,
  reduceLayout,
  sum,
} from './reduce.js';
import { permute, reshape } from './shape.js';
import { exp } from './unary.js';
import { asTensor, axisOf, backendOf, kernels, out } from './util.js';

type Kind = 'max' | 'min';

/** Refuses a reduction over an axis of size 0 (it has no maximum), naming it. */
function checkNonEmpty(fn: string, t: Tensor, axes: readonly number[]): void {
  for (const a of axes)
    if (t.shape[a] === 0)
      throw new RangeError(
        `${fn}: cannot reduce ${shapeStr(t.shape)} over axis ${a}: it has size 0 (no ${fn === 'min' ? 'minimum' : 'maximum'})`,
      );
}

/** x with the reduced axes moved last (a copy, no recording), or x when they already are. */
function reducedLast(t: Tensor, axes: readonly number[]): Tensor {
  const kept = t.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return noGrad(() => permute(t, [...kept, ...axes]));
}

/** Writes into `dst` (the kept shape's elements) the max or min of `t` over `axes`. */
function extremeInto(kind: Kind, dst: Float32Array, t: Tensor, axes: readonly number[]): void {
  const b = backendOf(kind, t);
  let lay = reduceLayout(t.shape, axes);
  let src = t;
  if (!lay) {
    src = reducedLast(t, axes);
    lay = reduceLayout(src.shape, src.shape.map((_, i) => i).slice(src.ndim - axes.length));
  }
  const { outer, n, inner } = lay as { outer: number; n: number; inner: number };
  const x = src._d;
  const k = kernels(b, outer * n * inner);
  if (dst.length === 0) {
    // nothing to write
  } else if (inner === 1) {
    // One argmaxRows call (of −x for min), then a gather of the winners.
    const idx = out(b, [outer], 'int32') as unknown as Tensor<'int32'>;
    let neg: Tensor | null = null;
    if (kind === 'min') {
      neg = out(b, src.shape);
      k.unary('neg', neg._d, x, 0, 0);
    }
    k.argmaxRows(idx._d, neg ? neg._d : x, outer, n);
    const id = idx._d;
    for (let o = 0; o < outer; o++) dst[o] = x[o * n + id[o]];
    idx._release();
    neg?._release();
  } else {
    const op = kind === 'max' ? 'max' : 'min';
    for (let o = 0; o < outer; o++) {
      const row = dst.subarray(o * inner, (o + 1) * inner);
      const base = o * n * inner;
      row.set(x.subarray(base, base + inner));
      if (inner >= 32) {
        for (let j = 1; j < n; j++)
          k.binary(op, row, row, x.subarray(base + j * inner, base + (j + 1) * inner));
      } else {
        for (let j = 1; j < n; j++) {
          const off = base + j * inner;
          for (let i = 0; i < inner; i++) {
            const v = x[off + i];
            const m = row[i];
            // NaN wins, as torch.amax
            if ((kind === 'max' ? v > m : v < m) || Number.isNaN(v)) row[i] = v;
          }
        }
      }
    }
  }
  if (src !== t) src._release();
}

function extreme(
  kind: Kind,
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  const fn = kind;
  const t = asTensor(fn, 'x', x, 'float32');
  const ax = reduceAxes(fn, axes, t.ndim);
  const keep = keepdimsOf(fn, opts);
  checkNonEmpty(fn, t, ax);
  const { kept, final } = reducedShapes(t.shape, ax, keep);
  const b = backendOf(fn, t);
  const y = out(b, final);
  extremeInto(kind, y._d, t, ax);
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = reshape(ctx.dy() as Tensor, kept);
        // Ties share the gradient evenly: dx = dy/count · [x == y] (scale_grad_by_count).
        const mask = tieMask(t, y, kept);
        const count = sum(mask, ax, { keepdims: true });
        ctx.give(0, mul(mask, div(dy, count)));
      },
    },
    [y],
  );
}

/** The constant [x == y] (y broadcast back over the reduced axes). */
function tieMask(t: Tensor, y: Tensor, kept: readonly number[]): Tensor {
  return noGrad(() => {
    const m = out(backendOf('mask', t, y), t.shape);
    const d = m._d;
    expandInto(d, y._d, kept, t.shape);
    const x = t._d;
    for (let i = 0; i < d.length; i++) d[i] = x[i] === d[i] ? 1 : 0;
    return m;
  });
}

/** Largest element over `axes` (all by default), as torch.amax; ties share the gradient. */
export function max(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  return extreme('max', x, axes, opts);
}

/** Smallest element over `axes` (all by default), as torch.amin; ties share the gradient. */
export function min(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  return extreme('min', x, axes, opts);
}

/**
 * Index (int32) of the first largest element along `axis`, or of the flattened tensor when
 * `axis` is undefined (torch.argmax; a NaN counts as the largest). Not differentiable.
 */
export function argmax(x: TensorLike, axis?: number, opts?: ReduceOptions): Tensor<'int32'> {
  const fn = 'argmax';
  const t = asTensor(fn, 'x', x, 'float32');
  const keep = keepdimsOf(fn, opts);
  const b = backendOf(fn, t);
  if (axis === undefined) {
    if (t.size === 0) throw new RangeError(`${fn}: x ${shapeStr(t.shape)} has no elements`);
    const y = out(b, keep ? t.shape.map(() => 1) : [], 'int32') as unknown as Tensor<'int32'>;
    kernels(b, t.size).argmaxRows(y._d, t._d, 1, t.size);
    return y;
  }
  const a = axisOf(fn, 'axis', axis, t.ndim);
  checkNonEmpty(fn, t, [a]);
  const { final } = reducedShapes(t.shape, [a], keep);
  const y = out(b, final, 'int32') as unknown as Tensor<'int32'>;
  const src = a === t.ndim - 1 ? t : reducedLast(t, [a]);
  const cols = t.shape[a];
  if (y.size > 0) kernels(b, t.size).argmaxRows(y._d, src._d, y.size, cols);
  if (src !== t) src._release();
  return y;
}

/**
 * log Σ exp(x) over `axes` (all by default), computed stably as m + log Σ exp(x − m) with m
 * the maximum (0 where it is ±∞, as torch.logsumexp).
 */
export function logsumexp(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  const fn = 'logsumexp';
  const t = asTensor(fn, 'x', x, 'float32');
  const ax = reduceAxes(fn, axes, t.ndim);
  const keep = keepdimsOf(fn, opts);
  const { kept, final } = reducedShapes(t.shape, ax, keep);
  const b = backendOf(fn, t);
  const y = out(b, final);
  const m = out(b, kept);
  const e = out(b, t.shape);
  const k = kernels(b, 8 * t.size);
  if (t.size > 0) {
    extremeInto('max', m._d, t, ax);
    const md = m._d;
    for (let i = 0; i < md.length; i++) if (md[i] === Infinity || md[i] === -Infinity) md[i] = 0;
    expandInto(e._d, md, kept, t.shape);
    k.binary('sub', e._d, t._d, e._d);
    k.unary('exp', e._d, e._d, 0, 0);
    sumInto(k, y._d, e._d, kept, t.shape);
    k.unary('log', y._d, y._d, 0, 0);
    k.binary('add', y._d, y._d, md);
  } else {
    k.fill(y._d, -Infinity); // log of an empty sum
  }
  m._release();
  e._release();
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = reshape(ctx.dy() as Tensor, kept);
        // dx = dy · exp(x − y)
        ctx.give(0, mul(exp(sub(t, reshape(y, kept))), dy));
      },
    },
    [y],
  );
}
