/**
 * Convolution and pooling layers (NCHW, torch semantics) on the tape: finite-difference
 * gradient checks on both backends (through Model.backward), forward/backward against numbers
 * computed with torch 2.15, two forwards then one backward, parity of the native
 * im2col/col2im/pooling kernels with the JS reference, and bad input. The ops themselves
 * (first and second order) are tested in autograd-conv.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { noGrad } from '../src/autograd/grad-mode.js';
import { add, mul } from '../src/autograd/ops/elementwise.js';
import { sum } from '../src/autograd/ops/reduce.js';
import type { Tensor } from '../src/autograd/tensor.js';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels, Window2d } from '../src/backend/kernels.js';
import { loadNative } from '../src/backend/native.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import {
  AvgPool2d,
  Conv2d,
  GlobalAvgPool2d,
  type Layer,
  MaxPool2d,
  Model,
  Sequential,
  Tanh,
} from '../src/nn/index.js';
import { Rng } from '../src/random.js';
import { nativeUnderTest, wasmUnderTest } from './helpers/backends.js';
import { gradcheck } from './helpers/gradcheck.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

interface ConvCase {
  make: () => Conv2d;
  x: number[];
  xShape: number[];
  weight: number[];
  bias: number[] | null;
  y: number[];
  dy: number[];
  dx: number[];
  dWeight: number[];
  dBias: number[] | null;
}

interface PoolCase {
  make: () => Layer;
  x: number[];
  xShape: number[];
  y: number[];
  dy: number[];
  dx: number[];
}

// Forward and backward numbers from torch 2.15 (CPU, float32) on these literal inputs,
// weights and output gradients (small dyadic values, so most results are exact in float32).
const CONV_CASES: ConvCase[] = [
  // torch: nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), x [2, 2, 4, 5]
  {
    make: () => new Conv2d(2, 3, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }),
    x: [
      -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5,
      -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1,
      -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5,
      0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25,
      0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25,
    ],
    xShape: [2, 2, 4, 5],
    weight: [
      -0.625, 0, 0.625, -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625,
      -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625, -0.125, 0.5, -0.25,
      0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625,
    ],
    bias: [-0.75, 0, 0.75],
    y: [
      -1.9375, -0.3125, -1.9375, -2.5, 0.46875, -0.625, -0.59375, 1.375, -0.71875, 0.28125, -0.9375,
      0.28125, -0.28125, -0.03125, -0.1875, 2.03125, 1.09375, 0.15625, -0.3125, -1.9375, -0.3125,
      0.46875, -0.625, -1.71875, 1.375, -0.71875, 1.25, -0.9375, 0.28125, -0.53125, -0.03125,
      -0.1875, 0.0625, 1.09375, 0.15625, -0.375,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1,
    ],
    dx: [
      -0.9375, 0.875, 0.0625, -0.5625, 0.5625, -2.0625, 1.0625, 0.5625, -1.375, 0.875, 0.125, 0.375,
      -0.8125, -0.625, 0.5, 0.125, 0.4375, -0.6875, -0.5625, 0.625, -0.5625, 0.5, 0.25, -0.9375,
      0.375, -0.3125, 0.875, -0.9375, -0.1875, 1.0625, 0.125, 0.5625, -0.4375, -0.4375, 0.875,
      0.125, 0.625, -1.6875, 0.3125, 0.3125, 0.125, 0.375, -0.8125, -0.625, 0.5, 0.4375, 0.75,
      -2.375, 0.0625, 0.75, 0.875, -0.4375, -0.4375, 0.5625, 0.125, 0.75, -0.5, -0.5625, 0.5, 0.125,
      0.125, 0.5625, -0.4375, -0.4375, 0.875, 0.75, 0.0625, -2.375, 0.75, 0.4375, 0.5, -0.625,
      -0.8125, 0.375, 0.125, 0.375, -0.6875, 0.4375, 0.3125, -1.25,
    ],
    dWeight: [
      -1.625, -1.375, 1, -0.625, -0.625, -0.625, -2.375, -2.125, -0.625, -0.625, -2.25, 2.625,
      2.625, 2.625, -2.875, 2.125, -1.75, -1.625, 2.625, 2.625, -1.625, -1.5, 2.75, -2, -1.875,
      -2.125, 3.875, -1.375, 2.125, 1.75, -1.125, -1.375, 1.75, 1.375, -1.625, -0.375,
    ],
    dBias: [0, 0.5, -1.5],
  },
  // torch: nn.Conv2d(2, 2, (2, 3), padding='same'), x [1, 2, 4, 5]
  {
    make: () => new Conv2d(2, 2, [2, 3], { padding: 'same' }),
    x: [
      -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5,
      -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1,
      -0.5, 1.25, -0.25, 1.5, 0, -1.5,
    ],
    xShape: [1, 2, 4, 5],
    weight: [
      -0.625, 0, 0.625, -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625,
      -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0,
    ],
    bias: [-0.75, 0],
    y: [
      0.40625, -0.78125, 0.96875, -0.9375, -0.34375, -2.6875, 1.875, -2.46875, 0.09375, -1.34375,
      0.3125, -2.375, -2.25, -0.5, 0.09375, -0.96875, 0.34375, -1.25, -0.40625, -0.65625, -0.9375,
      1.0625, -1.375, 1.0625, -1.1875, 2.5625, -2.1875, 2.6875, -1.375, 1, -1.25, 1.0625, -0.96875,
      -0.96875, 1.15625, -0.40625, -0.84375, -0.25, 0.75, -0.84375,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0,
    ],
    dx: [
      -0.9375, 0.125, -0.6875, 0.375, 0.5, -1, -0.0625, -0.375, 0.5625, 0.625, -1, -0.0625, -0.375,
      0.5625, 0.625, -1, -0.0625, -0.375, 0.5625, 0.625, 0.125, 0.1875, -0.0625, 0, -0.25, 0.4375,
      0.75, -0.5, -0.1875, -0.875, 0.4375, 0.75, -0.5, -0.1875, -0.875, 0.4375, 0.75, -0.5, -0.1875,
      -0.875,
    ],
    dWeight: [
      -3.125, 2.875, -2, -1, 0.125, 0.125, 3.625, -3.625, 2.875, 1.625, -1.5, 0.125, -3.125, 2.875,
      -2, -1, 0.125, 0.125, 3.625, -3.625, 2.875, 1.625, -1.5, 0.125,
    ],
    dBias: [0, 0],
  },
  // torch: nn.Conv2d(3, 2, 3, padding='same', dilation=2, bias=False), x [1, 3, 5, 4]
  {
    make: () => new Conv2d(3, 2, 3, { padding: 'same', dilation: 2, bias: false }),
    x: [
      -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5,
      -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1,
      -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5,
      0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1,
    ],
    xShape: [1, 3, 5, 4],
    weight: [
      -0.625, 0, 0.625, -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625,
      -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625, -0.125, 0.5, -0.25,
      0.375, -0.375, 0.25, -0.5, 0.125, -0.625, 0, 0.625, -0.125, 0.5, -0.25, 0.375, -0.375, 0.25,
      -0.5, 0.125, -0.625, 0, 0.625, -0.125, 0.5, -0.25, 0.375, -0.375, 0.25, -0.5,
    ],
    bias: null,
    y: [
      0.53125, 0.59375, 0.1875, 0.34375, -0.03125, 1.25, -2.84375, 0.96875, -3.4375, 0.875,
      -1.59375, 2.6875, 0.8125, 0.40625, 0.0625, -0.21875, 0.40625, 0.8125, 1.375, -2.5625, 0.53125,
      0.46875, 0.875, -1.5, 0.28125, -1.8125, 1.9375, -0.03125, 1.4375, -0.96875, 0.875, -1.5625,
      1.46875, 0.09375, -1, 0.15625, 0.03125, -0.53125, -0.03125, 1.9375,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0,
    ],
    dx: [
      1.1875, -0.3125, 0, 0.125, -0.125, 1.1875, -0.125, 0, -0.3125, -0.5625, -0.3125, -0.0625,
      -0.125, 0.375, -0.125, -0.8125, 0, -0.125, 1.1875, -0.125, 0.8125, 0.1875, -1.75, 0.625,
      -0.125, 0.8125, 0.5625, -1.75, -0.3125, -0.1875, 0.375, 0.3125, -0.125, 0, -0.125, 0.1875,
      0.375, -0.125, 0.1875, -0.125, 1.8125, 0, -1.4375, -0.25, -0.125, 1.8125, -0.125, -1.4375,
      -1.6875, 0.1875, 1.75, 0, 0.5625, -1.75, -0.125, 1.1875, 0.0625, 0.5625, -0.8125, -0.125,
    ],
    dWeight: [
      0.375, -0.875, -0.75, 3.25, 2.875, -0.375, 1.25, 4.375, 3, -2.5, -3.25, 1.375, 0, -3.625,
      -0.375, 1.25, -0.125, 0.125, 1.125, 0.875, 0.25, -3.25, -2, 1.25, -0.375, -3, -2.75, 0.375,
      -0.875, -0.75, 3.25, 2.875, -0.375, 1.25, 4.375, 3, -2.5, -3.25, 1.375, 0, -3.625, -0.375,
      1.25, -0.125, 0.125, 1.125, 0.875, 0.25, -3.25, -2, 1.25, -0.375, -3, -2.75,
    ],
    dBias: null,
  },
  // torch: nn.Conv2d(3, 2, 1), x [2, 3, 2, 3]
  {
    make: () => new Conv2d(3, 2, 1),
    x: [
      -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5,
      -1, 0.75, -0.75, 1, -0.5, 1.25, -0.25, 1.5, 0, -1.5, 0.25, -1.25, 0.5, -1, 0.75, -0.75, 1,
      -0.5, 1.25,
    ],
    xShape: [2, 3, 2, 3],
    weight: [-0.625, 0, 0.625, -0.125, 0.5, -0.25],
    bias: [-0.75, 0],
    y: [
      0.1875, -1.84375, 0.1875, -1.84375, 0.1875, -1.84375, -0.1875, 0.84375, -0.15625, 0.875,
      -0.125, 0.90625, -1.84375, 0.1875, -1.84375, 0.1875, -1.84375, 0.1875, 0.90625, -0.09375,
      -0.6875, -0.0625, -0.65625, -0.03125,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1,
    ],
    dx: [
      0.5625, -0.25, 0.1875, -0.625, 0.125, 0.5625, 0.25, -0.25, 0.5, 0, -0.5, 0.25, -0.75, 0.4375,
      -0.5625, 0.625, 0.25, -0.75, 0.1875, -0.625, 0.125, 0.5625, -0.25, 0.1875, 0.5, 0, -0.5, 0.25,
      -0.25, 0.5, -0.5625, 0.625, 0.25, -0.75, 0.4375, -0.5625,
    ],
    dWeight: [2.125, -0.625, -1.75, -2.125, 3.875, 1.75],
    dBias: [-1.5, 1.5],
  },
];

const POOL_CASES: PoolCase[] = [
  // torch: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), x [1, 2, 5, 6] (ties)
  {
    make: () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
    x: [
      -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5,
      -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5,
      0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1,
    ],
    xShape: [1, 2, 5, 6],
    y: [
      1, 1, 1.5, 1.5, 1.5, 1, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 1.5, 1.5, -0.5, 1, 1.5, 1.5, 1.5, 0.5, 1,
      1.5, 1.5,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1,
    ],
    dx: [
      0, -0.5, 0, 0, -0.5, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0,
      0.5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0.5, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0.5, -1, 0, 0,
      0, 0, 0,
    ],
  },
  // torch: nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)), x [1, 1, 5, 6] with x[8] = NaN
  {
    make: () => new MaxPool2d([2, 3], { stride: [1, 2], padding: [1, 1], dilation: [2, 1] }),
    x: [
      -1.5,
      1,
      0,
      -1,
      1.5,
      0.5,
      -0.5,
      -1.5,
      NaN,
      0,
      -1,
      1.5,
      0.5,
      -0.5,
      -1.5,
      1,
      0,
      -1,
      1.5,
      0.5,
      -0.5,
      -1.5,
      1,
      0,
      -1,
      1.5,
      0.5,
      -0.5,
      -1.5,
      1,
    ],
    xShape: [1, 1, 5, 6],
    y: [-0.5, NaN, 1.5, 1, 1, 1.5, 1.5, NaN, 1.5, 1.5, 1.5, 1, 1.5, 0.5, 1],
    dy: [-1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0],
    dx: [
      0, 1, 0, 0, -1, 0, -1, 0, 0, 0, 0, 0.5, 0, 0, 0, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 0, -1, 0, 0, 0,
      0,
    ],
  },
  // torch: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True), x [1, 2, 5, 6]
  {
    make: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
    x: [
      -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5,
      -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5,
      0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1,
    ],
    xShape: [1, 2, 5, 6],
    y: [
      -0.2777777910232544, -0.0555555559694767, 0.1666666716337204, 0.3333333432674408, 0,
      -0.3333333432674408, 0, 0.0833333358168602, 0.2777777910232544, 0, -0.1666666716337204,
      0.1666666716337204, 0, 0.1666666716337204, 0, -0.3333333432674408, -0.1666666716337204, 0,
      0.3333333432674408, 0.25, -0.2222222238779068, -0.1666666716337204, 0.0555555559694767,
      0.0833333358168602,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1,
    ],
    dx: [
      -0.1111111119389534, -0.0555555559694767, 0.0555555559694767, 0, -0.0555555559694767,
      0.111111119389534, -0.1111111119389534, -0.1666666716337204, -0.0555555559694767,
      -0.0555555559694767, 0, 0.0833333358168602, 0, -0.1111111119389534, -0.1111111119389534,
      -0.0555555559694767, 0.0555555559694767, -0.0277777798473835, 0.1111111119389534, 0,
      -0.1111111119389534, -0.1666666716337204, -0.0555555559694767, -0.055555559694767,
      0.1111111119389534, 0.1111111119389534, 0, -0.1111111119389534, -0.1111111119389534,
      -0.0277777761220932, -0.0555555559694767, 0.0555555559694767, 0.1111111119389534,
      0.1111111119389534, 0, -0.1666666716337204, 0, 0.0555555559694767, 0.0555555559694767,
      0.1666666716337204, 0.1111111119389534, -0.055555559694767, 0.0555555559694767, 0,
      -0.0555555559694767, 0.0555555559694767, 0.1111111119389534, 0.1111111119389534,
      -0.0555555559694767, -0.0555555559694767, 0, 0.0555555559694767, 0.0555555559694767,
      0.2222222238779068, -0.1111111119389534, -0.0555555559694767, 0.0555555559694767, 0,
      -0.0555555559694767, 0.111111119389534,
    ],
  },
  // torch: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), x [1, 2, 5, 6]
  {
    make: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    x: [
      -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5,
      -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5,
      0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1,
    ],
    xShape: [1, 2, 5, 6],
    y: [
      -0.625, -0.0833333358168602, 0.25, 1, 0, -0.3333333432674408, 0, 0.1666666716337204, 0.625, 0,
      -0.25, 0.5, 0, 0.25, 0, -1, -0.25, 0, 0.3333333432674408, 0.5, -0.5, -0.25,
      0.0833333358168602, 0.25,
    ],
    dy: [
      -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5,
      -0.5, 1,
    ],
    dx: [
      -0.25, -0.1666666567325592, 0.0833333358168602, 0, -0.0833333358168602, 0.4166666567325592,
      -0.25, -0.277777761220932, -0.0277777761220932, -0.0555555559694767, -0.0277777798473835,
      0.305555522441864, 0, -0.1111111119389534, -0.1111111119389534, -0.0555555559694767,
      0.0555555559694767, -0.111111119389534, 0.25, 0.1388888955116272, -0.1111111119389534,
      -0.2222222238779068, -0.111111119389534, -0.027777791023254395, 0.25, 0.25, 0,
      -0.1666666716337204, -0.1666666716337204, 0.0833333283662796, -0.125, 0.0416666716337204,
      0.1666666716337204, 0.1666666716337204, 0, -0.5, -0.0416666641831398, 0.0694444477558136,
      0.111111119389534, 0.222222238779068, 0.1111111119389534, -0.3888888955116272,
      0.0833333358168602, 0.0277777798473835, -0.0555555559694767, 0.0555555559694767,
      0.1111111119389534, 0.1111111119389534, -0.1666666567325592, -0.1388888955116272,
      0.0277777798473835, 0.055555559694767, 0.0277777761220932, 0.5277777910232544, -0.25,
      -0.1666666567325592, 0.0833333358168602, 0, -0.0833333358168602, 0.4166666567325592,
    ],
  },
  // torch: nn.AvgPool2d((2, 3), stride=(2, 1), padding=(1, 0)), x [2, 1, 4, 5]
  {
    make: () => new AvgPool2d([2, 3], { stride: [2, 1], padding: [1, 0] }),
    x: [
      -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5,
      -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5,
    ],
    xShape: [2, 1, 4, 5],
    y: [
      -0.0833333358168602, 0, 0.0833333358168602, -0.0833333358168602, 0.0833333358168602,
      -0.3333333432674408, 0, 0.0833333358168602, 0.1666666716337204, -0.1666666716337204,
      -0.0833333358168602, 0, 0.3333333432674408, -0.0833333358168602, 0.0833333358168602,
      -0.0833333358168602, 0, 0.0833333358168602,
    ],
    dy: [-1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5],
    dx: [
      -0.1666666716337204, -0.0833333358168602, -0.1666666716337204, 0, -0.0833333358168602,
      0.1666666716337204, 0.1666666716337204, 0, -0.1666666716337204, -0.1666666716337204,
      0.1666666716337204, 0.1666666716337204, 0, -0.1666666716337204, -0.1666666716337204,
      0.0833333358168602, 0, 0.1666666716337204, 0.0833333358168602, 0.1666666716337204, 0,
      -0.1666666716337204, -0.0833333358168602, -0.0833333358168602, 0.0833333358168602,
      -0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0.1666666716337204, 0,
      -0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0.1666666716337204, 0,
      -0.1666666716337204, -0.0833333358168602, -0.1666666716337204, 0, -0.0833333358168602,
    ],
  },
  // torch: nn.AdaptiveAvgPool2d(1) then flatten(1), x [2, 3, 3, 4]
  {
    make: () => new GlobalAvgPool2d(),
    x: [
      -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5,
      -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5,
      0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1, 0, -1,
      1.5, 0.5, -0.5, -1.5, 1, 0, -1, 1.5, 0.5, -0.5, -1.5, 1,
    ],
    xShape: [2, 3, 3, 4],
    y: [
      0, -0.0416666679084301, -0.0833333358168602, 0.1666666716337204, -0.1666666716337204,
      0.0833333358168602,
    ],
    dy: [-1, 0.5, -0.5, 1, 0, -1],
    dx: [
      -0.0833333358168602, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      -0.0833333358168602, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      -0.0833333358168602, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      0.0416666679084301, 0.0416666679084301, 0.0416666679084301, 0.0416666679084301,
      0.0416666679084301, 0.0416666679084301, 0.0416666679084301, 0.0416666679084301,
      0.0416666679084301, 0.0416666679084301, 0.0416666679084301, 0.0416666679084301,
      -0.0416666679084301, -0.0416666679084301, -0.0416666679084301, -0.0416666679084301,
      -0.0416666679084301, -0.0416666679084301, -0.0416666679084301, -0.0416666679084301,
      -0.0416666679084301, -0.0416666679084301, -0.0416666679084301, -0.0416666679084301,
      0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0.0833333358168602,
      0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0.0833333358168602,
      0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0.0833333358168602, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      -0.0833333358168602, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      -0.0833333358168602, -0.0833333358168602, -0.0833333358168602, -0.0833333358168602,
      -0.0833333358168602,
    ],
  },
];

/** |a − b| ≤ tol·(1 + |b|) elementwise, NaN only where NaN is expected. */
function expectClose(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) {
      expect(Number.isNaN(got[i]), `${what}[${i}]: ${got[i]}, want NaN`).toBe(true);
    } else {
      expect(
        Math.abs(got[i] - want[i]),
        `${what}[${i}]: got ${got[i]}, want ${want[i]}`,
      ).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
    }
  }
}

