/**
 * Convolution and pooling as tape operations, on both backends: forward, first and second
 * order against PyTorch (float64 references from scripts/fixtures/gen_conv_pool.py), finite
 * differences of every op and of its createGraph backward (gradcheck / gradgradcheck, which
 * also holds the recorded first-order gradient to the fused one), im2col/col2im adjointness,
 * the accumulating gradient paths, an empty batch, and bad input.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { gradients } from '../src/autograd/functional.js';
import { col2im, conv2d, im2col } from '../src/autograd/ops/conv.js';
import { add, mul } from '../src/autograd/ops/elementwise.js';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../src/autograd/ops/pool.js';
import { sum } from '../src/autograd/ops/reduce.js';
import { tanh } from '../src/autograd/ops/unary.js';
import { convGeometry } from '../src/autograd/ops/window.js';
import type { Tensor } from '../src/autograd/tensor.js';
import type { Window2d } from '../src/backend/kernels.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';

interface Case {
  op: 'conv2d' | 'maxPool2d' | 'avgPool2d' | 'globalAvgPool2d';
  options: Record<string, unknown>;
  shapes: number[][];
  inputs: number[][];
  w: number[];
  v: number[][];
  yShape: number[];
  y: number[];
  grads: number[][];
  hvp: number[][];
}

const FIXTURE = JSON.parse(
  readFileSync(new URL('./fixtures/conv-pool.json', import.meta.url), 'utf8'),
) as { torch: string; cases: Case[] };

// biome-ignore lint/suspicious/noExplicitAny: the fixture's options are the op's, by name
type AnyOpts = any;

/** The op a fixture case names, as a function of its input tensors. */
function opOf(c: Case): (...xs: Tensor[]) => Tensor {
  const o = c.options as AnyOpts;
  switch (c.op) {
    case 'conv2d':
      return (x, w, b) => conv2d(x, w, b ?? null, o);
    case 'maxPool2d': {
      const { kernelSize, ...rest } = o;
      return (x) => maxPool2d(x, kernelSize, rest);
    }
    case 'avgPool2d': {
      const { kernelSize, ...rest } = o;
      return (x) => avgPool2d(x, kernelSize, rest);
    }
    case 'globalAvgPool2d':
      return (x) => globalAvgPool2d(x);
  }
}

/** |got − want| ≤ tol·(1 + |want|) elementwise. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  expect(worst, `${what}[${at}]: got ${got[at]}, want ${want[at]}`).toBeLessThanOrEqual(tol);
}

const uniform = (shape: number[], seed: number) =>
  leaf(
    new Rng(seed).uniform(
      shape.reduce((a, d) => a * d, 1),
      -1,
      1,
    ),
    shape,
  );

/** Per plane, distinct values 0.1 apart (finite differences never move an argmax). */
function separated(shape: number[], seed: number): Tensor {
  const plane = shape[2] * shape[3];
  const planes = shape[0] * shape[1];
  const r = new Rng(seed).uniform(planes * plane, 0, 1);
  const out = new Float32Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    const order = Array.from({ length: plane }, (_, i) => i).sort(
      (a, b) => r[p * plane + a] - r[p * plane + b],
    );
    order.forEach((src, rank) => {
      out[p * plane + src] = Math.fround((rank - (plane - 1) / 2) * 0.1);
    });
  }
  return leaf(out, shape);
}

