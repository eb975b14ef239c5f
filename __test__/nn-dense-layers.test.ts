/**
 * Dense-network layers: Dropout, BatchNorm1d/2d, LayerNorm, Flatten, Reshape, Embedding,
 * Residual. Finite-difference gradient checks on both backends (batch norm and dropout in
 * train and eval), running statistics against numbers computed with torch 2.15, two training
 * forwards of one batch norm then one backward against torch (fixtures/norm.json), native vs
 * js parity of the normalisation/embedding kernels, and bad input.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor } from '../src/autograd/create.js';
import type { Tensor as AgTensor, TensorLike } from '../src/autograd/tensor.js';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels } from '../src/backend/kernels.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import {
  BatchNorm1d,
  BatchNorm2d,
  Dropout,
  Embedding,
  Flatten,
  type ForwardOptions,
  LayerNorm,
  Linear,
  Model,
  Reshape,
  Residual,
  Sequential,
  Tanh,
} from '../src/nn/index.js';
import { Rng } from '../src/random.js';
import { nativeUnderTest, wasmUnderTest } from './helpers/backends.js';
import { gradcheck } from './helpers/gradcheck.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

/** Dropout whose mask is the same on every forward (its stream is rewound each time). */
class FrozenDropout extends Dropout {
  private saved: Uint32Array | null = null;
  override setRng(rng: Rng): void {
    super.setRng(rng);
    this.saved = rng.state.slice();
  }
  override forward(x: TensorLike, opts: ForwardOptions = {}): AgTensor {
    if (this.rng && this.saved) this.rng.state.set(this.saved);
    return super.forward(x, opts);
  }
}

const t = (data: Float32Array, shape: number[]): TensorLike => ({ data, shape });
/** A leaf tensor requiring grad over `data` (not copied). */
const leafOf = (data: Float32Array, shape: number[]) =>
  tensor(data, shape, { requiresGrad: true }) as AgTensor;

/** LayerNorm with γ, β ~ U(0.5, 1.5): the default ones/zeros would hide mistakes in their use. */
class RandomAffineLayerNorm extends LayerNorm {
  override paramSpecs() {
    return super
      .paramSpecs()
      .map((p) => ({ ...p, init: { kind: 'uniform', a: 0.5, b: 1.5 } as const }));
  }
}

