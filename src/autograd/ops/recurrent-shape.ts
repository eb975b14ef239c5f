/**
 * The few shape operations the recurrent layers need (slicing a state per layer, joining
 * per-layer final states, and in the createGraph formula cutting gates and time steps apart
 * and stacking steps back): a narrow along one axis, its adjoint (placing a tensor into zeros),
 * and a concatenation. Private to the recurrent ops; every one copies (tensors are dense) and
 * is differentiable to any order, each backward being another of the three.
 */
import { record } from '../node.js';
import { shapeStr, type Tensor } from '../tensor.js';
import { backendOf, out } from './util.js';

/** Sizes before, along and after `axis`: a row-major tensor is [outer, along, inner]. */
function split3(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** Copies, for each outer index, `len·inner` values from src at `from` to dst at `to`. */
function copyBlocks(
  dst: Float32Array,
  dstAlong: number,
  to: number,
  src: Float32Array,
  srcAlong: number,
  from: number,
  outer: number,
  len: number,
  inner: number,
): void {
  const n = len * inner;
  for (let o = 0; o < outer; o++) {
    const s = (o * srcAlong + from) * inner;
    dst.set(src.subarray(s, s + n), (o * dstAlong + to) * inner);
  }
}

/** x[..., start : start + len, ...] along `axis` (torch.narrow, as a copy). */
export function narrowAxis(x: Tensor, axis: number, start: number, len: number): Tensor {
  const fn = 'narrowAxis';
  const [outer, along, inner] = split3(x.shape, axis);
  if (!(axis >= 0 && axis < x.ndim && start >= 0 && len >= 0 && start + len <= along))
    throw new RangeError(
      `${fn}: [${start}, ${start + len}) along axis ${axis} is outside ${shapeStr(x.shape)}`,
    );
  if (start === 0 && len === along) return x;
  const shape = x.shape.map((d, i) => (i === axis ? len : d));
  const y = out(backendOf(fn, x), shape);
  copyBlocks(y._d, len, 0, x._d, along, start, outer, len, inner);
  return record(
    {
      name: fn,
      inputs: [x],
      backward: (ctx) => ctx.give(0, padAxis(ctx.dy() as Tensor, axis, start, along)),
    },
    [y],
  );
}

/** x placed at [start, start + x.shape[axis]) along `axis` of zeros `total` long there. */
export function padAxis(x: Tensor, axis: number, start: number, total: number): Tensor {
  const fn = 'padAxis';
  const [outer, len, inner] = split3(x.shape, axis);
  if (!(axis >= 0 && axis < x.ndim && start >= 0 && start + len <= total))
    throw new RangeError(
      `${fn}: ${shapeStr(x.shape)} at ${start} does not fit ${total} along axis ${axis}`,
    );
  if (len === total) return x;
  const shape = x.shape.map((d, i) => (i === axis ? total : d));
  const y = out(backendOf(fn, x), shape);
  y._d.fill(0);
  copyBlocks(y._d, total, start, x._d, len, 0, outer, len, inner);
  return record(
    {
      name: fn,
      inputs: [x],
      backward: (ctx) => ctx.give(0, narrowAxis(ctx.dy() as Tensor, axis, start, len)),
    },
    [y],
  );
}

/** The tensors joined along `axis` (torch.cat); all other axes must agree. */
export function catAxis(xs: readonly Tensor[], axis: number): Tensor {
  const fn = 'catAxis';
  if (xs.length === 1) return xs[0];
  const first = xs[0].shape;
  for (const x of xs)
    if (x.ndim !== first.length || x.shape.some((d, i) => i !== axis && d !== first[i]))
      throw new RangeError(
        `${fn}: ${shapeStr(x.shape)} does not match ${shapeStr(first)} off axis ${axis}`,
      );
  const lens = xs.map((x) => x.shape[axis]);
  const total = lens.reduce((a, n) => a + n, 0);
  const shape = first.map((d, i) => (i === axis ? total : d));
  const y = out(backendOf(fn, ...xs), shape);
  const [outer, , inner] = split3(shape, axis);
  let at = 0;
  xs.forEach((x, k) => {
    copyBlocks(y._d, total, at, x._d, lens[k], 0, outer, lens[k], inner);
    at += lens[k];
  });
  return record(
    {
      name: fn,
      inputs: xs,
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        let from = 0;
        xs.forEach((_, k) => {
          if (ctx.needs(k)) ctx.give(k, narrowAxis(dy, axis, from, lens[k]));
          from += lens[k];
        });
      },
    },
    [y],
  );
}