/** Σ ⟨a, b⟩ in f64. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const initial = getBackend().name;
let prevMin = 0;
beforeAll(() => {
  prevMin = setMinNativeLength(0); // tiny shapes still run the native kernels
});
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`conv and pooling ops (${be})`, () => {
    beforeAll(() => {
      setBackend(be);
    });

    it(`forward, gradients and second-order gradients match torch ${FIXTURE.torch} (float64 references)`, () => {
      for (const c of FIXTURE.cases) {
        const what = `${c.op} ${JSON.stringify(c.options)} ${JSON.stringify(c.shapes)}`;
        const f = opOf(c);
        const xs = c.inputs.map((d, i) => leaf(d, c.shapes[i]));
        const y = f(...xs);
        expect(y.shape, what).toEqual(c.yShape);
        expectClose(y.data, c.y, 1e-5, `${what} y`);
        const w = tensor(Float32Array.from(c.w), c.yShape) as Tensor;
        const g = gradients(sum(mul(y, w)), xs);
        g.forEach((gi, i) => expectClose(gi.data, c.grads[i], 1e-5, `${what} grad ${i}`));
        // Second order: d/dxs Σ ⟨vᵢ, ∂/∂xᵢ Σ w·tanh(f)⟩ through f's recorded backward.
        const g1 = gradients(sum(mul(tanh(f(...xs)), w)), xs, { createGraph: true });
        const inner = g1
          .map((gi, i) => sum(mul(gi, tensor(Float32Array.from(c.v[i]), c.shapes[i]) as Tensor)))
          .reduce((a, b) => add(a, b));
        const hv = gradients(inner, xs, { allowUnused: true });
        hv.forEach((h, i) => expectClose(h.data, c.hvp[i], 1e-5, `${what} second order ${i}`));
      }
    });

    it('conv2d passes gradcheck and gradgradcheck (stride, padding, dilation, same, 1×1, no bias)', () => {
      const cases: Array<[number[], number[], boolean, object]> = [
        [[2, 2, 7, 6], [3, 2, 3, 3], true, { stride: 2, padding: 1 }],
        [[2, 2, 6, 7], [2, 2, 3, 3], true, { dilation: 2, padding: 2 }],
        [[1, 3, 5, 6], [2, 3, 2, 4], true, { padding: 'same' }],
        [[2, 2, 6, 4], [3, 2, 3, 1], false, { padding: 'same', dilation: [2, 1] }],
        [[2, 2, 5, 8], [2, 2, 1, 3], true, { stride: [2, 3], padding: [1, 0] }],
        [[2, 3, 3, 4], [4, 3, 1, 1], false, {}],
        [[2, 1, 4, 3], [2, 1, 4, 3], true, { padding: 'valid' }],
      ];
      cases.forEach(([xs, ws, bias, o], t) => {
        const ins = [uniform(xs, 10 + t), uniform(ws, 20 + t)];
        if (bias) ins.push(uniform([ws[0]], 30 + t));
        const f = (x: Tensor, w: Tensor, b?: Tensor) => conv2d(x, w, b ?? null, o);
        gradcheck(f, ins);
        gradgradcheck(f, ins); // bilinear: the x–W cross terms
        gradgradcheck((x, w, b) => tanh(f(x, w, b)), ins, { probes: 12 });
      });
    });

    it('im2col and col2im are adjoint, and pass gradcheck and gradgradcheck', () => {
      const g = convGeometry('t', [2, 3, 7, 6], [3, 2], [2, 1], [1, 0], [1, 2]).g;
      const gb: Window2d = { ...g, n: 2 };
      const x = uniform([2, 3, 7, 6], 1);
      const cols = im2col(x, gb);
      expect(cols.shape).toEqual([3 * 3 * 2, 2 * g.outH * g.outW]);
      const c = uniform(cols.shape as number[], 2);
      const back = col2im(c, gb);
      expect(back.shape).toEqual([2, 3, 7, 6]);
      // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩
      const lhs = dot(cols.data, c.data);
      expect(Math.abs(lhs - dot(x.data, back.data))).toBeLessThanOrEqual(
        1e-5 * (1 + Math.abs(lhs)),
      );
      gradcheck((t) => im2col(t, gb), [x]);
      gradcheck((t) => col2im(t, gb), [c]);
      gradgradcheck((t) => tanh(im2col(t, gb)), [x]);
      gradgradcheck((t) => tanh(col2im(t, gb)), [c]);
    });

    it('maxPool2d passes gradcheck and gradgradcheck (padding, ceil mode, dilation)', () => {
      const cases: Array<[number[], number | [number, number], object]> = [
        [[2, 2, 6, 6], 2, {}],
        [[2, 2, 5, 6], 3, { stride: 2, padding: 1, ceilMode: true }],
        [[1, 2, 6, 7], [2, 3], { stride: [1, 2], padding: [1, 1], dilation: [2, 1] }],
      ];
      cases.forEach(([shape, k, o], t) => {
        const x = separated(shape, 40 + t);
        const f = (a: Tensor) => maxPool2d(a, k, o);
        gradcheck(f, [x], { probes: 80 });
        gradgradcheck((a) => tanh(f(a)), [x], { probes: 30 });
        // Squares of positive values keep each window's order (and its argmax).
        gradgradcheck((a) => f(a.add(3).mul(a.add(3))), [x], { probes: 30 });
      });
    });

    it('avgPool2d and globalAvgPool2d pass gradcheck and gradgradcheck (countIncludePad both ways, ceil mode)', () => {
      for (const countIncludePad of [true, false]) {
        for (const [shape, k, o] of [
          [[2, 2, 5, 6], 3, { stride: 2, padding: 1, ceilMode: true }],
          [[2, 2, 4, 5], [2, 3], { stride: [2, 1], padding: [1, 1] }],
        ] as Array<[number[], number | [number, number], object]>) {
          const x = uniform(shape, 50);
          const f = (a: Tensor) => avgPool2d(a, k, { ...o, countIncludePad });
          gradcheck(f, [x]);
          gradgradcheck((a) => tanh(f(a)), [x]);
        }
      }
      const x = uniform([3, 2, 4, 4], 51);
      gradcheck((a) => avgPool2d(a, 2), [x]);
      const y = uniform([2, 3, 4, 5], 52);
      gradcheck(globalAvgPool2d, [y]);
      gradgradcheck((a) => tanh(globalAvgPool2d(a)), [y]);
    });

    it('a tensor feeding several convs or pools gets the sum of their gradients (accumulating paths)', () => {
      const x = uniform([2, 2, 5, 6], 60);
      const w1 = uniform([3, 2, 3, 3], 61);
      const w2 = uniform([3, 2, 3, 3], 62);
      const w3 = uniform([3, 2, 1, 1], 63);
      gradcheck(
        (a, p, q) => add(conv2d(a, p, null, { padding: 1 }), conv2d(a, q, null, { padding: 1 })),
        [x, w1, w2],
      );
      gradcheck((a, p, q) => add(conv2d(a, p, null, { padding: 1 }), conv2d(a, q)), [x, w1, w3]);
      const s = separated([2, 2, 6, 6], 64);
      gradcheck((a) => add(maxPool2d(a, 2), avgPool2d(a, 2)), [s], { probes: 80 });
      // A weight used twice in one graph: its gradient target is written, then added to.
      gradcheck(
        (a, p) =>
          add(conv2d(a, p, null, { padding: 1 }), conv2d(a.mul(2), p, null, { padding: 1 })),
        [x, w1],
      );
    });

    it('an empty batch gives an empty output and zero parameter gradients', () => {
      const x = leaf(new Float32Array(0), [0, 2, 5, 5]);
      const w = uniform([3, 2, 3, 3], 70);
      const b = uniform([3], 71);
      const y = conv2d(x, w, b, { padding: 1 });
      expect(y.shape).toEqual([0, 3, 5, 5]);
      const [gx, gw, gb] = gradients(sum(y), [x, w, b]);
      expect(gx.shape).toEqual([0, 2, 5, 5]);
      expect(Array.from(gw.data).every((v) => v === 0)).toBe(true);
      expect(Array.from(gb.data)).toEqual([0, 0, 0]);
      expect(maxPool2d(x, 2).shape).toEqual([0, 2, 2, 2]);
    });

    it('refuses bad input, naming the op, the argument and the shapes', () => {
      const x = uniform([2, 3, 5, 5], 80);
      const w = uniform([4, 3, 3, 3], 81);
      expect(() => conv2d(x, w, null, { strides: 2 } as object)).toThrow(
        /conv2d: unknown option "strides" \(did you mean "stride"\?\); valid: stride, padding, dilation, groups/,
      );
      expect(() => conv2d(x, uniform([4, 2, 3, 3], 82))).toThrow(
        /conv2d: x has 3 channels but weight \[4, 2, 3, 3\] with groups 1 expects 2 \(x \[2, 3, 5, 5\]\)/,
      );
      expect(() => conv2d(uniform([3, 5, 5], 83), w)).toThrow(
        /conv2d: x must be 4-D \[batch, channels, height, width\], got \[3, 5, 5\]/,
      );
      expect(() => conv2d(x, uniform([4, 3, 9], 84))).toThrow(
        /conv2d: weight must be 4-D \[out, in\/groups, kh, kw\], got \[4, 3, 9\]/,
      );
      expect(() => conv2d(x, w, uniform([3], 85))).toThrow(/conv2d: bias must be \[4\], got \[3\]/);
      expect(() => conv2d(x, w, null, { padding: 'same', stride: 2 })).toThrow(
        /conv2d: padding 'same' needs stride 1/,
      );
      expect(() => conv2d(x, w, null, { dilation: 3 })).toThrow(
        /conv2d: input \[2, 3, 5, 5\] is too small for the kernel: padded size 5×5 < kernel extent 7×7/,
      );
      expect(() => conv2d(tensor(new Int32Array(150), [2, 3, 5, 5]), w)).toThrow(
        /conv2d: x must be a float32 tensor, got int32 \[2, 3, 5, 5\]/,
      );
      expect(() => maxPool2d(x, 2, { ceil: true } as object)).toThrow(
        /maxPool2d: unknown option "ceil"; valid: stride, padding, dilation, ceilMode/,
      );
      expect(() => maxPool2d(x, 3, { padding: 2 })).toThrow(
        /maxPool2d: padding must be at most half the kernel size/,
      );
      expect(() => maxPool2d(x, 6)).toThrow(
        /maxPool2d: input \[2, 3, 5, 5\] is too small: output would be 0×0/,
      );
      expect(() => avgPool2d(x, 2, { dilation: 2 } as object)).toThrow(
        /avgPool2d: unknown option "dilation"; valid: stride, padding, ceilMode, countIncludePad/,
      );
      expect(() => avgPool2d(x, 2, { countIncludePad: 1 } as object)).toThrow(
        /avgPool2d: countIncludePad must be a boolean, got number 1/,
      );
      expect(() => globalAvgPool2d(uniform([2, 3], 86))).toThrow(/globalAvgPool2d: x must be 4-D/);
      expect(() => globalAvgPool2d(tensor(new Float32Array(0), [2, 3, 0, 4]))).toThrow(
        /globalAvgPool2d: input \[2, 3, 0, 4\] has an empty plane/,
      );
      // Nothing was recorded or written by the refused calls: x has no gradient yet.
      expect(x.grad).toBe(null);
    });
  });
}

describe('conv and pooling ops across backends', () => {
  it('js and native agree on a conv–pool chain, forward and gradients', () => {
    const run = (be: BackendName) => {
      setBackend(be);
      const x = uniform([3, 4, 13, 11], 90);
      const w = uniform([5, 4, 3, 3], 91);
      const b = uniform([5], 92);
      const y = globalAvgPool2d(
        avgPool2d(maxPool2d(tanh(conv2d(x, w, b, { padding: 1 })), 2, { ceilMode: true }), 2, {
          padding: 1,
        }),
      );
      const gs = gradients(sum(mul(y, y)), [x, w, b]);
      return [y, ...gs].map((t) => Float32Array.from(t.data));
    };
    const js = run('js');
    const nat = run('native');
    js.forEach((a, i) => expectClose(nat[i], a, 1e-5, `output ${i}`));
  });

  it('refuses tensors of two backends, naming both', () => {
    setBackend('js');
    const x = conv2d(uniform([1, 1, 3, 3], 93), uniform([1, 1, 1, 1], 94));
    setBackend('native');
    const w = conv2d(uniform([1, 1, 3, 3], 95), uniform([1, 1, 1, 1], 96)).reshape([1, 1, 3, 3]);
    expect(() => conv2d(x, w)).toThrow(/conv2d: .* on the js backend and .* on the native backend/);
  });
});
