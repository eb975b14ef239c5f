/**
 * torch.optim's Adagrad, Adadelta, RMSprop, Adamax, NAdam, RAdam, Rprop and ASGD:
 * - kernel parity: native `optimStep` against the JS reference over several steps, on
 *   1,048,583 parameters and small odd lengths (views at non-zero offsets), every option
 *   branch; tolerance as in parity.test.ts: |native − js| ≤ 1e-5 · max(|js|, floor) with floor
 *   1 for parameters (magnitude ≤ 1) and a per-state floor for the state buffers, times the
 *   condition number of a cancelling difference where the update has one (centered RMSprop's
 *   √(v − ḡ²), as parity.test.ts scales multi-term results by the sum of their terms);
 * - the classes step a tiny problem on both backends (and agree);
 * - stateDict → JSON → loadStateDict, then k steps, equals 2k straight steps bit for bit;
 * - per-parameter scalars (NAdam's μ product, ASGD's η, μ) that disagree inside a run;
 * - options PyTorch refuses are refused, naming the optimizer and the option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels, OptimKind } from '../src/backend/kernels.js';
import { type BackendName, setBackend, setMinNativeLength } from '../src/backend/select.js';
import {
  Adadelta,
  Adagrad,
  Adamax,
  ASGD,
  NAdam,
  type OptimizerStateDict,
  type Param,
  RAdam,
  RMSprop,
  Rprop,
} from '../src/optim/index.js';
import { nativeUnderTest } from './helpers/backends.js';

const native: Kernels = nativeUnderTest();
const js: Kernels = jsKernels;
const OFFSET = 3;

function rand(n: number, lo: number, hi: number, seed: number): Float32Array {
  const buf = new Float32Array(n + OFFSET + 5);
  js.rngUniform(seedState(seed), buf, lo, hi);
  return buf.subarray(OFFSET, OFFSET + n);
}

function view(n: number, fill = 0): Float32Array {
  return new Float32Array(n + OFFSET + 2).fill(fill).subarray(OFFSET, OFFSET + n);
}

/** Gradients in [-1, 1] with every 97th exactly 0 (Rprop's sign-0 branch, 0/0 guards). */
function grads(n: number, seed: number): Float32Array {
  const g = rand(n, -1, 1, seed);
  for (let i = 0; i < n; i += 97) g[i] = 0;
  return g;
}

