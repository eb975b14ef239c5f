/**
 * `torch.nn.NLLLoss`: negative log-likelihood of log-probabilities [batch, classes] (e.g. a
 * LogSoftmax output) against integer labels: ℓ_r = −w[y_r]·x[r, y_r], rows labelled
 * `ignoreIndex` (default −100) skipped; 'mean' divides by Σ_r w[y_r] over the kept rows (NaN
 * when every row is ignored, with a zero gradient), as torch. dL/dx is −w[y_r]·scale at
 * (r, y_r) and 0 elsewhere: one `fill` kernel over the gradient, then one gather/scatter per
 * row (O(batch) JS, never per element).
 *
 * On the tape, `apply` takes [N, C] or [N, C, d₁, …] log-probabilities and returns the loss
 * as a tensor: reduced through `forward` (the class axis moved last first), 'none' (a loss
 * per sample) and second order through `formula`.
 */
import { applyClassLoss } from '../../autograd/ops/loss.js';
import { type LossTarget, nllFormula } from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
import { finite } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import type { Tensor } from '../tensor.js';
import {
  checkClassWeight,
  checkGrad,
  checkLabelsShape,
  checkTensor,
  lossName,
  lossOptions,
  meanScale,
  optionalF32,
  type Reduction,
  type ReductionOptions,
  reductionOf,
  refuseNone,
  rowsCols,
  scanLabels,
} from './common.js';

/** Options of {@link NLLLoss}. */
export interface NLLLossOptions extends ReductionOptions {
  /** One weight per class. Default: none. PyTorch: `weight`. */
  weight?: Float32Array;
  /** Label value whose rows are skipped (default −100). PyTorch: `ignore_index`. */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood (`torch.nn.NLLLoss`) of log-probabilities [batch, classes] (e.g. a
 * LogSoftmax output) against integer class labels: ℓ_r = −w[y_r]·x[r, y_r].
 */
export class NLLLoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('NLLLoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** One weight per class, or null. */
  readonly weight: Float32Array | null;
  /** Label value whose rows are skipped. */
  readonly ignoreIndex: number;

  constructor(options?: NLLLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'weight', 'ignoreIndex']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    finite(this.name, 'ignoreIndex', this.ignoreIndex);
    if (!Number.isInteger(this.ignoreIndex))
      throw new RangeError(`${this.name}: ignoreIndex must be an integer, got ${this.ignoreIndex}`);
  }

  /** The loss as a tensor on the tape (a scalar, or per sample with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    return applyClassLoss(this, pred, target, false);
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return nllFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    const fn = this.name;
    refuseNone(fn, this.reduction);
    checkTensor(fn, 'pred', pred);
    const [rows, cols] = rowsCols(fn, pred);
    if (!(target instanceof Int32Array)) {
      throw new TypeError(
        `${fn}: target must be an Int32Array of class indices (one per row of the prediction)`,
      );
    }
    checkLabelsShape(fn, pred, target);
    checkClassWeight(fn, this.weight, cols);
    checkGrad(fn, pred, grad, [
      ['target', target],
      ['weight', this.weight],
    ]);
    const { weightSum } = scanLabels(fn, target, cols, this.ignoreIndex, this.weight);
    const scale = meanScale(this.reduction, weightSum);
    const x = pred.data;
    const w = this.weight;
    if (grad) getBackend().kernelsFor(grad.length).fill(grad, 0);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const y = target[r];
      if (y === this.ignoreIndex) continue;
      const wy = w === null ? 1 : w[y];
      total -= wy * x[r * cols + y];
      if (grad) grad[r * cols + y] = -wy * scale;
    }
    return total * scale;
  }
}
