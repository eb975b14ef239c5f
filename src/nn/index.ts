/** Layers, models and initialisers (`torch.nn` semantics, explicit backward). */
export {
  Activation,
  ELU,
  GELU,
  Hardsigmoid,
  LeakyReLU,
  Mish,
  ReLU,
  SELU,
  Sigmoid,
  SiLU,
  Softplus,
  Swish,
  Tanh,
} from './activation.js';
export { fans, gain, type Init, initialize, type Nonlinearity } from './init.js';
export {
  type ForwardOptions,
  Layer,
  type LayerParam,
  type ParamSpec,
  type StateBuffer,
} from './layer.js';
export { Linear, type LinearOptions } from './linear.js';
export { Model, type ModelOptions } from './model.js';
export { Sequential } from './sequential.js';
export { numel, Scratch, shapeStr, type Tensor, tensor } from './tensor.js';
