/**
 * `torch.nn.SmoothL1Loss(beta = 1)`: Huber(β)/β per element (½d²/β if |d| < β else
 * |d| − ½β, d = pred − target), computed by the Huber kernels; β = 0 is exactly L1, as in
 * torch.
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
import { huberSum } from './huber.js';

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Threshold between the quadratic and linear parts (≥ 0, default 1; 0 gives L1). */
  beta?: number;
}

export class SmoothL1Loss implements Loss {
  readonly name = 'SmoothL1Loss';
  readonly reduction: Reduction;
  readonly beta: number;
  private readonly diff = new Scratch();
  private readonly clipped = new Scratch();

  constructor(options?: SmoothL1LossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'beta']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum'] as const, 'mean');
    this.beta = o.beta ?? 1;
    finite(this.name, 'beta', this.beta);
    if (!(this.beta >= 0))
      throw new RangeError(`${this.name}: beta must be non-negative, got ${this.beta}`);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const n = pred.data.length;
    const scale = meanScale(this.reduction, n);
    if (this.beta === 0) {
      // torch: beta = 0 is exactly L1.
      const k = getBackend().kernelsFor(n);
      const d = this.diff.get([n]).data;
      k.binary('sub', d, pred.data, t.data);
      const loss = k.sumAbs(d) * scale;
      if (grad) {
        k.fill(grad, scale);
        k.unaryBackward('abs', grad, d, grad, 0, 0);
      }
      return loss;
    }
    const b = this.beta;
    const sum = huberSum(pred.data, t.data, b, grad, scale / b, this.diff, this.clipped);
    return (sum / b) * scale;
  }
}
