/**
 * The pure-TypeScript backend: the reference oracle the native backend is tested against.
 * Every kernel reads f32, computes in f64 and rounds once on store.
 */
import type { Kernels } from '../kernels.js';
import { col2im, im2col } from './conv.js';
import { axpy, biasAdd, binary, binaryScalar, clamp, copy, fill, lerp } from './elementwise.js';
import { gemm } from './gemm.js';
import { bceWithLogits, crossEntropyLabels, crossEntropyProbs } from './loss.js';
import {
  batchNormBackward,
  batchNormBackwardReduce,
  batchNormForward,
  batchNormStats,
  embeddingBackward,
  embeddingForward,
  layerNormBackward,
  layerNormForward,
} from './norm.js';
import { optimStep } from './optim/index.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import {
  gruCellBackward,
  gruCellForward,
  lstmCellBackward,
  lstmCellForward,
  rnnCellBackward,
  rnnCellForward,
} from './recurrent.js';
import {
  argmaxRows,
  biasGrad,
  colSums,
  dot,
  max,
  maxAbs,
  sum,
  sumAbs,
  sumSquares,
} from './reduce.js';
import { rngDropoutMask, rngNormal, rngUniform } from './rng.js';
import { softmax, softmaxBackward, softmaxCrossEntropy } from './softmax.js';
import { unary, unaryBackward } from './unary.js';

export { detLn, nextU32, seedState } from './rng.js';

export const jsKernels: Kernels = {
  unary,
  unaryBackward,
  binary,
  binaryScalar,
  axpy,
  fill,
  copy,
  sum,
  sumSquares,
  sumAbs,
  biasAdd,
  biasGrad,
  maxAbs,
  dot,
  lerp,
  clamp,
  max,
  argmaxRows,
  colSums,
  batchNormStats,
  batchNormForward,
  batchNormBackwardReduce,
  batchNormBackward,
  layerNormForward,
  layerNormBackward,
  embeddingForward,
  embeddingBackward,
  im2col,
  col2im,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  softmax,
  softmaxBackward,
  gemm,
  softmaxCrossEntropy,
  crossEntropyLabels,
  crossEntropyProbs,
  bceWithLogits,
  rngUniform,
  rngNormal,
  rngDropoutMask,
  optimStep,
  rnnCellForward,
  rnnCellBackward,
  lstmCellForward,
  lstmCellBackward,
  gruCellForward,
  gruCellBackward,
};