/** Each plane a permutation of values 0.1 apart, so finite differences never swap an argmax. */
function separated(planes: number, plane: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(planes * plane);
  const r = rng.uniform(planes * plane, 0, 1);
  for (let p = 0; p < planes; p++) {
    const order = Array.from({ length: plane }, (_, i) => i).sort(
      (a, b) => r[p * plane + a] - r[p * plane + b],
    );
    order.forEach((src, rank) => {
      out[p * plane + src] = Math.fround((rank - (plane - 1) / 2) * 0.1);
    });
  }
  return out;
}

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  it('Conv2d backward matches finite differences (stride, padding, dilation, same, no bias, non-square)', () => {
    setBackend(name);
    gradcheck(new Conv2d(2, 3, 3, { stride: 2, padding: 1 }), [2, 7, 6], 2);
    gradcheck(new Conv2d(2, 2, 3, { dilation: 2, padding: 2 }), [2, 6, 7], 2);
    gradcheck(new Conv2d(3, 2, [2, 4], { padding: 'same' }), [3, 5, 6], 2);
    gradcheck(
      new Conv2d(2, 3, [3, 1], { padding: 'same', dilation: [2, 1], bias: false }),
      [2, 6, 4],
      2,
    );
    gradcheck(new Conv2d(2, 2, [1, 3], { stride: [2, 3], padding: [1, 0] }), [2, 5, 8], 3);
    gradcheck(new Conv2d(3, 4, 1, { bias: false }), [3, 3, 4], 2); // 1×1: no im2col
    gradcheck(new Conv2d(1, 2, [4, 3], { padding: 'valid' }), [1, 4, 3], 2); // one output pixel
  });

  it('MaxPool2d backward matches finite differences', () => {
    setBackend(name);
    const cases: Array<[MaxPool2d, number[], number]> = [
      [new MaxPool2d(2), [2, 6, 6], 2],
      [new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 5, 6], 2],
      [new MaxPool2d([2, 3], { stride: [1, 2], padding: [1, 1], dilation: [2, 1] }), [1, 6, 7], 2],
    ];
    for (const [layer, shape, batch] of cases) {
      const plane = shape[1] * shape[2];
      gradcheck(layer, shape, batch, {
        input: separated(batch * shape[0], plane, 3),
        probes: 80,
      });
    }
  });

  it('AvgPool2d backward matches finite differences (countIncludePad both ways, ceil mode)', () => {
    setBackend(name);
    for (const countIncludePad of [true, false]) {
      gradcheck(
        new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad }),
        [2, 5, 6],
        2,
      );
      gradcheck(
        new AvgPool2d([2, 3], { stride: [2, 1], padding: [1, 1], countIncludePad }),
        [2, 4, 5],
        2,
      );
    }
    gradcheck(new AvgPool2d(2), [3, 4, 4], 2);
  });

  it('GlobalAvgPool2d backward matches finite differences; output is [N, C]', () => {
    setBackend(name);
    gradcheck(new GlobalAvgPool2d(), [3, 4, 5], 2);
    const m = new Model(new GlobalAvgPool2d(), [2, 2, 3]);
    expect(m.outputShape).toEqual([2]);
    const y = m.forward({
      data: Float32Array.from({ length: 12 }, (_, i) => i),
      shape: [1, 2, 2, 3],
    });
    expect(Array.from(y.data)).toEqual([2.5, 8.5]);
    expect(y.shape).toEqual([1, 2]);
  });

  it('a conv net (Conv2d, Tanh, AvgPool2d, Conv2d, GlobalAvgPool2d) backward matches finite differences', () => {
    // Smooth on purpose: ReLU and max pooling have kinks a finite difference can straddle.
    setBackend(name);
    gradcheck(
      new Sequential([
        new Conv2d(2, 4, 3, { padding: 1 }),
        new Tanh(),
        new AvgPool2d(2),
        new Conv2d(4, 3, 3, { padding: 'same' }),
        new GlobalAvgPool2d(),
      ]),
      [2, 6, 6],
      2,
      { probes: 30 },
    );
  });

  it('Conv2d forward and backward match torch 2.15', () => {
    setBackend(name);
    for (const c of CONV_CASES) {
      const layer = c.make();
      const model = new Model(layer, c.xShape.slice(1));
      const [w, b] = model.parameters();
      w.data.set(c.weight);
      if (c.bias) b.data.set(c.bias);
      const what = layer.describe();
      const y = model.forward({ data: Float32Array.from(c.x), shape: c.xShape });
      expectClose(y.data, c.y, 1e-6, `${what} y`);
      model.zeroGrad();
      const dx = model.backward({ data: Float32Array.from(c.dy), shape: y.shape });
      expectClose(dx.data, c.dx, 1e-6, `${what} dx`);
      expectClose(w.grad, c.dWeight, 1e-6, `${what} dWeight`);
      if (c.dBias) expectClose(b.grad, c.dBias, 1e-6, `${what} dBias`);
      // backward adds into the gradients (torch's accumulate semantics)
      model.forward({ data: Float32Array.from(c.x), shape: c.xShape });
      model.backward({ data: Float32Array.from(c.dy), shape: y.shape });
      expectClose(
        w.grad,
        c.dWeight.map((v) => 2 * v),
        1e-6,
        `${what} dWeight twice`,
      );
    }
  });

  it('pooling forward and backward match torch 2.15 (ties, NaN, ceil mode, padding divisors)', () => {
    setBackend(name);
    for (const c of POOL_CASES) {
      const layer = c.make();
      const model = new Model(layer, c.xShape.slice(1));
      const what = layer.describe();
      const y = model.forward({ data: Float32Array.from(c.x), shape: c.xShape });
      expectClose(y.data, c.y, 1e-6, `${what} y`);
      const dx = model.backward({ data: Float32Array.from(c.dy), shape: y.shape });
      expectClose(dx.data, c.dx, 1e-6, `${what} dx`);
    }
  });

  it('Conv2d default init is U(±1/√fan_in) for weight and bias; shapes and names', () => {
    setBackend(name);
    const model = new Model(new Sequential([new Conv2d(8, 16, [3, 5])]), [8, 10, 10], { seed: 4 });
    const [w, b] = model.parameters();
    expect(w.name).toBe('0.weight');
    expect(w.shape).toEqual([16, 8, 3, 5]);
    expect(b.shape).toEqual([16]);
    expect(model.outputShape).toEqual([16, 8, 6]);
    const bound = 1 / Math.sqrt(8 * 3 * 5);
    const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs(w.data)).toBeLessThanOrEqual(bound);
    expect(maxAbs(w.data)).toBeGreaterThan(0.98 * bound);
    expect(maxAbs(b.data)).toBeLessThanOrEqual(bound);
    expect(maxAbs(b.data)).toBeGreaterThan(0.5 * bound);
  });

  it('a smaller last batch and a new input buffer give the same per-image results', () => {
    setBackend(name);
    const model = new Model(new Conv2d(2, 3, 3, { padding: 1, stride: 2 }), [2, 5, 5], { seed: 2 });
    const rng = new Rng(8);
    const x = rng.uniform(4 * 50, -1, 1);
    const full = Float32Array.from(model.forward({ data: x, shape: [4, 2, 5, 5] }).data);
    const part = model.forward({ data: x.slice(100), shape: [2, 2, 5, 5] });
    expect(Array.from(part.data)).toEqual(Array.from(full.subarray(full.length / 2)));
  });

  it('layers called on two inputs of different sizes before one backward get the sum of the separate gradients', () => {
    setBackend(name);
    const model = new Model(
      new Sequential([
        new Conv2d(2, 3, 3, { padding: 1 }),
        new Tanh(),
        new MaxPool2d(2, { ceilMode: true }),
        new Conv2d(3, 4, [2, 3], { stride: [1, 2] }),
        new AvgPool2d(2, { padding: 1 }),
        new GlobalAvgPool2d(),
      ]),
      [2, 7, 9],
      { seed: 3 },
    );
    const rng = new Rng(12);
    const x1 = tensor(rng.uniform(2 * 2 * 7 * 9, -1, 1), [2, 2, 7, 9], { requiresGrad: true });
    const x2 = tensor(rng.uniform(3 * 2 * 10 * 6, -1, 1), [3, 2, 10, 6], { requiresGrad: true });
    const w1 = tensor(rng.uniform(2 * 4, -1, 1), [2, 4]);
    const w2 = tensor(rng.uniform(3 * 4, -1, 1), [3, 4]);
    const lossOf = (x: typeof x1, w: typeof w1) => sum(mul(model.forward(x), w));
    const copy = (t: { data: Float32Array } | null) => Float32Array.from((t as Tensor).data);
    model.zeroGrad();
    lossOf(x1, w1).backward();
    const gA = Float32Array.from(model.grads);
    const dx1 = copy(x1.grad);
    model.zeroGrad();
    lossOf(x2, w2).backward();
    const gB = Float32Array.from(model.grads);
    const dx2 = copy(x2.grad);
    x1.grad = null;
    x2.grad = null;
    // Both forwards first (the GAN pattern), then one backward through both outputs.
    model.zeroGrad();
    const both = add(lossOf(x1, w1), lossOf(x2, w2));
    both.backward(null, { retainGraph: true });
    expectClose(
      model.grads,
      Array.from(gA, (v, i) => v + gB[i]),
      1e-6,
      'parameter gradients',
    );
    expectClose(copy(x1.grad), Array.from(dx1), 1e-6, 'dx1');
    expectClose(copy(x2.grad), Array.from(dx2), 1e-6, 'dx2');
    // A retained graph goes backward again and adds the same amount.
    both.backward();
    expectClose(
      model.grads,
      Array.from(gA, (v, i) => 2 * (v + gB[i])),
      1e-6,
      'parameter gradients, twice',
    );
  });

  it('refuses bad input and bad arguments, naming the layer', () => {
    setBackend(name);
    // Constructor arguments.
    expect(() => new Conv2d(0, 4, 3)).toThrow(RangeError);
    expect(() => new Conv2d(0, 4, 3)).toThrow(
      /Conv2d: inChannels must be a positive integer, got 0/,
    );
    expect(() => new Conv2d(3, 4, [3] as unknown as number)).toThrow(TypeError);
    expect(() => new Conv2d(3, 4, [3, 0])).toThrow(
      /Conv2d: kernelSize must be a positive integer or a pair.*\[3, 0\]/,
    );
    expect(() => new Conv2d(3, 4, 3, { stride: 0 })).toThrow(/Conv2d: stride/);
    expect(() => new Conv2d(3, 4, 3, { padding: -1 })).toThrow(
      /Conv2d: padding must be a non-negative/,
    );
    expect(() => new Conv2d(3, 4, 3, { padding: 'full' as 'same' })).toThrow(
      /Conv2d: padding .*'same' or 'valid'/,
    );
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(
      /Conv2d: padding 'same' needs stride 1/,
    );
    expect(() => new Conv2d(3, 4, 3, { dilation: 1.5 })).toThrow(/Conv2d: dilation/);
    expect(() => new Conv2d(3, 4, 3, { bias: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => new MaxPool2d(3, { padding: 2 })).toThrow(
      /MaxPool2d: padding must be at most half the kernel size/,
    );
    expect(() => new MaxPool2d(0)).toThrow(/MaxPool2d: kernelSize/);
    expect(() => new MaxPool2d(2, { ceilMode: 1 as unknown as boolean })).toThrow(
      /MaxPool2d: ceilMode must be a boolean/,
    );
    expect(() => new AvgPool2d([2, 4], { padding: [1, 3] })).toThrow(
      /AvgPool2d: padding must be at most half/,
    );
    expect(() => new AvgPool2d(2, { countIncludePad: 'no' as unknown as boolean })).toThrow(
      /AvgPool2d: countIncludePad/,
    );
    // Build-time shapes.
    expect(() => new Model(new Conv2d(3, 4, 3), [2, 5, 5])).toThrow(
      /Conv2d: expected 3 input channels, got 2 \(input shape \[2, 5, 5\]\)/,
    );
    expect(() => new Model(new Conv2d(3, 4, 3), [3, 25])).toThrow(
      /Conv2d: expected input of shape \[channels, height, width\].*got \[3, 25\]/,
    );
    expect(() => new Model(new Conv2d(3, 4, 3), [3, 2, 5])).toThrow(
      /Conv2d: input \[3, 2, 5\] is too small for the kernel: padded size 2×5 < kernel extent 3×3/,
    );
    expect(() => new Model(new Conv2d(3, 4, 3, { dilation: 3, padding: 1 }), [3, 4, 4])).toThrow(
      /too small.*kernel extent 7×7/,
    );
    expect(() => new Model(new MaxPool2d(3), [1, 2, 2])).toThrow(
      /MaxPool2d: input \[1, 2, 2\] is too small: output would be 0×0/,
    );
    expect(() => new Model(new AvgPool2d(4, { stride: 1 }), [1, 3, 8])).toThrow(
      /AvgPool2d: input \[1, 3, 8\] is too small/,
    );
    expect(() => new Model(new GlobalAvgPool2d(), [4])).toThrow(
      /GlobalAvgPool2d: expected input of shape \[channels, height, width\]/,
    );
    // Forward shapes: channels and rank are fixed, the image size is whatever the window fits.
    const model = new Model(new Sequential([new Conv2d(3, 4, 3), new MaxPool2d(2)]), [3, 6, 6]);
    const input = (...shape: number[]) => ({
      data: new Float32Array(shape.reduce((a, d) => a * d, 1)),
      shape,
    });
    expect(() => model.forward(input(2, 2, 6, 6))).toThrow(
      /0:Conv2d\.forward: expected input of shape \[batch, 3, height, width\], got \[2, 2, 6, 6\]/,
    );
    expect(() => model.forward(input(2, 3, 36))).toThrow(
      /0:Conv2d\.forward: expected input of shape \[batch, 3, height, width\], got \[2, 3, 36\]/,
    );
    expect(() => model.forward(input(2, 3, 2, 6))).toThrow(
      /0:Conv2d\.forward: input \[2, 3, 2, 6\] is too small for the kernel: padded size 2×6 < kernel extent 3×3/,
    );
    expect(() => model.forward(input(2, 3, 3, 6))).toThrow(
      /1:MaxPool2d\.forward: input \[2, 4, 1, 4\] is too small: output would be 0×2/,
    );
    expect(() => new MaxPool2d(2).forward(input(2, 3, 4))).toThrow(
      /MaxPool2d\.forward: expected input of shape \[batch, channels, height, width\], got \[2, 3, 4\]/,
    );
    expect(noGrad(() => model.forward(input(2, 3, 5, 7))).shape).toEqual([2, 4, 1, 2]);
    // Backward: the gradient must have the output's shape; nothing is written when refused.
    const y = model.forward(input(2, 3, 6, 6));
    expect(y.shape).toEqual([2, 4, 2, 2]);
    const before = Float32Array.from(model.grads);
    expect(() => model.backward(input(1, 4, 2, 2))).toThrow(
      /Model\.backward: expected a gradient of shape \[2, 4, 2, 2\] \(the output's\), got \[1, 4, 2, 2\]/,
    );
    expect(() => y.backward(input(1, 4, 2, 2))).toThrow(
      /backward: gradient must have the output's shape \[2, 4, 2, 2\], got \[1, 4, 2, 2\]/,
    );
    expect(Array.from(model.grads)).toEqual(Array.from(before));
    // A second backward through the freed graph is refused, naming the layer.
    model.backward(input(2, 4, 2, 2));
    expect(() => y.backward(input(2, 4, 2, 2))).toThrow(
      /backward: the graph through \d:(Conv2d|MaxPool2d)\.forward was already freed/,
    );
    expect(() =>
      new Model(new AvgPool2d(2), [1, 4, 4]).backward({
        data: new Float32Array(4),
        shape: [1, 1, 2, 2],
      }),
    ).toThrow(/Model\.backward: called before forward/);
  });
});

// ---------------------------------------------------------------------------------------------
// Kernel parity, native and wasm vs JS.

const js: Kernels = jsKernels;
const OFFSET = 3;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const buf = new Float32Array(n + OFFSET + 5);
  js.rngUniform(seedState(seed), buf, lo, hi);
  return buf.subarray(OFFSET, OFFSET + n);
}

