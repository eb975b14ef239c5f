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
      for (const c of FIXTURE.ops.filter((c) => ['convTranspose2d', 'conv2d'].includes(c.op))) {
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
        [[1, 2, 3, 4], [2, 3, 3, 2], true, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] }],
        [[2, 2, 3, 3], [2, 2, 3, 3], false, { dilation: 2, outputPadding: 1 }],
        [[2, 4, 3, 3], [4, 1, 3, 3], true, { groups: 2, stride: 2 }],
        [[2, 3, 3, 4], [3, 2, 1, 1], true, {}],
        [[2, 4, 2, 3], [4, 2, 1, 1], false, { groups: 2 }],
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
  });
}
