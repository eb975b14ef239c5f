/**
 * Autograd: tensors that record a tape of operations over the same kernels as the layers, so
 * any model written in JS is differentiated (PyTorch's `backward`, JAX's `grad`).
 */
import './methods.js';

export {
  full,
  ones,
  rand,
  randn,
  scalar,
  type TensorOptions,
  tensor,
  zeros,
} from './create.js';
export {
  type BackwardOptions,
  backward,
  type Fn,
  type GradientsOptions,
  grad,
  gradients,
  hvp,
  type TransformOptions,
  valueAndGrad,
  vjp,
} from './functional.js';
export { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
export { hardswish, hardtanh, prelu } from './ops/activations.js';
export {
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionWeights,
  multiHeadAttention,
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from './ops/attention.js';
export { type Conv2dOptions, conv2d } from './ops/conv.js';
export { type ConvTranspose2dOptions, convTranspose2d } from './ops/conv-transpose.js';
export { type Conv1dOptions, conv1d } from './ops/conv1d.js';
export {
  add,
  div,
  expand,
  maximum,
  minimum,
  mul,
  neg,
  type Operand,
  pow,
  reciprocal,
  sub,
  sumTo,
} from './ops/elementwise.js';
export { type EmbeddingOptions, embedding } from './ops/embedding.js';
export { gather, indexSelect } from './ops/gather.js';
export { groupNorm, type InstanceNormOptions, instanceNorm } from './ops/group-norm.js';
export { applyLoss, type FusedLoss } from './ops/loss.js';
export type { LossTarget } from './ops/loss-formulas.js';
export {
  bceWithLogits,
  binaryCrossEntropy,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from './ops/losses.js';
export { linear, type MatmulOptions, matmul } from './ops/matmul.js';
export { type BatchNormOptions, batchNorm, layerNorm } from './ops/norm.js';
export { type PadMode, type PadOptions, pad, repeat, tile } from './ops/pad.js';
export {
  type AvgPool2dOptions,
  avgPool2d,
  globalAvgPool2d,
  type MaxPool2dOptions,
  maxPool2d,
} from './ops/pool.js';
export { type AdaptiveSize, adaptiveAvgPool2d } from './ops/pool-adaptive.js';
export type { CellKind } from './ops/recurrent.js';
export { mean, type ReduceOptions, sum } from './ops/reduce.js';
export { argmax, logsumexp, max, min } from './ops/reduce-max.js';
export { std, type VarOptions, var, variance } from './ops/reduce-var.js';
export { flatten, permute, reshape, squeeze, transpose, unsqueeze } from './ops/shape.js';
export { cat, chunk, concat, slice, split, stack } from './ops/slice.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export {
  abs,
  clamp,
  elu,
  exp,
  gelu,
  hardSigmoid,
  leakyRelu,
  log,
  mish,
  normalCdf,
  relu,
  selu,
  sigmoid,
  silu,
  softplus,
  sqrt,
  square,
  tanh,
  unary,
} from './ops/unary.js';
export {
  type InterpolateMode,
  type InterpolateOptions,
  type InterpolateSpec,
  interpolate,
} from './ops/upsample.js';
export { where } from './ops/where.js';
export type { ConvPadding } from './ops/window.js';
export { clearPool, poolStats } from './pool.js';
export type { ArrayOf, DType } from './storage.js';
export { Tensor, type TensorLike } from './tensor.js';
