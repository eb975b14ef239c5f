/**
 * PReLU, Hardswish, Hardtanh, the Softmax/LogSoftmax layers, GroupNorm and InstanceNorm2d, on
 * both backends (native with every kernel call routed to the addon): as operations and as
 * layers against PyTorch's float64 references (fixtures/attention.json from
 * scripts/fixtures/gen_attention.py) — forward, gradients on the fast path and with
 * createGraph, and the second-order product — within 1e-5 of the element or of the tensor's
 * largest element (helpers/torch-close.ts); finite-difference checks of the first and second
 * order; bad input for every constructor and forward.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { GroupNorm } from '../src/nn/groupnorm.js';
import { Hardswish, Hardtanh } from '../src/nn/hard-activations.js';
import { InstanceNorm2d } from '../src/nn/instancenorm.js';
import type { Layer } from '../src/nn/layer.js';
import { Model } from '../src/nn/model.js';
import { PReLU } from '../src/nn/prelu.js';
import { LogSoftmax, Softmax } from '../src/nn/softmax.js';
import { Rng } from '../src/random.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';
import { torchClose, worst } from './helpers/torch-close.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface ActCase {
  op: 'prelu' | 'hardswish' | 'hardtanh' | 'softmax' | 'logSoftmax';
  params: { minVal?: number; maxVal?: number; dim?: number };
  inputs: Arr[];
  y: number[];
  dy: number[];
  grads: number[][];
  v?: number[][];
  hv?: number[][];
}
interface NormCase {
  op: 'groupNorm' | 'instanceNorm2d';
  shape: number[];
  groups?: number;
  affine: boolean;
  track?: boolean;
  training?: boolean;
  momentum?: number;
  x: number[];
  weight?: number[];
  bias?: number[];
  runningMean?: number[];
  runningVar?: number[];
  runningMeanAfter?: number[];
  runningVarAfter?: number[];
  y: number[];
  dy: number[];
  grads: number[][];
  v: number[][];
  hv: number[][];
}
const fx = JSON.parse(
  readFileSync(new URL('./fixtures/attention.json', import.meta.url), 'utf8'),
) as { activations: ActCase[]; norms: NormCase[] };

const f32 = (a: readonly number[]) => Float32Array.from(a);
const t = (a: readonly number[], shape: readonly number[]) =>
  ag.tensor(f32(a), [...shape]) as Tensor;

const OPS: Record<ActCase['op'], (p: ActCase['params'], ...xs: Tensor[]) => Tensor> = {
  prelu: (_p, x, w) => ag.prelu(x, w),
  hardswish: (_p, x) => ag.hardswish(x),
  hardtanh: (p, x) => ag.hardtanh(x, p.minVal, p.maxVal),
  softmax: (p, x) => ag.softmax(x, p.dim),
  logSoftmax: (p, x) => ag.logSoftmax(x, p.dim),
};

function layerFor(c: ActCase): Layer {
  switch (c.op) {
    case 'prelu':
      return new PReLU(c.inputs[1].data.length);
    case 'hardswish':
      return new Hardswish();
    case 'hardtanh':
      return new Hardtanh(c.params.minVal, c.params.maxVal);
    case 'softmax':
      return new Softmax(c.params.dim as number);
    case 'logSoftmax':
      return new LogSoftmax(c.params.dim as number);
  }
}

/** Fast and createGraph gradients of L = ⟨dy, f()⟩, and the second-order ⟨v, ·⟩ product. */
function derivatives(f: () => Tensor, inputs: Tensor[], dy: Tensor, v?: number[][]) {
  const fast = ag.gradients(f(), inputs, { gradOutputs: [dy], allowUnused: true });
  const slow = ag.gradients(f(), inputs, {
    gradOutputs: [dy],
    createGraph: true,
    allowUnused: true,
  });
  if (!v) return { fast, slow, hv: null };
  const s = slow.map((g, i) => g.mul(t(v[i], g.shape)).sum()).reduce((a, b) => a.add(b));
  return { fast, slow, hv: ag.gradients(s, inputs, { allowUnused: true }) };
}

function checkDerivatives(
  c: { grads: number[][]; hv?: number[][] },
  d: ReturnType<typeof derivatives>,
) {
  c.grads.forEach((g, i) => {
    torchClose(`grad ${i}`, d.fast[i].data, g);
    torchClose(`createGraph grad ${i}`, d.slow[i].data, g);
  });
  if (d.hv && c.hv)
    c.hv.forEach((h, i) => torchClose(`second order ${i}`, d.hv?.[i].data ?? [], h));
}

