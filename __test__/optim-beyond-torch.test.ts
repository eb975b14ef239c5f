/**
 * Optimizers beyond torch.optim's core — Lion, AdaBelief, Yogi, Adan, LAMB, LARS (optax
 * semantics) and schedule-free SGD / AdamW (the schedulefree package):
 * - kernel parity: native `optimStep` against the JS reference over several steps, on
 *   1,048,583 parameters and small odd lengths (views at non-zero offsets), every option
 *   branch; LAMB and LARS over many tensors (segments) of all sizes, including an empty one,
 *   one whose parameters are all 0 and one whose gradients are all 0 (the trust ratio's
 *   zero-norm branch); tolerance as in parity.test.ts: |native − js| ≤ 1e-5 · max(|js|, floor)
 *   with floor 1 for parameters (magnitude ≤ 1) and a per-state floor for state buffers;
 * - the per-tensor trust ratio and the schedule-free train/eval switch against hand values;
 * - the classes step a tiny problem on both backends (and agree);
 * - stateDict → JSON → loadStateDict, then k steps, equals 2k straight steps bit for bit
 *   (schedule-free: with its averaging state, saved in train and in eval mode);
 * - bad options are refused, naming the optimizer and the option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels, OptimKind } from '../src/backend/kernels.js';
import { type BackendName, setBackend, setMinNativeLength } from '../src/backend/select.js';
import {
  AdaBelief,
  AdamWScheduleFree,
  Adan,
  LAMB,
  LARS,
  Lion,
  type OptimizerStateDict,
  type Param,
  SGDScheduleFree,
  Yogi,
} from '../src/optim/index.js';
import { nativeUnderTest } from './helpers/backends.js';

const native: Kernels = nativeUnderTest();
const js: Kernels = jsKernels;
const OFFSET = 3;
const f = Math.fround;
const b = (x: boolean) => +x;

function rand(n: number, lo: number, hi: number, seed: number): Float32Array {
  const buf = new Float32Array(n + OFFSET + 5);
  js.rngUniform(seedState(seed), buf, lo, hi);
  return buf.subarray(OFFSET, OFFSET + n);
}

function view(n: number, fill = 0): Float32Array {
  return new Float32Array(n + OFFSET + 2).fill(fill).subarray(OFFSET, OFFSET + n);
}

/** Gradients in [-1, 1] with every 97th exactly 0 (sign(0) = 0 branches). */
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

function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

// ---- hyperparameters per kernel, as the classes compute them

interface Base {
  lr: number;
  wd: number;
  maximize: boolean;
}

const lionH = (o: Base & { b1: number; b2: number }) => (): number[] => [
  o.lr,
  o.b1,
  o.b2,
  o.wd,
  b(o.maximize),
];

const adabeliefH =
  (o: Base & { b1: number; b2: number; eps: number; epsRoot: number }) =>
  (t: number): number[] => [o.lr, o.b1, o.b2, o.eps, o.epsRoot, o.wd, b(o.maximize), t];

const yogiH =
  (o: { lr: number; b1: number; b2: number; eps: number; maximize: boolean }) =>
  (t: number): number[] => [o.lr, o.b1, o.b2, o.eps, b(o.maximize), t];

const adanH =
  (o: Base & { betas: [number, number, number]; eps: number; epsRoot: number }) =>
  (t: number): number[] => [o.lr, ...o.betas, o.eps, o.epsRoot, o.wd, b(o.maximize), t];

const lambH =
  (o: Base & { b1: number; b2: number; eps: number; epsRoot: number }) =>
  (t: number): number[] => [o.lr, o.b1, o.b2, o.eps, o.epsRoot, o.wd, b(o.maximize), t];

const larsH =
  (o: Base & { momentum: number; tc: number; eps: number; nesterov: boolean }) => (): number[] => [
    o.lr,
    o.momentum,
    o.wd,
    o.tc,
    o.eps,
    b(o.nesterov),
    b(o.maximize),
  ];

/** The schedule-free step's hyperparameters at step t (group k = t − 1), as the classes compute them. */
const sfH =
  (o: {
    lr: number;
    beta1: number;
    wd: number;
    adam: boolean;
    beta2: number;
    eps: number;
    warmup: number;
    r: number;
    power: number;
  }) =>
  (t: number): number[] => {
    let weightSum = 0;
    let lrMax = -1;
    let lr = 0;
    let ckp1 = 0;
    for (let k = 0; k < t; k++) {
      lr = o.lr * (k < o.warmup ? (k + 1) / o.warmup : 1);
      lrMax = Math.max(lr, lrMax);
      const weight = (k + 1) ** o.r * lrMax ** o.power;
      weightSum += weight;
      ckp1 = weightSum === 0 ? 0 : weight / weightSum;
    }
    const bc2 = o.adam ? 1 - o.beta2 ** t : 1;
    return [lr, ckp1, o.beta1, o.wd, b(o.adam), o.beta2, o.eps, bc2, b(t === 1)];
  };

