/**
 * The convolution-family layers on both backends: ConvTranspose2d, Conv2d with groups and
 * padding modes, Conv1d, AdaptiveAvgPool2d and Upsample against the torch.nn modules
 * (fixtures/conv-family.json's `layers`, made by scripts/fixtures/gen_conv_family.py with
 * the modules' parameters set to the fixture's values; float64 references): forward, the
 * gradients of Σ w·y with respect to the input and every parameter, and the second-order
 * products through the layer's recorded backward, each within
 *
 *     |ours_i − ref_i| ≤ 1e-5 · max(|ref_i|, max_j |ref_j|)
 *
 * (the element-or-tensor-max relative bound of autograd-ops-torch.test.ts). Then torch's
 * default initialisation and weight shapes, two forwards before one backward, summaries and
 * configs, and bad input: every constructor with an unknown key, a wrong type and an
 * out-of-range value, every forward with wrong channels and an input too small.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import { gradients } from '../src/autograd/functional.js';
import { add, mul } from '../src/autograd/ops/elementwise.js';
import { sum } from '../src/autograd/ops/reduce.js';
import { tanh } from '../src/autograd/ops/unary.js';
import type { Tensor } from '../src/autograd/tensor.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  Conv1d,
  Conv2d,
  ConvTranspose2d,
  type Layer,
  MaxPool2d,
  Model,
  Sequential,
  Tanh,
  Upsample,
} from '../src/nn/index.js';
import { Rng } from '../src/random.js';
import { toTfjs } from '../src/train/tfjs-format.js';
import { leaf } from './helpers/tensor-gradcheck.js';

interface LayerCase {
  layer: string;
  // biome-ignore lint/suspicious/noExplicitAny: constructor arguments vary by layer
  args: any[];
  // biome-ignore lint/suspicious/noExplicitAny: options vary by layer
  options: any;
  shapes: number[][];
  params: string[];
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
) as { torch: string; layers: LayerCase[] };

const REL = 1e-5;

function build(c: LayerCase): Layer {
  const [a, b, k] = c.args;
  switch (c.layer) {
    case 'ConvTranspose2d':
      return new ConvTranspose2d(a, b, k, c.options);
    case 'Conv2d':
      return new Conv2d(a, b, k, c.options);
    case 'Conv1d':
      return new Conv1d(a, b, k, c.options);
    case 'AdaptiveAvgPool2d':
      return new AdaptiveAvgPool2d(a);
    case 'Upsample':
      return new Upsample(c.options);
    default:
      throw new Error(`no layer ${c.layer}`);
  }
}

/** |got − want| ≤ REL·max(|want_i|, max |want|) for every element. */
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

const input = (shape: number[], seed: number) => ({
  data: new Rng(seed).uniform(
    shape.reduce((a, d) => a * d, 1),
    -1,
    1,
  ),
  shape,
});

