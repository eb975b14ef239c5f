/**
 * Finite-difference checks of every differentiable operation of src/autograd/ops, on both
 * backends (native with every kernel call routed to the addon): `gradcheck` (first order) and
 * `gradgradcheck` (second order, which also requires the createGraph gradient to equal the
 * fast path's within 1e-5), from helpers/tensor-gradcheck.ts, at their default tolerances.
 *
 * A linear operation's second derivative is zero, so its gradgradcheck runs on y ⊙ y: that
 * makes the recorded backward's dependence on its incoming gradient matter (the part of a
 * createGraph backward a linear op contributes). Inputs sit away from kinks by more than the
 * differencing step (relu, abs, clamp bounds, hardSigmoid's ±3) and the values a max/min
 * reduces over are distinct and spaced, since those are differentiable only there.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import { dropout } from '../src/autograd/ops/dropout.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { gradcheck, gradgradcheck, leaf, type OpFn } from './helpers/tensor-gradcheck.js';

const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);

/** Smooth-region values in ±[0.2, 1.5] (away from 0 by more than the step). */
function away(shape: number[], seed: number): Tensor {
  const u = new Rng(seed).uniform(numel(shape), -1.3, 1.3);
  return leaf(
    Array.from(u, (v) => (v < 0 ? v - 0.2 : v + 0.2)),
    shape,
  );
}

/** Values in [lo, hi). */
function uni(shape: number[], seed: number, lo: number, hi: number): Tensor {
  return leaf(new Rng(seed).uniform(numel(shape), lo, hi), shape);
}

/** Distinct values 0.3 apart in a scrambled order, centred on `offset` (for max/min). */
function spaced(shape: number[], seed: number, offset = 0): Tensor {
  const n = numel(shape);
  const order = Array.from(new Rng(seed).uniform(n), (v, i) => [v, i] as const).sort(
    (a, b) => a[0] - b[0],
  );
  const d = new Array<number>(n);
  order.forEach(([, i], rank) => {
    d[i] = offset + 0.3 * (rank - (n - 1) / 2);
  });
  return leaf(d, shape);
}

const int32 = (data: number[], shape: number[]) =>
  ag.tensor(Int32Array.from(data), shape) as Tensor<'int32'>;
const mask = (data: number[], shape: number[]) =>
  ag.tensor(Float32Array.from(data), shape) as Tensor;

interface Check {
  name: string;
  f: OpFn;
  inputs: () => Tensor[];
  /** Linear in its inputs: gradgradcheck runs on f ⊙ f. */
  linear?: boolean;
}

const A = [3, 5];
const B = [2, 3, 7];
const sq: (f: OpFn) => OpFn =
  (f) =>
  (...xs) => {
    const y = f(...xs);
    return y.mul(y);
  };

