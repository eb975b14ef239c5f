/** Layers, models and initialisers (`torch.nn` semantics, differentiated by the autograd tape). */

export { tensor } from '../autograd/create.js';
export { Tensor, type TensorLike } from '../autograd/tensor.js';
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
export { AdaptiveAvgPool2d } from './adaptiveavgpool2d.js';
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from './attention.js';
export { AvgPool2d, type AvgPool2dOptions } from './avgpool2d.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export type { PaddingMode } from './conv-common.js';
export { Conv1d, type Conv1dOptions } from './conv1d.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './convtranspose2d.js';
export { Dropout } from './dropout.js';
export { Embedding, type EmbeddingOptions, type IndexTensor } from './embedding.js';
export { Flatten } from './flatten.js';
export { GlobalAvgPool2d } from './globalavgpool2d.js';
export { GroupNorm, type GroupNormOptions } from './groupnorm.js';
export { Hardswish, Hardtanh } from './hard-activations.js';
export { fans, gain, type Init, initialize, type Nonlinearity } from './init.js';
export { InstanceNorm2d, type InstanceNormOptions } from './instancenorm.js';
export {
  type BackwardOptions,
  type ForwardOptions,
  Layer,
  type LayerParam,
  type ParamSpec,
  type StateBuffer,
} from './layer.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { Linear, type LinearOptions } from './linear.js';
export type { Loss, Target } from './loss.js';
export * as losses from './losses/index.js';
export { MaxPool2d, type MaxPool2dOptions } from './maxpool2d.js';
export { Model, type ModelOptions } from './model.js';
export { PReLU, type PReLUOptions } from './prelu.js';
export {
  GRU,
  LSTM,
  Recurrent,
  type RecurrentOptions,
  type RecurrentOutput,
  type RecurrentState,
  RNN,
  type RNNOptions,
} from './recurrent.js';
export { Reshape } from './reshape.js';
export { Residual } from './residual.js';
export { Sequential } from './sequential.js';
export { LogSoftmax, Softmax } from './softmax.js';
export { numel, Scratch, shapeStr, type Tensor as DenseTensor } from './tensor.js';
export {
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerEncoderLayerOptions,
} from './transformer.js';
export { Upsample, type UpsampleOptions } from './upsample.js';
export type { Pair } from './window2d.js';
