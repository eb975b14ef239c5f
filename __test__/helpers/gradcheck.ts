/**
 * Finite-difference gradient checks for layers, in float64: the layer's analytic backward
 * (computed in float32 by the backend) against central differences of the loss
 * L = Σ w ⊙ forward(x) with a fixed random w, the differences taken by perturbing the
 * float32 inputs/parameters and evaluating forward in float32 but summing in f64.
 * The step is h = 1e-2·(1 + |v|) with Richardson extrapolation (O(h⁴)).
 */
import { expect } from 'vitest';
import type { Layer } from '../../src/nn/layer.js';
import { Model } from '../../src/nn/model.js';
import type { Tensor } from '../../src/nn/tensor.js';
import { Rng } from '../../src/random.js';

export interface GradcheckOptions {
  /** Tolerance: |analytic − numeric| ≤ tol·(1 + |numeric|) (default 2e-3). */
  tol?: number;
  /** Forward in training mode (default true). */
  training?: boolean;
  /** How many input/parameter coordinates to probe (default all up to 60). */
  probes?: number;
  seed?: number;
  /** Input values (default uniform [−1, 1]). */
  input?: Float32Array;
}

export function gradcheck(
  layer: Layer,
  inputShape: number[],
  batch: number,
  o: GradcheckOptions = {},
): void {
  const tol = o.tol ?? 2e-3;
  const training = o.training ?? true;
  const model = new Model(layer, inputShape, { seed: o.seed ?? 1 });
  const rng = new Rng((o.seed ?? 1) + 100);
  const n = batch * inputShape.reduce((a, d) => a * d, 1);
  const x: Tensor = { data: o.input ?? rng.uniform(n, -1, 1), shape: [batch, ...inputShape] };
  const outN = batch * model.outputShape.reduce((a, d) => a * d, 1);
  const w = rng.uniform(outN, -1, 1);
  const loss = (): number => {
    const y = model.forward(x, { training });
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += w[i] * y.data[i];
    return s;
  };
  // Analytic gradients.
  model.zeroGrad();
  const y = model.forward(x, { training });
  const dy: Tensor = { data: Float32Array.from(w), shape: y.shape };
  const dxA = Float32Array.from(model.backward(dy).data);
  const gradA = Float32Array.from(model.grads);
  const probe = (arr: Float32Array, i: number): number => {
    const v = arr[i];
    const h = 1e-2 * (1 + Math.abs(v));
    const at = (k: number) => {
      arr[i] = Math.fround(v + k * h);
      const actual = arr[i] - v;
      return [loss(), actual] as const;
    };
    const [p1, h1] = at(1);
    const [m1, hm1] = at(-1);
    const [p2, h2] = at(2);
    const [m2, hm2] = at(-2);
    arr[i] = v;
    const d1 = (p1 - m1) / (h1 - hm1);
    const d2 = (p2 - m2) / (h2 - hm2);
    return (4 * d1 - d2) / 3;
  };
  const pick = (len: number) => {
    const count = Math.min(len, o.probes ?? 60);
    return Array.from({ length: count }, (_, j) => Math.floor((j * len) / count));
  };
  for (const i of pick(x.data.length)) {
    const num = probe(x.data, i);
    expect(
      Math.abs(dxA[i] - num),
      `${layer.constructor.name} dx[${i}]: analytic ${dxA[i]}, numeric ${num}`,
    ).toBeLessThanOrEqual(tol * (1 + Math.abs(num)));
  }
  for (const p of model.parameters()) {
    const base = p.data.byteOffset / 4 - model.params.byteOffset / 4;
    for (const i of pick(p.data.length)) {
      const num = probe(p.data, i);
      const a = gradA[base + i];
      expect(
        Math.abs(a - num),
        `${layer.constructor.name} ${p.name}[${i}]: analytic ${a}, numeric ${num}`,
      ).toBeLessThanOrEqual(tol * (1 + Math.abs(num)));
    }
  }
}
