/**
 * `torch.nn.SmoothL1Loss(beta = 1)`: Huber(β)/β per element (½d²/β if |d| < β else
 * |d| − ½β, d = pred − target), computed by the Huber kernels; β = 0 is exactly L1, as in
 * torch. `apply` puts it on the tape ('none' and second order through `formula`).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import { denseArgs, type LossTarget, smoothL1Formula } from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
import { finite } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import type { Tensor } from '../tensor.js';
import {
  checkGrad,
  checkTensor,
  denseTarget,
  lossName,
  lossOptions,
  meanScale,
  type Reduction,
  type ReductionOptions,
  reductionOf,
  refuseNone,
  withTemps,
} from './common.js';
import { huberSum } from './huber.js';

/** Options of {@link SmoothL1Loss}. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Threshold between the quadratic and linear parts (≥ 0, default 1; 0 gives L1). PyTorch: `beta`. */
  beta?: number;
}

/**
 * Smooth L1 loss (`torch.nn.SmoothL1Loss`): per element ½d²/β if |d| < β else |d| − ½β,
 * d = pred − target (Huber(β)/β; β = 0 is L1).
 */
export class SmoothL1Loss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('SmoothL1Loss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** Threshold β between the quadratic and linear parts. */
  readonly beta: number;

  constructor(options?: SmoothL1LossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'beta']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.beta = o.beta ?? 1;
    finite(this.name, 'beta', this.beta);
    if (!(this.beta >= 0))
      throw new RangeError(`${this.name}: beta must be non-negative, got ${this.beta}`);
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return smoothL1Formula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const n = pred.data.length;
    const scale = meanScale(this.reduction, n);
    if (this.beta === 0) {
      // torch: beta = 0 is exactly L1.
      const k = getBackend().kernelsFor(n);
      return withTemps(n, 1, ([d]) => {
        k.binary('sub', d, pred.data, t.data);
        const loss = k.sumAbs(d) * scale;
        if (grad) {
          k.fill(grad, scale);
          k.unaryBackward('abs', grad, d, grad, 0, 0);
        }
        return loss;
      });
    }
    const b = this.beta;
    const sum = huberSum(pred.data, t.data, b, grad, scale / b);
    return (sum / b) * scale;
  }
}
