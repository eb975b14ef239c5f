/**
 * Muon, Lookahead, SAM, gradient clipping, weight averaging, gradient accumulation and
 * skipNonFinite, on both backends, against references written out here (or, for Muon, torch's
 * algorithm in float32 from scripts/fixtures/gen_muon.py).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import {
  Adam,
  AveragedParams,
  clipGradNorm,
  clipGradValue,
  GradientAccumulation,
  gradNorm,
  Lookahead,
  Muon,
  type Param,
  SAM,
  SGD,
} from '../src/optim/index.js';

const initial = getBackend().name;
afterAll(() => {
  setBackend(initial);
});

interface MuonCase {
  shape: [number, number];
  nesterov: boolean;
  adjustLrFn: 'match_rms_adamw' | null;
  lr: number;
  weightDecay: number;
  momentum: number;
  init: number[];
  trajectory: number[][];
}
const muon = JSON.parse(readFileSync(new URL('./fixtures/muon.json', import.meta.url), 'utf8')) as {
  cases: MuonCase[];
};

function param(values: number[]): Param {
  return { data: Float32Array.from(values), grad: new Float32Array(values.length) };
}

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  it('Muon follows torch’s algorithm (float32 Newton–Schulz) within 1e-5', () => {
    setBackend(name);
    for (const c of muon.cases) {
      const p: Param = { ...param(c.init), shape: c.shape };
      const opt = new Muon([p], {
        lr: c.lr,
        weightDecay: c.weightDecay,
        momentum: c.momentum,
        nesterov: c.nesterov,
        adjustLrFn: c.adjustLrFn,
      });
      c.trajectory.forEach((want, step) => {
        for (let i = 0; i < p.data.length; i++)
          (p.grad as Float32Array)[i] = Math.fround(Math.sin(Math.fround(3 * p.data[i]) + step));
        opt.step();
        for (let i = 0; i < want.length; i++) {
          expect(
            Math.abs(p.data[i] - want[i]),
            `shape ${c.shape} step ${step} i ${i}`,
          ).toBeLessThanOrEqual(Math.max(1e-5 * Math.abs(want[i]), 1e-6));
        }
      });
    }
  });

  it('Muon gives non-matrix parameters AdamW', () => {
    setBackend(name);
    const bias = param([0.5, -0.25, 1]);
    const twin = param([0.5, -0.25, 1]);
    const m = new Muon([bias], { adamwLr: 0.01, adamwWeightDecay: 0.05 });
    const a = new Adam([twin], { lr: 0.01, weightDecay: 0.05, decoupledWeightDecay: true });
    for (let s = 0; s < 5; s++) {
      for (const p of [bias, twin])
        for (let i = 0; i < 3; i++) (p.grad as Float32Array)[i] = p.data[i] - 0.1 * i;
      m.step();
      a.step();
    }
    expect(Array.from(bias.data)).toEqual(Array.from(twin.data));
  });

  it('Lookahead: every k steps θ and φ become φ + α(θ − φ)', () => {
    setBackend(name);
    const p = param([1, -2, 3]);
    const inner = new SGD([p], { lr: 0.1 });
    const la = new Lookahead(inner, { k: 3, alpha: 0.5 });
    // Reference in f64: plain SGD on f(θ) = ½‖θ‖² has θ ← 0.9θ.
    let fast = [1, -2, 3];
    let slow = [1, -2, 3];
    for (let s = 1; s <= 7; s++) {
      (p.grad as Float32Array).set(p.data);
      la.step();
      fast = fast.map((v) => 0.9 * v);
      if (s % 3 === 0) {
        slow = slow.map((v, i) => v + 0.5 * (fast[i] - v));
        fast = [...slow];
      }
      for (let i = 0; i < 3; i++) expect(p.data[i]).toBeCloseTo(fast[i], 5);
    }
    const sd = JSON.parse(JSON.stringify(la.stateDict()));
    const q = param(Array.from(p.data));
    const la2 = new Lookahead(new SGD([q], { lr: 0.1 }), { k: 3, alpha: 0.5 });
    la2.loadStateDict(sd);
    for (const [opt, x] of [
      [la, p],
      [la2, q],
    ] as const) {
      for (let s = 0; s < 4; s++) {
        (x.grad as Float32Array).set(x.data);
        opt.step();
      }
    }
    expect(Array.from(q.data)).toEqual(Array.from(p.data));
  });

  it('Lookahead with reset momentum zeroes the inner momentum at each sync', () => {
    setBackend(name);
    const p = param([1, 2]);
    const inner = new SGD([p], { lr: 0.1, momentum: 0.9 });
    const la = new Lookahead(inner, { k: 2, pullbackMomentum: 'reset' });
    for (let s = 0; s < 2; s++) {
      (p.grad as Float32Array).set(p.data);
      la.step();
    }
    expect(Array.from(inner.stateBuffer(0, 'momentumBuffer') as Float32Array)).toEqual([0, 0]);
  });

  it('Lookahead refuses pullbackMomentum where there is no momentum buffer to act on', () => {
    setBackend(name);
    const p = param([1, 2]);
    for (const inner of [new Adam([p], { lr: 0.1 }), new SGD([p], { lr: 0.1 })])
      for (const pullbackMomentum of ['reset', 'pullback'] as const)
        expect(() => new Lookahead(inner, { pullbackMomentum })).toThrow(
          /Lookahead: pullbackMomentum '(reset|pullback)' needs an optimizer with a momentum buffer .*paramGroups\[0\] of (Adam|SGD) has none/,
        );
    expect(() => new Lookahead(new Adam([p], { lr: 0.1 }))).not.toThrow();
  });

  it('SAM steps with the gradient at θ + ρ·g/‖g‖ (and ASAM with |θ| scaling)', () => {
    setBackend(name);
    for (const adaptive of [false, true]) {
      // f(θ) = Σ θᵢ⁴/4, ∇ = θ³: the ascent point changes the gradient, so SAM ≠ SGD.
      const p = param([0.5, -1, 1.5]);
      const sam = new SAM(new SGD([p], { lr: 0.1 }), { rho: 0.05, adaptive });
      const closure = () => {
        let loss = 0;
        for (let i = 0; i < 3; i++) {
          (p.grad as Float32Array)[i] = p.data[i] ** 3;
          loss += p.data[i] ** 4 / 4;
        }
        return loss;
      };
      const theta = [0.5, -1, 1.5];
      const g = theta.map((v) => v ** 3);
      const s = theta.map((v) => (adaptive ? Math.abs(v) : 1));
      const norm = Math.hypot(...g.map((v, i) => v * s[i]));
      const shifted = theta.map((v, i) => v + (0.05 / (norm + 1e-12)) * s[i] * s[i] * g[i]);
      const want = theta.map((v, i) => v - 0.1 * shifted[i] ** 3);
      const loss = sam.step(closure);
      expect(loss).toBeCloseTo(
        theta.reduce((a, v) => a + v ** 4 / 4, 0),
        5,
      );
      for (let i = 0; i < 3; i++) expect(p.data[i]).toBeCloseTo(want[i], 5);
    }
  });

  it('clipGradNorm and gradNorm match torch.nn.utils semantics (p = 1, 2, ∞, 3)', () => {
    setBackend(name);
    const mk = () => [param([0, 0, 0]), param([0, 0])];
    const gs = [Float32Array.of(3, -4, 12), Float32Array.of(0.5, -0.5)];
    for (const p of [1, 2, 3, Number.POSITIVE_INFINITY]) {
      const ps = mk();
      ps.forEach((x, i) => (x.grad as Float32Array).set(gs[i]));
      const all = [...gs[0], ...gs[1]];
      const want =
        p === Number.POSITIVE_INFINITY
          ? 12.5
          : all.reduce((a, v) => a + Math.abs(v) ** p, 0) ** (1 / p);
      if (p === Number.POSITIVE_INFINITY) expect(gradNorm(ps, p)).toBe(12);
      else expect(gradNorm(ps, p)).toBeCloseTo(want, 4);
      const total = clipGradNorm(ps, 1, { normType: p });
      const coef = Math.min(1 / (total + 1e-6), 1);
      ps.forEach((x, i) => {
        for (let j = 0; j < gs[i].length; j++)
          expect((x.grad as Float32Array)[j]).toBeCloseTo(gs[i][j] * coef, 6);
      });
    }
    const bad = [param([0])];
    (bad[0].grad as Float32Array)[0] = Number.NaN;
    expect(() => clipGradNorm(bad, 1, { errorIfNonfinite: true })).toThrow(RangeError);
    expect(Number.isNaN((bad[0].grad as Float32Array)[0])).toBe(true);
    const v = [param([0, 0, 0])];
    (v[0].grad as Float32Array).set([-3, 0.5, 7]);
    clipGradValue(v, 1);
    expect(Array.from(v[0].grad as Float32Array)).toEqual([-1, 0.5, 1]);
  });

  it('AveragedParams: SWA is the running mean, EMA the exponential average', () => {
    setBackend(name);
    const p = param([0, 0]);
    const swa = new AveragedParams([p]);
    const ema = new AveragedParams([p], { mode: 'ema', decay: 0.9 });
    const seen: number[][] = [];
    let e = [0, 0];
    for (let s = 0; s < 6; s++) {
      p.data.set([s, 10 - 2 * s]);
      seen.push([s, 10 - 2 * s]);
      swa.update();
      ema.update();
      e = s === 0 ? [s, 10 - 2 * s] : e.map((v, i) => 0.9 * v + 0.1 * seen[s][i]);
    }
    expect(swa.averages[0][0]).toBeCloseTo(2.5, 5);
    expect(swa.averages[0][1]).toBeCloseTo(5, 5);
    expect(ema.averages[0][0]).toBeCloseTo(e[0], 5);
    swa.swap();
    expect(Array.from(p.data)).toEqual(Array.from(Float32Array.of(2.5, 5)));
    swa.swap();
    expect(Array.from(p.data)).toEqual([5, 0]);
  });

  it('GradientAccumulation over k micro-batches equals one step on the mean gradient', () => {
    setBackend(name);
    const a = param([1, 2, 3]);
    const b = param([1, 2, 3]);
    const acc = new GradientAccumulation(new Adam([a], { lr: 0.1 }), 4);
    const opt = new Adam([b], { lr: 0.1 });
    const micro = [
      [1, 0, 2],
      [3, -1, 0],
      [0, 0, 1],
      [-2, 5, 1],
    ];
    micro.forEach((g, i) => {
      (a.grad as Float32Array).set(g);
      expect(acc.step()).toBe(i === 3);
    });
    (b.grad as Float32Array).set([0.5, 1, 1]);
    opt.step();
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('GradientAccumulation keeps what earlier micro-batches gave a parameter whose last gradient is null', () => {
    setBackend(name);
    const a = param([1, 2, 3]);
    const b = param([1, 2, 3]);
    const acc = new GradientAccumulation(new SGD([a], { lr: 0.1 }), 2);
    (a.grad as Float32Array).set([2, 4, -6]);
    expect(acc.step()).toBe(false);
    a.grad = null; // zeroGrad(true), and the parameter unused in the last micro-batch
    expect(acc.step()).toBe(true);
    (b.grad as Float32Array).set([1, 2, -3]); // the mean over the two micro-batches
    new SGD([b], { lr: 0.1 }).step();
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('skipNonFinite skips a step whose gradients hold NaN/Infinity and counts it', () => {
    setBackend(name);
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.1, skipNonFinite: true });
    (p.grad as Float32Array).set([Number.POSITIVE_INFINITY, 1]);
    opt.step();
    expect(Array.from(p.data)).toEqual([1, 2]);
    expect(opt.skippedSteps).toBe(1);
    (p.grad as Float32Array).set([1, 1]);
    opt.step();
    expect(p.data[0]).toBeCloseTo(0.9, 6);
    const plain = new SGD([param([1])], { lr: 0.1 });
    (plain.paramGroups[0].params[0].grad as Float32Array)[0] = Number.NaN;
    plain.step();
    expect(Number.isNaN(plain.paramGroups[0].params[0].data[0])).toBe(true);
  });
});
