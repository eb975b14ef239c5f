/** The nn core: model arenas, initialisers, Linear and activation layers (gradient checks). */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { optim } from '../src/index.js';
import { Conv2d, Flatten, GELU, Linear, Model, ReLU, Sequential, Tanh } from '../src/nn/index.js';
import { fans, gain, initialize } from '../src/nn/init.js';
import { Rng } from '../src/random.js';
import { gradcheck } from './helpers/gradcheck.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  it('Linear backward matches finite differences (with and without bias)', () => {
    setBackend(name);
    gradcheck(new Linear(5, 3), [5], 4);
    gradcheck(new Linear(7, 2, { bias: false }), [7], 3);
  });

  it('an MLP backward matches finite differences', () => {
    setBackend(name);
    gradcheck(
      new Sequential([
        new Linear(6, 8),
        new Tanh(),
        new Linear(8, 4),
        new GELU(),
        new Linear(4, 2),
      ]),
      [6],
      5,
    );
  });

  it('a model keeps all parameters in one arena and one optimizer call trains it', () => {
    setBackend(name);
    const net = new Sequential([new Linear(2, 16), new ReLU(), new Linear(16, 1)]);
    const model = new Model(net, [2], { seed: 3 });
    const ps = model.parameters();
    expect(ps.map((p) => p.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(ps.every((p) => p.data.buffer === model.params.buffer)).toBe(true);
    expect(model.paramCount).toBe(2 * 16 + 16 + 16 + 1);
    // Fit y = x0 − 2·x1 on a fixed batch.
    const rng = new Rng(9);
    const x = rng.uniform(64 * 2, -1, 1);
    const target = new Float32Array(64).map((_, i) => x[2 * i] - 2 * x[2 * i + 1]);
    const opt = new optim.Adam(ps, { lr: 0.02 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 300; step++) {
      model.zeroGrad();
      const y = model.forward({ data: x, shape: [64, 2] }, { training: true });
      const dy = new Float32Array(64);
      let loss = 0;
      for (let i = 0; i < 64; i++) {
        const e = y.data[i] - target[i];
        loss += (e * e) / 64;
        dy[i] = (2 * e) / 64;
      }
      model.backward({ data: dy, shape: [64, 1] });
      opt.step();
      if (step === 0) first = loss;
      last = loss;
    }
    expect(last).toBeLessThan(first / 100);
  });

  it('backward with inputGrad: false gives the same parameter gradients and a zero input gradient', () => {
    setBackend(name);
    for (const [net, shape] of [
      [new Sequential([new Linear(6, 5), new Tanh(), new Linear(5, 3)]), [6]],
      [new Sequential([new Conv2d(2, 3, 3, { padding: 1 }), new ReLU(), new Flatten()]), [2, 5, 5]],
    ] as const) {
      const model = new Model(net, [...shape], { seed: 4 });
      const n = 3 * shape.reduce((a: number, d: number) => a * d, 1);
      const x = { data: new Rng(2).uniform(n, -1, 1), shape: [3, ...shape] };
      const y = model.forward(x, { training: true });
      const dy = { data: new Rng(3).uniform(y.data.length, -1, 1), shape: y.shape };
      model.zeroGrad();
      const full = Float32Array.from(model.backward(dy).data);
      expect(full.some((v) => v !== 0)).toBe(true);
      const grads = Float32Array.from(model.grads);
      model.zeroGrad();
      model.forward(x, { training: true });
      const none = model.backward(dy, { inputGrad: false });
      expect(Array.from(model.grads)).toEqual(Array.from(grads));
      expect(none.shape).toEqual(x.shape);
      expect(none.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('refuses an input of the wrong shape, naming the layer and both shapes', () => {
    setBackend(name);
    const model = new Model(new Sequential([new Linear(4, 2)]), [4]);
    expect(() => model.forward({ data: new Float32Array(6), shape: [2, 3] })).toThrow(
      /0:Linear\.forward: expected input of shape \[batch, 4\], got \[2, 3\]/,
    );
    expect(() => new Model(new Linear(4, 2), [5])).toThrow(
      /expected input features \[..., 4\] on the last axis, got \[5\]/,
    );
  });
});

describe('initialisers (torch.nn.init semantics)', () => {
  it('fans, gains and the distribution bounds/variances', () => {
    expect(fans([8, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 200 });
    expect(gain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(gain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    const rng = new Rng(5);
    const n = 200 * 300;
    const w = new Float32Array(n);
    initialize(w, [200, 300], { kind: 'kaimingNormal', nonlinearity: 'relu' }, rng);
    let v = 0;
    for (const x of w) v += x * x;
    // Sample variance of n normals: relative standard error √(2/n); allow 4 of them.
    expect(Math.abs(v / n / (2 / 300) - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    initialize(w, [200, 300], { kind: 'xavierUniform' }, rng);
    const bound = Math.sqrt(6 / 500);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    const q = new Float32Array(6 * 4);
    initialize(q, [6, 4], { kind: 'orthogonal' }, rng);
    // Columns orthonormal (tall): QᵀQ = I.
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let d = 0;
        for (let r = 0; r < 6; r++) d += q[r * 4 + a] * q[r * 4 + b];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it('the same seed gives the same model', () => {
    const mk = () =>
      new Model(new Sequential([new Linear(3, 4), new Linear(4, 2)]), [3], { seed: 11 });
    expect(Array.from(mk().params)).toEqual(Array.from(mk().params));
  });
});