const initial = getBackend().name;
let prevMin = 0;
beforeAll(() => {
  prevMin = setMinNativeLength(0);
});
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`convolution-family layers (${be})`, () => {
    beforeAll(() => {
      setBackend(be);
    });

    it(`forward, gradients and second-order products match torch.nn ${FIXTURE.torch}`, () => {
      for (const c of FIXTURE.layers) {
        const what = `${c.layer}(${JSON.stringify(c.args)}, ${JSON.stringify(c.options)}) ${JSON.stringify(c.shapes[0])}`;
        const layer = build(c);
        const model = new Model(layer, c.shapes[0].slice(1), { seed: 1 });
        const ps = model.parameters();
        expect(
          ps.map((p) => p.shape),
          what,
        ).toEqual(c.shapes.slice(1));
        ps.forEach((p, i) => {
          p.data.set(c.inputs[i + 1]);
        });
        const x = leaf(c.inputs[0], c.shapes[0]);
        const leaves = [x, ...ps.map((p) => p.tensor as Tensor)];
        const y = model.forward(x);
        expect(y.shape, what).toEqual(c.yShape);
        expectClose(y.data, c.y, `${what} y`);
        const w = tensor(Float32Array.from(c.w), c.yShape) as Tensor;
        const g = gradients(sum(mul(y, w)), leaves);
        g.forEach((gi, i) => expectClose(gi.data, c.grads[i], `${what} grad ${i}`));
        const g1 = gradients(sum(mul(tanh(model.forward(x)), w)), leaves, { createGraph: true });
        const inner = g1
          .map((gi, i) => sum(mul(gi, tensor(Float32Array.from(c.v[i]), c.shapes[i]) as Tensor)))
          .reduce((a, b) => add(a, b));
        const hv = gradients(inner, leaves, { allowUnused: true });
        hv.forEach((h, i) => expectClose(h.data, c.hvp[i], `${what} second order ${i}`));
      }
    });

    it('weights have torch’s shapes and default init U(±1/√fan_in)', () => {
      const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const cases: Array<[Layer, number[], number[], number, number[]]> = [
        // layer, input shape, weight shape, fan_in, output shape
        [
          new ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 }),
          [64, 7, 7],
          [64, 32, 4, 4],
          32 * 16,
          [32, 14, 14],
        ],
        [
          new ConvTranspose2d(8, 12, [3, 2], { groups: 4 }),
          [8, 5, 5],
          [8, 3, 3, 2],
          3 * 6,
          [12, 7, 6],
        ],
        [new Conv2d(8, 16, 3, { groups: 4 }), [8, 6, 6], [16, 2, 3, 3], 2 * 9, [16, 4, 4]],
        [
          new Conv2d(12, 12, 5, { groups: 12, padding: 2 }),
          [12, 6, 6],
          [12, 1, 5, 5],
          25,
          [12, 6, 6],
        ],
        [new Conv1d(6, 10, 7, { groups: 2, padding: 'same' }), [6, 20], [10, 3, 7], 21, [10, 20]],
      ];
      cases.forEach(([layer, inShape, wShape, fanIn, outShape], i) => {
        const model = new Model(layer, inShape, { seed: 3 + i });
        const [wt, b] = model.parameters();
        expect(wt.shape).toEqual(wShape);
        expect(b.shape).toEqual([outShape[0]]);
        expect(model.outputShape).toEqual(outShape);
        const bound = 1 / Math.sqrt(fanIn);
        expect(maxAbs(wt.data)).toBeLessThanOrEqual(bound);
        expect(maxAbs(wt.data)).toBeGreaterThan(0.9 * bound);
        expect(maxAbs(b.data)).toBeLessThanOrEqual(bound);
        // U(−b, b) has variance b²/3.
        const m2 = wt.data.reduce((s, v) => s + v * v, 0) / wt.data.length;
        expect(Math.abs(m2 / ((bound * bound) / 3) - 1)).toBeLessThan(0.2);
      });
    });

    it('a DCGAN generator (ConvTranspose2d ×2) called twice before one backward gets the sum of the gradients', () => {
      const net = () =>
        new Sequential([
          new ConvTranspose2d(6, 4, 4, { stride: 2, padding: 1 }),
          new Tanh(),
          new ConvTranspose2d(4, 1, 4, { stride: 2, padding: 1, bias: false }),
        ]);
      const model = new Model(net(), [6, 3, 3], { seed: 5 });
      expect(model.outputShape).toEqual([1, 12, 12]);
      const a = input([2, 6, 3, 3], 1);
      const b = input([3, 6, 3, 3], 2);
      const lossOf = (x: typeof a) => sum(tanh(model.forward(x)));
      model.zeroGrad();
      lossOf(a).backward();
      lossOf(b).backward();
      const separate = Float32Array.from(model.grads);
      model.zeroGrad();
      add(lossOf(a), lossOf(b)).backward();
      Array.from(model.grads).forEach((g, i) => {
        expect(Math.abs(g - separate[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(separate[i])));
      });
      expect(separate.some((g) => g !== 0)).toBe(true);
    });

    it('summaries and configs name every option', () => {
      const ct = new ConvTranspose2d(4, 6, [4, 3], {
        stride: 2,
        padding: 1,
        outputPadding: 1,
        groups: 2,
        bias: false,
      });
      expect(ct.describe()).toBe(
        'ConvTranspose2d(4 → 6, 4×3, stride 2, padding 1, outputPadding 1, groups 2, no bias)',
      );
      expect(ct.config()).toEqual({
        inChannels: 4,
        outChannels: 6,
        kernelSize: [4, 3],
        stride: [2, 2],
        padding: [1, 1],
        outputPadding: [1, 1],
        dilation: [1, 1],
        groups: 2,
        bias: false,
      });
      const c2 = new Conv2d(4, 4, 3, { groups: 4, padding: 'same', paddingMode: 'reflect' });
      expect(c2.describe()).toBe(
        "Conv2d(4 → 4, 3×3, padding 'same', paddingMode 'reflect', groups 4)",
      );
      expect(c2.config()).toMatchObject({ groups: 4, paddingMode: 'reflect', padding: 'same' });
      expect(
        new Conv1d(2, 3, 5, { stride: 2, paddingMode: 'circular', padding: 2 }).describe(),
      ).toBe("Conv1d(2 → 3, 5, stride 2, padding 2, paddingMode 'circular')");
      expect(new AdaptiveAvgPool2d([null, 4]).describe()).toBe('AdaptiveAvgPool2d(same×4)');
      expect(new AdaptiveAvgPool2d(1).config()).toEqual({ outputSize: [1, 1] });
      expect(
        new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }).describe(),
      ).toBe('Upsample(scaleFactor 2×2, bilinear, alignCorners)');
      expect(new Upsample({ size: [4, 6] }).config()).toEqual({ mode: 'nearest', size: [4, 6] });
    });

    it('tf.js export refuses a grouped or mode-padded Conv2d (tf.js Conv2D has neither)', () => {
      const m = (c: Conv2d) => new Model(new Sequential([c]), [4, 5, 5]);
      expect(() => toTfjs(m(new Conv2d(4, 4, 3, { groups: 2 })))).toThrow(
        /layer .*Conv2d \(Conv2d\) has groups 2 and paddingMode 'zeros'; tf.js Conv2D has 1 and zeros/,
      );
      expect(() => toTfjs(m(new Conv2d(4, 4, 3, { padding: 1, paddingMode: 'circular' })))).toThrow(
        /has groups 1 and paddingMode 'circular'/,
      );
    });

    it('refuses bad constructor arguments: unknown keys, wrong types, out-of-range values', () => {
      const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
        // ConvTranspose2d
        [
          () => new ConvTranspose2d(4, 4, 3, { outputPading: 1 } as object),
          TypeError,
          /ConvTranspose2d: unknown option "outputPading" \(did you mean "outputPadding"\?\)/,
        ],
        [
          () => new ConvTranspose2d(4, 4, 3, { stride: '2' } as object),
          TypeError,
          /ConvTranspose2d: stride must be a positive integer or a pair/,
        ],
        [
          () => new ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 }),
          RangeError,
          /ConvTranspose2d: outputPadding must be smaller than the stride or the dilation/,
        ],
        [
          () => new ConvTranspose2d(4, 6, 3, { groups: 4 }),
          RangeError,
          /ConvTranspose2d: groups 4 must divide both the input channels \(4\) and the output channels \(6\)/,
        ],
        [
          () => new ConvTranspose2d(4, 4, 3, { padding: 'same' } as object),
          TypeError,
          /ConvTranspose2d: padding must be a non-negative integer or a pair of them \('same' and 'valid' are for Conv2d/,
        ],
        [
          () => new ConvTranspose2d(4, 4, 3, { paddingMode: 'reflect' } as object),
          RangeError,
          /ConvTranspose2d: paddingMode must be 'zeros'/,
        ],
        [
          () => new ConvTranspose2d(0, 4, 3),
          RangeError,
          /ConvTranspose2d: inChannels must be a positive integer, got 0/,
        ],
        [
          () => new ConvTranspose2d(4, '4' as unknown as number, 3),
          TypeError,
          /ConvTranspose2d: outChannels must be a positive integer, got string "4"/,
        ],
        [
          () => new ConvTranspose2d(4, 4, 3, null as unknown as object),
          TypeError,
          /ConvTranspose2d: options must be an object, got null/,
        ],
        // Conv2d
        [
          () => new Conv2d(4, 4, 3, { group: 2 } as object),
          TypeError,
          /Conv2d: unknown option "group" \(did you mean "groups"\?\)/,
        ],
        [
          () => new Conv2d(4, 4, 3, { padding_mode: 'reflect' } as object),
          TypeError,
          /Conv2d: unknown option "padding_mode" \(did you mean "paddingMode"\?\)/,
        ],
        [
          () => new Conv2d(4, 4, 3, { groups: 3 }),
          RangeError,
          /Conv2d: groups 3 must divide both the input channels \(4\) and the output channels \(4\)/,
        ],
        [
          () => new Conv2d(4, 4, 3, { groups: true } as object),
          TypeError,
          /Conv2d: groups must be a positive integer, got boolean/,
        ],
        [
          () => new Conv2d(4, 4, 3, { groups: 0 }),
          RangeError,
          /Conv2d: groups must be a positive integer, got 0/,
        ],
        [
          () => new Conv2d(4, 4, 3, { paddingMode: 'reflection' } as object),
          TypeError,
          /Conv2d: paddingMode must be one of zeros, reflect, replicate, circular, got string "reflection" \(did you mean "reflect"\?\)/,
        ],
        // Conv1d
        [
          () => new Conv1d(2, 2, 3, { strides: 2 } as object),
          TypeError,
          /Conv1d: unknown option "strides" \(did you mean "stride"\?\)/,
        ],
        [
          () => new Conv1d(2, 2, [3, 3] as unknown as number),
          TypeError,
          /Conv1d: kernelSize must be a positive integer, got Array\(2\)/,
        ],
        [
          () => new Conv1d(2, 2, 3, { dilation: 0 }),
          RangeError,
          /Conv1d: dilation must be a positive integer, got number 0/,
        ],
        [
          () => new Conv1d(2, 2, 3, { padding: 'full' as 'same' }),
          RangeError,
          /Conv1d: padding must be a non-negative integer, 'same' or 'valid', got string "full"/,
        ],
        [
          () => new Conv1d(2, 2, 3, { padding: 'same', stride: 2 }),
          RangeError,
          /Conv1d: padding 'same' needs stride 1/,
        ],
        [
          () => new Conv1d(2, 2, 3, { paddingMode: 1 } as object),
          TypeError,
          /Conv1d: paddingMode must be one of/,
        ],
        // AdaptiveAvgPool2d
        [
          () => new AdaptiveAvgPool2d(0),
          RangeError,
          /AdaptiveAvgPool2d: outputSize must be a positive integer or a pair \[height, width\] of positive integers or null, got number 0/,
        ],
        [
          () => new AdaptiveAvgPool2d('7' as unknown as number),
          TypeError,
          /AdaptiveAvgPool2d: outputSize must be/,
        ],
        [
          () => new AdaptiveAvgPool2d([2, 2, 2] as unknown as number),
          TypeError,
          /AdaptiveAvgPool2d: outputSize must be .* got Array\(3\)/,
        ],
        [
          () => new (AdaptiveAvgPool2d as unknown as new (a: number, b: object) => Layer)(2, {}),
          TypeError,
          /AdaptiveAvgPool2d: takes one argument \(outputSize\), got 1 more argument/,
        ],
        // Upsample
        [
          () => new Upsample({ scale_factor: 2 } as object),
          TypeError,
          /Upsample: unknown option "scale_factor" \(did you mean "scaleFactor"\?\)/,
        ],
        [
          () => new Upsample({ scaleFactor: '2' } as object),
          TypeError,
          /Upsample: scaleFactor must be a positive number or a pair/,
        ],
        [
          () => new Upsample({ scaleFactor: 0 }),
          RangeError,
          /Upsample: scaleFactor must be positive, got 0/,
        ],
        [
          () => new Upsample({ size: [0, 3] }),
          RangeError,
          /Upsample: size must be a positive integer or a pair/,
        ],
        [
          () => new Upsample({ scaleFactor: 2, mode: 'bicubic' } as object),
          TypeError,
          /Upsample: mode must be one of nearest, bilinear/,
        ],
        [
          () => new Upsample({ scaleFactor: 2, alignCorners: true }),
          TypeError,
          /Upsample: alignCorners applies to mode 'bilinear' only/,
        ],
        [
          () => new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: 1 } as object),
          TypeError,
          /Upsample: alignCorners must be a boolean, got number 1/,
        ],
        [
          () => new Upsample(undefined as unknown as object),
          TypeError,
          /Upsample: give exactly one of size and scaleFactor, got neither/,
        ],
        // The pooling layers refuse what they do not implement instead of ignoring it.
        [
          () => new MaxPool2d(2, { returnIndices: true } as object),
          TypeError,
          /MaxPool2d: unknown option "returnIndices"; valid: stride, padding, dilation, ceilMode/,
        ],
        [
          () => new AvgPool2d(2, { divisorOverride: 3 } as object),
          TypeError,
          /AvgPool2d: unknown option "divisorOverride"; valid: stride, padding, ceilMode, countIncludePad/,
        ],
        [
          () => new AvgPool2d(2, { ceil_mode: true } as object),
          TypeError,
          /AvgPool2d: unknown option "ceil_mode" \(did you mean "ceilMode"\?\)/,
        ],
      ];
      cases.forEach(([make, type, msg], i) => {
        let err: unknown = null;
        try {
          make();
        } catch (e) {
          err = e;
        }
        expect(err, `case ${i}`).toBeInstanceOf(type);
        expect((err as Error).message, `case ${i}`).toMatch(msg);
      });
    });

    it('refuses bad forward input: wrong channels, wrong rank, too small for the window or the padding mode', () => {
      const bad = (layer: Layer, inShape: number[], xShape: number[], msg: RegExp) => {
        const model = new Model(layer, inShape);
        const before = Float32Array.from(model.grads);
        expect(() => model.forward(input(xShape, 9))).toThrow(msg);
        expect(Array.from(model.grads)).toEqual(Array.from(before));
      };
      bad(
        new ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1 }),
        [4, 3, 3],
        [2, 3, 3, 3],
        /0?:?ConvTranspose2d\.forward: expected input of shape \[batch, 4, height, width\], got \[2, 3, 3, 3\]/,
      );
      bad(
        new ConvTranspose2d(4, 2, 3, { padding: 2 }),
        [4, 3, 3],
        [2, 4, 1, 3],
        /ConvTranspose2d\.forward: input \[2, 4, 1, 3\] is too small: the output would be -1×1/,
      );
      bad(
        new Conv2d(4, 4, 3, { groups: 2 }),
        [4, 5, 5],
        [1, 2, 5, 5],
        /Conv2d\.forward: expected input of shape \[batch, 4, height, width\], got \[1, 2, 5, 5\]/,
      );
      bad(
        new Conv2d(2, 2, 5, { padding: 2, paddingMode: 'reflect' }),
        [2, 5, 5],
        [1, 2, 2, 5],
        /Conv2d\.forward: paddingMode 'reflect' pads the height by 2, which needs a height above 2, got 2 \(input \[1, 2, 2, 5\]\)/,
      );
      bad(
        new Conv2d(2, 2, 7, { padding: 3, paddingMode: 'circular' }),
        [2, 5, 5],
        [1, 2, 5, 2],
        /Conv2d\.forward: paddingMode 'circular' pads the width by 3, which needs a width of at least 3, got 2/,
      );
      bad(
        new Conv2d(2, 2, 3),
        [2, 5, 5],
        [1, 2, 2, 5],
        /Conv2d\.forward: input \[1, 2, 2, 5\] is too small for the kernel/,
      );
      bad(
        new Conv1d(3, 2, 4),
        [3, 8],
        [2, 3, 3],
        /Conv1d\.forward: input \[2, 3, 3\] is too small for the kernel: padded length 3 < kernel extent 4/,
      );
      bad(
        new Conv1d(3, 2, 4),
        [3, 8],
        [2, 2, 8],
        /Conv1d\.forward: expected input of shape \[batch, 3, length\], got \[2, 2, 8\]/,
      );
      bad(
        new Conv1d(3, 2, 3, { padding: 1, paddingMode: 'reflect' }),
        [3, 8],
        [2, 3, 1],
        /Conv1d\.forward: paddingMode 'reflect' pads the length by 1, which needs a length above 1, got 1/,
      );
      bad(
        new AdaptiveAvgPool2d(2),
        [3, 4, 4],
        [2, 3, 4],
        /AdaptiveAvgPool2d\.forward: expected input of shape \[batch, channels, height, width\], got \[2, 3, 4\]/,
      );
      bad(
        new AdaptiveAvgPool2d([2, 3]),
        [3, 4, 4],
        [2, 3, 0, 4],
        /AdaptiveAvgPool2d\.forward: input \[2, 3, 0, 4\] has an empty plane/,
      );
      bad(
        new Upsample({ scaleFactor: 0.5 }),
        [3, 4, 4],
        [2, 3, 1, 4],
        /Upsample\.forward: input \[2, 3, 1, 4\] is too small for scaleFactor 0.5×0.5: the output would be 0×2/,
      );
      // Build-time shapes name the layer too.
      expect(() => new Model(new Conv1d(3, 2, 3), [3, 8, 1])).toThrow(
        /Conv1d: expected input of shape \[3, length\] \(NCL without the batch axis\), got \[3, 8, 1\]/,
      );
      expect(() => new Model(new ConvTranspose2d(3, 2, 3), [2, 4, 4])).toThrow(
        /ConvTranspose2d: expected 3 input channels, got 2/,
      );
    });
  });
}
