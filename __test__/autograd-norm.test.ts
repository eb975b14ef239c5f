/**
 * batchNorm, layerNorm and embedding on the tape, both backends: forward, gradients and
 * second-order products against PyTorch (fixtures/norm.json, from scripts/fixtures/gen_norm.py),
 * finite-difference checks of the first and second order, the createGraph gradient against
 * the fused one, running statistics kept out of the recorded graph, and bad input.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';

interface BnCase {
  shape: number[];
  training: boolean;
  affine: boolean;
  momentum: number;
  x: number[];
  weight?: number[];
  bias?: number[];
  runningMean: number[];
  runningVar: number[];
  runningMeanAfter: number[];
  runningVarAfter: number[];
  y: number[];
  dy: number[];
  grads: number[][];
  v: number[][];
  hv: number[][];
}
interface LnCase {
  shape: number[];
  normalizedShape: number[];
  x: number[];
  weight?: number[];
  bias?: number[];
  y: number[];
  dy: number[];
  grads: number[][];
  v: number[][];
  hv: number[][];
}
interface EmbCase {
  num: number;
  dim: number;
  indexShape: number[];
  paddingIdx: number | null;
  indices: number[];
  weight: number[];
  y: number[];
  dy: number[];
  grads: number[][];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/norm.json', import.meta.url), 'utf8')) as {
  batchNorm: BnCase[];
  layerNorm: LnCase[];
  embedding: EmbCase[];
};

const backends: BackendName[] = ['js', 'native'];
const f32 = (a: number[]) => Float32Array.from(a);

/** |got − want| ≤ tol·(1 + |want|) elementwise. */
function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * (1 + Math.abs(want[i]))))
      expect.fail(`${what}[${i}]: ${got[i]} vs ${want[i]} (|Δ| ${err.toExponential(2)})`);
  }
}

/** dL/d(inputs) for L = Σ dy·f(inputs), fast or recorded, and the second-order ⟨v, ·⟩ product. */
function derivatives(f: () => Tensor, inputs: Tensor[], dy: Tensor, v: number[][]) {
  const fast = ag.gradients(f(), inputs, { gradOutputs: [dy], allowUnused: true });
  const slow = ag.gradients(f(), inputs, {
    gradOutputs: [dy],
    createGraph: true,
    allowUnused: true,
  });
  const s = slow
    .map((g, i) => g.mul(ag.tensor(f32(v[i]), [...g.shape]) as Tensor).sum())
    .reduce((a, b) => a.add(b));
  const hv = ag.gradients(s, inputs, { allowUnused: true });
  return { fast, slow, hv };
}

const rnd = (n: number, seed: number, lo = -1, hi = 1) => new Rng(seed).uniform(n, lo, hi);

