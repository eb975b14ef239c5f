/**
 * descent in the browser (`descent-ml/browser`): the training path — tensors, autograd,
 * layers, losses, optimizers, learning-rate schedules, `fit` and its metrics, datasets from
 * memory and from IDX bytes — with no Node built-in in its import graph. Call `init()` once
 * first: it compiles the kernels' WebAssembly module and selects the `wasm` backend.
 * Node-only parts (files, checkpoints, the CLI, worker pools, reports, the meta-learning
 * tasks that load Fashion-MNIST from disk) stay in `descent-ml`.
 */
import type { Backend } from './backend/select.js';
import { type InitOptions, initWasm } from './browser/init.js';

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
  ops,
  setBackend,
  setMinNativeLength,
  wasmAvailable,
} from './backend/select.js';
export * as data from './browser/data.js';
export type { CompiledWasm, InitOptions, WasmSource } from './browser/init.js';
export * as train from './browser/train.js';
export * as lrScheduler from './lr_scheduler/index.js';
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

/**
 * Compiles and instantiates the kernels' WebAssembly module, then selects the `wasm` backend
 * and returns it. By default the module is fetched from `wasm/descent.wasm` beside this file's
 * `dist/` folder; pass `wasm` when a bundler moved the code (see {@link InitOptions}). Later
 * calls keep the first module and just select `wasm` again. Until `init` resolves, the active
 * backend is `js`.
 *
 * @example
 * ```ts
 * import { getBackend, init } from 'descent-ml/browser';
 *
 * await init(); // or init({ wasm: await fetch('/assets/descent.wasm') })
 * console.log(getBackend().name); // 'wasm'
 * ```
 */
export function init(options: InitOptions = {}): Promise<Backend> {
  return initWasm(options, new URL('../wasm/descent.wasm', import.meta.url));
}
