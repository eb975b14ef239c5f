/**
 * softmax and logSoftmax over an axis (the last by default), torch.softmax semantics, on the
 * row-wise kernels; another axis is moved last and back. Backward: dx = y·(dy − Σdy·y) and
 * dx = dy − exp(y)·Σdy (the fused `softmaxBackward`), written in tensor operations when a
 * graph is being created.
 */
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { permute } from './shape.js';
import { exp } from './unary.js';
import { asTensor, axisOf, backendOf, kernels, out } from './util.js';

function rowwise(fn: string, x: Tensor, log: boolean): Tensor {
  const cols = x.shape[x.ndim - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const b = backendOf(fn, x);
  const y = out(b, x.shape);
  if (x.size > 0) kernels(b, 8 * x.size).softmax(y._d, x._d, rows, cols, log);
  return record(
    {
      name: fn,
      inputs: [x],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const last = x.ndim - 1;
          const s = sum(log ? dy : mul(dy, y), last, { keepdims: true });
          ctx.give(0, log ? sub(dy, mul(exp(y), s)) : mul(y, sub(dy, s)));
          return;
        }
        const g = ctx.target(0);
        const k = kernels(b, 8 * x.size);
        if (!g.accumulate) k.softmaxBackward(g.data, y._d, dy._d, rows, cols, log);
        else {
          const tmp = out(b, x.shape);
          k.softmaxBackward(tmp._d, y._d, dy._d, rows, cols, log);
          k.axpy(1, tmp._d, g.data);
          tmp._release();
        }
      },
    },
    [y],
  );
}

function along(fn: string, x: TensorLike, axis: number, log: boolean): Tensor {
  const t = asTensor(fn, 'x', x, 'float32');
  if (t.ndim === 0) throw new RangeError(`${fn}: x must have at least one dimension`);
  const a = axisOf(fn, 'axis', axis, t.ndim);
  if (a === t.ndim - 1) return rowwise(fn, t, log);
  const perm = t.shape.map((_, i) => i);
  perm[a] = t.ndim - 1;
  perm[t.ndim - 1] = a;
  return permute(rowwise(fn, permute(t, perm), log), perm);
}

/** exp(x) / Σ exp(x) along `axis` (default −1). */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return along('softmax', x, axis, false);
}

/** x − log Σ exp(x) along `axis` (default −1), computed stably. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return along('logSoftmax', x, axis, true);
}
