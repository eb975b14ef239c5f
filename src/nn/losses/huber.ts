/**
 * `torch.nn.HuberLoss(delta = 1)`: per element with d = pred − target, ½d² if |d| < δ else
 * δ(|d| − ½δ). With c = clamp(d, −δ, δ) that is c·d − ½c² (both branches) and the
 * derivative is c, so the loss is four kernel calls: difference, clamp, dot(c, d) − ½Σc²,
 * scale. The sum is never a cancellation: each term c·d − ½c² ≥ ½c·d ≥ 0.
 */
import { getBackend } from '../../backend/select.js';
import { finite } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import { Scratch, type Tensor } from '../tensor.js';
import {
  checkGrad,
  checkTensor,
  denseTarget,
  lossOptions,
  meanScale,
  type Reduction,
  type ReductionOptions,
  reductionOf,
} from './common.js';

/** Σ huber_δ(pred − target) (unreduced sum) and, with `grad`, grad = gradScale·clamp(d). */
export function huberSum(
  pred: Float32Array,
  target: Float32Array,
  delta: number,
  grad: Float32Array | undefined,
  gradScale: number,
  diff: Scratch,
  clipped: Scratch,
): number {
  const n = pred.length;
  const k = getBackend().kernelsFor(n);
  const d = diff.get([n]).data;
  k.binary('sub', d, pred, target);
  const c = grad ?? clipped.get([n]).data;
  k.clamp(c, d, -delta, delta);
  const sum = k.dot(c, d) - 0.5 * k.sumSquares(c);
  if (grad) k.binaryScalar('mul', grad, grad, gradScale);
  return sum;
}

export interface HuberLossOptions extends ReductionOptions {
  /** Threshold between the quadratic and linear parts (> 0, default 1). */
  delta?: number;
}

export class HuberLoss implements Loss {
  readonly name = 'HuberLoss';
  readonly reduction: Reduction;
  readonly delta: number;
  private readonly diff = new Scratch();
  private readonly clipped = new Scratch();

  constructor(options?: HuberLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'delta']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum'] as const, 'mean');
    this.delta = o.delta ?? 1;
    finite(this.name, 'delta', this.delta);
    if (!(this.delta > 0))
      throw new RangeError(`${this.name}: delta must be positive, got ${this.delta}`);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const scale = meanScale(this.reduction, pred.data.length);
    const sum = huberSum(pred.data, t.data, this.delta, grad, scale, this.diff, this.clipped);
    return sum * scale;
  }
}
