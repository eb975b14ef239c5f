/**
 * Losses on the tape. A loss object's fused kernel computes the value and dL/dpred in one pass
 * (softmax–cross-entropy is one kernel), so the node keeps that gradient and its backward is a
 * scale by the incoming scalar. With createGraph, the loss's formula in tensor operations is
 * recomputed and differentiated instead (see `formula`), which gives second derivatives.
 */
import { runBackward } from '../engine.js';
import { withGradMode } from '../grad-mode.js';
import { record, tracking } from '../node.js';
import { internally } from '../scope.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { classLayout, classRows, classTarget } from './loss-formulas.js';
import { asTensor, backendOf, out } from './util.js';

/** What a loss object offers (nn's losses implement it). */
export interface FusedLoss {
  /** The loss's name, used in error messages. */
  readonly name: string;
  /**
   * The loss value (reduced to a number) of `pred` against `target`; when `grad` is given, also
   * writes dLoss/dpred into it (pred's length).
   */
  forward(
    pred: { data: Float32Array; shape: readonly number[] },
    target: unknown,
    grad?: Float32Array,
  ): number;
  /**
   * The loss in differentiable tensor operations: used when creating a graph, and when the
   * target requires grad (the fused kernels differentiate only with respect to pred).
   */
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

/**
 * The scalar loss of `pred` against `target` as a tensor on the tape. A target that requires
 * grad is differentiated too, through the loss's formula (refused for a loss without one).
 */
export function applyLoss(loss: FusedLoss, pred: TensorLike, target: unknown): Tensor {
  const fn = loss.name;
  const p = asTensor(fn, 'pred', pred, 'float32');
  const tt = target instanceof Tensor ? (target as Tensor) : null;
  if (tt && tracking(tt)) {
    if (!loss.formula)
      throw new Error(
        `${fn}: the target requires grad, but this loss is differentiated only with respect to pred; detach the target (target.detach())`,
      );
    return loss.formula(p, target);
  }
  const tgt = lossTarget(target);
  const b = backendOf(fn, p, tt);
  const view = { data: p._d, shape: p.shape };
  const y = out(b, []);
  if (!tracking(p)) {
    try {
      y._d[0] = loss.forward(view, tgt);
    } catch (e) {
      y._release();
      throw e;
    }
    return y;
  }
  const g = out(b, p.shape);
  try {
    y._d[0] = loss.forward(view, tgt, g._d);
  } catch (e) {
    y._release();
    g._release();
    throw e;
  }
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
            const l = f.call(loss, p, target);
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

/** A classification loss class as `applyClassLoss` needs it. */
export interface ClassLoss extends FusedLoss {
  readonly reduction: string;
  formula(pred: TensorLike, target: unknown): Tensor;
}

/**
 * A classification loss (cross-entropy, NLL) on the tape: 'none' is the formula; a reduced
 * loss on [N, C, d…] runs the fused kernels on [N·d…, C] rows (the class axis moved last,
 * the labels in the same order), whose gradient the moves carry back.
 */
export function applyClassLoss(
  loss: ClassLoss,
  pred: TensorLike,
  target: unknown,
  allowProbs: boolean,
): Tensor {
  if (loss.reduction === 'none') return loss.formula(pred, target);
  const fn = loss.name;
  const x = asTensor(fn, 'pred', pred, 'float32');
  const lay = classLayout(fn, x);
  const tgt = classTarget(fn, x, lay, target, allowProbs);
  if (x.ndim === 2) return applyLoss(loss, x, 'labels' in tgt ? tgt.labels : tgt.probs);
  // Only library code reaches the moved copies: recycled with the graph, or at once.
  const rows = internally(() => classRows(x, lay.cols));
  const tRows = 'labels' in tgt ? null : internally(() => classRows(tgt.probs, lay.cols));
  const L = applyLoss(loss, rows, tRows ?? (tgt as { labels: Int32Array }).labels);
  for (const r of [rows, tRows]) {
    if (!r) continue;
    if (r._node) r._internal = true;
    else if (!L._node) r._release();
  }
  return L;
}
