/**
 * descent — deep-learning optimization for Node.js. Rust SIMD kernels through napi-rs, with a
 * pure-JS backend that keeps the same API wherever the native addon cannot load.
 */
export * as autograd from './autograd/index.js';
export {
  enableGrad,
  grad,
  gradients,
  hvp,
  noGrad,
  ones,
  rand,
  randn,
  Tensor,
  type TensorLike,
  tensor,
  valueAndGrad,
  vjp,
  zeros,
} from './autograd/index.js';
export type {
  AdamStepOptions,
  BinaryOp,
  Kernels,
  SgdStepOptions,
  UnaryOp,
  Window2d,
} from './backend/kernels.js';
export { BINARY_CODES, UNARY_CODES } from './backend/kernels.js';
export {
  type Availability,
  BACKEND_NAMES,
  type Backend,
  type BackendInfo,
  type BackendName,
  backend,
  DEFAULT_MIN_NATIVE_LENGTH,
  getBackend,
  nativeAvailable,
  ops,
  setBackend,
  setMinNativeLength,
  setSimd,
  wasmAvailable,
} from './backend/select.js';
/** Running lists of `descent compare` run specs: on local processes or on a BullMQ queue. */
export * as experiments from './cli/experiments.js';
export * as data from './data/index.js';
export * as lrScheduler from './lr_scheduler/index.js';
export * as meta from './meta/index.js';
export * as models from './models/index.js';
export * as nn from './nn/index.js';
export type {
  Backward as UnaryBackward,
  Forward as UnaryForward,
  NamedUnary,
  Ops,
} from './ops/index.js';
export type { CrossEntropyOptions, GemmOptions } from './ops/linalg.js';
export type { UnaryOptions } from './ops/unary.js';
export * as optim from './optim/index.js';
export { Rng } from './random.js';
export * as train from './train/index.js';