/** Index and size of the worst violation of |a − b| ≤ tol(i), or null. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, tol: (i: number) => number) {
  let bad: { i: number; got: number; want: number; excess: number } | null = null;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    const excess = Math.abs(a[i] - b[i]) / tol(i);
    if (!(excess <= 1) && (bad === null || !(excess <= bad.excess)))
      bad = { i, got: a[i], want: b[i], excess };
  }
  return bad;
}

/** A float32 buffer of a state dict. */
function decode(e: unknown): Float32Array {
  const raw = Buffer.from((e as { base64: string }).base64, 'base64');
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

// ---- hyperparameters per kernel, as the classes compute them

const f = Math.fround;
const b = (x: boolean) => +x;

interface Base {
  lr: number;
  wd: number;
  maximize: boolean;
}

const adagradH =
  (o: Base & { lrDecay: number; eps: number }) =>
  (t: number): number[] => [o.lr, o.lrDecay, o.wd, o.eps, b(o.maximize), t];

const adadeltaH = (o: Base & { rho: number; eps: number }) => (): number[] => [
  o.lr,
  o.rho,
  o.eps,
  o.wd,
  b(o.maximize),
];

const rmspropH =
  (o: Base & { alpha: number; eps: number; momentum: number; centered: boolean }) =>
  (): number[] => [o.lr, o.alpha, o.eps, o.wd, o.momentum, b(o.centered), b(o.maximize)];

const adamaxH =
  (o: Base & { b1: number; b2: number; eps: number }) =>
  (t: number): number[] => [o.lr, o.b1, o.b2, o.eps, o.wd, b(o.maximize), t];

const nadamH =
  (o: Base & { b1: number; b2: number; eps: number; psi: number; decoupled: boolean }) =>
  (t: number): number[] => {
    const mu = (k: number) => o.b1 * (1 - 0.5 * 0.96 ** (k * o.psi));
    let prod = 1;
    for (let k = 1; k <= t; k++) prod = f(prod * f(mu(k)));
    return [
      (-o.lr * (1 - mu(t))) / (1 - prod),
      (-o.lr * mu(t + 1)) / (1 - prod * mu(t + 1)),
      o.b1,
      o.b2,
      1 - o.b2 ** t,
      o.eps,
      o.decoupled ? 0 : o.wd,
      o.decoupled && o.wd !== 0 ? 1 - o.lr * o.wd : 1,
      b(o.maximize),
    ];
  };

const radamH =
  (o: Base & { b1: number; b2: number; eps: number; decoupled: boolean }) =>
  (t: number): number[] => {
    const bc2 = 1 - o.b2 ** t;
    const rhoInf = 2 / (1 - o.b2) - 1;
    const rhoT = rhoInf - (2 * t * o.b2 ** t) / bc2;
    const adaptive = rhoT > 5;
    const rect = adaptive
      ? (((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) ** 0.5
      : 0;
    return [
      o.lr,
      o.b1,
      o.b2,
      o.eps,
      o.decoupled ? 0 : o.wd,
      o.decoupled && o.wd !== 0 ? 1 - o.lr * o.wd : 1,
      b(o.maximize),
      1 - o.b1 ** t,
      bc2 ** 0.5,
      b(adaptive),
      rect,
    ];
  };

const rpropH =
  (o: { etas: [number, number]; stepSizes: [number, number]; maximize: boolean }) =>
  (): number[] => [o.etas[0], o.etas[1], o.stepSizes[0], o.stepSizes[1], b(o.maximize)];

const asgdH =
  (o: Base & { lambd: number; alpha: number; t0: number }) =>
  (t: number): number[] => {
    let eta = f(o.lr);
    let mu = 1;
    for (let k = 1; k < t; k++) {
      eta = f(o.lr / (1 + o.lambd * o.lr * k) ** o.alpha);
      mu = f(1 / Math.max(1, k - o.t0));
    }
    return [1 - o.lambd * eta, eta, mu, o.wd, b(o.maximize)];
  };

interface Case {
  label: string;
  kind: OptimKind;
  /** Initial value of each state slot (null: unused) and its tolerance floor. */
  states: ([number, number] | null)[];
  hyper: (t: number) => number[];
  steps?: number;
  /**
   * Condition number of element i's update given the (JS) states after a step, for updates
   * with a cancelling difference; tolerances scale by its maximum over the steps.
   */
  cond?: (s: (Float32Array | null)[], i: number) => number;
}

/** RMSprop centered: a = √(v − ḡ²) loses (v + ḡ²)/(v − ḡ²) times the relative precision. */
const centeredCond = (s: (Float32Array | null)[], i: number) => {
  const v = (s[0] as Float32Array)[i];
  const a2 = (s[1] as Float32Array)[i] ** 2;
  return v > a2 ? (v + a2) / (v - a2) : Number.POSITIVE_INFINITY;
};

const CASES: Case[] = [
  {
    label: 'Adagrad',
    kind: 'adagrad',
    states: [[0, 1e-6]],
    hyper: adagradH({ lr: 1e-2, lrDecay: 0, wd: 0, eps: 1e-10, maximize: false }),
  },
  {
    label: 'Adagrad lrDecay, weight decay, initial accumulator, maximize',
    kind: 'adagrad',
    states: [[0.1, 1e-6]],
    hyper: adagradH({ lr: 5e-2, lrDecay: 0.1, wd: 0.05, eps: 1e-10, maximize: true }),
  },
  {
    label: 'Adadelta',
    kind: 'adadelta',
    states: [
      [0, 1e-6],
      [0, 1e-12],
    ],
    hyper: adadeltaH({ lr: 1, rho: 0.9, eps: 1e-6, wd: 0, maximize: false }),
  },
  {
    label: 'Adadelta weight decay, maximize',
    kind: 'adadelta',
    states: [
      [0, 1e-6],
      [0, 1e-12],
    ],
    hyper: adadeltaH({ lr: 0.5, rho: 0.8, eps: 1e-5, wd: 0.1, maximize: true }),
  },
  {
    label: 'RMSprop',
    kind: 'rmsprop',
    states: [[0, 1e-6], null, null],
    hyper: rmspropH({
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      wd: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    }),
  },
  {
    label: 'RMSprop centered',
    kind: 'rmsprop',
    cond: centeredCond,
    states: [[0, 1e-6], [0, 1], null],
    hyper: rmspropH({
      lr: 1e-2,
      alpha: 0.9,
      eps: 1e-8,
      wd: 0.01,
      momentum: 0,
      centered: true,
      maximize: false,
    }),
  },
  {
    label: 'RMSprop momentum, maximize',
    kind: 'rmsprop',
    states: [[0, 1e-6], null, [0, 1]],
    hyper: rmspropH({
      lr: 1e-3,
      alpha: 0.99,
      eps: 1e-8,
      wd: 0,
      momentum: 0.9,
      centered: false,
      maximize: true,
    }),
  },
  {
    label: 'RMSprop centered, momentum, weight decay, alpha < 0.5',
    kind: 'rmsprop',
    cond: centeredCond,
    states: [
      [0, 1e-6],
      [0, 1],
      [0, 1],
    ],
    hyper: rmspropH({
      lr: 1e-3,
      alpha: 0.3,
      eps: 1e-6,
      wd: 0.1,
      momentum: 0.5,
      centered: true,
      maximize: false,
    }),
  },
  {
    label: 'Adamax',
    kind: 'adamax',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: adamaxH({ lr: 2e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, maximize: false }),
  },
  {
    label: 'Adamax weight decay, maximize, beta1 > 0.5',
    kind: 'adamax',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: adamaxH({ lr: 1e-2, b1: 0.3, b2: 0.5, eps: 1e-3, wd: 0.1, maximize: true }),
  },
  {
    label: 'NAdam',
    kind: 'nadam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: nadamH({
      lr: 2e-3,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 0,
      psi: 4e-3,
      decoupled: false,
      maximize: false,
    }),
  },
  {
    label: 'NAdam coupled weight decay, maximize',
    kind: 'nadam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: nadamH({
      lr: 1e-2,
      b1: 0.8,
      b2: 0.99,
      eps: 1e-8,
      wd: 0.1,
      psi: 0.1,
      decoupled: false,
      maximize: true,
    }),
  },
  {
    label: 'NAdam decoupled weight decay',
    kind: 'nadam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: nadamH({
      lr: 1e-2,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      wd: 0.1,
      psi: 4e-3,
      decoupled: true,
      maximize: false,
    }),
  },
  {
    // β₂ = 0.9: ρₜ > 5 from step 6, so both the plain and the rectified update run.
    label: 'RAdam',
    kind: 'radam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    steps: 8,
    hyper: radamH({
      lr: 1e-2,
      b1: 0.9,
      b2: 0.9,
      eps: 1e-8,
      wd: 0,
      decoupled: false,
      maximize: false,
    }),
  },
  {
    label: 'RAdam coupled weight decay, maximize',
    kind: 'radam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    steps: 8,
    hyper: radamH({
      lr: 1e-2,
      b1: 0.9,
      b2: 0.9,
      eps: 1e-8,
      wd: 0.1,
      decoupled: false,
      maximize: true,
    }),
  },
  {
    label: 'RAdam decoupled weight decay',
    kind: 'radam',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    steps: 8,
    hyper: radamH({
      lr: 1e-2,
      b1: 0.9,
      b2: 0.9,
      eps: 1e-8,
      wd: 0.1,
      decoupled: true,
      maximize: false,
    }),
  },
  {
    label: 'Rprop',
    kind: 'rprop',
    states: [
      [0, 1],
      [1e-2, 1e-6],
    ],
    hyper: rpropH({ etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false }),
  },
  {
    // Step sizes clamped on both sides within a few steps.
    label: 'Rprop clamped, maximize',
    kind: 'rprop',
    states: [
      [0, 1],
      [1e-2, 1e-6],
    ],
    hyper: rpropH({ etas: [0.3, 1.9], stepSizes: [5e-3, 2e-2], maximize: true }),
  },
  {
    label: 'ASGD',
    kind: 'asgd',
    states: [[0, 1]],
    hyper: asgdH({ lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, wd: 0, maximize: false }),
  },
  {
    // t0 = 1: μ < 1 from step 4 (the averaging branch).
    label: 'ASGD averaging, weight decay, maximize',
    kind: 'asgd',
    states: [[0, 1]],
    steps: 6,
    hyper: asgdH({ lr: 5e-2, lambd: 1e-2, alpha: 0.75, t0: 1, wd: 0.1, maximize: true }),
  },
];