function view(n: number, fill = Number.NaN): Float32Array {
  return new Float32Array(n + OFFSET + 2).fill(fill).subarray(OFFSET, OFFSET + n);
}

function iview(n: number): Int32Array {
  return new Int32Array(n + OFFSET + 2).fill(-7).subarray(OFFSET, OFFSET + n);
}

/** Worst |a − b| / tol(i) over the elements (NaN pairs equal); ≤ 1 passes. */
function worstExcess(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tol: (i: number) => number,
): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const e = Math.abs(a[i] - b[i]) / tol(i);
    worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(worst, e);
  }
  return worst;
}

const FLT_MIN = 1.1754943508222875e-38;

function convOut(len: number, k: number, s: number, p: number, d: number, extra = 0): number {
  return Math.floor((len + 2 * p + extra - d * (k - 1) - 1) / s) + 1;
}

function poolOutSize(
  len: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  let o = Math.floor((len + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= len + p) o--;
  return o;
}

type G = [
  n: number,
  c: number,
  h: number,
  w: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  dh: number,
  dw: number,
];

function convWindow([n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw]: G, extra = 0): Window2d {
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    dilationH: dh,
    dilationW: dw,
    outH: convOut(h, kh, sh, ph, dh, extra),
    outW: convOut(w, kw, sw, pw, dw, extra),
  };
}

