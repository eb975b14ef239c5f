/**
 * `torch.nn.HuberLoss(delta = 1)`: per element with d = pred − target, ½d² if |d| < δ else
 * δ(|d| − ½δ). With c = clamp(d, −δ, δ) that is c·d − ½c² (both branches) and the
 * derivative is c, so the loss is four kernel calls: difference, clamp, dot(c, d) − ½Σc²,
 * scale. The sum is never a cancellation: each term c·d − ½c² ≥ ½c·d ≥ 0. `apply` puts it
 * on the tape ('none' and second order through `formula`).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import { denseArgs, huberFormula, type LossTarget } from '../../autograd/ops/loss-formulas.js';
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

/** Σ huber_δ(pred − target) (unreduced sum) and, with `grad`, grad = gradScale·clamp(d). */
export function huberSum(
  pred: Float32Array,
  target: Float32Array,
  delta: number,
  grad: Float32Array | undefined,
  gradScale: number,
): number {
  const n = pred.length;
  const k = getBackend().kernelsFor(n);
  return withTemps(n, grad ? 1 : 2, ([d, clipped]) => {
    k.binary('sub', d, pred, target);
    const c = grad ?? clipped;
    k.clamp(c, d, -delta, delta);
    const sum = k.dot(c, d) - 0.5 * k.sumSquares(c);
    if (grad) k.binaryScalar('mul', grad, grad, gradScale);
    return sum;
  });
}

/** Options of {@link HuberLoss}. */
export interface HuberLossOptions extends ReductionOptions {
  /** Threshold between the quadratic and linear parts (> 0, default 1). PyTorch: `delta`. */
  delta?: number;
}

/**
 * Huber loss (`torch.nn.HuberLoss`, Huber 1964): per element ½d² if |d| < δ else
 * δ(|d| − ½δ), d = pred − target; quadratic near 0, linear (robust to outliers) beyond δ.
 */
export class HuberLoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('HuberLoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;
  /** Threshold δ between the quadratic and linear parts. */
  readonly delta: number;

  constructor(options?: HuberLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'delta']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
    this.delta = o.delta ?? 1;
    finite(this.name, 'delta', this.delta);
    if (!(this.delta > 0))
      throw new RangeError(`${this.name}: delta must be positive, got ${this.delta}`);
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return huberFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const scale = meanScale(this.reduction, pred.data.length);
    return huberSum(pred.data, t.data, this.delta, grad, scale) * scale;
  }
}
