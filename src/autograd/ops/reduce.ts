/**
 * Sum and mean over axes, with keepdims (torch.sum / torch.mean). The reduction is the
 * broadcast gradient's kernel (sumInto): over leading axes one colSums, over a middle axis one
 * biasGrad, over everything one sum. Backward broadcasts the gradient back (expand).
 */
import { record } from '../node.js';
import { type Tensor, type TensorLike, viewOf } from '../tensor.js';
import { sumInto } from './broadcast.js';
import { expand, mul } from './elementwise.js';
import { reshape } from './shape.js';
import { asTensor, axisOf, backendOf, kernels, out } from './util.js';

export interface ReduceOptions {
  /** Keep reduced axes as size 1 (default false). */
  keepdims?: boolean;
}

/** Axes to reduce (sorted, unique, normalised); all when `axes` is undefined. */
export function reduceAxes(
  fn: string,
  axes: number | readonly number[] | undefined,
  ndim: number,
): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list))
    throw new TypeError(
      `${fn}: axes must be an integer or an array of integers, got ${typeof axes}`,
    );
  const norm = list.map((a, i) => axisOf(fn, `axes[${i}]`, a, ndim));
  const set = [...new Set(norm)].sort((a, b) => a - b);
  if (set.length !== norm.length)
    throw new RangeError(`${fn}: axes repeat an axis: [${list.join(', ')}]`);
  return set;
}

/** The shape with reduced axes as 1 (keepdims form), and the final shape. */
export function reducedShapes(
  shape: readonly number[],
  axes: readonly number[],
  keepdims: boolean,
) {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const final = keepdims ? kept : shape.filter((_, i) => !axes.includes(i));
  return { kept, final };
}

function keepdimsOf(fn: string, opts: ReduceOptions | undefined): boolean {
  if (opts === undefined) return false;
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`${fn}: options must be an object`);
  for (const k of Object.keys(opts))
    if (k !== 'keepdims')
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(k)}; valid: keepdims`);
  if (opts.keepdims !== undefined && typeof opts.keepdims !== 'boolean')
    throw new TypeError(`${fn}: keepdims must be a boolean`);
  return opts.keepdims ?? false;
}

/** Σ over `axes` (all by default). */
export function sum(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  const fn = 'sum';
  const t = asTensor(fn, 'x', x, 'float32');
  const ax = reduceAxes(fn, axes, t.ndim);
  const keep = keepdimsOf(fn, opts);
  const { kept, final } = reducedShapes(t.shape, ax, keep);
  const b = backendOf(fn, t);
  const yk = out(b, kept);
  sumInto(kernels(b, t.size), yk._d, t._d, kept, t.shape);
  const y = keep ? yk : viewOf(yk, final);
  if (!keep) yk._release();
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        ctx.give(0, expand(keep ? dy : reshape(dy, kept), t.shape));
      },
    },
    [y],
  );
}

/** Mean over `axes` (all by default). */
export function mean(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: ReduceOptions,
): Tensor {
  const t = asTensor('mean', 'x', x, 'float32');
  const ax = reduceAxes('mean', axes, t.ndim);
  let n = 1;
  for (const a of ax) n *= t.shape[a];
  return mul(sum(t, ax, opts), 1 / n);
}