const doubleForward = (
  JSON.parse(readFileSync(new URL('./fixtures/norm.json', import.meta.url), 'utf8')) as {
    batchNormDoubleForward: Array<{
      momentum: number | null;
      weight: number[];
      bias: number[];
      x1: number[];
      x2: number[];
      dy1: number[];
      dy2: number[];
      y1: number[];
      y2: number[];
      dx1: number[];
      dx2: number[];
      dWeight: number[];
      dBias: number[];
      runningMean: number[];
      runningVar: number[];
      numBatchesTracked: number;
    }>;
  }
).batchNormDoubleForward;

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(
      Math.abs(got[i] - want[i]),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    ).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i])));
  }
}

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  describe('Dropout', () => {
    it('eval is the identity: returns the input itself, and the gradient passes unchanged', () => {
      setBackend(name);
      const d = new Dropout(0.4);
      const m = new Model(d, [6]);
      const x = leafOf(new Rng(1).uniform(12, -1, 1), [2, 6]);
      const y = m.forward(x);
      expect(y).toBe(x);
      const dy = new Rng(2).uniform(12, -1, 1);
      y.mul(tensor(dy, [2, 6]) as AgTensor)
        .sum()
        .backward();
      expect(Array.from((x.grad as AgTensor).data)).toEqual(Array.from(dy));
      // Plain data in: a tensor over the caller's own array, no copy.
      const xd = t(new Rng(3).uniform(12, -1, 1), [2, 6]);
      expect(m.forward(xd).data).toBe(xd.data);
    });

    it('train: gradcheck with a frozen mask, and backward multiplies by the forward mask', () => {
      setBackend(name);
      gradcheck(new FrozenDropout(0.3), [7], 5);
      gradcheck(new FrozenDropout(0.5), [2, 3, 4], 3);
      const p = 0.3;
      const m = new Model(new Dropout(p), [1000], { seed: 4 });
      const x = t(new Rng(2).uniform(100_000, 0.5, 1.5), [100, 1000]);
      const y = Float32Array.from(m.forward(x, { training: true }).data);
      const scale = Math.fround(1 / (1 - p));
      let zeros = 0;
      for (let i = 0; i < y.length; i++) {
        if (y[i] === 0) zeros++;
        else expect(y[i]).toBe(Math.fround(x.data[i] * scale));
      }
      expect(Math.abs(zeros / y.length - p)).toBeLessThan(0.01);
      const dy = t(new Rng(3).uniform(100_000, -1, 1), [100, 1000]);
      const dx = m.backward(dy).data;
      for (let i = 0; i < y.length; i++) {
        const want = y[i] === 0 ? 0 : Math.fround(dy.data[i] * scale);
        if (dx[i] !== want) expect(dx[i], `dx[${i}]`).toBe(want);
      }
      // A new forward draws a new mask.
      const y2 = m.forward(x, { training: true }).data;
      expect(y2.some((v, i) => (v === 0) !== (y[i] === 0))).toBe(true);
    });

    it('p = 0 in training is the identity; p = 1 zeroes everything', () => {
      setBackend(name);
      const x = leafOf(new Rng(5).uniform(20, -1, 1), [4, 5]);
      expect(new Model(new Dropout(0), [5]).forward(x, { training: true })).toBe(x);
      const y = new Model(new Dropout(1), [5]).forward(x, { training: true });
      expect(Array.from(y.data).every((v) => v === 0)).toBe(true);
    });
  });

  describe('BatchNorm', () => {
    it('gradcheck in training mode (batch statistics) on [N, C], [N, C, L], [N, C, H, W]', () => {
      setBackend(name);
      gradcheck(new BatchNorm1d(3), [3], 6);
      gradcheck(new BatchNorm1d(4), [4, 5], 3);
      gradcheck(new BatchNorm2d(3), [3, 4, 5], 2);
      gradcheck(new BatchNorm2d(2, { affine: false }), [2, 3, 3], 3);
      gradcheck(new BatchNorm1d(2, { momentum: null }), [2, 17], 2);
    });

    it('gradcheck in eval mode (running statistics: the affine map)', () => {
      setBackend(name);
      for (const [layer, shape] of [
        [new BatchNorm1d(3), [3]],
        [new BatchNorm1d(4), [4, 5]],
        [new BatchNorm2d(3), [3, 4, 5]],
      ] as const) {
        const rm = layer.runningMean as Float32Array;
        const rv = layer.runningVar as Float32Array;
        for (let c = 0; c < rm.length; c++) {
          rm[c] = 0.2 * c - 0.1;
          rv[c] = 0.5 + 0.7 * c;
        }
        gradcheck(layer, [...shape], 4, { training: false });
      }
      // Without running statistics, eval normalises with the batch's (full backward).
      gradcheck(new BatchNorm1d(3, { trackRunningStats: false }), [3], 5, { training: false });
    });

    it('running statistics and eval output match torch 2.15', () => {
      setBackend(name);
      // Inputs: our seeded Rng; reference numbers computed with torch 2.15.0 (CPU, float32)
      // from exactly these inputs: torch.nn.BatchNorm1d(3) trained on three [5, 3] batches,
      // then evaluated on a fourth.
      const rngA = new Rng(101);
      const a = new BatchNorm1d(3);
      const ma = new Model(a, [3]);
      for (let k = 0; k < 3; k++)
        ma.forward(t(rngA.uniform(15, -2, 3), [5, 3]), { training: true });
      close(
        a.runningMean as Float32Array,
        [0.2461097091436386, 0.1459437757730484, 0.10335932672023773],
        3e-7,
        'A runningMean',
      );
      close(
        a.runningVar as Float32Array,
        [1.2125303745269775, 1.3549609184265137, 1.1266831159591675],
        3e-7,
        'A runningVar',
      );
      expect(a.numBatchesTracked?.[0]).toBe(3);
      const ya = ma.forward(t(rngA.uniform(15, -2, 3), [5, 3])).data;
      close(
        ya,
        [
          0.220730260014534, 1.3152999877929688, -1.6268709897994995, 0.9370708465576172,
          1.9277570247650146, 2.4699549674987793, 1.2502038478851318, 1.3773454427719116,
          2.037370204925537, 0.8849876523017883, 2.053370475769043, 0.3692762553691864,
          1.9428071975708008, 2.0912203788757324, -0.32138416171073914,
        ],
        5e-7,
        'A eval output',
      );
      // torch.nn.BatchNorm2d(2, momentum=None) (cumulative average) on three [4, 2, 3, 3]
      // batches of Rng(202).uniform(72, −1, 4), then eval on a fourth.
      const rngB = new Rng(202);
      const b = new BatchNorm2d(2, { momentum: null });
      const mb = new Model(b, [2, 3, 3]);
      for (let k = 0; k < 3; k++)
        mb.forward(t(rngB.uniform(72, -1, 4), [4, 2, 3, 3]), { training: true });
      close(
        b.runningMean as Float32Array,
        [1.407734751701355, 1.6081573963165283],
        3e-7,
        'B runningMean',
      );
      close(
        b.runningVar as Float32Array,
        [2.2580912113189697, 1.5266069173812866],
        3e-7,
        'B runningVar',
      );
      expect(b.numBatchesTracked?.[0]).toBe(3);
      const yb = mb.forward(t(rngB.uniform(72, -1, 4), [4, 2, 3, 3])).data.subarray(0, 8);
      close(
        yb,
        [
          -1.186454176902771, -0.7929518818855286, -1.1176215410232544, 0.6228158473968506,
          -0.8691606521606445, -1.536676049232483, -1.3917587995529175, 0.6033645868301392,
        ],
        5e-7,
        'B eval output',
      );
      // torch.nn.BatchNorm1d(4, momentum=0.3) on two [6, 4, 5] batches of Rng(303).uniform(120, −3, 1).
      const rngC = new Rng(303);
      const c = new BatchNorm1d(4, { momentum: 0.3 });
      const mc = new Model(c, [4, 5]);
      for (let k = 0; k < 2; k++)
        mc.forward(t(rngC.uniform(120, -3, 1), [6, 4, 5]), { training: true });
      close(
        c.runningMean as Float32Array,
        [-0.4685662090778351, -0.5206853151321411, -0.5783842206001282, -0.7145611047744751],
        3e-7,
        'C runningMean',
      );
      close(
        c.runningVar as Float32Array,
        [1.2416894435882568, 1.1755783557891846, 1.1720554828643799, 0.9885904788970947],
        3e-7,
        'C runningVar',
      );
      expect(mc.stateBuffers().map((s) => s.name)).toEqual([
        'runningMean',
        'runningVar',
        'numBatchesTracked',
      ]);
    });

    it('training backward matches torch 2.15 (BatchNorm2d(3) with γ, β on [2, 3, 4, 5])', () => {
      setBackend(name);
      // Rng(404): x = uniform(120), γ = uniform(3), β = uniform(3), dy = uniform(120), all in
      // [−1, 1); running stats set to [0.1, −0.2, 0.3] / [0.5, 1.5, 2]; numbers from torch 2.15.
      const rng = new Rng(404);
      const [x, g, bt, dy] = [
        rng.uniform(120, -1, 1),
        rng.uniform(3, -1, 1),
        rng.uniform(3, -1, 1),
        rng.uniform(120, -1, 1),
      ];
      const bn = new BatchNorm2d(3);
      const m = new Model(bn, [3, 4, 5]);
      const [w, b] = m.parameters();
      w.data.set(g);
      b.data.set(bt);
      bn.runningMean?.set([0.1, -0.2, 0.3]);
      bn.runningVar?.set([0.5, 1.5, 2]);
      m.zeroGrad();
      const y = m.forward(t(x, [2, 3, 4, 5]), { training: true });
      close(
        y.data.subarray(0, 6),
        [
          -0.6258165836334229, -1.0694661140441895, -0.30326488614082336, -0.1592729538679123,
          0.047427643090486526, -0.19386421144008636,
        ],
        5e-7,
        'y',
      );
      const dx = m.backward(t(dy, [2, 3, 4, 5]));
      close(
        dx.data.subarray(0, 6),
        [
          -1.2723132371902466, 0.7986730933189392, 0.10021554678678513, 0.1782379448413849,
          -0.09345348924398422, -0.38428282737731934,
        ],
        1e-6,
        'dx',
      );
      close(w.grad, [-2.1628971099853516, 1.568806529045105, 0.05302000418305397], 1e-6, 'dγ');
      close(b.grad, [-4.476446628570557, 3.1256539821624756, 2.6121811866760254], 1e-6, 'dβ');
      close(
        bn.runningMean as Float32Array,
        [0.08881586790084839, -0.18674415349960327, 0.2762193977832794],
        3e-7,
        'runningMean',
      );
      close(
        bn.runningVar as Float32Array,
        [0.48671385645866394, 1.380527377128601, 1.835709810256958],
        3e-7,
        'runningVar',
      );
    });

    it.each(doubleForward.map((c) => [String(c.momentum), c] as const))(
      'two training forwards then one backward match torch 2.15 (momentum %s)',
      (_m, c) => {
        setBackend(name);
        // BatchNorm2d(3) in train mode called on x1 [4, 3, 5, 3] then x2 [3, 3, 5, 3] (a GAN's
        // discriminator on real then fake), backward of Σ dy1·y1 + Σ dy2·y2 through both.
        const make = () => {
          const bn = new BatchNorm2d(3, { momentum: c.momentum });
          const m = new Model(bn, [3, 5, 3]).train();
          const [w, b] = m.parameters();
          w.data.set(c.weight);
          b.data.set(c.bias);
          return { bn, m, w, b };
        };
        const s1 = [4, 3, 5, 3];
        const s2 = [3, 3, 5, 3];
        const dy1 = tensor(Float32Array.from(c.dy1), s1) as AgTensor;
        const dy2 = tensor(Float32Array.from(c.dy2), s2) as AgTensor;
        const { bn, m, w, b } = make();
        const x1 = leafOf(Float32Array.from(c.x1), s1);
        const x2 = leafOf(Float32Array.from(c.x2), s2);
        const y1 = m.forward(x1);
        const y2 = m.forward(x2);
        close(y1.data, c.y1, 1e-5, 'y1');
        close(y2.data, c.y2, 1e-5, 'y2');
        // Model.backward(dy) cannot tell which output dy belongs to: refused, nothing written.
        expect(() => m.backward(dy2)).toThrow(/ran forward more than once .* ambiguous/);
        expect(m.grads.every((v) => v === 0)).toBe(true);
        y1.mul(dy1).sum().add(y2.mul(dy2).sum()).backward();
        close((x1.grad as AgTensor).data, c.dx1, 1e-5, 'dx1');
        close((x2.grad as AgTensor).data, c.dx2, 1e-5, 'dx2');
        close(w.grad, c.dWeight, 1e-5, 'dγ');
        close(b.grad, c.dBias, 1e-5, 'dβ');
        close(bn.runningMean as Float32Array, c.runningMean, 1e-6, 'runningMean');
        close(bn.runningVar as Float32Array, c.runningVar, 1e-6, 'runningVar');
        expect(bn.numBatchesTracked?.[0]).toBe(c.numBatchesTracked);
        // The same as each forward followed by its own backward, gradients summed.
        const sep = make();
        sep.m.forward(t(Float32Array.from(c.x1), s1));
        const dx1 = sep.m.backward(dy1);
        sep.m.forward(t(Float32Array.from(c.x2), s2));
        const dx2 = sep.m.backward(dy2);
        close(dx1.data, (x1.grad as AgTensor).data, 1e-6, 'separate dx1');
        close(dx2.data, (x2.grad as AgTensor).data, 1e-6, 'separate dx2');
        close(sep.m.grads, m.grads, 1e-6, 'separate dγ, dβ');
        expect(Array.from(sep.bn.runningMean as Float32Array)).toEqual(
          Array.from(bn.runningMean as Float32Array),
        );
        expect(Array.from(sep.bn.runningVar as Float32Array)).toEqual(
          Array.from(bn.runningVar as Float32Array),
        );
      },
    );

    it('eval after training uses the running statistics; train mode does not', () => {
      setBackend(name);
      const bn = new BatchNorm1d(2);
      const m = new Model(bn, [2]);
      const x = t(Float32Array.from([1, 10, 3, 20, 5, 30]), [3, 2]);
      const yt = Array.from(m.forward(x, { training: true }).data);
      // Batch stats: channel 0 mean 3, var 8/3 → (x − 3)/√(8/3 + ε).
      expect(yt[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3 + 1e-5), 6);
      expect(Array.from(bn.runningMean as Float32Array)).toEqual([
        Math.fround(0.3),
        Math.fround(2),
      ]);
      // Unbiased variance in the running update: 0.9 + 0.1·4 and 0.9 + 0.1·100.
      close(bn.runningVar as Float32Array, [1.3, 10.9], 1e-7, 'runningVar');
      const ye = m.forward(x).data;
      expect(ye[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(1.3 + 1e-5), 5);
      expect(bn.numBatchesTracked?.[0]).toBe(1);
    });

    it('trackRunningStats: false has no buffers and always uses batch statistics', () => {
      setBackend(name);
      const bn = new BatchNorm1d(2, { trackRunningStats: false });
      const m = new Model(bn, [2]);
      expect(m.stateBuffers()).toEqual([]);
      const x = t(Float32Array.from([1, 10, 3, 20, 5, 30]), [3, 2]);
      const a = Array.from(m.forward(x, { training: true }).data);
      const b = Array.from(m.forward(x).data);
      expect(b).toEqual(a);
    });
  });

  describe('LayerNorm', () => {
    it('gradcheck: affine, without bias, without affine, over several trailing dims', () => {
      setBackend(name);
      gradcheck(new RandomAffineLayerNorm(5), [5], 4);
      gradcheck(new RandomAffineLayerNorm([4, 5]), [2, 4, 5], 3);
      gradcheck(new RandomAffineLayerNorm(6, { bias: false }), [3, 6], 2);
      gradcheck(new LayerNorm(7, { elementwiseAffine: false }), [7], 3);
    });

    it('matches torch 2.15 on [3, 2, 4, 5] with normalizedShape [4, 5]', () => {
      setBackend(name);
      // Rng(505): x = uniform(120), γ = uniform(20), β = uniform(20), dy = uniform(120) in [−1, 1).
      const rng = new Rng(505);
      const [x, g, bt, dy] = [
        rng.uniform(120, -1, 1),
        rng.uniform(20, -1, 1),
        rng.uniform(20, -1, 1),
        rng.uniform(120, -1, 1),
      ];
      const ln = new LayerNorm([4, 5]);
      const m = new Model(ln, [2, 4, 5]);
      const [w, b] = m.parameters();
      w.data.set(g);
      b.data.set(bt);
      m.zeroGrad();
      const y = m.forward(t(x, [3, 2, 4, 5]));
      close(
        y.data.subarray(0, 4),
        [0.4194527864456177, -1.5838273763656616, 1.934253454208374, 0.09605080634355545],
        5e-7,
        'y',
      );
      const dx = m.backward(t(dy, [3, 2, 4, 5]));
      close(
        dx.data.subarray(0, 4),
        [-0.6777029037475586, -0.010883470997214317, -0.3581177890300751, -0.3498694598674774],
        1e-6,
        'dx',
      );
      close(
        w.grad.subarray(0, 4),
        [-0.7345930337905884, -1.3150272369384766, 0.8545039892196655, -0.3849289119243622],
        1e-6,
        'dγ',
      );
      close(
        b.grad.subarray(0, 4),
        [0.28989994525909424, 2.1506991386413574, -0.1086735725402832, -1.1533339023590088],
        1e-6,
        'dβ',
      );
    });
  });

  describe('Flatten and Reshape', () => {
    it('are views: no copy forward, dy passed back unchanged, shapes as torch', () => {
      setBackend(name);
      const cases: Array<[Flatten | Reshape, number[], number[]]> = [
        [new Flatten(), [2, 3, 4], [24]],
        [new Flatten(2), [2, 3, 4], [2, 12]],
        [new Flatten(1, 2), [2, 3, 4], [6, 4]],
        [new Flatten(-2, -1), [2, 3, 4], [2, 12]],
        [new Flatten(1, -2), [2, 3, 4], [6, 4]],
        [new Flatten(3, 3), [2, 3, 4], [2, 3, 4]],
        [new Reshape([4, 6]), [2, 3, 4], [4, 6]],
        [new Reshape([-1, 2]), [2, 3, 4], [12, 2]],
        [new Reshape([3, -1, 2]), [24], [3, 4, 2]],
      ];
      for (const [layer, inShape, outShape] of cases) {
        const m = new Model(layer, inShape);
        expect(m.outputShape, layer.describe()).toEqual(outShape);
        const x = t(new Rng(1).uniform(5 * 24, -1, 1), [5, ...inShape]);
        const y = m.forward(x);
        expect(y.data).toBe(x.data);
        expect(y.shape).toEqual([5, ...outShape]);
        const dy = t(new Rng(2).uniform(5 * 24, -1, 1), [5, ...outShape]);
        const dx = m.backward(dy);
        // The engine hands the caller a gradient of its own (a copy of dy's values).
        expect(Array.from(dx.data)).toEqual(Array.from(dy.data));
        expect(dx.shape).toEqual(x.shape);
      }
      gradcheck(new Sequential([new Flatten(), new Linear(12, 3)]), [3, 4], 2);
      gradcheck(new Sequential([new Reshape([2, 6]), new LayerNorm(6)]), [12], 2);
    });
  });

  describe('Embedding', () => {
    it('gathers rows; Float32 and Int32 indices agree; padding row starts at zero', () => {
      setBackend(name);
      const e = new Embedding(10, 4, { paddingIdx: -1 });
      expect(e.paddingIdx).toBe(9);
      const m = new Model(e, [3]);
      expect(m.outputShape).toEqual([3, 4]);
      const w = e.weight.data;
      expect(Array.from(w.subarray(36, 40))).toEqual([0, 0, 0, 0]);
      // N(0, 1) init: the other rows are not all zero and have a plausible spread.
      let ss = 0;
      for (let i = 0; i < 36; i++) ss += w[i] * w[i];
      expect(ss / 36).toBeGreaterThan(0.3);
      expect(ss / 36).toBeLessThan(3);
      const idx = [2, 9, 2, 0, 7, 5];
      const yf = Float32Array.from(m.forward(t(Float32Array.from(idx), [2, 3])).data);
      const yi = e.forward({ data: Int32Array.from(idx), shape: [2, 3] });
      expect(Array.from(yi.data)).toEqual(Array.from(yf));
      expect(yi.shape).toEqual([2, 3, 4]);
      idx.forEach((r, k) => {
        expect(Array.from(yf.subarray(4 * k, 4 * k + 4))).toEqual(
          Array.from(w.subarray(4 * r, 4 * r + 4)),
        );
      });
    });

    it('backward scatter-adds into the weight gradient (finite differences), skips paddingIdx, dx = 0', () => {
      setBackend(name);
      const e = new Embedding(6, 5, { paddingIdx: 3 });
      const m = new Model(e, [4], { seed: 2 });
      const idx = Float32Array.from([1, 3, 1, 0, 5, 3, 1, 2]);
      const x = t(idx, [2, 4]);
      const wts = new Rng(8).uniform(40, -1, 1);
      const loss = () => {
        const y = m.forward(x).data;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += wts[i] * y[i];
        return s;
      };
      m.zeroGrad();
      m.forward(x);
      const dx = m.backward(t(Float32Array.from(wts), [2, 4, 5]));
      expect(dx.shape).toEqual([2, 4]);
      expect(Array.from(dx.data).every((v) => v === 0)).toBe(true);
      const g = e.weight.grad;
      const wd = e.weight.data;
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < 5; c++) {
          let want = 0;
          if (r !== 3) idx.forEach((v, k) => v === r && (want += wts[k * 5 + c]));
          expect(g[r * 5 + c]).toBeCloseTo(want, 6);
          if (r === 3) continue; // the padding row's gradient is defined as 0, not ∂L/∂w
          const v = wd[r * 5 + c];
          wd[r * 5 + c] = v + 0.5;
          const up = loss();
          wd[r * 5 + c] = v - 0.5;
          const down = loss();
          wd[r * 5 + c] = v;
          expect(g[r * 5 + c]).toBeCloseTo(up - down, 5);
        }
      }
    });

    it('refuses indices that are not integers in [0, numEmbeddings)', () => {
      setBackend(name);
      const m = new Model(new Embedding(4, 2), [2]);
      for (const bad of [4, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
        expect(() => m.forward(t(Float32Array.from([0, bad]), [1, 2])), String(bad)).toThrow(
          /Embedding\.forward: index .* at position 1 is not an integer in \[0, 4\)/,
        );
      }
      const e = new Embedding(4, 2);
      new Model(e, [2]);
      expect(() => e.forward({ data: Int32Array.from([0, 4]), shape: [1, 2] })).toThrow(
        /Embedding\.forward: index 4 at position 1 is not an integer in \[0, 4\)/,
      );
    });

    it('takes indices of any shape, as torch: [...S] → [...S, embeddingDim]', () => {
      setBackend(name);
      const e = new Embedding(5, 3);
      const m = new Model(e, [2]);
      const w = e.weight.data;
      for (const shape of [[], [4], [1, 3], [2, 2, 3]]) {
        const n = shape.reduce((a, d) => a * d, 1);
        const idx = Int32Array.from({ length: n }, (_, i) => (3 * i + 1) % 5);
        const y = m.forward({ data: idx, shape });
        expect(y.shape).toEqual([...shape, 3]);
        idx.forEach((r, k) =>
          expect(Array.from(y.data.subarray(3 * k, 3 * k + 3))).toEqual(
            Array.from(w.subarray(3 * r, 3 * r + 3)),
          ),
        );
      }
    });
  });

  describe('Residual', () => {
    it('gradcheck with an identity shortcut, a Linear shortcut, and a BatchNorm body', () => {
      setBackend(name);
      gradcheck(
        new Residual(new Sequential([new Linear(4, 6), new Tanh(), new Linear(6, 4)])),
        [4],
        3,
      );
      gradcheck(new Residual(new Linear(5, 3), new Linear(5, 3, { bias: false })), [5], 4);
      // The ResNet block pattern on dense layers: Linear-BN-Tanh-Linear-BN + identity.
      gradcheck(
        new Residual(
          new Sequential([
            new Linear(4, 4),
            new BatchNorm1d(4),
            new Tanh(),
            new Linear(4, 4),
            new BatchNorm1d(4),
          ]),
        ),
        [4],
        6,
      );
    });

    it('y = body(x) + shortcut(x); parameters are named by branch', () => {
      setBackend(name);
      const body = new Linear(3, 2);
      const sc = new Linear(3, 2);
      const m = new Model(new Residual(body, sc), [3], { seed: 5 });
      expect(m.parameters().map((p) => p.name)).toEqual([
        '0.weight',
        '0.bias',
        '1.weight',
        '1.bias',
      ]);
      const x = t(new Rng(9).uniform(6, -1, 1), [2, 3]);
      const y = Float32Array.from(m.forward(x).data);
      const a = Float32Array.from(body.forward(x).data);
      const b = sc.forward(x).data;
      for (let i = 0; i < y.length; i++) expect(y[i]).toBe(Math.fround(a[i] + b[i]));
    });
  });
});

