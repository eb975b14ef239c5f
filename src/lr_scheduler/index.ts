/**
 * Learning-rate schedulers (`torch.optim.lr_scheduler` semantics, names in camelCase), for
 * any optimizer with `paramGroups: [{ lr, … }]`. See scheduler.ts for what they share
 * (`lastEpoch`, state dicts, `scaleWeightDecay`).
 */
export { ChainedScheduler, type ChainedSchedulerOptions } from './chained-scheduler.js';
export { ConstantLR, type ConstantLROptions } from './constant-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions, type CyclicMode } from './cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { LambdaLR, type LambdaLROptions, type LrLambda } from './lambda-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { MultiplicativeLR, type MultiplicativeLROptions } from './multiplicative-lr.js';
export { OneCycleLR, type OneCycleLROptions, type SchedulePhase } from './one-cycle-lr.js';
export { PolynomialLR, type PolynomialLROptions } from './polynomial-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export {
  BaseScheduler,
  type Group,
  LRScheduler,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
  type StateCheck,
} from './scheduler.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { SWALR, type SWALROptions } from './swa-lr.js';
