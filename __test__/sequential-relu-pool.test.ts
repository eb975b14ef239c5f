/**
 * Sequential runs a ReLU followed by a max-pool as pool-then-ReLU (ReLU on a quarter of the
 * values): outputs, input gradients and parameter gradients must equal, bit for bit, those of
 * the layers applied one by one in the order written, including windows with no positive value,
 * ties, zeros, NaN, padding, ceil mode and overlapping windows, on every backend.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { mul } from '../src/autograd/ops/elementwise.js';
import { sum } from '../src/autograd/ops/reduce.js';
import type { Tensor } from '../src/autograd/tensor.js';
import { getBackend, setBackend } from '../src/backend/select.js';
import { ReLU } from '../src/nn/activation.js';
import { Conv2d } from '../src/nn/conv2d.js';
import type { Layer } from '../src/nn/layer.js';
import { MaxPool2d } from '../src/nn/maxpool2d.js';
import { Model } from '../src/nn/model.js';
import { Sequential } from '../src/nn/sequential.js';
import { Rng } from '../src/random.js';

const before = getBackend().name;
afterAll(() => {
  setBackend(before);
});

/** Input with negative windows, exact ties, zeros and (optionally) a NaN. */
function input(n: number, c: number, h: number, w: number, seed: number, nan: boolean) {
  const rng = new Rng(seed);
  const d = rng.uniform(n * c * h * w, -1, 1);
  for (let i = 0; i < d.length; i++) {
    const r = i % 11;
    if (r === 0) d[i] = 0;
    else if (r === 3)
      d[i] = 0.5; // ties among positives
    else if (r === 7) d[i] = -0.25; // ties among negatives
  }
  for (let i = 0; i < Math.min(16, d.length); i++) d[i] = -Math.abs(d[i]) - 0.1; // an all-negative corner
  if (nan) d[d.length >> 1] = Number.NaN;
  return tensor(d, [n, c, h, w], { requiresGrad: true }) as Tensor;
}

function run(layers: Layer[], x: Tensor, swapped: boolean, seed: number) {
  const model = new Model(new Sequential(layers), x.shape.slice(1), { seed });
  let y: Tensor;
  let reluInputs: number[][] = [];
  if (swapped) {
    // The ReLU must see the pooled values (or not run at all: fused into the convolution).
    const spy = vi.spyOn(ReLU.prototype, 'forward');
    y = model.forward(x);
    reluInputs = spy.mock.calls.map((c) => [...(c[0] as Tensor).shape]);
    spy.mockRestore();
  } else {
    y = x;
    for (const l of layers) y = l.forward(y) as Tensor;
  }
  const rng = new Rng(seed + 1);
  const w = tensor(rng.uniform(y.data.length, -1, 1), y.shape);
  model.zeroGrad();
  x.grad = null;
  sum(mul(y, w)).backward();
  return {
    reluInputs,
    shape: [...y.shape],
    y: Float32Array.from(y.data),
    dx: Float32Array.from((x.grad as Tensor | null)?.data ?? []),
    g: Float32Array.from(model.grads),
  };
}

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('Sequential: ReLU then max-pool runs pooled first, exactly', () => {
  const cases: Array<[string, () => Layer[], number[], boolean]> = [
    [
      'conv, relu, 2x2 pool',
      () => [new Conv2d(2, 3, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2)],
      [2, 2, 8, 6],
      false,
    ],
    [
      'relu, 3x3 stride 2 pool with padding and ceil mode',
      () => [new ReLU(), new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })],
      [2, 3, 7, 9],
      false,
    ],
    [
      'relu, overlapping dilated pool',
      () => [new ReLU(), new MaxPool2d(2, { stride: 1, dilation: 2 })],
      [1, 2, 6, 7],
      false,
    ],
    [
      'conv, relu, pool with a NaN',
      () => [new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2)],
      [2, 1, 9, 9],
      true,
    ],
  ];
  for (const backend of ['js', 'native', 'wasm'] as const) {
    for (const [name, make, shape, nan] of cases) {
      it(`${name} (${backend})`, () => {
        setBackend(backend);
        const [n, c, h, w] = shape;
        const a = run(make(), input(n, c, h, w, 5, nan), true, 9);
        const b = run(make(), input(n, c, h, w, 5, nan), false, 9);
        expect(a.y.length).toBeGreaterThan(0);
        expect(a.dx.length).toBe(n * c * h * w);
        // On js every case runs its ReLU (no fused kernel), after the pool.
        if (backend === 'js') expect(a.reluInputs.length).toBe(1);
        for (const s of a.reluInputs) expect(s).toEqual(a.shape);
        expect(same(a.y, b.y)).toBe(true);
        expect(same(a.dx, b.dx)).toBe(true);
        expect(same(a.g, b.g)).toBe(true);
        if (!nan) expect(a.y.some((v) => v === 0) && a.y.some((v) => v > 0)).toBe(true);
      });
    }
  }
});