function poolWindow([n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw]: G, ceil: boolean): Window2d {
  return {
    n,
    c,
    h,
    w,
    kh,
    kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    dilationH: dh,
    dilationW: dw,
    outH: poolOutSize(h, kh, sh, ph, dh, ceil),
    outW: poolOutSize(w, kw, sw, pw, dw, ceil),
  };
}

// Odd sizes, strides, dilation, padding, a 'same' geometry with an extra bottom/right row,
// and sizes large enough for the native kernels' threaded path.
const CONV_GEOMS: Window2d[] = [
  convWindow([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]),
  convWindow([2, 3, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1]),
  convWindow([3, 2, 11, 7, 3, 2, 2, 3, 1, 0, 2, 1]),
  convWindow([1, 5, 6, 7, 4, 2, 1, 1, 1, 0, 1, 1], 1),
  convWindow([2, 4, 5, 5, 5, 5, 1, 1, 2, 2, 1, 1]),
  convWindow([3, 17, 31, 29, 3, 3, 1, 1, 1, 1, 1, 1]),
  convWindow([2, 9, 33, 35, 5, 3, 2, 2, 2, 1, 2, 3]),
  // 'same' 3×3 on a one-row and a one-column image: kernel rows wholly outside the input
  convWindow([1, 2, 1, 5, 3, 3, 1, 1, 1, 1, 1, 1]),
  convWindow([2, 1, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1]),
];