const rnd = (n: number, seed: number, lo = -1, hi = 1) => new Rng(seed).uniform(n, lo, hi);

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`activations and normalisations against torch 2.15 (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      prevMin = setMinNativeLength(0);
    });
    afterAll(() => {
      setBackend(prev);
      setMinNativeLength(prevMin);
      if (process.env.TORCH_CLOSE_REPORT) console.log(`worst ${be}:`, worst);
    });

    it.each(
      fx.activations.map((c, i) => [`${c.op} #${i} ${JSON.stringify(c.inputs[0].shape)}`, c]),
    )('%s: the operation (y, gradients, createGraph, second order)', (_n, c) => {
      const xs = c.inputs.map((a) => leaf(a.data, a.shape));
      const f = () => OPS[c.op](c.params, ...xs);
      torchClose('y', f().data, c.y);
      checkDerivatives(c, derivatives(f, xs, t(c.dy, xs[0].shape), c.v));
    });

    it.each(fx.activations.map((c, i) => [`${c.op} #${i}`, c]))(
      '%s: the layer in a Model (y, dx, the slope gradient)',
      (_n, c) => {
        const x = c.inputs[0];
        const m = new Model(layerFor(c), x.shape.slice(1));
        if (c.op === 'prelu') m.params.set(c.inputs[1].data);
        const y = m.forward(t(x.data, x.shape));
        torchClose('y', y.data, c.y);
        const dx = m.backward(t(c.dy, x.shape));
        torchClose('dx', dx.data, c.grads[0]);
        if (c.op === 'prelu') torchClose('dweight', m.grads, c.grads[1]);
      },
    );

    it.each(fx.norms.map((c, i) => [`${c.op} #${i} ${JSON.stringify(c.shape)}`, c]))(
      '%s: operation and layer (y, running statistics, gradients, second order)',
      (_n, c) => {
        const C = c.shape[1];
        const x = leaf(c.x, c.shape);
        const w = c.affine ? leaf(c.weight as number[], [C]) : null;
        const b = c.affine ? leaf(c.bias as number[], [C]) : null;
        const inputs = [x, ...(w && b ? [w, b] : [])];
        const dy = t(c.dy, c.shape);
        if (c.op === 'groupNorm') {
          const g = c.groups as number;
          const f = () => ag.groupNorm(x, g, w, b);
          torchClose('y', f().data, c.y);
          checkDerivatives(c, derivatives(f, inputs, dy, c.v));
          const m = new Model(new GroupNorm(g, C, { affine: c.affine }), c.shape.slice(1));
          if (c.affine) m.params.set([...(c.weight as number[]), ...(c.bias as number[])]);
          torchClose('layer y', m.forward(t(c.x, c.shape)).data, c.y);
          torchClose('layer dx', m.backward(dy).data, c.grads[0]);
          if (c.affine) torchClose('layer dγ, dβ', m.grads, [...c.grads[1], ...c.grads[2]]);
          return;
        }
        const layer = new InstanceNorm2d(C, {
          affine: c.affine,
          trackRunningStats: c.track,
          momentum: c.momentum,
        });
        const m = new Model(layer, c.shape.slice(1));
        if (c.affine) m.params.set([...(c.weight as number[]), ...(c.bias as number[])]);
        if (c.track) {
          layer.runningMean?.set(c.runningMean as number[]);
          layer.runningVar?.set(c.runningVar as number[]);
        }
        const xin = leaf(c.x, c.shape);
        const y = m.forward(xin, { training: c.training });
        if (c.training && c.track) ag.noGrad(() => m.forward(xin, { training: true }));
        torchClose('layer y', y.data, c.y);
        if (c.track) {
          torchClose(
            'runningMean',
            layer.runningMean as Float32Array,
            c.runningMeanAfter as number[],
          );
          torchClose('runningVar', layer.runningVar as Float32Array, c.runningVarAfter as number[]);
        }
        y.backward(dy);
        torchClose('layer dx', xin.grad?.data ?? [], c.grads[0]);
        if (c.affine) torchClose('layer dγ, dβ', m.grads, [...c.grads[1], ...c.grads[2]]);
        // The operation, with the statistics the layer used (copies: the op updates them).
        const stats =
          c.track && c.training
            ? null
            : c.track
              ? [t(c.runningMean as number[], [C]), t(c.runningVar as number[], [C])]
              : null;
        const f = () =>
          ag.instanceNorm(x, stats?.[0] ?? null, stats?.[1] ?? null, w, b, {
            useInputStats: c.training || !c.track,
          });
        torchClose('y', f().data, c.y);
        checkDerivatives(c, derivatives(f, inputs, dy, c.v));
      },
    );
  });
}

