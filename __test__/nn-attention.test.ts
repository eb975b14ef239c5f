/**
 * Attention on the tape, both backends (native with every kernel call routed to the addon):
 * scaledDotProductAttention, MultiheadAttention and TransformerEncoderLayer with torch's
 * weights loaded by name, against PyTorch's float64 references (fixtures/attention.json from
 * scripts/fixtures/gen_attention.py): outputs, attention weights, and the gradients of every
 * input and every parameter, with causal, boolean, float and key-padding masks, both layouts,
 * separate k/v sizes and unbatched input — within 1e-5 of the element or of the tensor's
 * largest element (helpers/torch-close.ts). Then finite-difference checks of the first and
 * second order, dropout, and bad input for every constructor and forward.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import { setAttentionFusion } from '../src/autograd/ops/attention.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { MultiheadAttention } from '../src/nn/attention.js';
import { Flatten } from '../src/nn/flatten.js';
import { GroupNorm } from '../src/nn/groupnorm.js';
import { Hardswish } from '../src/nn/hard-activations.js';
import { InstanceNorm2d } from '../src/nn/instancenorm.js';
import { Model } from '../src/nn/model.js';
import { PReLU } from '../src/nn/prelu.js';
import { Reshape } from '../src/nn/reshape.js';
import { Sequential } from '../src/nn/sequential.js';
import { Softmax } from '../src/nn/softmax.js';
import { TransformerEncoderLayer } from '../src/nn/transformer.js';
import { Adam } from '../src/optim/index.js';
import { Rng } from '../src/random.js';
import { loadCheckpoint, saveCheckpoint } from '../src/train/index.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';
import { torchClose, worst } from './helpers/torch-close.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface Mask extends Arr {
  dtype: 'int32' | 'float32';
}
interface SdpaCase {
  name: string;
  isCausal: boolean;
  scale: number | null;
  q: Arr;
  k: Arr;
  v: Arr;
  attnMask: Mask | null;
  y: number[];
  dy: number[];
  grads: number[][];
}
interface MhaCase {
  name: string;
  embedDim: number;
  numHeads: number;
  kdim: number;
  vdim: number;
  bias: boolean;
  batchFirst: boolean;
  selfAttention: boolean;
  isCausal: boolean;
  needWeights: boolean;
  averageAttnWeights: boolean;
  query: Arr;
  key?: Arr;
  value?: Arr;
  attnMask: Mask | null;
  keyPaddingMask: Mask | null;
  params: Record<string, Arr>;
  paramOrder: string[];
  y: number[];
  yShape: number[];
  dy: number[];
  weights?: number[];
  weightsShape?: number[];
  dw?: number[];
  grads: number[][];
}
interface EncoderCase {
  name: string;
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  activation: 'relu' | 'gelu';
  normFirst: boolean;
  batchFirst: boolean;
  isCausal: boolean;
  bias: boolean;
  src: Arr;
  srcMask: Mask | null;
  srcKeyPaddingMask: Mask | null;
  params: Record<string, Arr>;
  paramOrder: string[];
  y: number[];
  dy: number[];
  grads: number[][];
}
const fx = JSON.parse(
  readFileSync(new URL('./fixtures/attention.json', import.meta.url), 'utf8'),
) as { sdpa: SdpaCase[]; mha: MhaCase[]; encoder: EncoderCase[] };

const t = (a: readonly number[], shape: readonly number[]) =>
  ag.tensor(Float32Array.from(a), [...shape]) as Tensor;
const mask = (m: Mask | null) =>
  m === null
    ? null
    : m.dtype === 'int32'
      ? ag.tensor(Int32Array.from(m.data), m.shape)
      : t(m.data, m.shape);

/** Loads torch's parameters by name into a model whose parameters carry torch's names. */
function loadTorch(model: Model, params: Record<string, Arr>, order: string[]): void {
  expect(model.parameters().map((p) => p.name)).toEqual(order);
  for (const p of model.parameters()) {
    expect(p.shape).toEqual(params[p.name].shape);
    p.data.set(params[p.name].data);
  }
}

/** model.grads laid out as torch's gradients of the parameters, one array each. */
function paramGrads(model: Model): Float32Array[] {
  return model.parameters().map((p) => p.grad);
}

