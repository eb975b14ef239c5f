/**
 * Mean absolute error, `torch.nn.L1Loss`: L = reduce(|pred − target|); dL/dpred =
 * sign(pred − target)·scale (0 where the difference is 0 or NaN, as torch's abs backward).
 */
import { getBackend } from '../../backend/select.js';
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

export class L1Loss implements Loss {
  readonly name = 'L1Loss';
  readonly reduction: Reduction;
  private readonly diff = new Scratch();

  constructor(options?: ReductionOptions) {
    const o = lossOptions(this.name, options, ['reduction']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum'] as const, 'mean');
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const n = pred.data.length;
    const k = getBackend().kernelsFor(n);
    const d = this.diff.get([n]).data;
    k.binary('sub', d, pred.data, t.data);
    const scale = meanScale(this.reduction, n);
    const loss = k.sumAbs(d) * scale;
    if (grad) {
      // grad = scale·sign(d): abs's backward with dy = scale, in place on dy.
      k.fill(grad, scale);
      k.unaryBackward('abs', grad, d, grad, 0, 0);
    }
    return loss;
  }
}
