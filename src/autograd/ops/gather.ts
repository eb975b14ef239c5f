/**
 * Selection by int32 indices: `indexSelect` (whole slices along an axis, torch.index_select)
 * and `gather` (one element per index, torch.gather). Their backwards scatter-add the gradient
 * into zeros (`indexAdd`, `scatterAdd`: derivatives.yaml's index_add / scatter_add), and
 * those two are linear with the selections as their backwards, so every order works.
 * indexSelect and indexAdd run on the embedding kernels (rows of `inner` elements, one call
 * per outer block); gather and scatterAdd walk the index tensor.
 */
import { record } from '../node.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { asTensor, axisOf, backendOf, kernels, out } from './util.js';

function blocks(shape: readonly number[], axis: number) {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape[axis], inner };
}

/** Refuses an index outside [0, n), naming the argument, the position and the axis. */
function checkIndices(
  fn: string,
  idx: Int32Array,
  n: number,
  axis: number,
  shape: readonly number[],
) {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (v < 0 || v >= n)
      throw new RangeError(
        `${fn}: index[${i}] = ${v} is out of range for axis ${axis} of x ${shapeStr(shape)} (valid: 0 … ${n - 1})`,
      );
  }
}

/** Slices `index[j]` of x along `axis`: out has index.length there (torch.index_select). */
export function indexSelect(x: TensorLike, axis: number, index: TensorLike): Tensor {
  const fn = 'indexSelect';
  const t = asTensor(fn, 'x', x, 'float32');
  const idx = asTensor(fn, 'index', index, 'int32');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  if (idx.ndim !== 1) throw new RangeError(`${fn}: index must be 1-D, got ${shapeStr(idx.shape)}`);
  checkIndices(fn, idx._d, t.shape[a], a, t.shape);
  backendOf(fn, t, idx);
  // The node keeps its own copy: a later write to index cannot change the backward.
  return selected(t, a, Int32Array.from(idx._d));
}

function selected(t: Tensor, a: number, idx: Int32Array): Tensor {
  const { outer, n, inner } = blocks(t.shape, a);
  const m = idx.length;
  const shape = [...t.shape];
  shape[a] = m;
  const b = backendOf('indexSelect', t);
  const y = out(b, shape);
  if (y.size > 0) {
    const k = kernels(b, y.size);
    for (let o = 0; o < outer; o++)
      k.embeddingForward(
        y._d.subarray(o * m * inner, (o + 1) * m * inner),
        t._d.subarray(o * n * inner, (o + 1) * n * inner),
        idx,
        inner,
      );
  }
  return record(
    {
      name: 'indexSelect',
      inputs: [t],
      backward: (ctx) => ctx.give(0, indexAdd(ctx.dy() as Tensor, t.shape, a, idx)),
    },
    [y],
  );
}

/** Zeros of `shape` plus src's slices added at `index` along `axis` (the backward of indexSelect). */
export function indexAdd(
  src: Tensor,
  shape: readonly number[],
  a: number,
  idx: Int32Array,
): Tensor {
  const { outer, n, inner } = blocks(shape, a);
  const m = idx.length;
  const b = backendOf('indexSelect', src);
  const y = out(b, shape);
  y._d.fill(0);
  if (src.size > 0) {
    const k = kernels(b, src.size);
    for (let o = 0; o < outer; o++)
      k.embeddingBackward(
        y._d.subarray(o * n * inner, (o + 1) * n * inner),
        src._d.subarray(o * m * inner, (o + 1) * m * inner),
        idx,
        inner,
        -1,
      );
  }
  return record(
    {
      name: 'indexAdd',
      inputs: [src],
      backward: (ctx) => ctx.give(0, selected(ctx.dy() as Tensor, a, idx)),
    },
    [y],
  );
}

/** For each element of index (shape s), its offset into a tensor of `shape` along `axis`. */
function offsets(
  idx: Int32Array,
  ishape: readonly number[],
  shape: readonly number[],
  axis: number,
): Int32Array | Float64Array {
  const nd = shape.length;
  const strides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const offs = s < 2 ** 31 ? new Int32Array(idx.length) : new Float64Array(idx.length);
  const coord = new Array<number>(nd).fill(0);
  let base = 0; // offset of coord with the axis coordinate left out
  for (let i = 0; i < idx.length; i++) {
    offs[i] = base + idx[i] * strides[axis];
    for (let d = nd - 1; d >= 0; d--) {
      coord[d]++;
      if (d !== axis) base += strides[d];
      if (coord[d] < ishape[d]) break;
      if (d !== axis) base -= strides[d] * ishape[d];
      coord[d] = 0;
    }
  }
  return offs;
}

/**
 * out[i…] = x[i… with the `axis` coordinate replaced by index[i…]] (torch.gather): index has
 * x's number of dimensions and is no larger than x outside `axis`; out has index's shape.
 */
export function gather(x: TensorLike, axis: number, index: TensorLike): Tensor {
  const fn = 'gather';
  const t = asTensor(fn, 'x', x, 'float32');
  const idx = asTensor(fn, 'index', index, 'int32');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  if (idx.ndim !== t.ndim || idx.shape.some((d, i) => i !== a && d > t.shape[i]))
    throw new RangeError(
      `${fn}: index ${shapeStr(idx.shape)} must have the ${t.ndim} dimensions of x ${shapeStr(t.shape)} and be no larger outside axis ${a}`,
    );
  checkIndices(fn, idx._d, t.shape[a], a, t.shape);
  // offsets() is the node's own copy of where each index points.
  backendOf(fn, t, idx);
  return gathered(t, idx.shape, offsets(idx._d, idx.shape, t.shape, a));
}

type Offsets = Int32Array | Float64Array;

function gathered(t: Tensor, ishape: readonly number[], offs: Offsets): Tensor {
  const y = out(backendOf('gather', t), ishape);
  const d = y._d;
  const src = t._d;
  for (let i = 0; i < d.length; i++) d[i] = src[offs[i]];
  return record(
    {
      name: 'gather',
      inputs: [t],
      backward: (ctx) => ctx.give(0, scatterAdd(ctx.dy() as Tensor, t.shape, offs)),
    },
    [y],
  );
}

/** Zeros of `shape` plus src added at the positions gather read (the backward of gather). */
export function scatterAdd(src: Tensor, shape: readonly number[], offs: Offsets): Tensor {
  const y = out(backendOf('gather', src), shape);
  const d = y._d;
  d.fill(0);
  const s = src._d;
  for (let i = 0; i < s.length; i++) d[offs[i]] += s[i];
  return record(
    {
      name: 'scatterAdd',
      inputs: [src],
      backward: (ctx) => ctx.give(0, gathered(ctx.dy() as Tensor, src.shape, offs)),
    },
    [y],
  );
}