interface Case {
  label: string;
  kind: OptimKind;
  /** Initial value of each state slot (null: unused) and its tolerance floor. */
  states: ([number, number] | null)[];
  hyper: (t: number) => number[];
  steps?: number;
  /** Per-tensor kernels: split the group into tensors (and zero some of them). */
  segmented?: boolean;
}

const CASES: Case[] = [
  {
    label: 'Lion',
    kind: 'lion',
    states: [[0, 1]],
    hyper: lionH({ lr: 1e-4, b1: 0.9, b2: 0.99, wd: 0, maximize: false }),
  },
  {
    label: 'Lion weight decay, maximize',
    kind: 'lion',
    states: [[0, 1]],
    hyper: lionH({ lr: 3e-4, b1: 0.95, b2: 0.98, wd: 0.1, maximize: true }),
  },
  {
    label: 'AdaBelief',
    kind: 'adabelief',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: adabeliefH({
      lr: 1e-3,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-16,
      epsRoot: 1e-16,
      wd: 0,
      maximize: false,
    }),
  },
  {
    label: 'AdaBelief weight decay, maximize, paper eps',
    kind: 'adabelief',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: adabeliefH({
      lr: 1e-2,
      b1: 0.8,
      b2: 0.99,
      eps: 1e-8,
      epsRoot: 0,
      wd: 0.05,
      maximize: true,
    }),
  },
  {
    label: 'Yogi',
    kind: 'yogi',
    states: [
      [1e-6, 1],
      [1e-6, 1e-6],
    ],
    hyper: yogiH({ lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-3, maximize: false }),
  },
  {
    // A large initial accumulator: v − g² changes sign across elements and steps.
    label: 'Yogi initial accumulator 0.3, maximize',
    kind: 'yogi',
    states: [
      [0.3, 1],
      [0.3, 1e-6],
    ],
    hyper: yogiH({ lr: 1e-2, b1: 0.5, b2: 0.9, eps: 1e-6, maximize: true }),
  },
  {
    label: 'Adan',
    kind: 'adan',
    states: [
      [0, 1],
      [0, 1],
      [0, 1e-6],
      [0, 1],
    ],
    hyper: adanH({
      lr: 1e-3,
      betas: [0.98, 0.92, 0.99],
      eps: 1e-8,
      epsRoot: 1e-8,
      wd: 0,
      maximize: false,
    }),
  },
  {
    label: 'Adan weight decay, maximize, no eps_root',
    kind: 'adan',
    states: [
      [0, 1],
      [0, 1],
      [0, 1e-6],
      [0, 1],
    ],
    hyper: adanH({
      lr: 1e-2,
      betas: [0.9, 0.8, 0.7],
      eps: 1e-6,
      epsRoot: 0,
      wd: 0.02,
      maximize: true,
    }),
  },
  {
    label: 'LAMB',
    kind: 'lamb',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    segmented: true,
    hyper: lambH({ lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-6, epsRoot: 0, wd: 0, maximize: false }),
  },
  {
    label: 'LAMB weight decay, maximize, eps_root',
    kind: 'lamb',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    segmented: true,
    hyper: lambH({
      lr: 1e-2,
      b1: 0.8,
      b2: 0.99,
      eps: 1e-8,
      epsRoot: 1e-8,
      wd: 0.01,
      maximize: true,
    }),
  },
  {
    label: 'LAMB one tensor (no segments)',
    kind: 'lamb',
    states: [
      [0, 1],
      [0, 1e-6],
    ],
    hyper: lambH({
      lr: 1e-2,
      b1: 0.9,
      b2: 0.999,
      eps: 1e-6,
      epsRoot: 0,
      wd: 0.01,
      maximize: false,
    }),
  },
  {
    label: 'LARS without momentum',
    kind: 'lars',
    states: [null],
    segmented: true,
    hyper: larsH({
      lr: 0.5,
      momentum: 0,
      wd: 0,
      tc: 1e-3,
      eps: 0,
      nesterov: false,
      maximize: false,
    }),
  },
  {
    label: 'LARS momentum, weight decay',
    kind: 'lars',
    states: [[0, 1e-3]],
    segmented: true,
    hyper: larsH({
      lr: 0.5,
      momentum: 0.9,
      wd: 1e-2,
      tc: 2e-2,
      eps: 0,
      nesterov: false,
      maximize: false,
    }),
  },
  {
    label: 'LARS Nesterov, eps, maximize',
    kind: 'lars',
    states: [[0, 1e-3]],
    segmented: true,
    hyper: larsH({
      lr: 0.5,
      momentum: 0.8,
      wd: 0,
      tc: 1e-2,
      eps: 1e-3,
      nesterov: true,
      maximize: true,
    }),
  },
  {
    // ckp1 = 1, 1/2, 1/3, …: both of torch.lerp's formulas; z starts as y at step 1.
    label: 'schedule-free SGD',
    kind: 'scheduleFree',
    states: [[0.25, 1], null],
    steps: 6,
    hyper: sfH({
      lr: 0.1,
      beta1: 0.9,
      wd: 0,
      adam: false,
      beta2: 0,
      eps: 0,
      warmup: 0,
      r: 0,
      power: 2,
    }),
  },
  {
    label: 'schedule-free SGD weight decay, warmup, r',
    kind: 'scheduleFree',
    states: [[0.25, 1], null],
    steps: 6,
    hyper: sfH({
      lr: 0.1,
      beta1: 0.5,
      wd: 0.01,
      adam: false,
      beta2: 0,
      eps: 0,
      warmup: 3,
      r: 1,
      power: 2,
    }),
  },
  {
    label: 'schedule-free AdamW',
    kind: 'scheduleFree',
    states: [
      [0.25, 1],
      [0, 1e-6],
    ],
    steps: 6,
    hyper: sfH({
      lr: 2.5e-3,
      beta1: 0.9,
      wd: 0,
      adam: true,
      beta2: 0.999,
      eps: 1e-8,
      warmup: 0,
      r: 0,
      power: 2,
    }),
  },
  {
    label: 'schedule-free AdamW weight decay, warmup',
    kind: 'scheduleFree',
    states: [
      [0.25, 1],
      [0, 1e-6],
    ],
    steps: 6,
    hyper: sfH({
      lr: 1e-2,
      beta1: 0.9,
      wd: 0.1,
      adam: true,
      beta2: 0.99,
      eps: 1e-8,
      warmup: 4,
      r: 0.5,
      power: 1,
    }),
  },
];

