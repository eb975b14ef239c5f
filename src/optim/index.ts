/** Optimizers (`torch.optim` semantics and names in camelCase). */
export { AdaBelief, type AdaBeliefOptions } from './adabelief.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { Adan, type AdanOptions } from './adan.js';
export { ASGD, type ASGDOptions } from './asgd.js';
export { AveragedParams, type AveragingOptions, type AveragingState } from './averaging.js';
export { type ClipGradNormOptions, clipGradNorm, clipGradValue, gradNorm } from './clip-grad.js';
export { ElementwiseOptimizer, type Run } from './elementwise.js';
export { GradientAccumulation } from './grad-accumulation.js';
export { LAMB, type LAMBOptions } from './lamb.js';
export { LARS, type LARSOptions } from './lars.js';
export { LBFGS, type LBFGSOptions } from './lbfgs.js';
export { Lion, type LionOptions } from './lion.js';
export { Lookahead, type LookaheadOptions } from './lookahead.js';
export { Muon, type MuonOptions } from './muon.js';
export { NAdam, type NAdamOptions } from './nadam.js';
export {
  type Closure,
  GroupState,
  Optimizer,
  type OptimizerFlags,
  type OptimizerLike,
  type Param,
  type ParamGroup,
  type ParamLike,
  type ParamsInput,
} from './optimizer.js';
export type { Check, OptionSpec } from './options.js';
export { RAdam, type RAdamOptions } from './radam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Rprop, type RpropOptions } from './rprop.js';
export { SAM, type SAMOptions } from './sam.js';
export { ScalarStateOptimizer } from './scalar-elementwise.js';
export {
  AdamWScheduleFree,
  type AdamWScheduleFreeOptions,
  type ScheduleFreeGroupState,
  SGDScheduleFree,
  type SGDScheduleFreeOptions,
} from './schedule-free.js';
export { SGD, type SGDOptions } from './sgd.js';
export type { EncodedBuffer, OptimizerStateDict } from './state-dict.js';
export { Yogi, type YogiOptions } from './yogi.js';