describe('finite differences (js backend)', () => {
  let prev: BackendName;
  beforeAll(() => {
    prev = getBackend().name;
    setBackend('js');
  });
  afterAll(() => setBackend(prev));
  /** Uniform draws pushed at least `gap` away from each kink. */
  const away = (n: number, seed: number, lo: number, hi: number, kinks: number[], gap = 0.15) =>
    Array.from(rnd(n, seed, lo, hi), (v) => {
      for (const k of kinks) if (Math.abs(v - k) < gap) v += 2 * gap;
      return v;
    });

  it('prelu: per channel (JS planes and kernel planes), shared slope; first and second order', () => {
    const w = leaf(rnd(5, 2, 0.1, 0.5), [5]);
    for (const shape of [
      [3, 5, 7],
      [2, 5, 9, 9],
    ]) {
      const x = leaf(
        away(
          shape.reduce((a, d) => a * d),
          1,
          -2,
          2,
          [0],
        ),
        shape,
      );
      gradcheck(ag.prelu, [x, w], { probes: 25 });
      gradgradcheck(ag.prelu, [x, w], { probes: 10 });
    }
    const x = leaf(away(39, 3, -2, 2, [0]), [3, 13]);
    const w1 = leaf([0.3], [1]);
    gradcheck(ag.prelu, [x, w1]);
    gradgradcheck(ag.prelu, [x, w1]);
  });

  it('hardswish: first and second order; hardtanh: first order (its second derivative is 0)', () => {
    const x = leaf(away(65, 4, -5, 5, [-3, 3]), [5, 13]);
    gradcheck(ag.hardswish, [x]);
    gradgradcheck(ag.hardswish, [x]);
    const y = leaf(away(63, 5, -2, 2, [-0.5, 1.5]), [7, 9]);
    const f = (a: Tensor) => ag.hardtanh(a, -0.5, 1.5);
    gradcheck(f, [y]);
    // the createGraph gradient equals the fast one
    const dy = ag.tensor(rnd(63, 6), [7, 9]) as Tensor;
    const fast = ag.gradients(f(y), [y], { gradOutputs: [dy] })[0].data;
    const slow = ag.gradients(f(y), [y], { gradOutputs: [dy], createGraph: true })[0].data;
    expect(Array.from(slow, (v) => v + 0)).toEqual(Array.from(fast, (v) => v + 0));
  });

  it('groupNorm and instanceNorm: first and second order, with and without affine', () => {
    const x = leaf(rnd(90, 7, -2, 3), [3, 6, 5]);
    const g = leaf(rnd(6, 8, 0.5, 1.5), [6]);
    const b = leaf(rnd(6, 9), [6]);
    const f = (a: Tensor, ww: Tensor, bb: Tensor) => ag.groupNorm(a, 3, ww, bb);
    gradcheck(f, [x, g, b]);
    gradgradcheck(f, [x, g, b]);
    gradcheck((a: Tensor) => ag.groupNorm(a, 2), [x]);
    gradgradcheck((a: Tensor) => ag.groupNorm(a, 2), [x]);
    const x4 = leaf(rnd(2 * 3 * 4 * 3, 10, -2, 3), [2, 3, 4, 3]);
    const g3 = leaf(rnd(3, 11, 0.5, 1.5), [3]);
    const b3 = leaf(rnd(3, 12), [3]);
    const fi = (a: Tensor, ww: Tensor, bb: Tensor) => ag.instanceNorm(a, null, null, ww, bb);
    gradcheck(fi, [x4, g3, b3]);
    gradgradcheck(fi, [x4, g3, b3]);
  });
});

