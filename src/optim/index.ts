/** Optimizers (`torch.optim` semantics and names in camelCase). */
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { ElementwiseOptimizer, type Run } from './elementwise.js';
export {
  type Closure,
  GroupState,
  Optimizer,
  type OptimizerFlags,
  type Param,
  type ParamGroup,
  type ParamsInput,
} from './optimizer.js';
export { LBFGS, type LBFGSOptions } from './lbfgs.js';
export { Muon, type MuonOptions } from './muon.js';
export { SGD, type SGDOptions } from './sgd.js';
export type { OptimizerStateDict } from './state-dict.js';
