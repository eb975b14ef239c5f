/**
 * `torch.nn.BCEWithLogitsLoss`: sigmoid + binary cross-entropy on logits x against targets
 * y ∈ [0, 1] (a tensor of the logits' shape). Per element torch computes
 *   ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x));
 * the kernel evaluates the same function as w·((1 − y)·softplus(x) + pw·y·softplus(−x)) with
 * softplus(±x) = max(±x, 0) + log1p(e^−|x|), which never overflows and never subtracts
 * nearly equal terms (|x| = 100 gives ℓ = 100 or e^−100, the gradient ±1 or ±σ(−100), never
 * inf/NaN). 'mean' divides by the number of elements (weights do not renormalise, as torch).
 *
 * `weight` (a rescaling per element) and `posWeight` (the positive-class weight, torch's
 * pos_weight) are Float32Arrays of either the prediction's length or its last dimension
 * (broadcast over the leading axes — torch's broadcasting of a [classes] vector). One fused
 * kernel (`bceWithLogits`); a broadcast weight is expanded by one `biasAdd` into a pooled
 * buffer. `apply` puts it on the tape ('none' and second order through `formula`).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import {
  bceWithLogitsFormula,
  denseArgs,
  type LossTarget,
} from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
import type { Loss, Target } from '../loss.js';
import type { Tensor } from '../tensor.js';
import {
  checkGrad,
  checkTensor,
  denseTarget,
  expandWeight,
  lossName,
  lossOptions,
  meanScale,
  optionalF32,
  type Reduction,
  type ReductionOptions,
  reductionOf,
  refuseNone,
  withTemps,
} from './common.js';

/** Options of {@link BCEWithLogitsLoss}. */
export interface BCEWithLogitsLossOptions extends ReductionOptions {
  /** Per-element weight: the prediction's length, or its last dimension (broadcast). Default: none. PyTorch: `weight`. */
  weight?: Float32Array;
  /** Positive-class weight, multiplying the y·log σ(x) term (> 1 raises recall): the prediction's length, or its last dimension (broadcast). Default: none. PyTorch: `pos_weight`. */
  posWeight?: Float32Array;
}

/**
 * Sigmoid plus binary cross-entropy on logits (`torch.nn.BCEWithLogitsLoss`), numerically
 * stable for any logit; targets in [0, 1] of the logits' shape, optional per-element
 * `weight` and positive-class `posWeight`.
 */
export class BCEWithLogitsLoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('BCEWithLogitsLoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** Per-element weight (the prediction's length or its last dimension), or null. */
  readonly weight: Float32Array | null;
  /** Positive-class weight (the prediction's length or its last dimension), or null. */
  readonly posWeight: Float32Array | null;

  constructor(options?: BCEWithLogitsLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'weight', 'posWeight']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
    this.posWeight = optionalF32(this.name, 'posWeight', o.posWeight);
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return bceWithLogitsFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [
      ['target', t.data],
      ['weight', this.weight],
      ['posWeight', this.posWeight],
    ]);
    const n = pred.data.length;
    const k = getBackend().kernelsFor(8 * n);
    // Buffers only for weights that may need broadcasting.
    const temps = this.weight || this.posWeight ? n : 0;
    return withTemps(temps, 2, ([wb, pwb]) => {
      const w = expandWeight(k, this.name, 'weight', this.weight, pred, wb);
      const pw = expandWeight(k, this.name, 'posWeight', this.posWeight, pred, pwb);
      const scale = meanScale(this.reduction, n);
      return k.bceWithLogits(pred.data, t.data, w, pw, grad ?? null, scale) * scale;
    });
  }
}