describe('layers', () => {
  it('GroupNorm accepts any trailing sizes, InstanceNorm2d any H×W; the running statistics stay out of the graph', () => {
    const gn = new Model(new GroupNorm(2, 4), [4, 3]);
    expect(gn.forward(ag.randn([2, 4, 5, 2], new Rng(1))).shape).toEqual([2, 4, 5, 2]);
    const inorm = new InstanceNorm2d(3, { trackRunningStats: true });
    const m = new Model(inorm, [3, 4, 4]);
    const y = m.forward(ag.randn([2, 3, 5, 6], new Rng(2)), { training: true });
    const before = Float32Array.from(inorm.runningMean as Float32Array);
    m.forward(ag.randn([2, 3, 5, 6], new Rng(3)), { training: true }); // updates again
    expect(inorm.runningMean).not.toEqual(before);
    y.sum().backward(); // the first graph is still valid
    expect(m.stateBuffers().map((s) => s.name)).toEqual(['runningMean', 'runningVar']);
  });

  it('PReLU defaults to one slope of 0.25, as torch; parameters are named weight', () => {
    const m = new Model(new PReLU(), [3]);
    expect(Array.from(m.params)).toEqual([0.25]);
    expect(m.parameters().map((p) => p.name)).toEqual(['weight']);
    const y = m.forward(t([-4, 2, 0], [1, 3]));
    expect(Array.from(y.data)).toEqual([-1, 2, 0]);
    const c = new Model(new PReLU(3, { init: 0.1 }), [3, 2]);
    expect(Array.from(c.params)).toEqual([0.1, 0.1, 0.1].map(Math.fround));
  });

  it('Hardtanh(0, 6) is ReLU6; Softmax normalises the axis it was given', () => {
    const m = new Model(new Hardtanh(0, 6), [4]);
    expect(Array.from(m.forward(t([-1, 3, 6, 9], [1, 4])).data)).toEqual([0, 3, 6, 6]);
    const s = new Model(new Softmax(0), [2]);
    const y = s.forward(t([1, 2, 3, 5], [2, 2])).data;
    expect(y[0] + y[2]).toBeCloseTo(1, 6);
    expect(y[1] + y[3]).toBeCloseTo(1, 6);
  });
});