function parity(c: Case, n: number, seed: number) {
  const p0 = rand(n, -1, 1, seed);
  const make = () => ({
    p: Float32Array.from(p0),
    s: c.states.map((s) => (s === null ? null : view(n, s[0]))),
  });
  const a = make();
  const bb = make();
  const kappa = new Float64Array(n).fill(1);
  for (let t = 1; t <= (c.steps ?? 5); t++) {
    const g = grads(n, seed * 31 + t);
    const h = Float64Array.from(c.hyper(t));
    native.optimStep(c.kind, a.p, g, a.s, h, null);
    js.optimStep(c.kind, bb.p, g, bb.s, h, null);
    if (c.cond) for (let i = 0; i < n; i++) kappa[i] = Math.max(kappa[i], c.cond(bb.s, i));
  }
  const bad: Record<string, unknown> = {};
  const wp = worst(a.p, bb.p, (i) => 1e-5 * kappa[i] * Math.max(Math.abs(bb.p[i]), 1));
  if (wp) bad.params = wp;
  c.states.forEach((s, k) => {
    const [x, y] = [a.s[k], bb.s[k]];
    if (s === null || x === null || y === null) return;
    const w = worst(x, y, (i) => 1e-5 * kappa[i] * Math.max(Math.abs(y[i]), s[1]));
    if (w) bad[`state${k}`] = w;
  });
  return Object.keys(bad).length ? bad : null;
}

