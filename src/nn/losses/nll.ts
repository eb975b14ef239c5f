/**
 * `torch.nn.NLLLoss`: negative log-likelihood of log-probabilities [batch, classes] (e.g. a
 * LogSoftmax output) against integer labels: ℓ_r = −w[y_r]·x[r, y_r], rows labelled
 * `ignoreIndex` (default −100) skipped; 'mean' divides by Σ_r w[y_r] over the kept rows (NaN
 * when every row is ignored, with a zero gradient), as torch. dL/dx is −w[y_r]·scale at
 * (r, y_r) and 0 elsewhere: one `fill` kernel over the gradient, then one gather/scatter per
 * row (O(batch) JS, never per element).
 */
import { getBackend } from '../../backend/select.js';
import { finite } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import type { Tensor } from '../tensor.js';
import {
  checkClassWeight,
  checkGrad,
  checkLabelsShape,
  checkTensor,
  lossOptions,
  meanScale,
  optionalF32,
  type Reduction,
  type ReductionOptions,
  reductionOf,
  rowsCols,
  scanLabels,
} from './common.js';

export interface NLLLossOptions extends ReductionOptions {
  /** One weight per class. */
  weight?: Float32Array;
  /** Label value whose rows are skipped (default −100). */
  ignoreIndex?: number;
}

export class NLLLoss implements Loss {
  readonly name = 'NLLLoss';
  readonly reduction: Reduction;
  readonly weight: Float32Array | null;
  readonly ignoreIndex: number;

  constructor(options?: NLLLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'weight', 'ignoreIndex']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    finite(this.name, 'ignoreIndex', this.ignoreIndex);
    if (!Number.isInteger(this.ignoreIndex))
      throw new RangeError(`${this.name}: ignoreIndex must be an integer, got ${this.ignoreIndex}`);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    const fn = this.name;
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
