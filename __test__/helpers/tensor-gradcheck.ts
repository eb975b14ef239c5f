/**
 * Finite-difference checks of tape operations. L = Σ w ⊙ f(inputs) with a fixed random w;
 * the analytic gradient (gradients()) against central differences of L, each difference
 * Richardson-extrapolated (O(h⁴)) and summed in f64 from the backend's float32 forward.
 * `gradgradcheck` does the same one order up: the gradient of ⟨v, ∇L⟩ (computed with
 * createGraph) against finite differences of ∇L.
 */
import { expect } from 'vitest';
import { tensor } from '../../src/autograd/create.js';
import { gradients } from '../../src/autograd/functional.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { mul } from '../../src/autograd/ops/elementwise.js';
import { sum } from '../../src/autograd/ops/reduce.js';
import { Tensor } from '../../src/autograd/tensor.js';
import { Rng } from '../../src/random.js';

export type OpFn = (...xs: Tensor[]) => Tensor;

export interface CheckOptions {
  /** |analytic − numeric| ≤ tol·(1 + |numeric|) (default 2e-3). */
  tol?: number;
  /** Coordinates probed per input (default all, up to 40). */
  probes?: number;
  seed?: number;
  /** Relative step (default 1e-2). */
  step?: number;
}

/** A leaf requiring grad over a copy of `data`. */
export function leaf(data: Float32Array | number[], shape: number[]): Tensor {
  return tensor(Float32Array.from(data), shape, { requiresGrad: true }) as Tensor;
}

function weights(y: Tensor, seed: number): Tensor {
  const w = new Rng(seed).uniform(y.size, -1, 1);
  return tensor(w, [...y.shape]) as Tensor;
}

function lossOf(f: OpFn, xs: Tensor[], w: Tensor): number {
  return noGrad(() => {
    const y = f(...xs);
    let s = 0;
    const d = y.data;
    const wd = w.data;
    for (let i = 0; i < d.length; i++) s += wd[i] * d[i];
    return s;
  });
}

/** Central difference of `g()` in coordinate i of `arr`, Richardson-extrapolated. */
function numeric(arr: Float32Array, i: number, g: () => number, rel: number): number {
  const v = arr[i];
  const h = rel * (1 + Math.abs(v));
  const at = (k: number) => {
    arr[i] = Math.fround(v + k * h);
    const dx = arr[i] - v;
    const r = g();
    arr[i] = v;
    return [r, dx] as const;
  };
  const [p1, a1] = at(1);
  const [m1, b1] = at(-1);
  const [p2, a2] = at(2);
  const [m2, b2] = at(-2);
  const d1 = (p1 - m1) / (a1 - b1);
  const d2 = (p2 - m2) / (a2 - b2);
  return (4 * d1 - d2) / 3;
}

function probesOf(n: number, count: number, rng: Rng): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const u = rng.uniform(count, 0, n);
  return Array.from(u, (v) => Math.min(n - 1, Math.floor(v)));
}

/** First-order check of f at xs (leaves requiring grad). */
export function gradcheck(f: OpFn, xs: Tensor[], o: CheckOptions = {}): void {
  const tol = o.tol ?? 2e-3;
  const seed = o.seed ?? 7;
  const y = f(...xs);
  const w = weights(y, seed);
  const L = sum(mul(y, w));
  const g = gradients(L, xs, { allowUnused: true });
  const rng = new Rng(seed + 1);
  xs.forEach((x, xi) => {
    const arr = x.data;
    const ga = g[xi].data;
    for (const i of probesOf(arr.length, o.probes ?? 40, rng)) {
      const num = numeric(arr, i, () => lossOf(f, xs, w), o.step ?? 1e-2);
      const err = Math.abs(ga[i] - num);
      if (!(err <= tol * (1 + Math.abs(num))))
        expect.fail(
          `input ${xi}[${i}]: analytic ${ga[i]}, numeric ${num} (|Δ| ${err.toExponential(2)})`,
        );
    }
  });
}

/**
 * Second-order check: d/dx ⟨v, ∇ₓL⟩ (createGraph) against finite differences of ⟨v, ∇ₓL⟩,
 * with v random.
 */
export function gradgradcheck(f: OpFn, xs: Tensor[], o: CheckOptions = {}): void {
  const tol = o.tol ?? 5e-3;
  const seed = o.seed ?? 11;
  const y0 = noGrad(() => f(...xs));
  const w = weights(y0, seed);
  const vs = xs.map((x, i) => weights(x, seed + 10 + i));
  const inner = (): Tensor => {
    const L = sum(mul(f(...xs), w));
    const g = gradients(L, xs, { createGraph: true, allowUnused: true });
    return g.reduce((acc: Tensor | null, gi, i) => {
      const t = sum(mul(gi, vs[i]));
      return acc ? acc.add(t) : t;
    }, null) as Tensor;
  };
  // The recorded first-order gradient must equal the fast (fused-kernel) one.
  const fast = gradients(sum(mul(f(...xs), w)), xs, { allowUnused: true });
  const slow = gradients(sum(mul(f(...xs), w)), xs, { createGraph: true, allowUnused: true });
  fast.forEach((g, i) => {
    const a = g.data;
    const b = slow[i].data;
    for (let j = 0; j < a.length; j++)
      if (!(Math.abs(a[j] - b[j]) <= 1e-5 * (1 + Math.abs(a[j]))))
        expect.fail(`createGraph gradient of input ${i}[${j}]: ${b[j]}, fast path ${a[j]}`);
  });
  const s = inner();
  const hv = gradients(s, xs, { allowUnused: true });
  const innerValue = () => {
    const L = sum(mul(f(...xs), w));
    const g = gradients(L, xs, { allowUnused: true });
    let acc = 0;
    g.forEach((gi, i) => {
      const a = gi.data;
      const b = vs[i].data;
      for (let j = 0; j < a.length; j++) acc += a[j] * b[j];
    });
    return acc;
  };
  const rng = new Rng(seed + 1);
  xs.forEach((x, xi) => {
    const arr = x.data;
    const ha = hv[xi].data;
    for (const i of probesOf(arr.length, o.probes ?? 20, rng)) {
      const num = numeric(arr, i, innerValue, o.step ?? 1e-2);
      const err = Math.abs(ha[i] - num);
      if (!(err <= tol * (1 + Math.abs(num))))
        expect.fail(
          `second order, input ${xi}[${i}]: analytic ${ha[i]}, numeric ${num} (|Δ| ${err.toExponential(2)})`,
        );
    }
  });
}

export { Tensor };
