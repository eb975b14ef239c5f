/**
 * `torch.nn.CrossEntropyLoss`: softmax cross-entropy of logits [batch, classes] against
 * integer class labels (an Int32Array, one per row) or class probabilities (a tensor of the
 * logits' shape), with torch's options and defaults: class `weight`, `labelSmoothing` = ε
 * (the target becomes (1 − ε)·target + ε/classes), `ignoreIndex` = −100 (labels only: with
 * probability targets an ignoreIndex ≥ 0 is refused, as torch does).
 *
 * Reductions as torch: with labels, 'mean' divides by the summed weight of the non-ignored
 * targets Σ_r w[y_r] (their count without weights; NaN when every row is ignored, with a zero
 * gradient); with probabilities, by the batch size.
 *
 * Kernels: the plain case (labels, no weight, no smoothing, nothing ignored) is the fused
 * `softmaxCrossEntropy`; other label cases `crossEntropyLabels`, probability targets
 * `crossEntropyProbs` — one fused pass each, plus an O(batch) label check in JS.
 *
 * On the tape, `apply` takes [N, C] or [N, C, d₁, …] logits (per-pixel or per-time-step
 * classes) and returns the loss as a tensor: reduced ones through the kernels above (the
 * class axis moved last first), 'none' (a loss per sample) and second order through
 * `formula`, the same loss in tensor operations.
 */
import { applyClassLoss } from '../../autograd/ops/loss.js';
import {
  crossEntropyFormula,
  type LossTarget,
  refuseProbIgnore,
} from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
import { finite, inRange } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import { sameShape, shapeStr, type Tensor } from '../tensor.js';
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

/** Options of {@link CrossEntropyLoss}. */
export interface CrossEntropyLossOptions extends ReductionOptions {
  /** One weight per class (a rescaling of each class's loss). Default: none. PyTorch: `weight`. */
  weight?: Float32Array;
  /** ε in [0, 1] (default 0): the target becomes (1 − ε)·target + ε/classes. PyTorch: `label_smoothing`. */
  labelSmoothing?: number;
  /** Label value whose rows are skipped (default −100); labels only. PyTorch: `ignore_index`. */
  ignoreIndex?: number;
}

/**
 * Softmax cross-entropy (`torch.nn.CrossEntropyLoss`) of logits [batch, classes] (or
 * [N, C, d₁, …] with `apply`) against integer labels (Int32Array) or class probabilities
 * (a tensor of the logits' shape), with class weights, label smoothing and `ignoreIndex`.
 *
 * @example
 * ```ts
 * import { nn, tensor } from 'descent-ml';
 *
 * const ce = new nn.losses.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const logits = tensor(new Float32Array([2, 0.5, -1, 0.1, 1.2, 0.3]), [2, 3]);
 * const labels = new Int32Array([0, 1]);
 * const loss = ce.apply(logits, labels); // a scalar tensor on the tape
 * ```
 */
export class CrossEntropyLoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('CrossEntropyLoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** One weight per class, or null. */
  readonly weight: Float32Array | null;
  /** ε in [0, 1]: the target mixed with the uniform distribution. */
  readonly labelSmoothing: number;
  /** Label value whose rows are skipped (labels only). */
  readonly ignoreIndex: number;

  constructor(options?: CrossEntropyLossOptions) {
    const o = lossOptions(this.name, options, [
      'reduction',
      'weight',
      'labelSmoothing',
      'ignoreIndex',
    ]);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
    this.labelSmoothing = o.labelSmoothing ?? 0;
    inRange(this.name, 'labelSmoothing', this.labelSmoothing, 0, 1);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    finite(this.name, 'ignoreIndex', this.ignoreIndex);
    if (!Number.isInteger(this.ignoreIndex) || Math.abs(this.ignoreIndex) > 2 ** 31 - 1) {
      throw new RangeError(
        `${this.name}: ignoreIndex must be a 32-bit integer, got ${this.ignoreIndex}`,
      );
    }
  }

  /** The loss as a tensor on the tape (a scalar, or per sample with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    return applyClassLoss(this, pred, target, true);
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return crossEntropyFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    const fn = this.name;
    refuseNone(fn, this.reduction);
    checkTensor(fn, 'pred', pred);
    const [rows, cols] = rowsCols(fn, pred);
    checkClassWeight(fn, this.weight, cols);
    const k = getBackend().kernelsFor(8 * pred.data.length);
    const g = grad ?? null;
    const eps = this.labelSmoothing;
    if (target instanceof Int32Array) {
      checkLabelsShape(fn, pred, target);
      checkGrad(fn, pred, grad, [
        ['target', target],
        ['weight', this.weight],
      ]);
      const { ignored, weightSum } = scanLabels(fn, target, cols, this.ignoreIndex, this.weight);
      if (this.weight === null && eps === 0 && ignored === 0) {
        const scale = meanScale(this.reduction, rows);
        return k.softmaxCrossEntropy(pred.data, target, g, rows, cols, scale) * scale;
      }
      const scale = meanScale(this.reduction, weightSum);
      const total = k.crossEntropyLabels(
        pred.data,
        target,
        this.weight,
        g,
        rows,
        cols,
        eps,
        this.ignoreIndex,
        scale,
      );
      return total * scale;
    }
    checkTensor(fn, 'target', target);
    if (!sameShape(target.shape, pred.shape)) {
      throw new RangeError(
        `${fn}: target shape ${shapeStr(target.shape)} does not match prediction shape ${shapeStr(pred.shape)} (probability targets have the logits' shape; class indices are an Int32Array)`,
      );
    }
    refuseProbIgnore(fn, this.ignoreIndex);
    checkGrad(fn, pred, grad, [
      ['target', target.data],
      ['weight', this.weight],
    ]);
    const scale = meanScale(this.reduction, rows);
    return (
      k.crossEntropyProbs(pred.data, target.data, this.weight, g, rows, cols, eps, scale) * scale
    );
  }
}