describe('bad input', () => {
  const ctors: Array<[string, () => unknown, RegExp]> = [
    [
      'GroupNorm unknown key',
      () => new GroupNorm(2, 4, { afine: false } as never),
      /GroupNorm: unknown option "afine" \(did you mean "affine"\?\)/,
    ],
    [
      'GroupNorm groups',
      () => new GroupNorm(3, 4),
      /GroupNorm: numChannels \(4\) must be divisible by numGroups \(3\)/,
    ],
    [
      'GroupNorm numGroups type',
      () => new GroupNorm('2' as never, 4),
      /GroupNorm: numGroups must be a positive integer/,
    ],
    [
      'GroupNorm eps',
      () => new GroupNorm(2, 4, { eps: -1 }),
      /GroupNorm: eps must be a finite number ≥ 0, got -1/,
    ],
    [
      'GroupNorm affine type',
      () => new GroupNorm(2, 4, { affine: 1 as never }),
      /GroupNorm: affine must be a boolean/,
    ],
    [
      'InstanceNorm2d unknown key',
      () => new InstanceNorm2d(3, { trackRunningStat: true } as never),
      /InstanceNorm2d: unknown option "trackRunningStat" \(did you mean "trackRunningStats"\?\)/,
    ],
    [
      'InstanceNorm2d numFeatures',
      () => new InstanceNorm2d(0),
      /InstanceNorm2d: numFeatures must be a positive integer, got number 0/,
    ],
    [
      'InstanceNorm2d momentum',
      () => new InstanceNorm2d(3, { momentum: Number.NaN }),
      /InstanceNorm2d: momentum must be a finite number/,
    ],
    [
      'InstanceNorm2d affine type',
      () => new InstanceNorm2d(3, { affine: 'yes' as never }),
      /InstanceNorm2d: affine must be a boolean/,
    ],
    [
      'PReLU unknown key',
      () => new PReLU(3, { int: 0.1 } as never),
      /PReLU: unknown option "int" \(did you mean "init"\?\)/,
    ],
    [
      'PReLU numParameters',
      () => new PReLU(0),
      /PReLU: numParameters \(1, or the number of channels\) must be a positive integer/,
    ],
    [
      'PReLU init',
      () => new PReLU(1, { init: Number.POSITIVE_INFINITY }),
      /PReLU: init must be a finite number/,
    ],
    [
      'PReLU options',
      () => new PReLU(1, 0.25 as never),
      /PReLU: options must be an object, got number 0.25/,
    ],
    [
      'Hardtanh order',
      () => new Hardtanh(1, -1),
      /Hardtanh: minVal must be less than maxVal, got minVal 1, maxVal -1/,
    ],
    [
      'Hardtanh type',
      () => new Hardtanh('0' as never, 6),
      /Hardtanh: minVal must be a finite number, got string "0"/,
    ],
    [
      'Softmax without dim',
      () => new (Softmax as unknown as new () => Softmax)(),
      /Softmax: dim must be an integer .*got undefined/,
    ],
    ['LogSoftmax dim type', () => new LogSoftmax(1.5), /LogSoftmax: dim must be an integer/],
  ];
  it.each(ctors)('constructor: %s', (_n, f, re) => {
    expect(f).toThrow(re);
  });

  it('forward: wrong channels, ranks and axes are refused naming the layer and both shapes', () => {
    const gn = new Model(new GroupNorm(2, 4), [4, 3]);
    expect(() => gn.forward(ag.zeros([2, 5, 3]))).toThrow(
      /GroupNorm\.forward: expected input of shape \[batch, 4, 3\], got \[2, 5, 3\]/,
    );
    const inorm = new Model(new InstanceNorm2d(3), [3, 4, 4]);
    expect(() => inorm.forward(ag.zeros([2, 3, 4]))).toThrow(
      /InstanceNorm2d\.forward: expected input of shape/,
    );
    expect(() => inorm.forward(ag.zeros([2, 3, 1, 1]))).toThrow(
      /InstanceNorm2d\.forward: expected more than 1 spatial element per channel, got input of shape \[2, 3, 1, 1\]/,
    );
    const p = new Model(new PReLU(3), [3, 2]);
    expect(() => p.forward(ag.zeros([2, 4, 2]))).toThrow(/PReLU\.forward: expected input of shape/);
    const s = new Model(new Softmax(2), [3, 2]);
    expect(() => s.forward(ag.zeros([2, 3]))).toThrow(
      /Softmax\.forward: dim 2 is out of range for input \[2, 3\]/,
    );
    expect(() => new Model(new Softmax(3), [3])).toThrow(
      /Softmax: dim 3 is out of range for input \[batch, 3\]/,
    );
  });

  it('operations: shapes, groups and options are checked before anything is written', () => {
    expect(() => ag.prelu(ag.zeros([2, 3]), ag.zeros([2]))).toThrow(
      /prelu: weight must be 1-D with 1 element or one per channel \(3, axis 1 of x \[2, 3\]\), got \[2\]/,
    );
    expect(() => ag.hardtanh(ag.zeros([2]), 1, 1)).toThrow(
      /hardtanh: minVal and maxVal must be numbers with minVal < maxVal/,
    );
    expect(() => ag.groupNorm(ag.zeros([2, 6, 3]), 4)).toThrow(
      /groupNorm: the 6 channels of x \[2, 6, 3\] do not divide into numGroups 4/,
    );
    expect(() => ag.groupNorm(ag.zeros([6]), 2)).toThrow(/groupNorm: x must be \[N, C, \*\]/);
    expect(() => ag.groupNorm(ag.zeros([2, 6, 3]), 2, ag.ones([5]))).toThrow(
      /groupNorm: weight must be \[6\], got \[5\]/,
    );
    const rm = ag.zeros([3]);
    const rv = ag.ones([3]);
    expect(() => ag.instanceNorm(ag.zeros([2, 3, 4]), rm, rv, ag.ones([2]))).toThrow(
      /instanceNorm: weight must be \[3\], got \[2\]/,
    );
    expect(Array.from(rm.data)).toEqual([0, 0, 0]); // not updated by the refused call
    expect(() =>
      ag.instanceNorm(ag.zeros([2, 3, 4]), rm, rv, null, null, { momentun: 0.1 } as never),
    ).toThrow(/instanceNorm: unknown option "momentun"/);
    expect(() =>
      ag.instanceNorm(ag.zeros([2, 3, 4]), null, null, null, null, { useInputStats: false }),
    ).toThrow(/instanceNorm: useInputStats: false normalises with runningMean and runningVar/);
  });
});