describe('parity: torch.optim basic optimizer kernels', () => {
  for (const c of CASES) {
    it(`${c.label}: 1,048,583 parameters`, () => {
      expect(parity(c, 1_048_583, 11)).toBeNull();
    });
    it(`${c.label}: lengths 0, 1, 7, 17, 1023`, () => {
      for (const n of [0, 1, 7, 17, 1023]) expect(parity(c, n, 5 + n), `n=${n}`).toBeNull();
    });
  }

  it('RAdam cases take both the plain and the rectified update', () => {
    const h = radamH({
      lr: 1,
      b1: 0.9,
      b2: 0.9,
      eps: 1e-8,
      wd: 0,
      decoupled: false,
      maximize: false,
    });
    const adaptive = [1, 2, 3, 4, 5, 6, 7, 8].map((t) => h(t)[9]);
    expect(adaptive).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('Rprop: NaN gradient products count as sign 0; torch.sign semantics', () => {
    // g·prev NaN → factor 1, gradient kept, sign(NaN) = 0 → parameter unchanged; an f32
    // underflow of g·prev to 0 → factor 1 as well.
    for (const k of [native, js]) {
      const p = Float32Array.of(1, 2, 3, -0);
      const g = Float32Array.of(Number.NaN, 1e-30, -1, 0);
      const prev = Float32Array.of(1, 1e-30, 1, 0);
      const ss = Float32Array.of(0.1, 0.1, 0.1, 0.1);
      k.optimStep('rprop', p, g, [prev, ss], Float64Array.of(0.5, 1.2, 1e-6, 50, 0), null);
      expect([...p]).toEqual([1, f(2 - f(0.1)), 3, -0]);
      expect([...ss]).toEqual([f(0.1), f(0.1), f(0.05), f(0.1)]);
      expect([...prev]).toEqual([Number.NaN, f(1e-30), 0, 0]);
    }
  });

  it('Adamax: the infinity norm propagates NaN as torch.maximum', () => {
    for (const k of [native, js]) {
      const p = Float32Array.of(1, 1);
      const g = Float32Array.of(Number.NaN, 1);
      const m = new Float32Array(2);
      const u = Float32Array.of(1, Number.NaN);
      k.optimStep('adamax', p, g, [m, u], Float64Array.of(1e-3, 0.9, 0.999, 1e-8, 0, 0, 1), null);
      expect([...u]).toEqual([Number.NaN, Number.NaN]);
    }
  });
});

// ---- the classes

type AnyOpt = {
  step(): unknown;
  stateDict(): OptimizerStateDict;
  loadStateDict(sd: OptimizerStateDict): void;
};

interface Maker {
  label: string;
  make: (ps: Param[]) => AnyOpt;
}

const MAKERS: Maker[] = [
  { label: 'Adagrad', make: (ps) => new Adagrad(ps, { lr: 0.1 }) },
  {
    label: 'Adagrad (lrDecay, initialAccumulatorValue, weightDecay)',
    make: (ps) =>
      new Adagrad(ps, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, weightDecay: 1e-3 }),
  },
  { label: 'Adadelta', make: (ps) => new Adadelta(ps) },
  { label: 'RMSprop', make: (ps) => new RMSprop(ps) },
  {
    label: 'RMSprop (centered, momentum)',
    make: (ps) => new RMSprop(ps, { lr: 1e-2, centered: true, momentum: 0.5, weightDecay: 1e-3 }),
  },
  { label: 'Adamax', make: (ps) => new Adamax(ps, { lr: 0.05 }) },
  { label: 'NAdam', make: (ps) => new NAdam(ps, { lr: 0.05 }) },
  {
    label: 'NAdam (decoupled weight decay)',
    make: (ps) => new NAdam(ps, { lr: 0.05, weightDecay: 0.01, decoupledWeightDecay: true }),
  },
  { label: 'RAdam', make: (ps) => new RAdam(ps, { lr: 0.05 }) },
  {
    label: 'RAdam (decoupled weight decay)',
    make: (ps) => new RAdam(ps, { lr: 0.05, weightDecay: 0.01, decoupledWeightDecay: true }),
  },
  { label: 'Rprop', make: (ps) => new Rprop(ps) },
  { label: 'ASGD', make: (ps) => new ASGD(ps, { lr: 0.1 }) },
  { label: 'ASGD (averaging from t0 = 2)', make: (ps) => new ASGD(ps, { lr: 0.1, t0: 2 }) },
];

/**
 * A tiny quadratic: three parameters, the first two back to back in one buffer (one fused
 * run), the third on its own; loss Σ wᵢ(xᵢ − cᵢ)²/2 plus a deterministic per-step wobble in the
 * gradient.
 */
function problem() {
  const arena = new Float32Array(13);
  const garena = new Float32Array(13);
  const x0 = rand(17, -1, 1, 99);
  arena.set(x0.subarray(0, 13));
  const third = Float32Array.from(x0.subarray(13, 17));
  const params: Param[] = [
    { data: arena.subarray(0, 8), grad: garena.subarray(0, 8) },
    { data: arena.subarray(8, 13), grad: garena.subarray(8, 13) },
    { data: third, grad: new Float32Array(4) },
  ];
  const c = [0.3, -0.2, 0.5];
  const w = [1, 2, 0.5];
  const loss = () => {
    let s = 0;
    params.forEach((p, k) => {
      for (const v of p.data) s += 0.5 * w[k] * (v - c[k]) ** 2;
    });
    return s;
  };
  const grad = (t: number) => {
    params.forEach((p, k) => {
      const g = p.grad as Float32Array;
      for (let i = 0; i < g.length; i++)
        g[i] = w[k] * (p.data[i] - c[k]) + 0.01 * Math.sin(t * 7 + i + 3 * k);
    });
  };
  return { params, loss, grad };
}

function withBackend<T>(name: BackendName, fn: () => T): T {
  setBackend(name);
  // Route even these tiny runs through the native kernels.
  const prev = setMinNativeLength(0);
  try {
    return fn();
  } finally {
    setMinNativeLength(prev);
  }
}

afterEach(() => {
  setBackend('native');
});

describe('torch.optim basic optimizer classes', () => {
  for (const m of MAKERS) {
    it(`${m.label}: steps a tiny problem on both backends, which agree`, () => {
      const run = (name: BackendName) =>
        withBackend(name, () => {
          const pb = problem();
          const opt = m.make(pb.params);
          const before = pb.loss();
          for (let t = 1; t <= 40; t++) {
            pb.grad(t);
            opt.step();
          }
          return {
            before,
            after: pb.loss(),
            params: pb.params.map((p) => Float32Array.from(p.data)),
          };
        });
      const a = run('native');
      const j = run('js');
      expect(j.after).toBeLessThan(j.before);
      expect(a.after).toBeLessThan(a.before);
      a.params.forEach((x, k) => {
        const y = j.params[k];
        expect(
          worst(x, y, (i) => 1e-5 * Math.max(Math.abs(y[i]), 1)),
          `param ${k}`,
        ).toBeNull();
      });
    });

    for (const name of ['js', 'native'] as const) {
      it(`${m.label} (${name}): stateDict → JSON → loadStateDict, then k steps = 2k steps bit for bit`, () => {
        withBackend(name, () => {
          const k = 4;
          const straight = problem();
          const o1 = m.make(straight.params);
          for (let t = 1; t <= 2 * k; t++) {
            straight.grad(t);
            o1.step();
          }
          const half = problem();
          const o2 = m.make(half.params);
          for (let t = 1; t <= k; t++) {
            half.grad(t);
            o2.step();
          }
          const sd = JSON.parse(JSON.stringify(o2.stateDict())) as OptimizerStateDict;
          const resumed = problem();
          resumed.params.forEach((p, i) => p.data.set(half.params[i].data));
          const o3 = m.make(resumed.params);
          o3.loadStateDict(sd);
          for (let t = k + 1; t <= 2 * k; t++) {
            resumed.grad(t);
            o3.step();
          }
          resumed.params.forEach((p, i) => {
            expect(same(p.data, straight.params[i].data), `param ${i}`).toBe(true);
          });
          expect(JSON.stringify(o3.stateDict())).toBe(JSON.stringify(o1.stateDict()));
        });
      });
    }
  }

  it('Adagrad: the sum starts at initialAccumulatorValue and shows in stateDict after a step', () => {
    const data = Float32Array.of(1, 2);
    const opt = new Adagrad([{ data, grad: Float32Array.of(0.5, -1) }], {
      initialAccumulatorValue: 0.25,
    });
    expect(opt.stateDict().state).toEqual({});
    opt.step();
    const s = opt.stateDict().state['0'];
    expect(s.step).toBe(1);
    expect([...decode(s.sum)]).toEqual([0.5, 1.25]);
  });

  for (const name of ['js', 'native'] as const) {
    it(`RMSprop centered, alpha 0 (${name}): a rounding-negative v − ḡ² is 0, not NaN`, () => {
      // With α = 0, v = fl(g²) and ḡ = g; for g = fl(0.1137), fl(g²) < g², so the exact
      // v − ḡ² is negative (PyTorch's √ gives NaN; found by the optim_step fuzz target).
      const g = Math.fround(0.1137);
      expect(Math.fround(g * g) - g * g).toBeLessThan(0);
      withBackend(name, () => {
        const data = new Float32Array(37).fill(0.5);
        const opt = new RMSprop([{ data, grad: new Float32Array(37).fill(g) }], {
          lr: 0.01,
          alpha: 0,
          centered: true,
        });
        opt.step();
        // a = √0 + ε, so the step is lr·g/ε: large but finite.
        const want = 0.5 - (0.01 * g) / 1e-8;
        for (const v of data) expect(Math.abs(v - want)).toBeLessThan(1e-5 * Math.abs(want));
      });
    });
  }

  it('Rprop: step sizes start at lr', () => {
    const opt = new Rprop([{ data: Float32Array.of(0, 0), grad: Float32Array.of(1, -1) }], {
      lr: 0.03,
    });
    opt.step();
    expect([...decode(opt.stateDict().state['0'].stepSize)]).toEqual([f(0.03), f(0.03)]);
  });

  // Two neighbouring parameters reach the same step count having stepped at different times,
  // with different options: their scalars differ and they must not share a kernel call.
  for (const [label, make, change] of [
    [
      'ASGD',
      (ps: Param[]) => new ASGD(ps, { lr: 0.1, t0: 0 }),
      (o: { paramGroups: Array<Record<string, unknown>> }) => {
        o.paramGroups[0].lr = 0.05;
      },
    ],
    [
      'NAdam',
      (ps: Param[]) => new NAdam(ps, { lr: 0.05 }),
      (o: { paramGroups: Array<Record<string, unknown>> }) => {
        o.paramGroups[0].momentumDecay = 0.5;
      },
    ],
  ] as const) {
    for (const name of ['js', 'native'] as const) {
      it(`${label} (${name}): neighbours with equal steps but different scalars step apart`, () => {
        withBackend(name, () => {
          const run = (fused: boolean) => {
            const arena = Float32Array.of(0.5, -0.25, 1, 0.75);
            const data = fused
              ? [arena.subarray(0, 2), arena.subarray(2, 4)]
              : [arena.slice(0, 2), arena.slice(2, 4)];
            const garena = Float32Array.of(0.3, -0.6, 0.2, 0.9);
            const gs = fused
              ? [garena.subarray(0, 2), garena.subarray(2, 4)]
              : [garena.slice(0, 2), garena.slice(2, 4)];
            const ps: Param[] = [
              { data: data[0], grad: gs[0] },
              { data: data[1], grad: null },
            ];
            const opt = make(ps);
            opt.step(); // only the first
            change(opt as never);
            ps[0].grad = null;
            ps[1].grad = gs[1];
            opt.step(); // only the second: both now at step 1
            const sd = opt.stateDict();
            ps[0].grad = gs[0];
            for (let t = 0; t < 3; t++) opt.step();
            return { sd, out: [Float32Array.from(data[0]), Float32Array.from(data[1])] };
          };
          const fused = run(true);
          const apart = run(false);
          expect(fused.sd.state['0'].step).toBe(fused.sd.state['1'].step);
          const scalar = label === 'ASGD' ? 'eta' : 'muProduct';
          expect(fused.sd.state['0'][scalar]).not.toBe(fused.sd.state['1'][scalar]);
          expect(same(fused.out[0], apart.out[0])).toBe(true);
          expect(same(fused.out[1], apart.out[1])).toBe(true);
        });
      });
    }
  }
});

describe('torch.optim basic optimizer options', () => {
  const ps = () => [{ data: new Float32Array(2), grad: new Float32Array(2) }];
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Adagrad lr', () => new Adagrad(ps(), { lr: -1 }), /^Adagrad: .*lr.*≥ 0/],
    ['Adagrad lrDecay', () => new Adagrad(ps(), { lrDecay: -0.1 }), /^Adagrad: .*lrDecay/],
    [
      'Adagrad weightDecay',
      () => new Adagrad(ps(), { weightDecay: -1 }),
      /^Adagrad: .*weightDecay/,
    ],
    [
      'Adagrad initialAccumulatorValue',
      () => new Adagrad(ps(), { initialAccumulatorValue: -1 }),
      /^Adagrad: .*initialAccumulatorValue/,
    ],
    ['Adagrad eps', () => new Adagrad(ps(), { eps: -1e-10 }), /^Adagrad: .*eps/],
    [
      'Adagrad lr_decay',
      () => new Adagrad(ps(), { lr_decay: 0.1 } as never),
      /^Adagrad: unknown option "lr_decay" \(did you mean "lrDecay"\?\)/,
    ],
    [
      'Adagrad initial_accumulator_value',
      () => new Adagrad(ps(), { initial_accumulator_value: 0.1 } as never),
      /did you mean "initialAccumulatorValue"/,
    ],
    ['Adagrad maximize', () => new Adagrad(ps(), { maximize: 1 } as never), /^Adagrad: .*maximize/],
    ['Adadelta lr', () => new Adadelta(ps(), { lr: -1 }), /^Adadelta: .*lr/],
    ['Adadelta rho', () => new Adadelta(ps(), { rho: 1.5 }), /^Adadelta: .*rho.*\[0, 1\]/],
    ['Adadelta eps', () => new Adadelta(ps(), { eps: -1 }), /^Adadelta: .*eps/],
    [
      'Adadelta weightDecay',
      () => new Adadelta(ps(), { weightDecay: -1 }),
      /^Adadelta: .*weightDecay/,
    ],
    ['RMSprop lr', () => new RMSprop(ps(), { lr: -1 }), /^RMSprop: .*lr/],
    ['RMSprop alpha', () => new RMSprop(ps(), { alpha: -0.1 }), /^RMSprop: .*alpha/],
    ['RMSprop eps', () => new RMSprop(ps(), { eps: -1 }), /^RMSprop: .*eps/],
    ['RMSprop momentum', () => new RMSprop(ps(), { momentum: -0.5 }), /^RMSprop: .*momentum/],
    [
      'RMSprop weightDecay',
      () => new RMSprop(ps(), { weightDecay: -1 }),
      /^RMSprop: .*weightDecay/,
    ],
    [
      'RMSprop centered',
      () => new RMSprop(ps(), { centered: 'yes' } as never),
      /^RMSprop: .*centered/,
    ],
    ['Adamax lr', () => new Adamax(ps(), { lr: -1 }), /^Adamax: .*lr/],
    ['Adamax betas[0]', () => new Adamax(ps(), { betas: [1, 0.999] }), /^Adamax: .*betas\[0\]/],
    ['Adamax betas[1]', () => new Adamax(ps(), { betas: [0.9, -0.1] }), /^Adamax: .*betas\[1\]/],
    ['Adamax eps', () => new Adamax(ps(), { eps: -1 }), /^Adamax: .*eps/],
    ['Adamax weightDecay', () => new Adamax(ps(), { weightDecay: -1 }), /^Adamax: .*weightDecay/],
    ['NAdam lr', () => new NAdam(ps(), { lr: -1 }), /^NAdam: .*lr/],
    ['NAdam betas', () => new NAdam(ps(), { betas: [0.9, 1] }), /^NAdam: .*betas\[1\]/],
    ['NAdam eps', () => new NAdam(ps(), { eps: -1 }), /^NAdam: .*eps/],
    ['NAdam weightDecay', () => new NAdam(ps(), { weightDecay: -1 }), /^NAdam: .*weightDecay/],
    [
      'NAdam momentumDecay',
      () => new NAdam(ps(), { momentumDecay: -1 }),
      /^NAdam: .*momentumDecay/,
    ],
    [
      'NAdam momentum_decay',
      () => new NAdam(ps(), { momentum_decay: 0.1 } as never),
      /^NAdam: .*did you mean "momentumDecay"/,
    ],
    [
      'NAdam decoupled_weight_decay',
      () => new NAdam(ps(), { decoupled_weight_decay: true } as never),
      /^NAdam: .*did you mean "decoupledWeightDecay"/,
    ],
    ['RAdam lr', () => new RAdam(ps(), { lr: -1 }), /^RAdam: .*lr/],
    ['RAdam betas', () => new RAdam(ps(), { betas: [-0.1, 0.999] }), /^RAdam: .*betas\[0\]/],
    ['RAdam betas pair', () => new RAdam(ps(), { betas: [0.9] as never }), /^RAdam: .*betas.*pair/],
    ['RAdam eps', () => new RAdam(ps(), { eps: -1 }), /^RAdam: .*eps/],
    ['RAdam weightDecay', () => new RAdam(ps(), { weightDecay: -1 }), /^RAdam: .*weightDecay/],
    ['Rprop lr', () => new Rprop(ps(), { lr: -1 }), /^Rprop: .*lr/],
    ['Rprop etas[0] ≥ 1', () => new Rprop(ps(), { etas: [1.5, 1.2] }), /^Rprop: invalid etas/],
    ['Rprop etas[0] ≤ 0', () => new Rprop(ps(), { etas: [0, 1.2] }), /^Rprop: invalid etas/],
    ['Rprop etas[1] ≤ 1', () => new Rprop(ps(), { etas: [0.5, 1] }), /^Rprop: invalid etas/],
    [
      'Rprop stepSizes',
      () => new Rprop(ps(), { stepSizes: [1e-6, Number.NaN] }),
      /^Rprop: .*stepSizes\[1\]/,
    ],
    [
      'Rprop step_sizes',
      () => new Rprop(ps(), { step_sizes: [1e-6, 1] } as never),
      /^Rprop: .*did you mean "stepSizes"/,
    ],
    ['ASGD lr', () => new ASGD(ps(), { lr: -1 }), /^ASGD: .*lr/],
    ['ASGD lambd', () => new ASGD(ps(), { lambd: -1 }), /^ASGD: .*lambd/],
    ['ASGD alpha', () => new ASGD(ps(), { alpha: -1 }), /^ASGD: .*alpha/],
    ['ASGD t0', () => new ASGD(ps(), { t0: Number.NaN }), /^ASGD: .*t0/],
    ['ASGD weightDecay', () => new ASGD(ps(), { weightDecay: -1 }), /^ASGD: .*weightDecay/],
    [
      'ASGD weight_decay',
      () => new ASGD(ps(), { weight_decay: 0.1 } as never),
      /did you mean "weightDecay"/,
    ],
  ];
  for (const [label, fn, re] of cases) {
    it(`refuses ${label}`, () => {
      expect(fn).toThrow(re);
    });
  }

  it('re-checks options changed between steps', () => {
    const opt = new NAdam(ps(), {});
    opt.paramGroups[0].betas = [0.9, 1.5];
    expect(() => opt.step()).toThrow(/^NAdam.step \(paramGroups\[0\]\): .*betas\[1\]/);
  });
});
