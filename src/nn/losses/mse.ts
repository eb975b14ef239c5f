/**
 * Mean squared error, `torch.nn.MSELoss`: L = reduce((pred − target)²), 'mean' over all
 * elements by default; dL/dpred = 2·(pred − target)·scale. Three kernel calls (difference,
 * sum of squares, scale), no per-element JS. `apply` puts it on the tape ('none' and second
 * order through `formula`).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import { denseArgs, type LossTarget, mseFormula } from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
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

/**
 * Mean squared error (`torch.nn.MSELoss`): reduce((pred − target)²) over every element.
 */
export class MSELoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('MSELoss');
  /** How the per-element (or per-sample) terms are reduced: 'mean', 'sum' or 'none'. */
  readonly reduction: Reduction;

  constructor(options?: ReductionOptions) {
    const o = lossOptions(this.name, options, ['reduction']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum', 'none'] as const, 'mean');
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return mseFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [['target', t.data]]);
    const n = pred.data.length;
    const k = getBackend().kernelsFor(n);
    const scale = meanScale(this.reduction, n);
    if (grad) {
      // The difference is formed in place in the gradient buffer.
      k.binary('sub', grad, pred.data, t.data);
      const loss = k.sumSquares(grad) * scale;
      k.binaryScalar('mul', grad, grad, 2 * scale);
      return loss;
    }
    return withTemps(n, 1, ([d]) => {
      k.binary('sub', d, pred.data, t.data);
      return k.sumSquares(d) * scale;
    });
  }
}
