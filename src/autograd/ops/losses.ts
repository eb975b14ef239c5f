/**
 * The losses as functions (torch.nn.functional's names and options): each is its loss class
 * applied once, so the numbers are the class's, the fused kernels run for reduced losses, and
 * `reduction: 'none'`, targets that require grad and createGraph go through the loss's
 * formula in tensor operations. Messages name the function.
 */
import { BCELoss, type BCELossOptions } from '../../nn/losses/bce.js';
import {
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
} from '../../nn/losses/bce-with-logits.js';
import { named, type ReductionOptions } from '../../nn/losses/common.js';
import { CrossEntropyLoss, type CrossEntropyLossOptions } from '../../nn/losses/cross-entropy.js';
import { HuberLoss, type HuberLossOptions } from '../../nn/losses/huber.js';
import { KLDivLoss, type KLDivLossOptions } from '../../nn/losses/kl-div.js';
import { L1Loss } from '../../nn/losses/l1.js';
import { MSELoss } from '../../nn/losses/mse.js';
import { NLLLoss, type NLLLossOptions } from '../../nn/losses/nll.js';
import { SmoothL1Loss, type SmoothL1LossOptions } from '../../nn/losses/smooth-l1.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { LossTarget } from './loss-formulas.js';

/**
 * Softmax cross-entropy of logits [N, C] or [N, C, d…] against class indices (Int32Array or
 * int32 tensor [N, d…]) or class probabilities (the logits' shape): F.cross_entropy.
 */
export function crossEntropy(
  logits: TensorLike,
  target: LossTarget,
  opts?: CrossEntropyLossOptions,
): Tensor {
  return named('crossEntropy', () => new CrossEntropyLoss(opts)).apply(logits, target);
}

/** Negative log-likelihood of log-probabilities [N, C] or [N, C, d…]: F.nll_loss. */
export function nllLoss(input: TensorLike, target: LossTarget, opts?: NLLLossOptions): Tensor {
  return named('nllLoss', () => new NLLLoss(opts)).apply(input, target);
}

/** (input − target)², reduced: F.mse_loss. */
export function mseLoss(input: TensorLike, target: TensorLike, opts?: ReductionOptions): Tensor {
  return named('mseLoss', () => new MSELoss(opts)).apply(input, target);
}

/** |input − target|, reduced: F.l1_loss. */
export function l1Loss(input: TensorLike, target: TensorLike, opts?: ReductionOptions): Tensor {
  return named('l1Loss', () => new L1Loss(opts)).apply(input, target);
}

/** Huber loss with `delta` (default 1): F.huber_loss. */
export function huberLoss(input: TensorLike, target: TensorLike, opts?: HuberLossOptions): Tensor {
  return named('huberLoss', () => new HuberLoss(opts)).apply(input, target);
}

/** Smooth L1 with `beta` (default 1; 0 is L1): F.smooth_l1_loss. */
export function smoothL1Loss(
  input: TensorLike,
  target: TensorLike,
  opts?: SmoothL1LossOptions,
): Tensor {
  return named('smoothL1Loss', () => new SmoothL1Loss(opts)).apply(input, target);
}

/** Binary cross-entropy on logits with `weight`, `posWeight`: F.binary_cross_entropy_with_logits. */
export function bceWithLogits(
  input: TensorLike,
  target: TensorLike,
  opts?: BCEWithLogitsLossOptions,
): Tensor {
  return named('bceWithLogits', () => new BCEWithLogitsLoss(opts)).apply(input, target);
}

/** Binary cross-entropy on probabilities in [0, 1] (logs floored at −100): F.binary_cross_entropy. */
export function binaryCrossEntropy(
  input: TensorLike,
  target: TensorLike,
  opts?: BCELossOptions,
): Tensor {
  return named('binaryCrossEntropy', () => new BCELoss(opts)).apply(input, target);
}

/** KL divergence of log-probabilities `input` from `target` (`logTarget`): F.kl_div. */
export function klDiv(input: TensorLike, target: TensorLike, opts?: KLDivLossOptions): Tensor {
  return named('klDiv', () => new KLDivLoss(opts)).apply(input, target);
}