for (const be of backends) {
  describe(`normalisation and embedding on the tape (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      // Every call on the native kernels, however small (they route tiny calls to JS).
      prevMin = setMinNativeLength(0);
    });
    afterAll(() => {
      setBackend(prev);
      setMinNativeLength(prevMin);
    });

    describe('batchNorm', () => {
      it.each(
        fx.batchNorm.map((c) => [
          `${c.training ? 'training' : 'eval'} ${JSON.stringify(c.shape)}${c.affine ? '' : ' no affine'}`,
          c,
        ]),
      )('matches torch 2.15: %s (y, running stats, gradients, second order)', (_n, c) => {
        const C = c.shape[1];
        const x = leaf(c.x, c.shape);
        const w = c.weight ? leaf(c.weight, [C]) : null;
        const b = c.bias ? leaf(c.bias, [C]) : null;
        const rm = f32(c.runningMean);
        const rv = f32(c.runningVar);
        const run = () =>
          ag.batchNorm(x, { data: rm, shape: [C] }, { data: rv, shape: [C] }, w, b, {
            training: c.training,
            momentum: c.momentum,
          });
        const y = run();
        close(y.data, c.y, 1e-5, 'y');
        close(rm, c.runningMeanAfter, 1e-6, 'runningMean');
        close(rv, c.runningVarAfter, 1e-6, 'runningVar');
        const inputs = [x, ...(w && b ? [w, b] : [])];
        const dy = ag.tensor(f32(c.dy), c.shape) as Tensor;
        const { fast, slow, hv } = derivatives(run, inputs, dy, c.v);
        fast.forEach((g, i) => close(g.data, c.grads[i], 1e-5, `grad ${i}`));
        slow.forEach((g, i) => close(g.data, c.grads[i], 1e-5, `createGraph grad ${i}`));
        hv.forEach((g, i) => close(g.data, c.hv[i], 1e-5, `second order ${i}`));
      });

      it('gradcheck and gradgradcheck: training on [N, C], [N, C, L], [N, C, H, W]; eval', () => {
        for (const shape of [
          [6, 3],
          [4, 3, 5],
          [2, 3, 3, 5],
        ]) {
          const C = shape[1];
          const x = leaf(
            rnd(
              shape.reduce((a, d) => a * d, 1),
              1,
              -2,
              3,
            ),
            shape,
          );
          const w = leaf(rnd(C, 2, 0.5, 1.5), [C]);
          const b = leaf(rnd(C, 3), [C]);
          const train = (p: Tensor, q: Tensor, r: Tensor) =>
            ag.batchNorm(p, null, null, q, r, { training: true });
          gradcheck(train, [x, w, b]);
          gradgradcheck(train, [x, w, b]);
          gradgradcheck((p) => ag.batchNorm(p, null, null, null, null, { training: true }), [x]);
          const rm = { data: rnd(C, 4), shape: [C] };
          const rv = { data: rnd(C, 5, 0.5, 2), shape: [C] };
          const evalBn = (p: Tensor, q: Tensor, r: Tensor) => ag.batchNorm(p, rm, rv, q, r);
          gradcheck(evalBn, [x, w, b]);
          gradgradcheck(evalBn, [x, w, b]);
        }
      });

      it('running statistics are updated in place but are not part of the graph', () => {
        const x = leaf(rnd(20, 6), [5, 4]);
        const w = leaf(rnd(4, 7, 0.5, 1.5), [4]);
        const rm = new Float32Array(4);
        const rv = new Float32Array(4).fill(1);
        const stats = [
          { data: rm, shape: [4] },
          { data: rv, shape: [4] },
        ] as const;
        const y1 = ag.batchNorm(x, ...stats, w, null, { training: true });
        const rm1 = Float32Array.from(rm);
        const y2 = ag.batchNorm(x.mul(2), ...stats, w, null, { training: true });
        // Two updates, the second from the doubled batch's mean.
        expect(rm.some((v, i) => v !== rm1[i])).toBe(true);
        // Both graphs stay valid after the second in-place update.
        y1.add(y2).sum().backward();
        expect(w.grad).not.toBeNull();
        // Whoever saved the running mean itself for backward is refused, as torch.
        const m = ag.tensor(rm, [4], { requiresGrad: true }) as Tensor;
        const z = m.mul(m).sum();
        ag.batchNorm(x, m, stats[1], w, null, { training: true });
        expect(() => z.backward()).toThrow(/modified in place after the forward pass/);
      });

      it('two calls then one backward equal the two gradients taken separately', () => {
        const C = 3;
        const w = leaf(rnd(C, 8, 0.5, 1.5), [C]);
        const b = leaf(rnd(C, 9), [C]);
        const x1 = leaf(rnd(4 * C * 5, 10), [4, C, 5]);
        const x2 = leaf(rnd(3 * C * 5, 11, 0, 3), [3, C, 5]);
        const d1 = ag.tensor(rnd(60, 12), [4, C, 5]) as Tensor;
        const d2 = ag.tensor(rnd(45, 13), [3, C, 5]) as Tensor;
        const bn = (x: Tensor) => ag.batchNorm(x, null, null, w, b, { training: true });
        const y1 = bn(x1);
        const y2 = bn(x2);
        y1.mul(d1).sum().add(y2.mul(d2).sum()).backward();
        const both = [x1, x2, w, b].map((t) => Float32Array.from((t.grad as Tensor).data));
        for (const t of [x1, x2, w, b]) t.grad = null;
        bn(x1).backward(d1);
        bn(x2).backward(d2);
        [x1, x2, w, b].forEach((t, i) =>
          close((t.grad as Tensor).data, both[i], 1e-6, `input ${i}`),
        );
      });
    });

    describe('layerNorm', () => {
      it.each(
        fx.layerNorm.map((c) => [
          `${JSON.stringify(c.shape)} over ${JSON.stringify(c.normalizedShape)}${c.weight ? '' : ' no weight'}${c.bias ? '' : ' no bias'}`,
          c,
        ]),
      )('matches torch 2.15: %s (y, gradients, second order)', (_n, c) => {
        const ns = c.normalizedShape;
        const x = leaf(c.x, c.shape);
        const w = c.weight ? leaf(c.weight, ns) : null;
        const b = c.bias ? leaf(c.bias, ns) : null;
        const run = () => ag.layerNorm(x, ns, w, b);
        close(run().data, c.y, 1e-5, 'y');
        const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
        const dy = ag.tensor(f32(c.dy), c.shape) as Tensor;
        const { fast, slow, hv } = derivatives(run, inputs, dy, c.v);
        fast.forEach((g, i) => close(g.data, c.grads[i], 1e-5, `grad ${i}`));
        slow.forEach((g, i) => close(g.data, c.grads[i], 1e-5, `createGraph grad ${i}`));
        hv.forEach((g, i) => close(g.data, c.hv[i], 1e-5, `second order ${i}`));
      });

      it('gradcheck and gradgradcheck: affine, weight only, none, several trailing axes', () => {
        const x = leaf(rnd(2 * 3 * 7, 1, -2, 3), [2, 3, 7]);
        const w = leaf(rnd(7, 2, 0.5, 1.5), [7]);
        const b = leaf(rnd(7, 3), [7]);
        const f = (p: Tensor, q: Tensor, r: Tensor) => ag.layerNorm(p, 7, q, r);
        gradcheck(f, [x, w, b]);
        gradgradcheck(f, [x, w, b]);
        gradgradcheck((p: Tensor, q: Tensor) => ag.layerNorm(p, [7], q), [x, w]);
        gradgradcheck((p: Tensor) => ag.layerNorm(p, [7]), [x]);
        const w2 = leaf(rnd(21, 4, 0.5, 1.5), [3, 7]);
        const b2 = leaf(rnd(21, 5), [3, 7]);
        const g = (p: Tensor, q: Tensor, r: Tensor) => ag.layerNorm(p, [3, 7], q, r);
        gradcheck(g, [x, w2, b2]);
        gradgradcheck(g, [x, w2, b2]);
      });
    });

    it('one tensor passed as both weight and bias (and as x) receives the sum of the gradients', () => {
      const x = leaf(rnd(4 * 7, 1, -2, 3), [4, 7]);
      const p = leaf(rnd(7, 2, 0.5, 1.5), [7]);
      const dy = ag.tensor(rnd(28, 3), [4, 7]) as Tensor;
      const sep = (f: (a: Tensor, b: Tensor, c: Tensor) => Tensor, xs: Tensor) => {
        const w = leaf(p.data, [7]);
        const b = leaf(p.data, [7]);
        const [gx, gw, gb] = ag.gradients(f(xs, w, b), [xs, w, b], { gradOutputs: [dy] });
        return { gx, gp: gw.add(gb) };
      };
      for (const f of [
        (a: Tensor, w: Tensor, b: Tensor) => ag.layerNorm(a, 7, w, b),
        (a: Tensor, w: Tensor, b: Tensor) => ag.batchNorm(a, null, null, w, b, { training: true }),
      ]) {
        const want = sep(f, x);
        const [gx, gp] = ag.gradients(f(x, p, p), [x, p], { gradOutputs: [dy] });
        close(gx.data, want.gx.data, 1e-6, 'dx');
        close(gp.data, want.gp.data, 1e-6, 'dγ + dβ');
        // Accumulated into .grad too (the fused path's targets are then the leaf's buffer).
        p.grad = null;
        f(x, p, p).backward(dy);
        close((p.grad as unknown as Tensor).data, want.gp.data, 1e-6, '.grad');
        p.grad = null;
      }
      // x as the weight as well: [1, 7] input normalised over 7 with itself as γ.
      const q = leaf(rnd(7, 4, 0.5, 1.5), [1, 7]);
      const qw = leaf(q.data, [1, 7]);
      const d1 = ag.tensor(rnd(7, 5), [1, 7]) as Tensor;
      const [g1, g2] = ag.gradients(ag.layerNorm(q, [1, 7], qw), [q, qw], { gradOutputs: [d1] });
      const [g] = ag.gradients(ag.layerNorm(q, [1, 7], q), [q], { gradOutputs: [d1] });
      close(g.data, g1.add(g2).data, 1e-6, 'x as γ');
    });

    it('with x a constant, only dγ and dβ are computed, and equal those with x a leaf', () => {
      const data = rnd(5 * 3 * 4, 1, -2, 3);
      const dy = ag.tensor(rnd(60, 2), [5, 3, 4]) as Tensor;
      const cases: Array<[(a: Tensor, w: Tensor, b: Tensor) => Tensor, number[]]> = [
        [(a, w, b) => ag.layerNorm(a, [3, 4], w, b), [3, 4]],
        [(a, w, b) => ag.batchNorm(a, null, null, w, b, { training: true }), [3]],
        [
          (a, w, b) =>
            ag.batchNorm(
              a,
              { data: rnd(3, 3), shape: [3] },
              { data: rnd(3, 4, 1, 2), shape: [3] },
              w,
              b,
            ),
          [3],
        ],
      ];
      for (const [f, ps] of cases) {
        const n = ps.reduce((a, d) => a * d, 1);
        const w = leaf(rnd(n, 5, 0.5, 1.5), ps);
        const b = leaf(rnd(n, 6), ps);
        const x = leaf(data, [5, 3, 4]);
        const all = ag.gradients(f(x, w, b), [x, w, b], { gradOutputs: [dy] });
        const c = ag.tensor(Float32Array.from(data), [5, 3, 4]) as Tensor;
        const only = ag.gradients(f(c, w, b), [w, b], { gradOutputs: [dy] });
        close(only[0].data, all[1].data, 0, 'dγ');
        close(only[1].data, all[2].data, 0, 'dβ');
      }
    });

    describe('embedding', () => {
      it.each(
        fx.embedding.map((c) => [
          `[${c.num}, ${c.dim}] by ${JSON.stringify(c.indexShape)}, paddingIdx ${c.paddingIdx}`,
          c,
        ]),
      )('matches torch 2.15: %s (rows, weight gradient)', (_n, c) => {
        const w = leaf(c.weight, [c.num, c.dim]);
        const idx = ag.tensor(Int32Array.from(c.indices), c.indexShape);
        const run = () => ag.embedding(idx, w, { paddingIdx: c.paddingIdx });
        const y = run();
        expect(y.shape).toEqual([...c.indexShape, c.dim]);
        expect(Array.from(y.data)).toEqual(Array.from(f32(c.y)));
        const dy = ag.tensor(f32(c.dy), [...y.shape]) as Tensor;
        for (const createGraph of [false, true]) {
          const [g] = ag.gradients(run(), [w], { gradOutputs: [dy], createGraph });
          close(g.data, c.grads[0], 1e-6, `dW (createGraph ${createGraph})`);
        }
      });

      it('gradcheck, gradgradcheck; with paddingIdx the scatter and its adjoint gather skip the row', () => {
        const w = leaf(rnd(7 * 5, 2), [7, 5]);
        const idx = ag.tensor(Int32Array.from([1, 3, 1, 0, 6, 3]), [2, 3]);
        gradcheck((p) => ag.embedding(idx, p).mul(p.sum()), [w]);
        gradgradcheck((p) => ag.embedding(idx, p).mul(p.sum()), [w]);
        // With padding row 3, L = Σ dy·E(W)² depends on row 3 only through the forward, whose
        // gradient is defined as 0 (torch): second order finite differences still hold.
        const pad = { paddingIdx: 3 };
        gradgradcheck((p) => ag.embedding(idx, p, pad).square(), [w]);
        // Exact second order: d/dW ⟨v, dL/dW⟩ = scatter(2·dy·gather(v)), row 3 excluded.
        const dy = rnd(30, 3);
        const v = rnd(35, 4);
        const [g] = ag.gradients(ag.embedding(idx, w, pad).square(), [w], {
          gradOutputs: [ag.tensor(dy, [2, 3, 5]) as Tensor],
          createGraph: true,
        });
        const [h] = ag.gradients(g.mul(ag.tensor(v, [7, 5]) as Tensor).sum(), [w]);
        const want = new Float64Array(35);
        Array.from(idx.data).forEach((r, k) => {
          if (r === 3) return;
          for (let j = 0; j < 5; j++) want[r * 5 + j] += 2 * dy[k * 5 + j] * v[r * 5 + j];
        });
        close(h.data, want, 1e-6, 'second order');
        expect(Array.from(h.data.subarray(15, 20))).toEqual([0, 0, 0, 0, 0]);
      });

      it('owns a copy of its indices: reusing the index array before backward changes nothing', () => {
        const w = leaf(rnd(12, 5), [4, 3]);
        const buf = Int32Array.from([0, 1]);
        const y1 = ag.embedding({ data: buf, shape: [2] }, w);
        buf.set([2, 3]);
        const y2 = ag.embedding({ data: buf, shape: [2] }, w);
        y1.sum().add(y2.mul(2).sum()).backward();
        expect(Array.from((w.grad as Tensor).data)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
      });
    });

    describe('bad input names the function and the argument; nothing is mutated', () => {
      it('batchNorm', () => {
        const x = leaf(rnd(12, 1), [4, 3]);
        const rm = new Float32Array(3);
        const rv = new Float32Array(3).fill(1);
        const s = (d: Float32Array, n = 3) => ({ data: d, shape: [n] });
        const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
          [
            () => ag.batchNorm(leaf([1, 2], [2]), null, null, null, null, { training: true }),
            RangeError,
            /batchNorm: x must be \[N, C, \*\] \(at least 2-D\), got \[2\]/,
          ],
          [
            () => ag.batchNorm(x, s(rm), s(rv), leaf([1, 1], [2])),
            RangeError,
            /batchNorm: weight must be \[3\], got \[2\]/,
          ],
          [
            () => ag.batchNorm(x, s(new Float32Array(4), 4), s(rv)),
            RangeError,
            /batchNorm: runningMean must be \[3\], got \[4\]/,
          ],
          [
            () => ag.batchNorm(x, s(rm), null, null, null, { training: true }),
            TypeError,
            /batchNorm: give both runningMean and runningVar, or neither/,
          ],
          [() => ag.batchNorm(x, null, null), TypeError, /batchNorm: eval mode .* runningMean/],
          [
            () =>
              ag.batchNorm(x, s(rm), s(rv), null, null, { training: true, mometum: 0.1 } as never),
            TypeError,
            /batchNorm: unknown option "mometum"/,
          ],
          [
            () => ag.batchNorm(x, s(rm), s(rv), null, null, { eps: -1 }),
            RangeError,
            /batchNorm: eps must be a finite number ≥ 0/,
          ],
          [
            () =>
              ag.batchNorm(leaf([1, 2, 3], [1, 3]), s(rm), s(rv), null, null, { training: true }),
            RangeError,
            /batchNorm: expected more than 1 value per channel when training, got input of shape \[1, 3\]/,
          ],
          [
            () => ag.batchNorm(ag.tensor(new Int32Array(12), [4, 3]) as never, s(rm), s(rv)),
            TypeError,
            /batchNorm: x must be a float32 tensor, got int32/,
          ],
        ];
        for (const [f, type, re] of cases) {
          expect(f, re.source).toThrow(type);
          expect(f, re.source).toThrow(re);
        }
        expect(Array.from(rm)).toEqual([0, 0, 0]);
        expect(Array.from(rv)).toEqual([1, 1, 1]);
      });

      it('layerNorm and embedding', () => {
        const x = leaf(rnd(12, 1), [4, 3]);
        const w = leaf(rnd(12, 2), [4, 3]);
        const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
          [
            () => ag.layerNorm(x, [4]),
            RangeError,
            /layerNorm: x \[4, 3\] does not end in normalizedShape \[4\]/,
          ],
          [() => ag.layerNorm(x, []), TypeError, /layerNorm: normalizedShape must be/],
          [
            () => ag.layerNorm(x, 3, leaf([1, 1], [2])),
            RangeError,
            /layerNorm: weight must be \[3\], got \[2\]/,
          ],
          [() => ag.layerNorm(x, 3, null, null, Number.NaN), RangeError, /layerNorm: eps/],
          [
            () => ag.embedding({ data: Float32Array.from([0, 1]), shape: [2] }, w),
            TypeError,
            /embedding: indices must be a int32 tensor, got float32/,
          ],
          [
            () => ag.embedding(ag.tensor(Int32Array.from([0, 4]), [2]), w),
            RangeError,
            /embedding: index 4 at position 1 is not an integer in \[0, 4\)/,
          ],
          [
            () => ag.embedding(ag.tensor(Int32Array.from([0, -1]), [2]), w),
            RangeError,
            /embedding: index -1 at position 1/,
          ],
          [
            () => ag.embedding(ag.tensor(Int32Array.from([0]), [1]), leaf([1, 2], [2])),
            RangeError,
            /embedding: weight must be 2-D \[num, dim\], got \[2\]/,
          ],
          [
            () => ag.embedding(ag.tensor(Int32Array.from([0]), [1]), w, { paddingIdx: 4 }),
            RangeError,
            /embedding: paddingIdx must be an integer in \[−4, 4\), got number 4/,
          ],
          [
            () => ag.embedding(ag.tensor(Int32Array.from([0]), [1]), w, { maxNorm: 1 } as never),
            TypeError,
            /embedding: unknown option "maxNorm"; valid: paddingIdx/,
          ],
        ];
        for (const [f, type, re] of cases) {
          expect(f, re.source).toThrow(type);
          expect(f, re.source).toThrow(re);
        }
      });
    });
  });
}
