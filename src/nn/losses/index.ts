/**
 * Losses with `torch.nn` semantics and defaults: `forward` returns the reduced loss (and
 * writes dL/dpred), `apply` the loss as a tensor on the autograd tape.
 */
export { BCELoss, type BCELossOptions } from './bce.js';
export { BCEWithLogitsLoss, type BCEWithLogitsLossOptions } from './bce-with-logits.js';
export type { Reduction, ReductionOptions } from './common.js';
export { CrossEntropyLoss, type CrossEntropyLossOptions } from './cross-entropy.js';
export { HuberLoss, type HuberLossOptions } from './huber.js';
export { KLDivLoss, type KLDivLossOptions, type KLDivReduction } from './kl-div.js';
export { L1Loss } from './l1.js';
export { MSELoss } from './mse.js';
export { NLLLoss, type NLLLossOptions } from './nll.js';
export { SmoothL1Loss, type SmoothL1LossOptions } from './smooth-l1.js';
