/**
 * The convolution family as tape operations, on both backends (native with every kernel call
 * routed to the addon): convTranspose2d, grouped and depthwise conv2d, conv1d,
 * adaptiveAvgPool2d and interpolate against PyTorch (fixtures/conv-family.json's `ops`, from
 * scripts/fixtures/gen_conv_family.py: float64 references on float32 inputs) — forward, the
 * gradients of Σ w·y and the second-order products through each op's createGraph backward;
 * then finite differences of every op and of its createGraph backward (gradcheck /
 * gradgradcheck, which also hold the recorded first-order gradient to the fused one), the
 * accumulating gradient paths, an empty batch, and bad input.
 *
 * Tolerance against the references, per element i of a tensor ref (ours float32):
 *
 *     |ours_i − ref_i| ≤ 1e-5 · max(|ref_i|, max_j |ref_j|)
 *
 * (1e-5 relative to the element, or to the tensor's largest element where the element is
 * smaller: an entry that is a sum with cancellation carries the float32 rounding of its
 * terms, which are on the tensor's scale; the rule of autograd-ops-torch.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { gradients } from '../src/autograd/functional.js';
import { conv2d } from '../src/autograd/ops/conv.js';
import { convTranspose2d } from '../src/autograd/ops/conv-transpose.js';
import { conv1d } from '../src/autograd/ops/conv1d.js';
import { add, mul } from '../src/autograd/ops/elementwise.js';
import { adaptiveAvgPool2d } from '../src/autograd/ops/pool-adaptive.js';
import { sum } from '../src/autograd/ops/reduce.js';
import { tanh } from '../src/autograd/ops/unary.js';
import { interpolate } from '../src/autograd/ops/upsample.js';
import type { Tensor } from '../src/autograd/tensor.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';

interface OpCase {
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: the fixture's options are the op's, by name
  options: any;
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
  readFileSync(new URL('./fixtures/conv-family.json', import.meta.url), 'utf8'),
) as { torch: string; ops: OpCase[] };

const REL = 1e-5;

/** The op a fixture case names, as a function of its input tensors. */
function opOf(c: OpCase): (...xs: Tensor[]) => Tensor {
  const o = c.options;
  switch (c.op) {
    case 'convTranspose2d':
      return (x, w, b) => convTranspose2d(x, w, b ?? null, o);
    case 'conv2d':
      return (x, w, b) => conv2d(x, w, b ?? null, o);
    case 'conv1d':
      return (x, w, b) => conv1d(x, w, b ?? null, o);
    case 'adaptiveAvgPool2d':
      return (x) => adaptiveAvgPool2d(x, o.outputSize);
    case 'interpolate':
      return (x) => interpolate(x, o);
    default:
      throw new Error(`no op ${c.op}`);
  }
}