/** Tensor lengths for a group of n: every size class (and an empty tensor), or null. */
function segmentsFor(n: number): Uint32Array {
  if (n < 1_000_000) {
    if (n < 3) return Uint32Array.of(n);
    const a = Math.floor(n / 3);
    return Uint32Array.of(a, 0, a, n - 2 * a);
  }
  // Small tensors, one long one (parallel blocks), 300 small ones (several parallel
  // batches), then the long rest.
  const s = [7, 17, 0, 1023, 65_539, 100, ...new Array(300).fill(257)];
  const used = s.reduce((x, y) => x + y, 0);
  return Uint32Array.from([...s, n - used]);
}

/** Offsets [start, end) of tensor i. */
function span(seg: Uint32Array, i: number): [number, number] {
  let o = 0;
  for (let k = 0; k < i; k++) o += seg[k];
  return [o, o + seg[i]];
}

function parity(c: Case, n: number, seed: number) {
  const seg = c.segmented ? segmentsFor(n) : null;
  // Tensor 1 (small groups) / 3 (large) has zero parameters, tensor 5 zero gradients.
  const zeroP = seg && seg.length > 3 ? span(seg, n < 1_000_000 ? 2 : 3) : null;
  const zeroG = seg && seg.length > 5 ? span(seg, 5) : null;
  const p0 = rand(n, -1, 1, seed);
  if (zeroP) p0.fill(0, zeroP[0], zeroP[1]);
  const make = () => ({
    p: Float32Array.from(p0),
    s: c.states.map((s) => (s === null ? null : view(n, s[0]))),
  });
  const a = make();
  const bb = make();
  for (let t = 1; t <= (c.steps ?? 5); t++) {
    const g = grads(n, seed * 31 + t);
    if (zeroG) g.fill(0, zeroG[0], zeroG[1]);
    const h = Float64Array.from(c.hyper(t));
    native.optimStep(c.kind, a.p, g, a.s, h, seg);
    js.optimStep(c.kind, bb.p, g, bb.s, h, seg);
  }
  const bad: Record<string, unknown> = {};
  const wp = worst(a.p, bb.p, (i) => 1e-5 * Math.max(Math.abs(bb.p[i]), 1));
  if (wp) bad.params = wp;
  c.states.forEach((s, k) => {
    const [x, y] = [a.s[k], bb.s[k]];
    if (s === null || x === null || y === null) return;
    const w = worst(x, y, (i) => 1e-5 * Math.max(Math.abs(y[i]), s[1]));
    if (w) bad[`state${k}`] = w;
  });
  return Object.keys(bad).length ? bad : null;
}

