/**
 * Embedding lookup (torch.nn.functional.embedding): rows of a weight table [num, dim] gathered
 * by int32 indices of any shape, output [...indices.shape, dim]. The indices are checked and
 * copied into a buffer the node owns (a caller reusing its index array for the next batch
 * cannot change what backward scatters). Backward scatter-adds dy into the weight's gradient
 * (`embeddingBackward`, straight into `ctx.target`), skipping rows indexed `paddingIdx`, as
 * torch. Under createGraph that scatter is a recorded operation whose backward is the gather
 * (with padding rows zeroed: its exact adjoint), and the gather's backward the scatter, so
 * gradients of any order flow.
 */
import { describe, optionsOf } from '../../backend/validate.js';
import { record } from '../node.js';
import type { DType } from '../storage.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { asTensor, backendOf, kernels, out } from './util.js';

/** Options of {@link embedding} (torch.nn.functional.embedding's `padding_idx`). */
export interface EmbeddingOptions {
  /** Row whose gradient is not accumulated (negative: counted from the end). PyTorch: `padding_idx`. */
  paddingIdx?: number | null;
}

/** The padding row in [0, num), or −1 for none. */
function paddingOf(fn: string, o: EmbeddingOptions | undefined, num: number): number {
  if (o === undefined) return -1;
  optionsOf(fn, o, ['paddingIdx']);
  const p = o.paddingIdx;
  if (p == null) return -1;
  if (!Number.isSafeInteger(p) || p < -num || p >= num)
    throw new RangeError(
      `${fn}: paddingIdx must be an integer in [−${num}, ${num}), got ${describe(p)}`,
    );
  return p < 0 ? p + num : p;
}

/**
 * `src`'s values as int32 indices in [0, num) copied into a pooled tensor of the same shape;
 * a float32 `src` must hold exact integers. The first bad value is an error naming its position.
 */
export function indicesOf(fn: string, src: Tensor<DType>, num: number): Tensor<'int32'> {
  const idx = out(backendOf(fn, src), src.shape, 'int32') as unknown as Tensor<'int32'>;
  const d = idx._d;
  const s = src._d;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    // v | 0 === v rejects fractions, NaN, infinities and anything outside int32.
    if ((v | 0) !== v || v < 0 || v >= num) {
      idx._release();
      throw new RangeError(`${fn}: index ${v} at position ${i} is not an integer in [0, ${num})`);
    }
    d[i] = v;
  }
  return idx;
}

/** The weight [num, dim] and its sizes, checked. */
function tableOf(fn: string, weight: TensorLike): { W: Tensor; num: number; dim: number } {
  const W = asTensor(fn, 'weight', weight, 'float32');
  if (W.ndim !== 2)
    throw new RangeError(`${fn}: weight must be 2-D [num, dim], got ${shapeStr(W.shape)}`);
  return { W, num: W.shape[0], dim: W.shape[1] };
}

/**
 * Rows of `weight` [num, dim] at `indices` (int32, any shape) → [...indices.shape, dim].
 * Every index must lie in [0, num); the `paddingIdx` row receives no gradient.
 */
export function embedding(
  indices: Tensor<'int32'> | TensorLike,
  weight: TensorLike,
  opts?: EmbeddingOptions,
): Tensor {
  const fn = 'embedding';
  const I = asTensor(fn, 'indices', indices, 'int32');
  const { W, num } = tableOf(fn, weight);
  const pad = paddingOf(fn, opts, num);
  return lookup(fn, indicesOf(fn, I, num), W, pad);
}

/**
 * @internal The embedding node over checked indices that it takes over (releases with the
 * graph). Used by `embedding` and by the Embedding layer (which converts float32 indices).
 */
export function lookup(fn: string, idx: Tensor<'int32'>, W: Tensor, pad: number): Tensor {
  const dim = W.shape[1];
  const be = backendOf(fn, W);
  const y = out(be, [...idx.shape, dim]);
  kernels(be, idx.size * dim).embeddingForward(y._d, W._d, idx._d, dim);
  return record(
    {
      name: fn,
      inputs: [W],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, scatterRows(dy, idx, W.shape[0], pad));
          return;
        }
        const g = ctx.target(0);
        if (!g.accumulate) g.data.fill(0);
        kernels(be, idx.size * dim).embeddingBackward(g.data, dy._d, idx._d, dim, pad);
      },
      free: () => idx._release(),
    },
    [y],
  );
}

/**
 * [num, dim] with row idx[r] += src[r, :] for every r whose index is not `pad` (the
 * embedding's weight gradient as an operation). Its backward gathers, padding rows zeroed.
 */
function scatterRows(src: Tensor, idx: Tensor<'int32'>, num: number, pad: number): Tensor {
  const fn = 'embeddingScatter';
  const dim = src.shape[src.ndim - 1];
  const be = backendOf(fn, src);
  const y = out(be, [num, dim]);
  const k = kernels(be, idx.size * dim);
  k.fill(y._d, 0);
  k.embeddingBackward(y._d, src._d, idx._d, dim, pad);
  return record(
    {
      name: fn,
      inputs: [src],
      backward: (ctx) => ctx.give(0, gatherRows(ctx.dy() as Tensor, idx, pad, src.shape)),
    },
    [y],
  );
}

/** Rows of `table` at idx, zero where the index is `pad` (the adjoint of scatterRows). */
function gatherRows(table: Tensor, idx: Tensor<'int32'>, pad: number, shape: readonly number[]) {
  const fn = 'embeddingGather';
  const dim = table.shape[1];
  const be = backendOf(fn, table);
  const y = out(be, shape);
  kernels(be, idx.size * dim).embeddingForward(y._d, table._d, idx._d, dim);
  if (pad >= 0) {
    const d = idx._d;
    for (let r = 0; r < d.length; r++) if (d[r] === pad) y._d.fill(0, r * dim, (r + 1) * dim);
  }
  return record(
    {
      name: fn,
      inputs: [table],
      backward: (ctx) => ctx.give(0, scatterRows(ctx.dy() as Tensor, idx, table.shape[0], pad)),
    },
    [y],
  );
}