/** The worst |got − want| / (REL·max(|want_i|, max |want|)) over a tensor: ≤ 1 passes. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let big = 0;
  for (let i = 0; i < want.length; i++) big = Math.max(big, Math.abs(want[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const bound = REL * Math.max(Math.abs(want[i]), big);
    const r = bound === 0 ? (got[i] === 0 ? 0 : Infinity) : Math.abs(got[i] - want[i]) / bound;
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
  }
  expect(worst, `${what}[${at}]: got ${got[at]}, want ${want[at]}`).toBeLessThanOrEqual(1);
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
  describe(`convolution-family ops (${be})`, () => {
    beforeAll(() => {
      setBackend(be);
    });

    it(`forward, gradients and second-order products match torch ${FIXTURE.torch}`, () => {
      for (const c of FIXTURE.ops) {
        const what = `${c.op} ${JSON.stringify(c.options)} ${JSON.stringify(c.shapes)}`;
        const f = opOf(c);
        const xs = c.inputs.map((d, i) => leaf(d, c.shapes[i]));
        const y = f(...xs);
        expect(y.shape, what).toEqual(c.yShape);
        expectClose(y.data, c.y, `${what} y`);
        const w = tensor(Float32Array.from(c.w), c.yShape) as Tensor;
        const g = gradients(sum(mul(y, w)), xs);
        g.forEach((gi, i) => expectClose(gi.data, c.grads[i], `${what} grad ${i}`));
        // The recorded (createGraph) first-order gradient too.
        const gc = gradients(sum(mul(f(...xs), w)), xs, { createGraph: true });
        gc.forEach((gi, i) => expectClose(gi.data, c.grads[i], `${what} createGraph grad ${i}`));
        // Second order: d/dxs Σ ⟨vᵢ, ∂/∂xᵢ Σ w·tanh(f)⟩ through f's recorded backward.
        const g1 = gradients(sum(mul(tanh(f(...xs)), w)), xs, { createGraph: true });
        const inner = g1
          .map((gi, i) => sum(mul(gi, tensor(Float32Array.from(c.v[i]), c.shapes[i]) as Tensor)))
          .reduce((a, b) => add(a, b));
        const hv = gradients(inner, xs, { allowUnused: true });
        hv.forEach((h, i) => expectClose(h.data, c.hvp[i], `${what} second order ${i}`));
      }
    });

    it('convTranspose2d passes gradcheck and gradgradcheck (stride, padding, outputPadding, dilation, groups, 1×1)', () => {
      const cases: Array<[number[], number[], boolean, object]> = [
        [[2, 3, 3, 3], [3, 2, 4, 4], true, { stride: 2, padding: 1 }],
        [
          [1, 2, 3, 4],
          [2, 3, 3, 2],
          true,
          { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] },
        ],
        [[2, 2, 3, 3], [2, 2, 3, 3], false, { dilation: 2, outputPadding: 1 }],
        [[2, 4, 3, 3], [4, 1, 3, 3], true, { groups: 2, stride: 2 }],
        [[2, 3, 3, 4], [3, 2, 1, 1], true, {}],
        [[2, 4, 2, 3], [4, 2, 1, 1], false, { groups: 2 }],
        // 200-pixel planes: 3 images per GEMM, so 4 images make a short last chunk
        [[4, 2, 10, 20], [2, 3, 3, 3], true, { padding: 1 }],
        [[5, 4, 8, 25], [4, 1, 2, 2], false, { groups: 2, stride: [1, 2], outputPadding: [0, 1] }],
      ];
      cases.forEach(([xs, ws, bias, o], t) => {
        const ins = [uniform(xs, 10 + t), uniform(ws, 20 + t)];
        if (bias) ins.push(uniform([ws[1] * ((o as { groups?: number }).groups ?? 1)], 30 + t));
        const f = (x: Tensor, w: Tensor, b?: Tensor) => convTranspose2d(x, w, b ?? null, o);
        gradcheck(f, ins);
        gradgradcheck(f, ins);
        gradgradcheck((x, w, b) => tanh(f(x, w, b)), ins, { probes: 12 });
      });
    });

    it('grouped and depthwise conv2d pass gradcheck and gradgradcheck', () => {
      const cases: Array<[number[], number[], boolean, object]> = [
        [[2, 4, 5, 6], [6, 2, 3, 3], true, { groups: 2, padding: 1, stride: 2 }],
        [[2, 3, 5, 5], [3, 1, 3, 3], true, { groups: 3, padding: 'same' }],
        [[1, 2, 5, 4], [4, 1, 2, 3], false, { groups: 2, dilation: [2, 1] }],
        [[2, 4, 3, 3], [2, 2, 1, 1], true, { groups: 2 }],
      ];
      cases.forEach(([xs, ws, bias, o], t) => {
        const ins = [uniform(xs, 40 + t), uniform(ws, 50 + t)];
        if (bias) ins.push(uniform([ws[0]], 60 + t));
        const f = (x: Tensor, w: Tensor, b?: Tensor) => conv2d(x, w, b ?? null, o);
        gradcheck(f, ins);
        gradgradcheck(f, ins);
        gradgradcheck((x, w, b) => tanh(f(x, w, b)), ins, { probes: 12 });
      });
    });

    it('conv1d passes gradcheck and gradgradcheck (stride, padding, same, dilation, groups)', () => {
      const cases: Array<[number[], number[], boolean, object]> = [
        [[2, 3, 9], [4, 3, 3], true, { stride: 2, padding: 1 }],
        [[2, 4, 7], [4, 2, 3], false, { padding: 'same', dilation: 2, groups: 2 }],
        [[1, 3, 5], [3, 1, 1], true, { groups: 3 }],
      ];
      cases.forEach(([xs, ws, bias, o], t) => {
        const ins = [uniform(xs, 70 + t), uniform(ws, 80 + t)];
        if (bias) ins.push(uniform([ws[0]], 90 + t));
        const f = (x: Tensor, w: Tensor, b?: Tensor) => conv1d(x, w, b ?? null, o);
        gradcheck(f, ins);
        gradgradcheck((x, w, b) => tanh(f(x, w, b)), ins, { probes: 12 });
      });
    });

    it('adaptiveAvgPool2d and interpolate pass gradcheck and gradgradcheck', () => {
      const x = uniform([2, 2, 7, 5], 100);
      const fs: Array<(a: Tensor) => Tensor> = [
        (a) => adaptiveAvgPool2d(a, [3, 2]), // unequal, overlapping windows
        (a) => adaptiveAvgPool2d(a, [9, null]), // more outputs than inputs
        (a) => adaptiveAvgPool2d(a, [7, 1]), // a regular grid: the avgPool2d kernels
        (a) => interpolate(a, { scaleFactor: 1.5 }),
        (a) => interpolate(a, { size: [4, 8], mode: 'bilinear' }),
        (a) => interpolate(a, { scaleFactor: [2, 0.7], mode: 'bilinear', alignCorners: true }),
      ];
      for (const f of fs) {
        gradcheck(f, [x]);
        gradgradcheck((a) => tanh(f(a)), [x], { probes: 12 });
      }
    });

    it('a tensor or weight used twice gets the sum of the gradients (accumulating paths)', () => {
      const x = uniform([2, 4, 3, 4], 110);
      const w1 = uniform([4, 3, 4, 4], 111);
      const w2 = uniform([4, 3, 4, 4], 112);
      const w3 = uniform([4, 3, 1, 1], 113);
      const o = { stride: 2, padding: 1 };
      const ct = (a: Tensor, w: Tensor, opts: object = o) => convTranspose2d(a, w, null, opts);
      gradcheck((a, p, q) => add(ct(a, p), ct(a, q)), [x, w1, w2]);
      gradcheck((a, p) => add(ct(a, p), ct(a.mul(2), p)), [x, w1]);
      gradcheck((a, r) => add(ct(a, r, {}), ct(a, r, {})), [x, w3]);
      const wg = uniform([6, 2, 3, 3], 114);
      gradcheck(
        (a, p) =>
          add(
            conv2d(a, p, null, { groups: 2, padding: 1 }),
            conv2d(a.mul(2), p, null, { groups: 2, padding: 1 }),
          ),
        [x, wg],
      );
      gradcheck(
        (a) =>
          add(adaptiveAvgPool2d(a, [2, 3]), interpolate(a, { size: [2, 3], mode: 'bilinear' })),
        [x],
      );
    });

    it('an empty batch gives empty outputs and zero parameter gradients', () => {
      const x = leaf(new Float32Array(0), [0, 2, 3, 3]);
      const w = uniform([2, 3, 4, 4], 120);
      const b = uniform([3], 121);
      const y = convTranspose2d(x, w, b, { stride: 2, padding: 1 });
      expect(y.shape).toEqual([0, 3, 6, 6]);
      const [gx, gw, gb] = gradients(sum(y), [x, w, b]);
      expect(gx.shape).toEqual([0, 2, 3, 3]);
      expect(Array.from(gw.data).every((v) => v === 0)).toBe(true);
      expect(Array.from(gb.data)).toEqual([0, 0, 0]);
      expect(
        conv1d(leaf(new Float32Array(0), [0, 2, 5]), uniform([4, 1, 3], 122), null, { groups: 2 })
          .shape,
      ).toEqual([0, 4, 3]);
      expect(adaptiveAvgPool2d(x, [2, 2]).shape).toEqual([0, 2, 2, 2]);
      expect(interpolate(x, { scaleFactor: 2, mode: 'bilinear' }).shape).toEqual([0, 2, 6, 6]);
    });

    it('refuses bad input, naming the op, the argument and the shapes', () => {
      const x = uniform([2, 4, 5, 5], 130);
      const w = uniform([4, 3, 3, 3], 131);
      // convTranspose2d
      expect(() => convTranspose2d(x, w, null, { outputPading: 1 } as object)).toThrow(
        /convTranspose2d: unknown option "outputPading" \(did you mean "outputPadding"\?\)/,
      );
      expect(() => convTranspose2d(x, w, null, { stride: 2, outputPadding: 2 })).toThrow(
        /convTranspose2d: outputPadding must be smaller than the stride or the dilation on each axis, got outputPadding 2×2 with stride 2×2 and dilation 1×1/,
      );
      expect(() => convTranspose2d(x, uniform([3, 3, 3, 3], 132))).toThrow(
        /convTranspose2d: x has 4 channels but weight \[3, 3, 3, 3\] expects 3 \(x \[2, 4, 5, 5\]\)/,
      );
      expect(() => convTranspose2d(x, w, null, { groups: 3 })).toThrow(
        /convTranspose2d: groups 3 must divide the input channels \(4\)/,
      );
      expect(() => convTranspose2d(x, w, null, { groups: 1.5 })).toThrow(
        /convTranspose2d: groups must be a positive integer, got 1.5/,
      );
      expect(() => convTranspose2d(x, w, uniform([4], 133))).toThrow(
        /convTranspose2d: bias must be \[3\], got \[4\]/,
      );
      expect(() => convTranspose2d(x, w, null, { padding: 4 })).toThrow(
        /convTranspose2d: input \[2, 4, 5, 5\] is too small: the output would be -1×-1/,
      );
      expect(() => convTranspose2d(uniform([4, 5, 5], 134), w)).toThrow(
        /convTranspose2d: x must be 4-D \[batch, channels, height, width\], got \[4, 5, 5\]/,
      );
      // grouped conv2d
      expect(() => conv2d(x, uniform([6, 2, 3, 3], 135), null, { groups: 4 })).toThrow(
        /conv2d: groups 4 must divide both the input channels \(4\) and the output channels \(6\)/,
      );
      expect(() => conv2d(x, uniform([6, 4, 3, 3], 136), null, { groups: 2 })).toThrow(
        /conv2d: x has 4 channels but weight \[6, 4, 3, 3\] with groups 2 expects 8/,
      );
      expect(() => conv2d(x, w, null, { groups: '2' } as object)).toThrow(TypeError);
      // conv1d
      const s = uniform([2, 4, 6], 137);
      expect(() => conv1d(s, uniform([3, 4, 3], 138), null, { stride: [1, 2] } as object)).toThrow(
        /conv1d: stride must be a positive integer, got Array\(2\)/,
      );
      expect(() =>
        conv1d(s, uniform([3, 4, 3], 138), null, { padding: 'same', stride: 2 }),
      ).toThrow(/conv1d: padding 'same' needs stride 1 \(as in torch\), got stride 2/);
      expect(() => conv1d(s, uniform([3, 4, 9], 139))).toThrow(
        /conv1d: input \[2, 4, 6\] is too small for the kernel: padded length 6 < kernel extent 9/,
      );
      expect(() => conv1d(x, uniform([3, 4, 3], 138))).toThrow(
        /conv1d: x must be 3-D \[batch, channels, length\], got \[2, 4, 5, 5\]/,
      );
      expect(() => conv1d(s, uniform([3, 4, 3, 1], 140))).toThrow(
        /conv1d: weight must be 3-D \[out, in\/groups, k\], got \[3, 4, 3, 1\]/,
      );
      // adaptiveAvgPool2d
      expect(() => adaptiveAvgPool2d(x, 0)).toThrow(
        /adaptiveAvgPool2d: outputSize must be a positive integer or a pair \[height, width\] of positive integers or null, got number 0/,
      );
      expect(() => adaptiveAvgPool2d(x, [2, 'a'] as never)).toThrow(TypeError);
      expect(() => adaptiveAvgPool2d(tensor(new Float32Array(0), [2, 3, 0, 4]), 2)).toThrow(
        /adaptiveAvgPool2d: input \[2, 3, 0, 4\] has an empty plane/,
      );
      // interpolate
      expect(() => interpolate(x, { scaleFactor: 2, size: 3 })).toThrow(
        /interpolate: give exactly one of size and scaleFactor, got both/,
      );
      expect(() => interpolate(x, {})).toThrow(
        /interpolate: give exactly one of size and scaleFactor, got neither/,
      );
      expect(() => interpolate(x, { scaleFactor: 2, mode: 'bilinaer' as 'bilinear' })).toThrow(
        /interpolate: mode must be one of nearest, bilinear, got string "bilinaer" \(did you mean "bilinear"\?\)/,
      );
      expect(() => interpolate(x, { scaleFactor: 2, alignCorners: true })).toThrow(
        /interpolate: alignCorners applies to mode 'bilinear' only/,
      );
      expect(() => interpolate(x, { size: 3, recomputeScaleFactor: true })).toThrow(
        /interpolate: recomputeScaleFactor applies with scaleFactor only/,
      );
      expect(() => interpolate(x, { scaleFactor: -1 })).toThrow(
        /interpolate: scaleFactor must be positive, got -1/,
      );
      expect(() => interpolate(x, { scaleFactor: Number.NaN })).toThrow(
        /interpolate: scaleFactor must be a finite number, got NaN/,
      );
      expect(() => interpolate(x, { scaleFactor: 0.1 })).toThrow(
        /interpolate: input \[2, 4, 5, 5\] is too small for scaleFactor 0.1×0.1: the output would be 0×0/,
      );
      expect(() => interpolate(x, { scale: 2 } as object)).toThrow(
        /interpolate: unknown option "scale"/,
      );
      // Nothing was recorded or written by the refused calls.
      expect(x.grad).toBe(null);
    });
  });
}
