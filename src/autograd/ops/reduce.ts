/**
 * Sum and mean over axes, with keepdims (torch.sum / torch.mean). The reduction is the
 * broadcast gradient's kernel (sumInto): over leading axes one colSums, over a middle axis one
 * biasGrad, over everything one sum. Backward broadcasts the gradient back (expand).
 */
import { bool, optionsOf } from '../../backend/validate.js';
import { record } from '../node.js';
import { type Tensor, type TensorLike, viewOf } from '../tensor.js';
import { sumInto } from './broadcast.js';
import { expand, mul } from './elementwise.js';
import { reshape } from './shape.js';
import { asTensor, axisOf, backendOf, kernels, out } from './util.js';

/** Options of the reductions (sum, mean, max, min, argmax, logsumexp). */
export interface ReduceOptions {
  /** Keep reduced axes as size 1 (default false). PyTorch: `keepdim`. */
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

/** `opts.keepdims` after refusing anything but the option names in `valid`. */
export function keepdimsOf(
  fn: string,
  opts: object | undefined,
  valid: readonly string[] = ['keepdims'],
): boolean {
  if (opts === undefined) return false;
  optionsOf(fn, opts, valid);
  const keep = (opts as ReduceOptions).keepdims;
  if (keep !== undefined) bool(fn, 'keepdims', keep);
  return keep ?? false;
}

/**
 * The reduction as blocks [outer, n, inner] (reduce the middle axis) when the reduced axes are
 * adjacent once size-1 axes are ignored; null when kept axes sit between them.
 */
export function reduceLayout(
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; n: number; inner: number } | null {
  let outer = 1;
  let n = 1;
  let inner = 1;
  let phase = 0; // 0: before the reduced run, 1: in it, 2: after it
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    const red = axes.includes(i);
    if (d === 1) continue;
    if (red) {
      if (phase === 2) return null;
      phase = 1;
      n *= d;
    } else if (phase === 0) outer *= d;
    else {
      phase = 2;
      inner *= d;
    }
  }
  return { outer, n, inner };
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
