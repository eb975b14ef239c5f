/**
 * Mean squared error, `torch.nn.MSELoss`: L = reduce((pred − target)²), 'mean' over all
 * elements by default; dL/dpred = 2·(pred − target)·scale. Three kernel calls (difference,
 * sum of squares, scale), no per-element JS.
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

export class MSELoss implements Loss {
  readonly name = 'MSELoss';
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
    // With a gradient buffer the difference is formed in place there.
    const d = grad ?? this.diff.get([n]).data;
    k.binary('sub', d, pred.data, t.data);
    const scale = meanScale(this.reduction, n);
    const loss = k.sumSquares(d) * scale;
    if (grad) k.binaryScalar('mul', grad, grad, 2 * scale);
    return loss;
  }
}
