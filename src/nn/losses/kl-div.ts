/**
 * `torch.nn.KLDivLoss`: input = log-probabilities, target = probabilities (or
 * log-probabilities with `logTarget`), pointwise as torch:
 *   logTarget = false: ℓ = xlogy(t, t) − t·x = t·(log t − x)  (0 where t = 0)
 *   logTarget = true:  ℓ = e^t·(t − x)
 * dℓ/dx = −t (or −e^t). Reductions: 'mean' (torch's default) divides by the number of
 * elements, 'batchmean' by the batch size (the first dimension; the mathematically correct
 * KL divergence per sample), 'sum' does not divide.
 *
 * Kernels only: t·(log max(t, FLT_MIN) − x) summed by `dot` (clamping t to the smallest
 * normal float makes t = 0 contribute 0 like xlogy, and changes nothing else representable:
 * for 0 < t < FLT_MIN the term is below 1e-36). Targets are probabilities (≥ 0); a negative
 * target, for which torch gives NaN, contributes a finite value here. `apply` puts it on the
 * tape ('none' and second order through `formula`).
 */
import { applyLoss } from '../../autograd/ops/loss.js';
import { denseArgs, klDivFormula, type LossTarget } from '../../autograd/ops/loss-formulas.js';
import type { Tensor as TapeTensor, TensorLike } from '../../autograd/tensor.js';
import { getBackend } from '../../backend/select.js';
import { bool } from '../../backend/validate.js';
import type { Loss, Target } from '../loss.js';
import type { Tensor } from '../tensor.js';
import {
  checkGrad,
  checkTensor,
  denseTarget,
  lossName,
  lossOptions,
  meanScale,
  reductionOf,
  refuseNone,
  withTemps,
} from './common.js';

const FLT_MIN = 1.1754943508222875e-38;

/** KLDivLoss's reductions: 'batchmean' divides the sum by the batch size (the true KL per sample). */
export type KLDivReduction = 'mean' | 'sum' | 'batchmean' | 'none';

/** Options of {@link KLDivLoss}. */
export interface KLDivLossOptions {
  /** 'mean' (default, torch's: over all elements), 'batchmean', 'sum' or 'none' (`apply` only). PyTorch: `reduction`. */
  reduction?: KLDivReduction;
  /** The target holds log-probabilities (default false). PyTorch: `log_target`. */
  logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence (`torch.nn.KLDivLoss`): pred holds log-probabilities, the
 * target probabilities (or log-probabilities with `logTarget`); per element t·(log t − x).
 */
export class KLDivLoss implements Loss {
  /** Name used in error messages: the class name, or the function's (e.g. `crossEntropy`) when a functional loss built it. */
  readonly name = lossName('KLDivLoss');
  /** How the terms are reduced: 'mean', 'batchmean', 'sum' or 'none'. */
  readonly reduction: KLDivReduction;
  /** Whether the target holds log-probabilities. */
  readonly logTarget: boolean;

  constructor(options?: KLDivLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'logTarget']);
    this.reduction = reductionOf(
      this.name,
      o.reduction,
      ['mean', 'sum', 'batchmean', 'none'] as const,
      'mean',
    );
    this.logTarget = o.logTarget ?? false;
    bool(this.name, 'logTarget', this.logTarget);
  }

  /** The loss as a tensor on the tape (a scalar, or per element with reduction 'none'). */
  apply(pred: TensorLike, target: LossTarget): TapeTensor {
    if (this.reduction === 'none') return this.formula(pred, target);
    return applyLoss(this, ...denseArgs(this.name, pred, target));
  }

  /** The loss in differentiable tensor operations (see autograd/ops/loss-formulas.ts). */
  formula(pred: TensorLike, target: LossTarget): TapeTensor {
    return klDivFormula(this, pred, target);
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    refuseNone(this.name, this.reduction);
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target).data;
    checkGrad(this.name, pred, grad, [['target', t]]);
    const x = pred.data;
    const n = x.length;
    const scale =
      this.reduction === 'batchmean'
        ? meanScale('mean', pred.shape.length > 0 ? pred.shape[0] : 1)
        : meanScale(this.reduction, n);
    const k = getBackend().kernelsFor(8 * n);
    const sum = withTemps(n, this.logTarget ? 2 : 1, ([u, v]) => {
      if (this.logTarget) {
        // u = e^t, v = t − x, ℓ = Σ u·v; grad = −scale·u.
        k.unary('exp', u, t, 0, 0);
        k.binary('sub', v, t, x);
        if (grad) k.binaryScalar('mul', grad, u, -scale);
        return k.dot(u, v);
      }
      // u = log max(t, FLT_MIN) − x, ℓ = Σ t·u; grad = −scale·t.
      k.clamp(u, t, FLT_MIN, Number.POSITIVE_INFINITY);
      k.unary('log', u, u, 0, 0);
      k.binary('sub', u, u, x);
      if (grad) k.binaryScalar('mul', grad, t, -scale);
      return k.dot(t, u);
    });
    return sum * scale;
  }
}
