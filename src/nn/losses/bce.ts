/**
 * `torch.nn.BCELoss`: binary cross-entropy on probabilities x ∈ [0, 1] (a sigmoid's output)
 * against targets y of the same shape, with torch's log floor:
 *   ℓ = −w·(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)),
 * and torch's gradient w·(x − y)/max(x(1 − x), 1e-12) (finite at x = 0 or 1). Inputs outside
 * [0, 1] are refused, as torch does; on logits BCEWithLogitsLoss is the stable choice.
 * `weight` is the prediction's length or its last dimension (broadcast). About a dozen
 * elementwise kernel calls; `apply` puts it on the tape ('none' and second order through
 * `formula`, whose second derivative is torch's binary_cross_entropy_double_backward).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import { bceFormula, denseArgs, type LossTarget } from '../../autograd/ops/loss-formulas.js';
import { bceGradInto, bceInto, bceRangeError, oneMinus } from '../../autograd/ops/loss-ops.js';
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

/** Options of {@link BCELoss}. */
export interface BCELossOptions extends ReductionOptions {
  /** Per-element weight: the prediction's length, or its last dimension (broadcast). Default: none. PyTorch: `weight`. */
  weight?: Float32Array;
}

export class BCELoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('BCELoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** Per-element weight (the prediction's length or its last dimension), or null. */
  readonly weight: Float32Array | null;

  constructor(options?: BCELossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'weight']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return bceFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [
      ['target', t.data],
      ['weight', this.weight],
    ]);
    const x = pred.data;
    const y = t.data;
    const n = x.length;
    const k = getBackend().kernelsFor(8 * n);
    const scale = meanScale(this.reduction, n);
    return withTemps(n, 3, ([om, terms, wb]) => {
      if (!oneMinus(k, om, x)) throw bceRangeError(this.name);
      const w = expandWeight(k, this.name, 'weight', this.weight, pred, wb);
      if (grad) {
        bceGradInto(k, grad, x, y, om);
        if (w) k.binary('mul', grad, grad, w);
        k.binaryScalar('mul', grad, grad, scale);
        oneMinus(k, om, x);
      }
      bceInto(k, terms, x, y, om);
      return (w ? k.dot(terms, w) : k.sum(terms)) * scale;
    });
  }
}