const CHECKS: Check[] = [
  // elementwise.ts
  {
    name: 'add broadcast',
    f: (a, b) => ag.add(a, b),
    inputs: () => [away(B, 1), away([3, 1], 2)],
    linear: true,
  },
  {
    name: 'sub broadcast',
    f: (a, b) => ag.sub(a, b),
    inputs: () => [away([7], 3), away(B, 4)],
    linear: true,
  },
  { name: 'sub number left', f: (a) => ag.sub(2, a), inputs: () => [away(A, 5)], linear: true },
  { name: 'mul broadcast', f: (a, b) => ag.mul(a, b), inputs: () => [away(B, 6), away([3, 1], 7)] },
  {
    name: 'div broadcast',
    f: (a, b) => ag.div(a, b),
    inputs: () => [away(B, 8), uni([7], 9, 0.5, 2)],
  },
  { name: 'div number left', f: (a) => ag.div(1.5, a), inputs: () => [uni(A, 10, 0.5, 2)] },
  { name: 'pow number', f: (a) => ag.pow(a, 1.7), inputs: () => [uni(A, 11, 0.5, 2)] },
  { name: 'pow square', f: (a) => ag.pow(a, 2), inputs: () => [away(A, 12)] },
  {
    name: 'pow tensor',
    f: (a, b) => ag.pow(a, b),
    inputs: () => [uni(B, 13, 0.5, 2), away([3, 1], 14)],
  },
  {
    name: 'maximum',
    f: (a, b) => ag.maximum(a, b),
    inputs: () => [spaced(A, 15), spaced(A, 16, 0.15)],
    linear: true,
  },
  {
    name: 'minimum broadcast',
    f: (a, b) => ag.minimum(a, b),
    // b is off a's grid by half a step, so no pair ties within the differencing step
    inputs: () => [spaced(A, 17), spaced([5], 18, 0.15)],
    linear: true,
  },
  { name: 'neg', f: (a) => ag.neg(a), inputs: () => [away(A, 19)], linear: true },
  { name: 'reciprocal', f: (a) => ag.reciprocal(a), inputs: () => [uni(A, 20, 0.5, 2)] },
  {
    name: 'expand',
    f: (a) => ag.expand(a, [2, 3, 5]),
    inputs: () => [away([3, 1], 21)],
    linear: true,
  },
  {
    name: 'sumTo',
    f: (a) => ag.sumTo(a, [3, 1]),
    inputs: () => [away([2, 3, 5], 22)],
    linear: true,
  },
  // unary.ts
  { name: 'exp', f: (a) => ag.exp(a), inputs: () => [away(B, 23)] },
  { name: 'log', f: (a) => ag.log(a), inputs: () => [uni(B, 24, 0.5, 2)] },
  { name: 'sqrt', f: (a) => ag.sqrt(a), inputs: () => [uni(B, 25, 0.5, 2)] },
  { name: 'abs', f: (a) => ag.abs(a), inputs: () => [away(B, 26)], linear: true },
  { name: 'square', f: (a) => ag.square(a), inputs: () => [away(B, 27)] },
  { name: 'sigmoid', f: (a) => ag.sigmoid(a), inputs: () => [away(B, 28)] },
  { name: 'tanh', f: (a) => ag.tanh(a), inputs: () => [away(B, 29)] },
  { name: 'relu', f: (a) => ag.relu(a), inputs: () => [away(B, 30)], linear: true },
  { name: 'leakyRelu', f: (a) => ag.leakyRelu(a, 0.2), inputs: () => [away(B, 31)], linear: true },
  { name: 'elu', f: (a) => ag.elu(a, 0.7), inputs: () => [away(B, 32)] },
  { name: 'selu', f: (a) => ag.selu(a), inputs: () => [away(B, 33)] },
  { name: 'gelu', f: (a) => ag.gelu(a), inputs: () => [away(B, 34)] },
  { name: 'gelu tanh', f: (a) => ag.gelu(a, 'tanh'), inputs: () => [away(B, 35)] },
  { name: 'silu', f: (a) => ag.silu(a), inputs: () => [away(B, 36)] },
  { name: 'mish', f: (a) => ag.mish(a), inputs: () => [away(B, 37)] },
  { name: 'softplus', f: (a) => ag.softplus(a), inputs: () => [away(B, 38)] },
  // beta 2, threshold 1: the linear region above x = 0.5 (inputs kept off it by the step)
  {
    name: 'softplus beta threshold',
    f: (a) => ag.softplus(a, 2, 1),
    inputs: () => [leaf([-1.2, -0.6, -0.1, 0.2, 0.9, 1.3, -0.35, 0.05, 1.7, -1.9], [2, 5])],
  },
  {
    name: 'hardSigmoid',
    f: (a) => ag.hardSigmoid(a),
    inputs: () => [uni(B, 39, -2.7, 2.7)],
    linear: true,
  },
  { name: 'normalCdf', f: (a) => ag.normalCdf(a), inputs: () => [away(B, 40)] },
  {
    name: 'clamp',
    f: (a) => ag.clamp(a, -0.5, 0.5),
    inputs: () => [
      leaf([-1.2, -0.3, 0.1, 0.35, 0.9, -0.75, 0.2, -0.1, 1.4, 0.05, -0.25, 0.8, -2, 0.3, 0], A),
    ],
    linear: true,
  },
  // reduce.ts
  {
    name: 'sum axes [0,2]',
    f: (a) => ag.sum(a, [0, 2]),
    inputs: () => [away(B, 41)],
    linear: true,
  },
  {
    name: 'sum keepdims',
    f: (a) => ag.sum(a, -1, { keepdims: true }),
    inputs: () => [away(B, 42)],
    linear: true,
  },
  { name: 'mean all', f: (a) => ag.mean(a), inputs: () => [away(B, 43)], linear: true },
  { name: 'mean axis 1', f: (a) => ag.mean(a, 1), inputs: () => [away(B, 44)], linear: true },
  // matmul.ts
  { name: 'matmul', f: (a, b) => ag.matmul(a, b), inputs: () => [away(A, 45), away([5, 7], 46)] },
  {
    name: 'matmul batched broadcast',
    f: (a, b) => ag.matmul(a, b),
    inputs: () => [away([2, 1, 3, 5], 47), away([3, 5, 7], 48)],
  },
  {
    name: 'matmul transA transB',
    f: (a, b) => ag.matmul(a, b, { transA: true, transB: true }),
    inputs: () => [away([2, 5, 3], 49), away([7, 5], 50)],
  },
  {
    name: 'matmul vectors',
    f: (a, b) => ag.matmul(a, b),
    inputs: () => [away([5], 51), away([5, 7], 52)],
  },
  {
    name: 'linear leading dims',
    f: (x, w, b) => ag.linear(x, w, b),
    inputs: () => [away([2, 3, 5], 53), away([7, 5], 54), away([7], 55)],
  },
  // softmax.ts
  { name: 'softmax inner axis', f: (a) => ag.softmax(a, 1), inputs: () => [away(B, 56)] },
  { name: 'logSoftmax', f: (a) => ag.logSoftmax(a), inputs: () => [away(B, 57)] },
  // shape.ts
  { name: 'reshape', f: (a) => ag.reshape(a, [7, -1]), inputs: () => [away(B, 58)], linear: true },
  {
    name: 'permute',
    f: (a) => ag.permute(a, [2, 0, 1]),
    inputs: () => [away(B, 59)],
    linear: true,
  },
  { name: 'transpose', f: (a) => ag.transpose(a, 0, 2), inputs: () => [away(B, 60)], linear: true },
  { name: 'flatten', f: (a) => ag.flatten(a), inputs: () => [away(B, 61)], linear: true },
  { name: 'squeeze', f: (a) => ag.squeeze(a), inputs: () => [away([3, 1, 5], 62)], linear: true },
  { name: 'unsqueeze', f: (a) => ag.unsqueeze(a, -1), inputs: () => [away(A, 63)], linear: true },
  // dropout.ts (a fresh generator per call: the same mask every time)
  {
    name: 'dropout',
    f: (a) => dropout(a, 0.3, new Rng(5)),
    inputs: () => [away(B, 64)],
    linear: true,
  },
  // where.ts
  {
    name: 'where broadcast',
    f: (a, b) => ag.where(int32([1, 0, 1], [3, 1]), a, b),
    inputs: () => [away(B, 65), away([7], 66)],
    linear: true,
  },
  {
    name: 'where float mask, number',
    f: (a) => ag.where(mask([0, 1, 1, 0, 1], [5]), a, -0.5),
    inputs: () => [away(A, 67)],
    linear: true,
  },
  // reduce-max.ts
  { name: 'max axis 1', f: (a) => ag.max(a, 1), inputs: () => [spaced(B, 68)], linear: true },
  {
    name: 'max axes [0,2]',
    f: (a) => ag.max(a, [0, 2]),
    inputs: () => [spaced(B, 69)],
    linear: true,
  },
  {
    name: 'min all keepdims',
    f: (a) => ag.min(a, undefined, { keepdims: true }),
    inputs: () => [spaced(A, 70)],
    linear: true,
  },
  { name: 'min axis -1', f: (a) => ag.min(a, -1), inputs: () => [spaced(B, 71)], linear: true },
  { name: 'logsumexp axis 1', f: (a) => ag.logsumexp(a, 1), inputs: () => [away(B, 72)] },
  { name: 'logsumexp all', f: (a) => ag.logsumexp(a), inputs: () => [away(A, 73)] },
  // reduce-var.ts
  { name: 'var axis 1', f: (a) => ag.var(a, 1), inputs: () => [away(B, 74)] },
  {
    name: 'var axes [0,2] correction 0',
    f: (a) => ag.var(a, [0, 2], { correction: 0 }),
    inputs: () => [away(B, 75)],
  },
  { name: 'std axis -1', f: (a) => ag.std(a, -1), inputs: () => [away(B, 76)] },
  {
    name: 'std all unbiased false keepdims',
    f: (a) => ag.std(a, undefined, { unbiased: false, keepdims: true }),
    inputs: () => [away(A, 77)],
  },
  // slice.ts
  {
    name: 'slice step',
    f: (a) => ag.slice(a, 2, 1, 6, 2),
    inputs: () => [away(B, 78)],
    linear: true,
  },
  {
    name: 'slice negative',
    f: (a) => ag.slice(a, 0, -2),
    inputs: () => [away([5, 3], 79)],
    linear: true,
  },
  {
    name: 'split (pieces weighted, joined)',
    f: (a) =>
      ag.cat(
        ag.split(a, [1, 4, 2], -1).map((p, k) => p.mul(k + 1)),
        -1,
      ),
    inputs: () => [away(B, 80)],
    linear: true,
  },
  {
    name: 'chunk (one piece unused)',
    f: (a) => {
      const [p, , r] = ag.chunk(a, 3, 0);
      return ag.cat([r, p.mul(2)], 0);
    },
    inputs: () => [away([7, 3], 81)],
    linear: true,
  },
  {
    name: 'cat',
    f: (a, b, c) => ag.cat([a, b, c], 1),
    inputs: () => [away([2, 1, 7], 82), away(B, 83), away([2, 2, 7], 84)],
    linear: true,
  },
  {
    name: 'stack',
    f: (a, b) => ag.stack([a, b], -1),
    inputs: () => [away(A, 85), away(A, 86)],
    linear: true,
  },
  // gather.ts
  {
    name: 'gather',
    f: (a) => ag.gather(a, -1, int32([0, 6, 6, 2, 1, 3, 5, 5, 0, 4, 2, 2], [2, 2, 3])),
    inputs: () => [away(B, 87)],
    linear: true,
  },
  {
    name: 'indexSelect',
    f: (a) => ag.indexSelect(a, 1, int32([2, 2, 0, 1, 2], [5])),
    inputs: () => [away(B, 88)],
    linear: true,
  },
  // pad.ts
  {
    name: 'pad constant',
    f: (a) => ag.pad(a, [0, 1, 2, 1], { value: -0.5 }),
    inputs: () => [away(B, 89)],
    linear: true,
  },
  {
    name: 'pad reflect',
    f: (a) => ag.pad(a, [2, 1, 1, 2], { mode: 'reflect' }),
    inputs: () => [away([2, 3, 5], 90)],
    linear: true,
  },
  {
    name: 'pad replicate',
    f: (a) => ag.pad(a, [2, 3], { mode: 'replicate' }),
    inputs: () => [away(A, 91)],
    linear: true,
  },
  {
    name: 'pad circular',
    f: (a) => ag.pad(a, [2, 5], { mode: 'circular' }),
    inputs: () => [away(A, 92)],
    linear: true,
  },
  { name: 'repeat', f: (a) => ag.repeat(a, [2, 1, 3]), inputs: () => [away(A, 93)], linear: true },
  { name: 'tile', f: (a) => ag.tile(a, [3]), inputs: () => [away([2, 3, 5], 94)], linear: true },
];

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`finite-difference checks of every op (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      prevMin = setMinNativeLength(0);
    });
    afterAll(() => {
      setMinNativeLength(prevMin);
      setBackend(prev);
    });

    for (const c of CHECKS) {
      it(`${c.name}: gradcheck and gradgradcheck`, () => {
        gradcheck(c.f, c.inputs());
        gradgradcheck(c.linear ? sq(c.f) : c.f, c.inputs());
      });
    }
  });
}
