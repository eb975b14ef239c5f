/**
 * Losses on the tape. A loss object's fused kernel computes the value and dL/dpred in one pass
 * (softmax–cross-entropy is one kernel), so the node keeps that gradient and its backward is a
 * scale by the incoming scalar. With createGraph, the loss's formula in tensor operations is
 * recomputed and differentiated instead (see `formula`), which gives second derivatives.
 */
import { runBackward } from '../engine.js';
import { withGradMode } from '../grad-mode.js';
import { record, tracking } from '../node.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { asTensor, backendOf, out } from './util.js';

/** What a loss object offers (nn's losses implement it). */
export interface FusedLoss {
  readonly name: string;
  forward(
    pred: { data: Float32Array; shape: readonly number[] },
    target: unknown,
    grad?: Float32Array,
  ): number;
  /** The loss in differentiable tensor operations (used when creating a graph). */
  formula?(pred: Tensor, target: unknown): Tensor;
}

/** A target as the loss objects take it: an Int32Array of labels or a float32 {data, shape}. */
export function lossTarget(
  target: unknown,
): Int32Array | { data: Float32Array; shape: readonly number[] } {
  if (target instanceof Int32Array) return target;
  if (target instanceof Tensor) {
    const t = target as Tensor<'int32' | 'float32'>;
    return t.dtype === 'int32'
      ? (t._d as Int32Array)
      : { data: t._d as Float32Array, shape: t.shape };
  }
  return target as { data: Float32Array; shape: readonly number[] };
}

/** The scalar loss of `pred` against `target` as a tensor on the tape. */
export function applyLoss(loss: FusedLoss, pred: TensorLike, target: unknown): Tensor {
  const fn = loss.name;
  const p = asTensor(fn, 'pred', pred, 'float32');
  const tgt = lossTarget(target);
  const b = backendOf(fn, p, target instanceof Tensor ? (target as Tensor) : null);
  const view = { data: p._d, shape: p.shape };
  const y = out(b, []);
  if (!tracking(p)) {
    y._d[0] = loss.forward(view, tgt);
    return y;
  }
  const g = out(b, p.shape);
  y._d[0] = loss.forward(view, tgt, g._d);
  return record(
    {
      name: fn,
      inputs: [p],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          if (!loss.formula)
            throw new Error(
              `${fn}: createGraph (second-order gradients) is not available for this loss`,
            );
          const f = loss.formula;
          const [gp] = withGradMode(true, () => {
            const l = f(p, target);
            return runBackward([l], [dy], {
              fn,
              retainGraph: true,
              createGraph: true,
              accumulate: false,
              inputs: [p],
            });
          });
          if (gp) ctx.give(0, gp);
          return;
        }
        const s = dy._d[0];
        ctx.give(0, s === 1 ? g : mul(g, s));
      },
      free: () => g._release(),
    },
    [y],
  );
}