function mhaOf(c: MhaCase): { model: Model; layer: MultiheadAttention } {
  const layer = new MultiheadAttention(c.embedDim, c.numHeads, {
    bias: c.bias,
    kdim: c.kdim,
    vdim: c.vdim,
    batchFirst: c.batchFirst,
  });
  const model = new Model(layer);
  loadTorch(model, c.params, c.paramOrder);
  return { model, layer };
}

function encoderOf(c: EncoderCase): Model {
  const layer = new TransformerEncoderLayer(c.dModel, c.nhead, {
    dimFeedforward: c.dimFeedforward,
    dropout: 0,
    activation: c.activation,
    normFirst: c.normFirst,
    batchFirst: c.batchFirst,
    bias: c.bias,
  });
  const model = new Model(layer);
  loadTorch(model, c.params, c.paramOrder);
  return model;
}

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`attention against torch 2.15 (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      prevMin = setMinNativeLength(0);
    });
    afterAll(() => {
      setBackend(prev);
      setMinNativeLength(prevMin);
      if (process.env.TORCH_CLOSE_REPORT) console.log(`worst ${be}:`, worst);
    });

    it.each(fx.sdpa.map((c) => [c.name, c]))(
      'scaledDotProductAttention, %s: output and gradients of q, k, v',
      (_n, c) => {
        const [q, k, v] = [c.q, c.k, c.v].map((a) => leaf(a.data, a.shape));
        const y = ag.scaledDotProductAttention(q, k, v, {
          attnMask: mask(c.attnMask),
          isCausal: c.isCausal,
          scale: c.scale,
        });
        torchClose('y', y.data, c.y);
        const g = ag.gradients(y, [q, k, v], { gradOutputs: [t(c.dy, y.shape)] });
        g.forEach((gi, i) => torchClose(`grad ${'qkv'[i]}`, gi.data, c.grads[i]));
      },
    );

    it.each(
      fx.mha.flatMap((c) => [
        [`${c.name}, fused`, c, true] as const,
        [`${c.name}, composite`, c, false] as const,
      ]),
    )('MultiheadAttention, %s: output, weights, input and parameter gradients', (_n, c, fused) => {
      const prevFusion = setAttentionFusion(fused);
      onTestFinished(() => {
        setAttentionFusion(prevFusion);
      });
      const { model, layer } = mhaOf(c);
      const inputs = [c.query, ...(c.selfAttention ? [] : [c.key as Arr, c.value as Arr])].map(
        (a) => leaf(a.data, a.shape),
      );
      const [q, k, v] = c.selfAttention ? [inputs[0], null, null] : inputs;
      const run = (isCausal: boolean, attnMask: Tensor<'int32' | 'float32'> | null) =>
        layer.forward(q, k, v, {
          attnMask,
          keyPaddingMask: mask(c.keyPaddingMask),
          needWeights: c.needWeights,
          averageAttnWeights: c.averageAttnWeights,
          isCausal,
        });
      const [y, w] = run(c.isCausal, mask(c.attnMask));
      expect(y.shape).toEqual(c.yShape);
      torchClose('y', y.data, c.y);
      let loss = y.mul(t(c.dy, y.shape)).sum();
      if (c.needWeights) {
        expect(w?.shape).toEqual(c.weightsShape);
        torchClose('weights', (w as Tensor).data, c.weights as number[]);
        loss = loss.add((w as Tensor).mul(t(c.dw as number[], w?.shape ?? [])).sum());
      } else expect(w).toBeNull();
      loss.backward();
      inputs.forEach((x, i) => torchClose(`grad input ${i}`, x.grad?.data ?? [], c.grads[i]));
      paramGrads(model).forEach((g, i) =>
        torchClose(`grad ${c.paramOrder[i]}`, g, c.grads[inputs.length + i]),
      );
      if (c.isCausal) {
        // isCausal alone builds the same mask torch was given explicitly
        const [y2, w2] = run(true, null);
        torchClose('y, isCausal without attnMask', y2.data, c.y);
        torchClose('weights, isCausal without attnMask', (w2 as Tensor).data, c.weights ?? []);
      }
    });

    it.each(
      fx.encoder.flatMap((c) => [
        [`${c.name}, fused`, c, true] as const,
        [`${c.name}, composite`, c, false] as const,
      ]),
    )('TransformerEncoderLayer, %s: output, input and parameter gradients', (_n, c, fused) => {
      const prevFusion = setAttentionFusion(fused);
      onTestFinished(() => {
        setAttentionFusion(prevFusion);
      });
      const model = encoderOf(c);
      const src = leaf(c.src.data, c.src.shape);
      const layer = model.net as TransformerEncoderLayer;
      const run = (srcMask: Tensor<'int32' | 'float32'> | null, isCausal: boolean) =>
        layer.forward(src, {
          srcMask,
          srcKeyPaddingMask: mask(c.srcKeyPaddingMask),
          isCausal,
          training: true,
        });
      const y = run(mask(c.srcMask), c.isCausal);
      torchClose('y', y.data, c.y);
      y.backward(t(c.dy, y.shape));
      torchClose('grad src', src.grad?.data ?? [], c.grads[0]);
      paramGrads(model).forEach((g, i) => torchClose(`grad ${c.paramOrder[i]}`, g, c.grads[1 + i]));
      if (c.isCausal) torchClose('y, isCausal alone', run(null, true).data, c.y);
    });
  });
}

describe('finite differences (js backend)', () => {
  let prev: BackendName;
  beforeAll(() => {
    prev = getBackend().name;
    setBackend('js');
  });
  afterAll(() => setBackend(prev));
  const rnd = (shape: number[], seed: number) =>
    leaf(
      new Rng(seed).uniform(
        shape.reduce((a, d) => a * d, 1),
        -1,
        1,
      ),
      shape,
    );

  it('scaledDotProductAttention with a causal and a float mask: first and second order', () => {
    const q = rnd([2, 3, 4], 1);
    const k = rnd([2, 5, 4], 2);
    const v = rnd([2, 5, 3], 3);
    const m = t(new Rng(4).uniform(15, -1, 1) as unknown as number[], [3, 5]);
    const f = (a: Tensor, b: Tensor, c: Tensor) =>
      ag.scaledDotProductAttention(a, b, c, { attnMask: m, isCausal: true });
    gradcheck(f, [q, k, v]);
    gradgradcheck(f, [q, k, v]);
  });

  it('multiHeadAttention: every input and weight, first and second order', () => {
    const e = 6;
    const q = rnd([2, 3, e], 5);
    const kv = rnd([2, 4, e], 6);
    const win = rnd([3 * e, e], 7);
    const bin = rnd([3 * e], 8);
    const wo = rnd([e, e], 9);
    const bo = rnd([e], 10);
    const pad = ag.tensor(Int32Array.from([0, 0, 0, 1, 0, 0, 0, 0]), [2, 4]);
    const f = (a: Tensor, b: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) => {
      const [y, w] = ag.multiHeadAttention(
        a,
        b,
        b,
        { inProjWeight: w1, inProjBias: b1, outProjWeight: w2, outProjBias: b2 },
        { numHeads: 2, batchFirst: true, keyPaddingMask: pad },
      );
      return y.add((w as Tensor).sum());
    };
    gradcheck(f, [q, kv, win, bin, wo, bo], { probes: 20 });
    gradgradcheck(f, [q, kv, win, bin, wo, bo], { probes: 8 });
  });
  it('a float mask that requires grad is differentiated too (the tape path)', () => {
    const e = 4;
    const q = rnd([2, 3, e], 11);
    const mask = rnd([3, 3], 12);
    const w = { inProjWeight: rnd([3 * e, e], 13), outProjWeight: rnd([e, e], 14) };
    const f = (a: Tensor, m: Tensor) =>
      ag.multiHeadAttention(a, a, a, w, { numHeads: 2, batchFirst: true, attnMask: m })[0];
    gradcheck(f, [q, mask]);
    gradgradcheck(f, [q, mask], { probes: 8 });
  });
});

describe('dropout and modes', () => {
  it('dropout on the attention weights: drawn from the layer seed in training, off in eval', () => {
    const make = () => {
      const layer = new MultiheadAttention(8, 2, { dropout: 0.5, batchFirst: true });
      return { layer, model: new Model(layer, null, { seed: 3 }) };
    };
    const x = ag.randn([2, 5, 8], new Rng(1));
    const a = make();
    const b = make();
    const [ya] = a.layer.forward(x, x, x, { training: true, needWeights: false });
    const [yb] = b.layer.forward(x, x, x, { training: true, needWeights: false });
    expect(Array.from(ya.data)).toEqual(Array.from(yb.data)); // same seed, same masks
    const [yEval, wEval] = a.layer.forward(x, x, x, { training: false });
    const [yTrain2] = a.layer.forward(x, x, x, { training: true, needWeights: false });
    expect(Array.from(yTrain2.data)).not.toEqual(Array.from(yEval.data));
    // eval: rows of the averaged weights sum to 1
    const w = (wEval as Tensor).data;
    for (let r = 0; r < 10; r++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += w[r * 5 + j];
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('the fused node and the tape composite draw the same dropout masks and agree, both layouts', () => {
    for (const batchFirst of [true, false]) {
      const results = [true, false].map((fused) => {
        const prevFusion = setAttentionFusion(fused);
        try {
          const layer = new MultiheadAttention(12, 3, { dropout: 0.3, batchFirst });
          const model = new Model(layer, null, { seed: 5 });
          const x = leaf(new Rng(7).uniform(2 * 5 * 12, -1, 1), [2, 5, 12]);
          const [y, w] = layer.forward(x, x, x, { training: true, averageAttnWeights: false });
          y.sum()
            .add((w as Tensor).square().sum())
            .backward();
          return { y: y.data, w: (w as Tensor).data, dx: x.grad?.data ?? [], dp: model.grads };
        } finally {
          setAttentionFusion(prevFusion);
        }
      });
      const [f, c] = results;
      torchClose('y', f.y, Array.from(c.y));
      torchClose('weights', f.w, Array.from(c.w));
      torchClose('dx', f.dx, Array.from(c.dx));
      torchClose('parameter gradients', f.dp, Array.from(c.dp));
      // some weights were dropped (no mask here, so a zero is a dropped weight)
      expect(Array.from(f.w).filter((v) => v === 0).length).toBeGreaterThan(0.15 * f.w.length);
    }
  });

  it('a steady-state training step takes from the buffer pool only its output and the loss', () => {
    const layer = new TransformerEncoderLayer(16, 4, {
      dimFeedforward: 32,
      dropout: 0.1,
      batchFirst: true,
    });
    const model = new Model(layer, [7, 16], { seed: 1 });
    const x = ag.randn([3, 7, 16], new Rng(1));
    const pad = ag.tensor(
      Int32Array.from({ length: 21 }, (_, i) => (i % 7 > 4 ? 1 : 0)),
      [3, 7],
    );
    const step = () => {
      model.zeroGrad();
      layer.forward(x, { training: true, isCausal: true, srcKeyPaddingMask: pad }).sum().backward();
    };
    for (let i = 0; i < 3; i++) step();
    const before = ag.poolStats().allocations;
    for (let i = 0; i < 10; i++) step();
    // the layer's output and the summed loss are the caller's, everything else is recycled
    expect(ag.poolStats().allocations - before).toBe(20);
  });

  it('a checkpoint of the new layers resumes bit for bit (running statistics, dropout streams)', () => {
    const build = () => {
      const net = new Sequential([
        new InstanceNorm2d(3, { affine: true, trackRunningStats: true }),
        new GroupNorm(1, 3),
        new PReLU(3),
        new Flatten(),
        new Reshape([4, 6]),
        new TransformerEncoderLayer(6, 2, { dimFeedforward: 8, batchFirst: true, dropout: 0.2 }),
        new Hardswish(),
        new Softmax(-1),
      ]);
      const m = new Model(net, [3, 4, 2], { seed: 3 });
      return { m, opt: new Adam(m.parameters()) };
    };
    const x = ag.randn([5, 3, 4, 2], new Rng(1));
    const step = (s: ReturnType<typeof build>) => {
      s.opt.zeroGrad();
      s.m.forward(x, { training: true }).square().sum().backward();
      s.opt.step();
    };
    const a = build();
    for (let i = 0; i < 3; i++) step(a);
    const dir = join(mkdtempSync(join(tmpdir(), 'descent-attn-')), 'ck');
    saveCheckpoint(dir, { model: a.m, optimizer: a.opt, epoch: 3 });
    // the manifest describes each layer by its constructor arguments
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const configs = Object.fromEntries(
      manifest.architecture.layers.map((l: { className: string; config: unknown }) => [
        l.className,
        l.config,
      ]),
    );
    expect(configs.TransformerEncoderLayer).toMatchObject({ dModel: 6, nhead: 2, dropout: 0.2 });
    expect(configs.InstanceNorm2d).toMatchObject({ numFeatures: 3, trackRunningStats: true });
    expect(configs.GroupNorm).toEqual({ numGroups: 1, numChannels: 3, eps: 1e-5, affine: true });
    expect(configs.PReLU).toEqual({ numParameters: 3, init: 0.25 });
    expect(configs.Softmax).toEqual({ dim: -1 });
    const b = build();
    loadCheckpoint(dir, { model: b.m, optimizer: b.opt });
    step(a);
    step(b);
    expect(Array.from(b.m.params)).toEqual(Array.from(a.m.params));
    expect(b.m.stateBuffers().map((s) => Array.from(s.data))).toEqual(
      a.m.stateBuffers().map((s) => Array.from(s.data)),
    );
  });

  it('an encoder layer is called twice before one backward (two graphs, both correct)', () => {
    const layer = new TransformerEncoderLayer(8, 2, {
      dimFeedforward: 16,
      dropout: 0,
      batchFirst: true,
    });
    const model = new Model(layer, [5, 8], { seed: 2 });
    const x1 = ag.randn([2, 5, 8], new Rng(1));
    const x2 = ag.randn([2, 5, 8], new Rng(2));
    model.forward(x1).sum().add(model.forward(x2).sum()).backward();
    const both = Float32Array.from(model.grads);
    model.zeroGrad();
    model.forward(x1).sum().backward();
    model.forward(x2).sum().backward();
    torchClose('grads, two graphs vs one after the other', both, Array.from(model.grads));
  });
});

describe('bad input', () => {
  const ctors: Array<[string, () => unknown, RegExp]> = [
    [
      'MHA unknown key',
      () => new MultiheadAttention(8, 2, { batch_first: true } as never),
      /MultiheadAttention: unknown option "batch_first" \(did you mean "batchFirst"\?\)/,
    ],
    [
      'MHA unsupported torch option',
      () => new MultiheadAttention(8, 2, { addZeroAttn: true } as never),
      /MultiheadAttention: unknown option "addZeroAttn".*valid: dropout, bias, kdim, vdim, batchFirst/,
    ],
    [
      'MHA heads',
      () => new MultiheadAttention(10, 3),
      /MultiheadAttention: embedDim \(10\) must be divisible by numHeads \(3\)/,
    ],
    [
      'MHA embedDim type',
      () => new MultiheadAttention('8' as never, 2),
      /MultiheadAttention: embedDim must be a positive integer, got string "8"/,
    ],
    [
      'MHA dropout',
      () => new MultiheadAttention(8, 2, { dropout: 1 }),
      /MultiheadAttention: dropout must be a probability in \[0, 1\), got number 1/,
    ],
    [
      'MHA kdim',
      () => new MultiheadAttention(8, 2, { kdim: 0 }),
      /MultiheadAttention: kdim must be a positive integer, got number 0/,
    ],
    [
      'MHA bias type',
      () => new MultiheadAttention(8, 2, { bias: 'no' as never }),
      /MultiheadAttention: bias must be a boolean, got string "no"/,
    ],
    [
      'encoder unknown key',
      () => new TransformerEncoderLayer(8, 2, { dimFeedForward: 16 } as never),
      /TransformerEncoderLayer: unknown option "dimFeedForward" \(did you mean "dimFeedforward"\?\)/,
    ],
    [
      'encoder activation',
      () => new TransformerEncoderLayer(8, 2, { activation: 'gelu_new' as never }),
      /TransformerEncoderLayer: activation must be one of relu, gelu, got string "gelu_new"/,
    ],
    [
      'encoder heads',
      () => new TransformerEncoderLayer(8, 3),
      /TransformerEncoderLayer: dModel \(8\) must be divisible by nhead \(3\)/,
    ],
    [
      'encoder eps',
      () => new TransformerEncoderLayer(8, 2, { layerNormEps: -1 }),
      /TransformerEncoderLayer: layerNormEps must be a finite number ≥ 0/,
    ],
    [
      'encoder dropout',
      () => new TransformerEncoderLayer(8, 2, { dropout: -0.1 }),
      /TransformerEncoderLayer: dropout must be a probability in \[0, 1\)/,
    ],
    [
      'encoder options',
      () => new TransformerEncoderLayer(8, 2, 'relu' as never),
      /TransformerEncoderLayer: options must be an object, got string "relu"/,
    ],
  ];
  it.each(ctors)('constructor: %s', (_n, f, re) => {
    expect(f).toThrow(re);
  });

  it('forward: shapes, masks and options are refused naming the argument and the shapes', () => {
    const layer = new MultiheadAttention(8, 2, { batchFirst: true });
    new Model(layer);
    const x = ag.zeros([2, 5, 8]);
    expect(() => layer.forward(ag.zeros([2, 5, 6]))).toThrow(
      /MultiheadAttention\.forward: expected input of shape/,
    );
    expect(() => layer.forward(x, ag.zeros([3, 5, 8]), ag.zeros([3, 5, 8]))).toThrow(
      /multiHeadAttention: query \[2, 5, 8\], key \[3, 5, 8\] and value \[3, 5, 8\] differ in batch size/,
    );
    expect(() => layer.forward(x, x, ag.zeros([2, 4, 8]))).toThrow(
      /key \[2, 5, 8\] and value \[2, 4, 8\] differ in sequence length/,
    );
    expect(() => layer.forward(x, x, x, { attnMask: ag.zeros([5, 4]) })).toThrow(
      /multiHeadAttention: attnMask must have shape \[5, 5\] or \[4, 5, 5\], got \[5, 4\]/,
    );
    expect(() =>
      layer.forward(x, x, x, { keyPaddingMask: ag.tensor(Int32Array.from([0, 1]), [2]) }),
    ).toThrow(/multiHeadAttention: keyPaddingMask must have shape \[2, 5\], got \[2\]/);
    expect(() => layer.forward(x, x, x, { keyPadingMask: null } as never)).toThrow(
      /MultiheadAttention\.forward: unknown option "keyPadingMask" \(did you mean "keyPaddingMask"\?\)/,
    );
    expect(() => layer.forward(x, x, x, { needWeights: 1 } as never)).toThrow(
      /multiHeadAttention: needWeights must be a boolean, got number 1/,
    );
    const enc = new TransformerEncoderLayer(8, 2, { batchFirst: true, dimFeedforward: 4 });
    new Model(enc);
    expect(() => enc.forward(x, { src_mask: null } as never)).toThrow(
      /TransformerEncoderLayer\.forward: unknown option "src_mask" \(did you mean "srcMask"\?\)/,
    );
    expect(() => enc.forward(ag.zeros([2, 5, 7]))).toThrow(
      /TransformerEncoderLayer\.forward: expected input of shape/,
    );
  });

  it('functional forms: weights, heads and options', () => {
    const x = ag.zeros([2, 3, 4]);
    const w = { inProjWeight: ag.zeros([12, 4]), outProjWeight: ag.zeros([4, 4]) };
    expect(() => ag.multiHeadAttention(x, x, x, w, { numHeads: 3, batchFirst: true })).toThrow(
      /multiHeadAttention: the embedding size 4 is not divisible by numHeads 3/,
    );
    expect(() =>
      ag.multiHeadAttention(x, x, x, { ...w, inProjWeight: ag.zeros([12, 5]) }, { numHeads: 2 }),
    ).toThrow(/multiHeadAttention: inProjWeight must be \[12, 4\], got \[12, 5\]/);
    expect(() =>
      ag.multiHeadAttention(x, x, x, { outProjWeight: ag.zeros([4, 4]) }, { numHeads: 2 }),
    ).toThrow(/multiHeadAttention: weights need inProjWeight \[3E, E\] or all of qProjWeight/);
    expect(() => ag.multiHeadAttention(x, x, x, w, { numHeads: 2, dropoutP: 0.1 })).toThrow(
      /multiHeadAttention: dropoutP > 0 needs rng \(a seeded Rng\), got undefined/,
    );
    expect(() =>
      ag.multiHeadAttention(x, x, x, { ...w, outProjBais: ag.zeros([4]) } as never, {
        numHeads: 2,
      }),
    ).toThrow(/multiHeadAttention: unknown weight "outProjBais" \(did you mean "outProjBias"\?\)/);
    expect(() => ag.scaledDotProductAttention(x, ag.zeros([2, 3, 5]), x)).toThrow(
      /scaledDotProductAttention: query \[2, 3, 4\], key \[2, 3, 5\] and value \[2, 3, 4\] must be/,
    );
    expect(() => ag.scaledDotProductAttention(x, x, x, { attnMask: ag.zeros([2, 3]) })).toThrow(
      /scaledDotProductAttention: attnMask \[2, 3\] does not broadcast to the scores \[2, 3, 3\]/,
    );
    expect(() => ag.scaledDotProductAttention(x, x, x, { causal: true } as never)).toThrow(
      /scaledDotProductAttention: unknown option "causal" \(did you mean "isCausal"\?\)/,
    );
  });
});
