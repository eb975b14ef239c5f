/**
 * The pure-TypeScript backend: the reference oracle the native backend is tested against.
 * Every kernel reads f32, computes in f64 and rounds once on store.
 */
import type { Kernels } from '../kernels.js';
import { axpy, biasAdd, binary, binaryScalar, clamp, copy, fill, lerp } from './elementwise.js';
import { gemm } from './gemm.js';
import { optimStep } from './optim/index.js';
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
  softmax,
  softmaxBackward,
  gemm,
  softmaxCrossEntropy,
  rngUniform,
  rngNormal,
  rngDropoutMask,
  optimStep,
};