describe('same seed, same dropout mask on both backends', () => {
  it('js and native produce identical training outputs', () => {
    const x = t(new Rng(1).uniform(4096, -1, 1), [64, 64]);
    const out = (['js', 'native'] as BackendName[]).map((n) => {
      setBackend(n);
      const m = new Model(new Sequential([new Dropout(0.25), new Dropout(0.5)]), [64], {
        seed: 11,
      });
      m.forward(x, { training: true });
      return Array.from(m.forward(x, { training: true }).data);
    });
    expect(out[1]).toEqual(out[0]);
  });
});

describe('bad input', () => {
  it('refuses bad constructor arguments, naming the layer and the argument', () => {
    const cases: Array<[() => unknown, ErrorConstructor, RegExp]> = [
      [() => new Dropout(-0.1), RangeError, /Dropout: p must be a probability/],
      [() => new Dropout(1.5), RangeError, /Dropout: p/],
      [() => new Dropout(Number.NaN), RangeError, /Dropout: p/],
      [() => new Dropout('0.5' as unknown as number), TypeError, /Dropout: p/],
      [() => new BatchNorm1d(0), RangeError, /BatchNorm1d: numFeatures/],
      [() => new BatchNorm2d(2.5), TypeError, /BatchNorm2d: numFeatures/],
      [() => new BatchNorm1d(3, { eps: -1 }), RangeError, /BatchNorm1d: eps/],
      [() => new BatchNorm1d(3, { momentum: Number.NaN }), RangeError, /BatchNorm1d: momentum/],
      [
        () => new BatchNorm2d(3, { affine: 1 as unknown as boolean }),
        TypeError,
        /BatchNorm2d: affine/,
      ],
      [() => new LayerNorm([]), RangeError, /LayerNorm: normalizedShape/],
      [() => new LayerNorm(0), RangeError, /LayerNorm: normalizedShape/],
      [() => new LayerNorm(4, { eps: Number.POSITIVE_INFINITY }), RangeError, /LayerNorm: eps/],
      [() => new LayerNorm(4, { bias: 'no' as unknown as boolean }), TypeError, /LayerNorm: bias/],
      [() => new Flatten(1.5), TypeError, /Flatten: startDim/],
      [() => new Reshape([2, -1, -1]), RangeError, /Reshape: shape/],
      [() => new Reshape([2, 0]), RangeError, /Reshape: shape/],
      [() => new Embedding(0, 3), RangeError, /Embedding: numEmbeddings/],
      [() => new Embedding(5, -3), RangeError, /Embedding: embeddingDim/],
      [() => new Embedding(5, 3, { paddingIdx: 5 }), RangeError, /Embedding: paddingIdx/],
      [() => new Embedding(5, 3, { maxNorm: 1 } as object), TypeError, /Embedding: option maxNorm/],
      [() => new Residual({} as Linear), TypeError, /Residual: body/],
      [
        () => new Residual(new Linear(2, 2), 3 as unknown as Linear),
        TypeError,
        /Residual: shortcut/,
      ],
    ];
    for (const [f, type, re] of cases) {
      expect(f, re.source).toThrow(type);
      expect(f, re.source).toThrow(re);
    }
    const l = new Linear(2, 2);
    expect(() => new Residual(l, l)).toThrow(/Residual: shortcut must be a different layer/);
  });

  it('refuses input shapes the layer cannot take, naming the layer and both shapes', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => new Model(new BatchNorm1d(3), [4]),
        /BatchNorm1d: expected input of shape \[batch, C\] or \[batch, C, L\] with C = 3, got \[batch, 4\]/,
      ],
      [() => new Model(new BatchNorm1d(3), [3, 2, 2]), /BatchNorm1d: .* got \[batch, 3, 2, 2\]/],
      [
        () => new Model(new BatchNorm2d(3), [3, 4]),
        /BatchNorm2d: expected input of shape \[batch, C, H, W\] with C = 3, got \[batch, 3, 4\]/,
      ],
      [
        () => new Model(new LayerNorm([4, 5]), [5, 4]),
        /LayerNorm: expected input of shape \[batch, …, 4, 5\].*got \[batch, 5, 4\]/,
      ],
      [() => new Model(new Flatten(0), [3, 4]), /Flatten: startDim 0 would merge the batch axis/],
      [() => new Model(new Flatten(2, 1), [3, 4]), /Flatten: startDim 2 comes after endDim 1/],
      [() => new Model(new Flatten(1, 5), [3, 4]), /Flatten: .* out of range/],
      [
        () => new Model(new Reshape([5, -1]), [3, 4]),
        /Reshape: cannot reshape a sample of shape \[3, 4\] \(12 elements\) to \[5, -1\]/,
      ],
      [
        () => new Model(new Residual(new Linear(3, 2)), [3]),
        /Residual: the body's output shape \[batch, 2\] differs from the shortcut's \[batch, 3\]/,
      ],
    ];
    for (const [f, re] of cases) {
      expect(f, re.source).toThrow(RangeError);
      expect(f, re.source).toThrow(re);
    }
    // (Dropout takes any shape, as torch.)
    for (const layer of [
      new BatchNorm2d(2),
      new LayerNorm(4),
      new Flatten(),
      new Residual(new Linear(4, 4)),
    ]) {
      const shape = layer instanceof BatchNorm2d ? [2, 2, 2] : [4];
      const m = new Model(layer, shape);
      expect(() => m.forward(t(new Float32Array(15), [3, 5])), layer.describe()).toThrow(
        /expected input of shape \[batch, .*\], got \[3, 5\]/,
      );
      m.forward(t(new Float32Array(2 * shape.reduce((a, d) => a * d, 1)), [2, ...shape]), {
        training: true,
      });
      expect(() => m.backward(t(new Float32Array(3), [3]))).toThrow(
        /backward: expected a gradient of shape/,
      );
    }
  });

  it('batch norm refuses training on one value per channel (as torch)', () => {
    const m = new Model(new BatchNorm1d(3), [3]);
    expect(() => m.forward(t(new Float32Array(3), [1, 3]), { training: true })).toThrow(
      /BatchNorm1d.forward: expected more than 1 value per channel when training, got input of shape \[1, 3\]/,
    );
    // Eval with running statistics is fine on a single sample.
    expect(m.forward(t(new Float32Array(3), [1, 3])).shape).toEqual([1, 3]);
  });

  it('backward before forward is an error', () => {
    for (const layer of [
      new BatchNorm1d(2),
      new LayerNorm(2),
      new Embedding(3, 2),
      new Dropout(),
      new Flatten(),
    ]) {
      const m = new Model(layer, [2]);
      expect(() => m.backward(t(new Float32Array(4), [2, 2]))).toThrow(
        /backward: called before forward/,
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Kernel parity, native vs js. Tolerances (as __test__/parity.test.ts):
// - mean, Σdy, Σdy·(x − μ), dγ, dβ (sums): ≤ 4e-6 · Σ|terms| (f32 blocks of ≤ 32 roundings
//   + the rounding of each product, summed in f64);
// - variance (a sum of positive terms): ≤ 1e-5 relative;
// - elementwise results: ≤ 1e-5 · (sum of the magnitudes of the formula's terms);
// - embedding gather/scatter: bit-identical (copies; f32 adds in the same order).
// ---------------------------------------------------------------------------------------------

const OFFSET = 3;
function rand(n: number, lo: number, hi: number, seed: number): Float32Array {
  const buf = new Float32Array(n + OFFSET + 5);
  jsKernels.rngUniform(seedState(seed), buf, lo, hi);
  return buf.subarray(OFFSET, OFFSET + n);
}
function view(n: number): Float32Array {
  return new Float32Array(n + OFFSET + 2).subarray(OFFSET, OFFSET + n);
}
/** The worst |a − b| / tol(i) > 1, or null. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, tol: (i: number) => number) {
  let bad: { i: number; got: number; want: number; excess: number } | null = null;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const excess = Math.abs(a[i] - b[i]) / tol(i);
    if (!(excess <= 1) && (bad === null || excess > bad.excess))
      bad = { i, got: a[i], want: b[i], excess };
  }
  return bad;
}

describe.each([
  ['native', nativeUnderTest()],
  ['wasm', wasmUnderTest()],
] as [string, Kernels][])('normalisation and embedding kernels: %s vs js', (name, native) => {
  const js: Kernels = jsKernels;
  // (outer, channels, inner): [N, C] shapes, short and long runs, ragged tails, > 1 block,
  // and two of about a million elements (threads).
  const SHAPES: Array<[number, number, number]> = [
    [1, 1, 1],
    [2, 3, 1],
    [7, 5, 1],
    [33, 17, 1],
    [5, 4, 3],
    [40, 3, 7],
    [3, 2, 16],
    [4, 3, 17],
    [2, 3, 1023],
    [65_537, 16, 1],
    [64, 16, 1031],
  ];
  const FLT_MIN = 1.1754943508222875e-38;

  it.each(SHAPES)('batch norm kernels on (%i, %i, %i)', (outer, channels, inner) => {
    const n = outer * channels * inner;
    for (const [lo, hi] of [
      [-2, 3],
      [1e4 - 1, 1e4 + 1],
    ]) {
      const x = rand(n, lo, hi, 1);
      const dy = rand(n, -1, 1, 2);
      const res = [js, native].map((k) => {
        const mean = view(channels);
        const v = view(channels);
        k.batchNormStats(mean, v, x, outer, channels, inner);
        return { mean, v };
      });
      const m = outer * inner;
      const absMean = new Float64Array(channels);
      const at = (o: number, c: number, i: number) => (o * channels + c) * inner + i;
      for (let o = 0; o < outer; o++)
        for (let c = 0; c < channels; c++)
          for (let i = 0; i < inner; i++) absMean[c] += Math.abs(x[at(o, c, i)]) / m;
      expect(worst(res[1].mean, res[0].mean, (c) => 4e-6 * absMean[c] + FLT_MIN)).toBeNull();
      expect(worst(res[1].v, res[0].v, (c) => 1e-5 * Math.abs(res[0].v[c]) + FLT_MIN)).toBeNull();

      // Elementwise forward/backward and the backward reductions, from the js statistics.
      const mean = res[0].mean;
      const scale = rand(channels, 0.5, 2, 3);
      const shift = rand(channels, -1, 1, 4);
      const q = rand(channels, -1, 1, 5);
      const r = rand(channels, -1, 1, 6);
      const [yj, yn] = [view(n), view(n)];
      js.batchNormForward(yj, x, mean, scale, shift, outer, channels, inner);
      native.batchNormForward(yn, x, mean, scale, shift, outer, channels, inner);
      const ch = (k: number) => Math.floor(k / inner) % channels;
      expect(
        worst(yn, yj, (k) => {
          const c = ch(k);
          return 1e-5 * (Math.abs((x[k] - mean[c]) * scale[c]) + Math.abs(shift[c])) + FLT_MIN;
        }),
      ).toBeNull();
      const [dj, dn] = [view(n), view(n)];
      js.batchNormBackward(dj, dy, x, mean, scale, q, r, outer, channels, inner);
      native.batchNormBackward(dn, dy, x, mean, scale, q, r, outer, channels, inner);
      expect(
        worst(dn, dj, (k) => {
          const c = ch(k);
          const terms =
            Math.abs(scale[c] * dy[k]) + Math.abs(q[c] * (x[k] - mean[c])) + Math.abs(r[c]);
          return 1e-5 * terms + FLT_MIN;
        }),
      ).toBeNull();
      const sums = [js, native].map((k) => {
        const s1 = view(channels);
        const s2 = view(channels);
        k.batchNormBackwardReduce(s1, s2, dy, x, mean, outer, channels, inner);
        return [s1, s2];
      });
      const a1 = new Float64Array(channels);
      const a2 = new Float64Array(channels);
      for (let k = 0; k < n; k++) {
        const c = ch(k);
        a1[c] += Math.abs(dy[k]);
        a2[c] += Math.abs(dy[k] * (x[k] - mean[c]));
      }
      expect(worst(sums[1][0], sums[0][0], (c) => 4e-6 * a1[c] + FLT_MIN)).toBeNull();
      expect(worst(sums[1][1], sums[0][1], (c) => 4e-6 * a2[c] + FLT_MIN)).toBeNull();
    }
  });

  it('batch norm statistics of no data are NaN on both backends', () => {
    for (const k of [js, native]) {
      const mean = new Float32Array(2);
      const v = new Float32Array(2);
      k.batchNormStats(mean, v, new Float32Array(0), 0, 2, 3);
      expect([...mean, ...v].every(Number.isNaN)).toBe(true);
    }
  });

  it.each([
    [1, 1],
    [3, 5],
    [7, 16],
    [40, 33],
    [300, 17],
    [2, 2500],
    [2000, 523],
  ])('layer norm kernels on %i × %i', (rows, cols) => {
    const n = rows * cols;
    for (const [lo, hi] of [
      [-2, 3],
      [1e3 - 1, 1e3 + 1],
    ]) {
      const x = rand(n, lo, hi, 7);
      const dy = rand(n, -1, 1, 8);
      const g = rand(cols, 0.5, 1.5, 9);
      const b = rand(cols, -1, 1, 10);
      for (const [gamma, beta] of [
        [g, b],
        [g, null],
        [null, null],
      ] as const) {
        const out = [js, native].map((k) => {
          const y = view(n);
          const mean = view(rows);
          const rstd = view(rows);
          k.layerNormForward(y, mean, rstd, x, gamma, beta, rows, cols, 1e-5);
          return { y, mean, rstd };
        });
        const [J, N] = out;
        const absMean = new Float64Array(rows);
        for (let k = 0; k < n; k++) absMean[Math.floor(k / cols)] += Math.abs(x[k]) / cols;
        expect(worst(N.mean, J.mean, (r) => 4e-6 * absMean[r])).toBeNull();
        expect(worst(N.rstd, J.rstd, (r) => 1e-5 * J.rstd[r])).toBeNull();
        // y = (x − mean)·rstd·γ + β: terms x·rstd·γ, mean·rstd·γ and β.
        expect(
          worst(N.y, J.y, (k) => {
            const r = Math.floor(k / cols);
            const j = k % cols;
            const gj = gamma ? Math.abs(gamma[j]) : 1;
            const bj = beta ? Math.abs(beta[j]) : 0;
            return 1e-5 * ((Math.abs(x[k]) + Math.abs(J.mean[r])) * J.rstd[r] * gj + bj) + FLT_MIN;
          }),
        ).toBeNull();
        // Backward from the same (js) statistics.
        const back = [js, native].map((k) => {
          const dx = view(n);
          const dg = gamma ? rand(cols, -1, 1, 11) : null;
          const db = beta ? rand(cols, -1, 1, 12) : null;
          k.layerNormBackward(dx, dg, db, dy, x, J.mean, J.rstd, gamma, rows, cols);
          return { dx, dg, db };
        });
        const meanG = new Float64Array(rows);
        const meanGX = new Float64Array(rows);
        const sumG = new Float64Array(cols);
        const sumB = new Float64Array(cols);
        const xh = (k: number) =>
          (x[k] - J.mean[Math.floor(k / cols)]) * J.rstd[Math.floor(k / cols)];
        for (let k = 0; k < n; k++) {
          const r = Math.floor(k / cols);
          const j = k % cols;
          const gk = Math.abs(dy[k] * (gamma ? gamma[j] : 1));
          meanG[r] += gk / cols;
          meanGX[r] += (gk * Math.abs(xh(k))) / cols;
          sumG[j] += Math.abs(dy[k] * xh(k));
          sumB[j] += Math.abs(dy[k]);
        }
        expect(
          worst(back[1].dx, back[0].dx, (k) => {
            const r = Math.floor(k / cols);
            const gk = Math.abs(dy[k] * (gamma ? gamma[k % cols] : 1));
            return 1e-5 * J.rstd[r] * (gk + meanG[r] + Math.abs(xh(k)) * meanGX[r]) + FLT_MIN;
          }),
        ).toBeNull();
        if (back[0].dg && back[1].dg)
          expect(worst(back[1].dg, back[0].dg, (j) => 4e-6 * (sumG[j] + 1) + FLT_MIN)).toBeNull();
        if (back[0].db && back[1].db)
          expect(worst(back[1].db, back[0].db, (j) => 4e-6 * (sumB[j] + 1) + FLT_MIN)).toBeNull();
      }
    }
  });

  it('embedding gather and scatter-add are bit-identical', () => {
    for (const [rows, dim, count] of [
      [1, 1, 1],
      [10, 7, 33],
      [1000, 64, 5000],
      [50, 300, 4097],
    ]) {
      const w = rand(rows * dim, -1, 1, 13);
      const idx = new Int32Array(count);
      const u = rand(count, 0, rows, 14);
      for (let i = 0; i < count; i++) idx[i] = Math.min(rows - 1, Math.floor(u[i]));
      const [oj, on] = [view(count * dim), view(count * dim)];
      js.embeddingForward(oj, w, idx, dim);
      native.embeddingForward(on, w, idx, dim);
      expect(
        Buffer.from(on.buffer, on.byteOffset, on.byteLength).equals(
          Buffer.from(oj.buffer, oj.byteOffset, oj.byteLength),
        ),
      ).toBe(true);
      const dy = rand(count * dim, -1, 1, 15);
      for (const pad of [-1, 0]) {
        const gj = rand(rows * dim, -1, 1, 16);
        const gn = Float32Array.from(gj);
        js.embeddingBackward(gj, dy, idx, dim, pad);
        native.embeddingBackward(gn, dy, idx, dim, pad);
        expect(Array.from(gn)).toEqual(Array.from(gj));
      }
    }
  });

  // The addon re-validates what it is given (a direct caller cannot cause undefined
  // behaviour); the wasm kernels, like js, trust the checked ops, so this case is native's.
  if (name === 'native')
    it('the native binding refuses bad sizes, aliasing and out-of-range indices', () => {
      const x = new Float32Array(12);
      expect(() =>
        native.batchNormStats(new Float32Array(3), new Float32Array(3), x, 2, 3, 3),
      ).toThrow(/batchNormStats: x has length 12, expected 18/);
      expect(() =>
        native.batchNormForward(
          x,
          x,
          new Float32Array(3),
          new Float32Array(3),
          new Float32Array(3),
          2,
          3,
          2,
        ),
      ).toThrow(/batchNormForward: y overlaps x in memory/);
      const buf = new Float32Array(8);
      expect(() =>
        native.batchNormStats(buf.subarray(0, 2), buf.subarray(1, 3), new Float32Array(4), 2, 2, 1),
      ).toThrow(/overlaps/);
      expect(() =>
        native.layerNormForward(
          new Float32Array(6),
          new Float32Array(2),
          new Float32Array(2),
          new Float32Array(6),
          new Float32Array(2),
          null,
          2,
          3,
          1e-5,
        ),
      ).toThrow(/layerNormForward: gamma has length 2, expected 3/);
      expect(() =>
        native.embeddingForward(
          new Float32Array(4),
          new Float32Array(6),
          Int32Array.from([0, 3]),
          2,
        ),
      ).toThrow(/embeddingForward: indices\[1\] = 3 is outside \[0, 3\)/);
      expect(() =>
        native.embeddingBackward(
          new Float32Array(6),
          new Float32Array(4),
          Int32Array.from([-1, 0]),
          2,
          -1,
        ),
      ).toThrow(/embeddingBackward: indices\[0\] = -1 is outside \[0, 3\)/);
    });
});