const POOL_GEOMS: Array<[Window2d, string]> = [
  [poolWindow([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1], false), '1×1'],
  [poolWindow([2, 3, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1], false), '2×2 floor'],
  [poolWindow([2, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1], true), '3×3 s2 p1 ceil'],
  [poolWindow([1, 4, 9, 8, 3, 2, 2, 1, 1, 1, 1, 1], true), '3×2 s2×1 p1 ceil'],
  [poolWindow([3, 17, 31, 29, 3, 3, 2, 2, 1, 1, 1, 1], true), 'large, ceil'],
  [poolWindow([2, 5, 13, 12, 13, 12, 13, 12, 0, 0, 1, 1], false), 'global'],
];

const gName = (g: Window2d) =>
  `n${g.n} c${g.c} ${g.h}×${g.w} k${g.kh}×${g.kw} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW} d${g.dilationH}×${g.dilationW} → ${g.outH}×${g.outW}`;

describe.each([
  ['native', nativeUnderTest()],
  ['wasm', wasmUnderTest()],
] as [string, Kernels][])('%s', (_name, native) => {
  describe('kernel parity vs js (offset views, odd sizes)', () => {
    it('im2col is bit-identical', () => {
      CONV_GEOMS.forEach((g, t) => {
        const x = rand(g.n * g.c * g.h * g.w, 100 + t);
        const len = g.c * g.kh * g.kw * g.n * g.outH * g.outW;
        const a = view(len);
        const b = view(len);
        native.im2col(a, x, g);
        js.im2col(b, x, g);
        expect(
          Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
            Buffer.from(b.buffer, b.byteOffset, b.byteLength),
          ),
          gName(g),
        ).toBe(true);
      });
    });

    it('col2im agrees within 1e-5 of the sum of the terms’ magnitudes', () => {
      CONV_GEOMS.forEach((g, t) => {
        const len = g.c * g.kh * g.kw * g.n * g.outH * g.outW;
        const cols = rand(len, 200 + t);
        const n = g.n * g.c * g.h * g.w;
        const a = view(n);
        const b = view(n);
        native.col2im(a, cols, g);
        js.col2im(b, cols, g);
        const mag = view(n);
        js.col2im(mag, cols.map(Math.abs), g);
        expect(
          worstExcess(a, b, (i) => 1e-5 * Math.max(mag[i], FLT_MIN)),
          gName(g),
        ).toBeLessThanOrEqual(1);
      });
    });

    it('maxPool2d values and indices are identical (ties, NaN, −∞); backward agrees', () => {
      for (const [g, what] of POOL_GEOMS) {
        const n = g.n * g.c * g.h * g.w;
        const x = rand(n, 300);
        for (let i = 0; i < n; i++) {
          x[i] = Math.round(x[i] * 4) / 4; // ties
          if (i % 53 === 11) x[i] = Number.NaN;
          if (i % 61 === 3) x[i] = Number.NEGATIVE_INFINITY;
        }
        const m = g.n * g.c * g.outH * g.outW;
        const [ya, yb] = [view(m), view(m)];
        const [ia, ib] = [iview(m), iview(m)];
        native.maxPool2d(ya, ia, x, g);
        js.maxPool2d(yb, ib, x, g);
        expect(Array.from(ia), what).toEqual(Array.from(ib));
        expect(
          worstExcess(ya, yb, () => FLT_MIN),
          what,
        ).toBe(0);
        const dy = rand(m, 301);
        const [da, db] = [view(n), view(n)];
        native.maxPool2dBackward(da, ia, dy, g);
        js.maxPool2dBackward(db, ib, dy, g);
        const mag = view(n);
        js.maxPool2dBackward(mag, ib, dy.map(Math.abs), g);
        expect(
          worstExcess(da, db, (i) => 1e-5 * Math.max(mag[i], FLT_MIN)),
          what,
        ).toBeLessThanOrEqual(1);
      }
    });

    it('avgPool2d and its backward agree (countIncludePad both ways)', () => {
      for (const [g, what] of POOL_GEOMS) {
        const n = g.n * g.c * g.h * g.w;
        const m = g.n * g.c * g.outH * g.outW;
        const x = rand(n, 400);
        const dy = rand(m, 401);
        for (const cip of [true, false]) {
          const [ya, yb, ym] = [view(m), view(m), view(m)];
          native.avgPool2d(ya, x, g, cip);
          js.avgPool2d(yb, x, g, cip);
          js.avgPool2d(ym, x.map(Math.abs), g, cip);
          expect(
            worstExcess(ya, yb, (i) => 1e-5 * Math.max(ym[i], FLT_MIN)),
            `${what} ${cip}`,
          ).toBeLessThanOrEqual(1);
          const [da, db, dm] = [view(n), view(n), view(n)];
          native.avgPool2dBackward(da, dy, g, cip);
          js.avgPool2dBackward(db, dy, g, cip);
          js.avgPool2dBackward(dm, dy.map(Math.abs), g, cip);
          expect(
            worstExcess(da, db, (i) => 1e-5 * Math.max(dm[i], FLT_MIN)),
            `${what} ${cip}`,
          ).toBeLessThanOrEqual(1);
        }
      }
    });

    it('the addon refuses what would be unsafe (a direct caller, no TS checks in between)', () => {
      const n = loadNative();
      if ('error' in n) throw new Error(n.error);
      const b = n.binding;
      const geo = (g: Window2d) =>
        Float64Array.from([
          g.n,
          g.c,
          g.h,
          g.w,
          g.kh,
          g.kw,
          g.strideH,
          g.strideW,
          g.padH,
          g.padW,
          g.dilationH,
          g.dilationW,
          g.outH,
          g.outW,
        ]);
      const g = poolWindow([1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1], false);
      const x = new Float32Array(16);
      const y = new Float32Array(4);
      const idx = new Int32Array([0, 3, 16, 5]);
      expect(() => b.maxPool2dBackward(x, idx, y, geo(g))).toThrow(
        /maxPool2dBackward: indices\[2\] = 16 is outside the plane \[0, 16\)/,
      );
      idx[2] = -1;
      expect(() => b.maxPool2dBackward(x, idx, y, geo(g))).toThrow(/outside the plane/);
      // The fused convolution + pooling: a 3×3 'same' convolution 1 → 1 channel on 4×4, then g.
      const cg = geo({
        ...g,
        kh: 3,
        kw: 3,
        strideH: 1,
        strideW: 1,
        padH: 1,
        padW: 1,
        outH: 4,
        outW: 4,
      });
      const w9 = new Float32Array(9);
      expect(() => b.conv2dPoolImages?.(y, idx, x, w9, null, 2, cg, geo(g), true)).toThrow(
        /conv2dPoolImages: poolGeometry pools 1×1 planes of 4×4, the convolution gives 1×2 of 4×4/,
      );
      expect(() =>
        b.conv2dPoolImages?.(y, idx, x, w9, null, 1, cg, geo({ ...g, strideW: -1 }), true),
      ).toThrow(/conv2dPoolImages: poolGeometry.strideW must be/);
      expect(() =>
        b.conv2dPoolImages?.(x.subarray(0, 4), idx, x, w9, null, 1, cg, geo(g), true),
      ).toThrow(/conv2dPoolImages: out overlaps x/);
      const back = (i: Int32Array, db: Float32Array | null) =>
        b.conv2dPoolImagesBackward?.(
          w9,
          false,
          null,
          db,
          false,
          x,
          w9.slice(),
          y,
          i,
          y.slice(),
          1,
          cg,
          geo(g),
          true,
        );
      const before = w9.slice();
      expect(() => back(idx, null)).toThrow(
        /conv2dPoolImagesBackward: indices\[2\] = -1 is outside the plane \[0, 16\)/,
      );
      expect(() => back(new Int32Array(3), null)).toThrow(
        /conv2dPoolImagesBackward: indices has length 3, expected 4/,
      );
      expect(w9).toEqual(before); // nothing written before the checks passed
      idx[2] = 15;
      back(idx, new Float32Array(1));
      expect(w9.some((v) => v !== 0) || y.every((v) => v === 0)).toBe(true);
      expect(() => b.im2col(new Float32Array(3), x, geo(g))).toThrow(
        /im2col: cols has length 3, expected 16/,
      );
      expect(() =>
        b.col2im(x, x, geo({ ...g, kh: 1, kw: 1, strideH: 1, strideW: 1, outH: 4, outW: 4 })),
      ).toThrow(/col2im: dx overlaps cols/);
      expect(() => b.maxPool2d(y, idx, x, geo({ ...g, strideH: 0 }))).toThrow(
        /maxPool2d: strides and dilations must be positive/,
      );
      expect(() => b.avgPool2d(y, x, geo({ ...g, dilationH: 2 }), true)).toThrow(
        /avgPool2d: dilation must be 1/,
      );
      expect(() => b.avgPool2d(y, x, new Float64Array(13), true)).toThrow(
        /avgPool2d: geometry has length 13, expected 14/,
      );
      expect(() => b.avgPool2d(y, x, geo({ ...g, n: 1.5 }), true)).toThrow(
        /avgPool2d: n must be a non-negative integer, got 1.5/,
      );
      expect(() => b.im2col(new Float32Array(4), x, geo({ ...g, n: 2 ** 40, c: 2 ** 40 }))).toThrow(
        /overflows/,
      );
    });
  });
});
