/**
 * Sequential runs Conv2d → MaxPool2d (→ ReLU, in either order) as one fused op on the native
 * backend (the conv2dPoolImages kernel). Outputs, input gradients (written and accumulated),
 * parameter gradients and second-order gradients must equal, bit for bit, those of the same
 * layers run one by one; and the fused kernel must actually be the one that ran.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { gradients } from '../src/autograd/functional.js';
import { mul } from '../src/autograd/ops/elementwise.js';
import { sum } from '../src/autograd/ops/reduce.js';
import { tanh } from '../src/autograd/ops/unary.js';
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

function input(shape: number[], seed: number, nan: boolean) {
  const d = new Rng(seed).uniform(
    shape.reduce((a, b) => a * b, 1),
    -1,
    1,
  );
  for (let i = 0; i < d.length; i += 13) d[i] = 0;
  if (nan) d[d.length >> 1] = Number.NaN;
  return tensor(d, shape, { requiresGrad: true }) as Tensor;
}

/** Runs the layers fused (as Sequential) or one at a time (each in its own Sequential). */
function run(make: () => Layer[], shape: number[], fused: boolean, nan: boolean) {
  const layers = make();
  const net = new Sequential(fused ? layers : layers.map((l) => new Sequential([l])));
  const model = new Model(net, shape.slice(1), { seed: 3 });
  const x = input(shape, 5, nan);
  const y = model.forward(x);
  const w = tensor(new Rng(7).uniform(y.data.length, -1, 1), y.shape);
  model.zeroGrad();
  sum(mul(y, w)).backward();
  // Twice more into the same gradients: dx and the parameters' gradients accumulate.
  const first = Float32Array.from((x.grad as Tensor).data);
  sum(mul(model.forward(x), w)).backward();
  // Second order through the op: d/dθ Σ tanh(∂L/∂x).
  const [gx] = gradients(sum(mul(model.forward(x), w)), [x], { createGraph: true }) as Tensor[];
  model.zeroGrad();
  sum(tanh(gx)).backward();
  return {
    y: Float32Array.from(y.data),
    dx: first,
    dxAcc: Float32Array.from((x.grad as Tensor).data),
    gg: Float32Array.from(model.grads),
  };
}

const same = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('Sequential: Conv2d → MaxPool2d (→ ReLU) fused, exactly', () => {
  const cases: Array<[string, () => Layer[], number[], boolean]> = [
    [
      'conv, relu, 2x2 pool (the CNN benchmark block)',
      () => [new Conv2d(3, 8, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2)],
      [4, 3, 10, 12],
      false,
    ],
    [
      'conv, 2x2 pool, relu, with a NaN',
      () => [new Conv2d(2, 4, 3), new MaxPool2d(2), new ReLU()],
      [3, 2, 9, 9],
      true,
    ],
    [
      'conv without bias, 3x3 stride 2 pool with padding and ceil mode',
      () => [
        new Conv2d(2, 5, 3, { padding: 1, bias: false }),
        new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
      ],
      [2, 2, 11, 9],
      false,
    ],
  ];
  for (const [name, make, shape, nan] of cases) {
    it(`${name} (native)`, () => {
      const be = setBackend('native');
      const spy = vi.spyOn(be.kernels, 'conv2dPoolImages');
      const a = run(make, shape, true, nan);
      expect(spy).toHaveBeenCalled();
      spy.mockClear();
      const b = run(make, shape, false, nan);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      expect(a.y.length).toBeGreaterThan(0);
      expect(a.y.some((v) => v !== 0)).toBe(true);
      expect(a.dx.some((v) => v !== 0)).toBe(true);
      expect(same(a.y, b.y)).toBe(true);
      expect(same(a.dx, b.dx)).toBe(true);
      expect(same(a.dxAcc, b.dxAcc)).toBe(true);
      expect(same(a.gg, b.gg)).toBe(true);
      expect(a.gg.some((v) => v !== 0)).toBe(true);
    });
  }

  it('a 1x1 convolution and an empty batch run the layers one by one', () => {
    setBackend('native');
    const one = new Model(new Sequential([new Conv2d(4, 4, 1), new MaxPool2d(2)]), [4, 6, 6]);
    const spy = vi.spyOn(getBackend().kernels, 'conv2dPoolImages');
    expect(one.forward(input([2, 4, 6, 6], 1, false)).shape).toEqual([2, 4, 3, 3]);
    const conv = new Model(new Sequential([new Conv2d(1, 2, 3), new MaxPool2d(2)]), [1, 6, 6]);
    expect(conv.forward(input([0, 1, 6, 6], 1, false)).shape).toEqual([0, 2, 2, 2]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