describe('parity: optimizer kernels beyond torch.optim', () => {
  for (const c of CASES) {
    it(`${c.label}: 1,048,583 parameters`, () => {
      expect(parity(c, 1_048_583, 11)).toBeNull();
    });
    it(`${c.label}: lengths 0, 1, 7, 17, 1023`, () => {
      for (const n of [0, 1, 7, 17, 1023]) expect(parity(c, n, 5 + n), `n=${n}`).toBeNull();
    });
  }

  it('schedule-free train/eval switch (both lerp formulas)', () => {
    for (const w of [1 - 1 / 0.9, 0.1, 0.75, 1]) {
      for (const n of [0, 1, 7, 17, 1023, 1_048_583]) {
        const p0 = rand(n, -1, 1, 3 + n);
        const z = rand(n, -1, 1, 4 + n);
        const [pa, pb] = [Float32Array.from(p0), Float32Array.from(p0)];
        native.optimStep('scheduleFreeSwap', pa, z, [], Float64Array.of(w), null);
        js.optimStep('scheduleFreeSwap', pb, z, [], Float64Array.of(w), null);
        expect(
          worst(pa, pb, (i) => 1e-6 * Math.max(Math.abs(pb[i]), 1)),
          `w=${w} n=${n}`,
        ).toBeNull();
      }
    }
  });

  it('the LAMB/LARS kernels refuse segments that do not sum to the group length', () => {
    const p = new Float32Array(8);
    const g = new Float32Array(8);
    const h = Float64Array.from(
      larsH({ lr: 1, momentum: 0, wd: 0, tc: 1, eps: 0, nesterov: false, maximize: false })(),
    );
    for (const k of [native, js]) {
      for (const kind of ['lars', 'lamb'] as const) {
        const st = kind === 'lamb' ? [new Float32Array(8), new Float32Array(8)] : [];
        const hk =
          kind === 'lamb'
            ? Float64Array.from(
                lambH({ lr: 1, b1: 0.9, b2: 0.99, eps: 0, epsRoot: 0, wd: 0, maximize: false })(1),
              )
            : h;
        expect(() => k.optimStep(kind, p, g, st, hk, Uint32Array.of(3, 4))).toThrow(
          /segments (must )?sum to .*8/,
        );
      }
    }
  });
});

describe('semantics against hand values', () => {
  for (const [name, k] of [
    ['native', native],
    ['js', js],
  ] as const) {
    it(`LARS (${name}): per-tensor trust ratio, 1 when a norm is 0`, () => {
      // Tensors: [3, 4] (‖p‖ = 5), [0, 0] (‖p‖ = 0 → ratio 1), [1] with g = 0 (‖u‖ = 0).
      const p = Float32Array.of(3, 4, 0, 0, 1);
      const g = Float32Array.of(0.6, 0.8, 0.5, -0.5, 0);
      const h = Float64Array.from(
        larsH({
          lr: 0.1,
          momentum: 0,
          wd: 0,
          tc: 0.01,
          eps: 0,
          nesterov: false,
          maximize: false,
        })(),
      );
      k.optimStep('lars', p, g, [], h, Uint32Array.of(2, 2, 1));
      // Tensor 0: ratio 0.01 · 5 / 1 = 0.05, step −0.1 · 0.05 · g.
      expect(p[0]).toBeCloseTo(3 - 0.005 * 0.6, 6);
      expect(p[1]).toBeCloseTo(4 - 0.005 * 0.8, 6);
      expect([...p.subarray(2)]).toEqual([f(-0.05), f(0.05), 1]);
    });

    it(`LAMB (${name}): per-tensor trust ratio ‖p‖/‖u‖, 1 when a norm is 0`, () => {
      // Step 1 with ε = 0: u = sign(g) elementwise (m̂ = g, v̂ = g²).
      const p = Float32Array.of(3, 4, 0, 0);
      const g = Float32Array.of(1, -2, 0.5, 0.25);
      const m = new Float32Array(4);
      const v = new Float32Array(4);
      const h = Float64Array.from(
        lambH({ lr: 0.1, b1: 0.9, b2: 0.999, eps: 0, epsRoot: 0, wd: 0, maximize: false })(1),
      );
      k.optimStep('lamb', p, g, [m, v], h, Uint32Array.of(2, 2));
      // Tensor 0: ‖p‖ = 5, ‖u‖ = √2: p − 0.1 · 5/√2 · (1, −1); tensor 1: ratio 1.
      const r = 0.1 * (5 / Math.SQRT2);
      expect(p[0]).toBeCloseTo(3 - r, 5);
      expect(p[1]).toBeCloseTo(4 + r, 5);
      expect(p[2]).toBeCloseTo(-0.1, 6);
      expect(p[3]).toBeCloseTo(-0.1, 6);
    });

    it(`Lion (${name}): sign(0) = 0 leaves the parameter alone`, () => {
      const p = Float32Array.of(1, 1, 1);
      const g = Float32Array.of(0, 2, -2);
      const m = new Float32Array(3);
      k.optimStep('lion', p, g, [m], Float64Array.of(0.5, 0.9, 0.99, 0, 0), null);
      expect([...p]).toEqual([1, 0.5, 1.5]);
      expect([...m]).toEqual([0, f(0.02), f(-0.02)]);
    });
  }
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
  { label: 'Lion', make: (ps) => new Lion(ps, { lr: 0.01 }) },
  { label: 'Lion (weight decay)', make: (ps) => new Lion(ps, { lr: 0.01, weightDecay: 0.1 }) },
  { label: 'AdaBelief', make: (ps) => new AdaBelief(ps, { lr: 0.05 }) },
  {
    label: 'AdaBelief (weight decay)',
    make: (ps) => new AdaBelief(ps, { lr: 0.05, weightDecay: 0.01 }),
  },
  { label: 'Yogi', make: (ps) => new Yogi(ps, { lr: 0.05 }) },
  { label: 'Adan', make: (ps) => new Adan(ps, { lr: 0.05 }) },
  { label: 'Adan (weight decay)', make: (ps) => new Adan(ps, { lr: 0.05, weightDecay: 0.02 }) },
  { label: 'LAMB', make: (ps) => new LAMB(ps, { lr: 0.05 }) },
  { label: 'LAMB (weight decay)', make: (ps) => new LAMB(ps, { lr: 0.05, weightDecay: 0.01 }) },
  { label: 'LARS', make: (ps) => new LARS(ps, { lr: 1, trustCoefficient: 0.05 }) },
  {
    label: 'LARS (Nesterov, weight decay)',
    make: (ps) =>
      new LARS(ps, { lr: 1, trustCoefficient: 0.05, nesterov: true, weightDecay: 1e-3 }),
  },
  {
    label: 'LARS (no momentum)',
    make: (ps) => new LARS(ps, { lr: 1, trustCoefficient: 0.1, momentum: 0 }),
  },
  {
    label: 'SGDScheduleFree',
    make: (ps) => {
      const o = new SGDScheduleFree(ps, { lr: 0.1 });
      o.train();
      return o;
    },
  },
  {
    label: 'SGDScheduleFree (warmup, weight decay, r)',
    make: (ps) => {
      const o = new SGDScheduleFree(ps, { lr: 0.2, warmupSteps: 3, weightDecay: 1e-3, r: 1 });
      o.train();
      return o;
    },
  },
  {
    label: 'AdamWScheduleFree',
    make: (ps) => {
      const o = new AdamWScheduleFree(ps, { lr: 0.05 });
      o.train();
      return o;
    },
  },
  {
    label: 'AdamWScheduleFree (warmup, weight decay)',
    make: (ps) => {
      const o = new AdamWScheduleFree(ps, { lr: 0.05, warmupSteps: 5, weightDecay: 0.01 });
      o.train();
      return o;
    },
  },
];

/**
 * A tiny quadratic: three parameters, the first two back to back in one buffer (one fused
 * run, two tensors for the per-tensor norms), the third on its own; loss Σ wᵢ(xᵢ − cᵢ)²/2
 * plus a deterministic per-step wobble in the gradient.
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

describe('classes of optimizers beyond torch.optim', () => {
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
      expect(j.after).toBeLessThan(0.5 * j.before);
      expect(a.after).toBeLessThan(0.5 * a.before);
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

  it('Yogi: both moments start at initialAccumulatorValue', () => {
    const opt = new Yogi([{ data: Float32Array.of(1, 2), grad: Float32Array.of(0, 0) }], {
      initialAccumulatorValue: 0.25,
    });
    opt.step();
    expect([...(opt.stateBuffer(0, 'expAvg') as Float32Array)]).toEqual([f(0.225), f(0.225)]);
    expect([...(opt.stateBuffer(0, 'expAvgSq') as Float32Array)]).toEqual([0.25, 0.25]);
  });

  it('LARS keeps no trace without momentum; LAMB keeps no scratch buffer', () => {
    const ps = () => [{ data: Float32Array.of(1, 2), grad: Float32Array.of(0.5, 0.5) }];
    const lars = new LARS(ps(), { momentum: 0 });
    lars.step();
    expect(Object.keys(lars.stateDict().state['0']).sort()).toEqual(['step']);
    const lamb = new LAMB(ps());
    lamb.step();
    expect(Object.keys(lamb.stateDict().state['0']).sort()).toEqual(['expAvg', 'expAvgSq', 'step']);
  });

  it('LAMB: one fused run over two tensors equals two separate parameters', () => {
    for (const name of ['js', 'native'] as const) {
      withBackend(name, () => {
        const run = (fused: boolean) => {
          const arena = Float32Array.of(0.5, -0.25, 1, 0.75, 3);
          const garena = Float32Array.of(0.3, -0.6, 0.2, 0.9, -0.1);
          const cut = (a: Float32Array) =>
            fused ? [a.subarray(0, 2), a.subarray(2, 5)] : [a.slice(0, 2), a.slice(2, 5)];
          const [d, g] = [cut(arena), cut(garena)];
          const opt = new LAMB(
            [
              { data: d[0], grad: g[0] },
              { data: d[1], grad: g[1] },
            ],
            { lr: 0.1, weightDecay: 0.01 },
          );
          for (let t = 0; t < 3; t++) opt.step();
          return [...d[0], ...d[1]];
        };
        expect(run(true)).toEqual(run(false));
      });
    }
  });
});

describe('schedule-free train/eval', () => {
  for (const name of ['js', 'native'] as const) {
    it(`(${name}) refuses to step in eval mode; eval() gives x, train() gives y back`, () => {
      withBackend(name, () => {
        const pb = problem();
        const opt = new AdamWScheduleFree(pb.params, { lr: 0.05 });
        pb.grad(1);
        expect(() => opt.step()).toThrow(
          /^AdamWScheduleFree.step: paramGroups\[0\] is in eval mode/,
        );
        // No z yet: train() leaves the parameters alone.
        const before = pb.params.map((p) => Float32Array.from(p.data));
        opt.train();
        pb.params.forEach((p, i) => expect(same(p.data, before[i])).toBe(true));
        for (let t = 1; t <= 5; t++) {
          pb.grad(t);
          opt.step();
        }
        expect(opt.groupSchedule()).toMatchObject({ k: 5, trainMode: true });
        const y = pb.params.map((p) => Float32Array.from(p.data));
        const z = opt.stateBuffer(0, 'z') as Float32Array;
        opt.eval();
        expect(opt.groupSchedule().trainMode).toBe(false);
        // x = lerp(y, z, 1 − 1/β₁) with torch.lerp's small-weight formula.
        const w = 1 - 1 / 0.9;
        let o = 0;
        pb.params.forEach((p, i) => {
          const want = Float32Array.from(y[i], (yv, j) => yv + w * (z[o + j] - yv));
          expect(
            worst(p.data, want, () => 1e-6),
            `param ${i}`,
          ).toBeNull();
          o += p.data.length;
        });
        opt.eval(); // already in eval mode: no-op
        opt.train();
        pb.params.forEach((p, i) => {
          expect(
            worst(p.data, y[i], () => 1e-6),
            `param ${i}`,
          ).toBeNull();
        });
      });
    });

    it(`(${name}) a checkpoint saved in eval mode resumes bit for bit after train()`, () => {
      withBackend(name, () => {
        const k = 3;
        const make = (ps: Param[]) =>
          new SGDScheduleFree(ps, { lr: 0.1, warmupSteps: 2, weightDecay: 1e-3 });
        const straight = problem();
        const o1 = make(straight.params);
        o1.train();
        for (let t = 1; t <= k; t++) {
          straight.grad(t);
          o1.step();
        }
        o1.eval();
        o1.train();
        for (let t = k + 1; t <= 2 * k; t++) {
          straight.grad(t);
          o1.step();
        }
        const half = problem();
        const o2 = make(half.params);
        o2.train();
        for (let t = 1; t <= k; t++) {
          half.grad(t);
          o2.step();
        }
        o2.eval();
        const sd = JSON.parse(JSON.stringify(o2.stateDict())) as OptimizerStateDict;
        expect(sd.extra).toMatchObject({ groups: [{ k, trainMode: false }] });
        const resumed = problem();
        resumed.params.forEach((p, i) => p.data.set(half.params[i].data));
        const o3 = make(resumed.params);
        o3.loadStateDict(sd);
        o3.train();
        for (let t = k + 1; t <= 2 * k; t++) {
          resumed.grad(t);
          o3.step();
        }
        resumed.params.forEach((p, i) => {
          expect(same(p.data, straight.params[i].data), `param ${i}`).toBe(true);
        });
        expect(o3.groupSchedule()).toEqual(o1.groupSchedule());
      });
    });
  }

  it('a parameter without a gradient keeps its place; its z starts when it first steps', () => {
    const a = {
      data: Float32Array.of(1, 2),
      grad: Float32Array.of(0.5, -0.5) as Float32Array | null,
    };
    const c = { data: Float32Array.of(3), grad: null as Float32Array | null };
    const opt = new SGDScheduleFree([a, c], { lr: 0.1 });
    opt.train();
    opt.step();
    expect([...c.data]).toEqual([3]);
    c.grad = Float32Array.of(1);
    opt.step();
    // Group step 2 (ckp1 = 1/2) but c's first: z = y, so y ← y + lr·(β(1 − 1/2) − 1)·g.
    expect(c.data[0]).toBeCloseTo(3 + 0.1 * (0.9 * 0.5 - 1), 6);
    expect((opt.stateBuffer(0, 'z') as Float32Array)[2]).toBeCloseTo(3 - 0.1, 6);
    const sd = opt.stateDict();
    expect(sd.state['1'].step).toBe(1);
    expect(sd.extra).toMatchObject({ groups: [{ k: 2 }] });
  });

  it('loadStateDict checks the averaging state', () => {
    const ps = () => [{ data: Float32Array.of(1), grad: Float32Array.of(1) }];
    const opt = new SGDScheduleFree(ps());
    opt.train();
    opt.step();
    const sd = JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
    const fresh = new SGDScheduleFree(ps());
    expect(() => fresh.loadStateDict({ ...sd, extra: undefined })).toThrow(
      /^SGDScheduleFree.loadStateDict: extra must be \{groups/,
    );
    expect(() =>
      fresh.loadStateDict({
        ...sd,
        extra: { groups: [{ ...(sd.extra as { groups: object[] }).groups[0], k: -1 }] },
      }),
    ).toThrow(/extra.groups\[0\].k/);
    expect(() =>
      fresh.loadStateDict({
        ...sd,
        extra: { groups: [{ ...(sd.extra as { groups: object[] }).groups[0], trainMode: 1 }] },
      }),
    ).toThrow(/extra.groups\[0\].trainMode/);
    // Nothing was applied.
    expect(fresh.groupSchedule()).toMatchObject({ k: 0, trainMode: false });
  });
});

describe('options of optimizers beyond torch.optim', () => {
  const ps = () => [{ data: new Float32Array(2), grad: new Float32Array(2) }];
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Lion lr', () => new Lion(ps(), { lr: -1 }), /^Lion: invalid lr: must be ≥ 0/],
    ['Lion betas[0]', () => new Lion(ps(), { betas: [1, 0.99] }), /^Lion: .*betas\[0\]/],
    ['Lion betas[1]', () => new Lion(ps(), { betas: [0.9, -0.1] }), /^Lion: .*betas\[1\]/],
    ['Lion weightDecay', () => new Lion(ps(), { weightDecay: -1 }), /^Lion: .*weightDecay/],
    [
      'Lion weight_decay',
      () => new Lion(ps(), { weight_decay: 1 } as never),
      /^Lion: .*did you mean "weightDecay"/,
    ],
    ['AdaBelief lr', () => new AdaBelief(ps(), { lr: -1e-3 }), /^AdaBelief: .*lr/],
    ['AdaBelief betas', () => new AdaBelief(ps(), { betas: [0.9, 1] }), /^AdaBelief: .*betas\[1\]/],
    ['AdaBelief eps', () => new AdaBelief(ps(), { eps: -1 }), /^AdaBelief: .*eps/],
    ['AdaBelief epsRoot', () => new AdaBelief(ps(), { epsRoot: -1 }), /^AdaBelief: .*epsRoot/],
    [
      'AdaBelief eps_root',
      () => new AdaBelief(ps(), { eps_root: 0 } as never),
      /did you mean "epsRoot"/,
    ],
    [
      'AdaBelief maximize',
      () => new AdaBelief(ps(), { maximize: 'no' } as never),
      /^AdaBelief: .*maximize/,
    ],
    ['Yogi lr', () => new Yogi(ps(), { lr: -1 }), /^Yogi: .*lr/],
    ['Yogi betas', () => new Yogi(ps(), { betas: [1.5, 0.999] }), /^Yogi: .*betas\[0\]/],
    ['Yogi eps', () => new Yogi(ps(), { eps: -1 }), /^Yogi: .*eps/],
    [
      'Yogi initialAccumulatorValue',
      () => new Yogi(ps(), { initialAccumulatorValue: -1e-6 }),
      /^Yogi: .*initialAccumulatorValue/,
    ],
    ['Adan lr', () => new Adan(ps(), { lr: -1 }), /^Adan: .*lr/],
    [
      'Adan betas pair',
      () => new Adan(ps(), { betas: [0.9, 0.9] as never }),
      /^Adan: .*betas.*triple/,
    ],
    ['Adan betas[2]', () => new Adan(ps(), { betas: [0.98, 0.92, 1] }), /^Adan: .*betas\[2\]/],
    ['Adan eps', () => new Adan(ps(), { eps: -1 }), /^Adan: .*eps/],
    ['Adan epsRoot', () => new Adan(ps(), { epsRoot: Number.NaN }), /^Adan: .*epsRoot/],
    ['Adan weightDecay', () => new Adan(ps(), { weightDecay: -1 }), /^Adan: .*weightDecay/],
    ['LAMB lr', () => new LAMB(ps(), { lr: -1 }), /^LAMB: .*lr/],
    ['LAMB betas', () => new LAMB(ps(), { betas: [0.9, 1.001] }), /^LAMB: .*betas\[1\]/],
    ['LAMB eps', () => new LAMB(ps(), { eps: -1 }), /^LAMB: .*eps/],
    ['LAMB weightDecay', () => new LAMB(ps(), { weightDecay: -1 }), /^LAMB: .*weightDecay/],
    ['LARS lr', () => new LARS(ps(), { lr: -1 }), /^LARS: .*lr/],
    ['LARS momentum', () => new LARS(ps(), { momentum: -0.9 }), /^LARS: .*momentum/],
    [
      'LARS trustCoefficient',
      () => new LARS(ps(), { trustCoefficient: -1 }),
      /^LARS: .*trustCoefficient/,
    ],
    ['LARS eps', () => new LARS(ps(), { eps: -1 }), /^LARS: .*eps/],
    ['LARS nesterov', () => new LARS(ps(), { nesterov: 1 } as never), /^LARS: .*nesterov/],
    [
      'LARS trust_coefficient',
      () => new LARS(ps(), { trust_coefficient: 1 } as never),
      /did you mean "trustCoefficient"/,
    ],
    ['SGDScheduleFree lr', () => new SGDScheduleFree(ps(), { lr: -1 }), /^SGDScheduleFree: .*lr/],
    [
      'SGDScheduleFree momentum 0',
      () => new SGDScheduleFree(ps(), { momentum: 0 }),
      /^SGDScheduleFree: invalid momentum: must be in \(0, 1\)/,
    ],
    [
      'SGDScheduleFree momentum 1',
      () => new SGDScheduleFree(ps(), { momentum: 1 }),
      /^SGDScheduleFree: .*momentum/,
    ],
    [
      'SGDScheduleFree weightDecay',
      () => new SGDScheduleFree(ps(), { weightDecay: -1 }),
      /^SGDScheduleFree: .*weightDecay/,
    ],
    [
      'SGDScheduleFree warmupSteps',
      () => new SGDScheduleFree(ps(), { warmupSteps: 1.5 }),
      /^SGDScheduleFree: .*warmupSteps/,
    ],
    [
      'SGDScheduleFree warmup_steps',
      () => new SGDScheduleFree(ps(), { warmup_steps: 10 } as never),
      /did you mean "warmupSteps"/,
    ],
    [
      'SGDScheduleFree r',
      () => new SGDScheduleFree(ps(), { r: Number.NaN }),
      /^SGDScheduleFree: .*r /,
    ],
    [
      'AdamWScheduleFree betas[0] = 0',
      () => new AdamWScheduleFree(ps(), { betas: [0, 0.999] }),
      /^AdamWScheduleFree: invalid betas\[0\]: must be in \(0, 1\)/,
    ],
    [
      'AdamWScheduleFree betas[1]',
      () => new AdamWScheduleFree(ps(), { betas: [0.9, 1] }),
      /^AdamWScheduleFree: .*betas\[1\]/,
    ],
    [
      'AdamWScheduleFree eps',
      () => new AdamWScheduleFree(ps(), { eps: -1 }),
      /^AdamWScheduleFree: .*eps/,
    ],
    [
      'AdamWScheduleFree weightLrPower',
      () => new AdamWScheduleFree(ps(), { weightLrPower: Number.POSITIVE_INFINITY }),
      /^AdamWScheduleFree: .*weightLrPower/,
    ],
  ];
  for (const [label, fn, re] of cases) {
    it(`refuses ${label}`, () => {
      expect(fn).toThrow(re);
    });
  }

  it('re-checks options changed between steps', () => {
    const opt = new Adan(ps(), {});
    opt.paramGroups[0].betas = [0.98, 0.92, 1.5];
    expect(() => opt.step()).toThrow(/^Adan.step \(paramGroups\[0\]\): .*betas\[2\]/);
  });
});
