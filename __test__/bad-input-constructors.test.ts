/**
 * The constructor catalogue: every public class exported from src/index.ts (walking the
 * namespaces) is built with a misspelt option (or, for a constructor without an options
 * object, an argument it does not take), with a wrong type for one argument and with an
 * out-of-range value. Each must throw a TypeError (unknown key, wrong type) or RangeError (out
 * of range) whose message starts with the class's name and names the argument, a misspelt
 * key with its nearest valid spelling; and whatever the call was given (a model, an
 * optimizer) must be unchanged. A class exported later fails the "every class" test until
 * it has a row here. Abstract bases are listed with the subclasses that exercise them;
 * classes built by a factory (tensor(), loadCheckpoint()) are exercised through it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';

const { nn, optim, lrScheduler: sched, train, data, meta, models, autograd } = lib;
const { losses } = nn;

// biome-ignore lint/suspicious/noExplicitAny: bad input is the point of these calls
type Any = any;
// biome-ignore lint/suspicious/noExplicitAny: bad input is the point of these calls
type Ctor = new (...args: any[]) => unknown;
/** Any class, abstract ones included (the keys of the catalogue). */
// biome-ignore lint/suspicious/noExplicitAny: any constructor signature
type Class = abstract new (...args: any[]) => unknown;
const any = (v: unknown): never => v as never;

const tmp = mkdtempSync(join(tmpdir(), 'descent-ctor-'));
let checkpointDir = '';
beforeAll(() => {
  const w = world();
  checkpointDir = join(tmp, 'ckpt');
  train.saveCheckpoint(checkpointDir, { model: w.model, optimizer: w.opt, epoch: 1, seed: 0 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What a constructor may be given: a fresh model and an SGD (with momentum) over it. */
interface World {
  model: InstanceType<typeof nn.Model>;
  opt: InstanceType<typeof optim.SGD>;
}
function world(): World {
  const model = new nn.Model(new nn.Sequential([new nn.Linear(3, 2)]), [3], { seed: 1 });
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  return { model, opt };
}

/** Everything a refused call could have touched: weights, groups (hidden keys too), state. */
function snapshot(w: World): string {
  const groups = w.opt.paramGroups.map((g) =>
    Object.fromEntries(
      Object.getOwnPropertyNames(g)
        .filter((k) => k !== 'params')
        .map((k) => [k, (g as unknown as Record<string, unknown>)[k]]),
    ),
  );
  return JSON.stringify({
    params: Array.from(w.model.params),
    grads: Array.from(w.model.grads),
    groups,
    state: w.opt.stateDict(),
  });
}

/** One refused construction: what it builds, the argument it names, the error expected. */
interface Bad {
  make: (w: World, ctx: Any) => unknown;
  /** The argument (or option) the message must name. */
  arg: string;
  error: typeof TypeError | typeof RangeError;
  /** For a misspelt key: the valid key the message must suggest. */
  suggest?: string;
}

/** A class with its valid construction and the three refused ones (or why one cannot exist). */
interface Entry {
  /** The name messages start with (the class's, or its factory's). */
  name: string;
  /** Objects the rows need, built before the snapshot (sub-schedulers change the lr). */
  prepare?: (w: World) => Any;
  ok: (w: World, ctx: Any) => unknown;
  unknown: Bad;
  wrongType: Bad | string;
  outOfRange: Bad | string;
  /** Set when the class is built by a factory: `ok` returns an instance all the same. */
  factory?: true;
}

const NO_NUMBER = 'no numeric argument or option to put out of range';
const NO_ARGS = 'it takes no arguments, so no argument can have a wrong type';

/** Classes without an options object: the "unknown" row is an argument they do not take. */
const extraArg = (make: (w: World, ctx: Any) => unknown): Bad => ({
  make,
  arg: 'more argument',
  error: TypeError,
});
const misspelt = (make: (w: World, ctx: Any) => unknown, given: string, suggest: string): Bad => ({
  make,
  arg: `"${given}"`,
  error: TypeError,
  suggest,
});
const wrong = (make: (w: World, ctx: Any) => unknown, arg: string): Bad => ({
  make,
  arg,
  error: TypeError,
});
const range = (make: (w: World, ctx: Any) => unknown, arg: string): Bad => ({
  make,
  arg,
  error: RangeError,
});

const lin = () => new nn.Linear(2, 2);
const params = (w: World) => w.model.parameters();
const mse = () => new losses.MSELoss();
const learner = (w: World, extra: object = {}) => ({
  loss: mse(),
  outerOptimizer: w.opt,
  ...extra,
});
const fewShotData = () => ({
  x: { data: new Float32Array(12), shape: [6, 2] },
  y: Int32Array.of(0, 0, 1, 1, 2, 2),
});

/** Layers that take nothing. */
function parameterless(C: Ctor, name: string): [Ctor, Entry] {
  return [
    C,
    {
      name,
      ok: () => new C(),
      unknown: extraArg(() => new C({ inplace: true })),
      wrongType: NO_ARGS,
      outOfRange: NO_NUMBER,
    },
  ];
}

/** Optimizers: each has lr ≥ 0 among its options. */
function optimizerRow(C: Ctor, name: string): [Ctor, Entry] {
  return [
    C,
    {
      name,
      ok: (w) => new C(params(w), { lr: 0.01 }),
      unknown: misspelt((w) => new C(params(w), { lrr: 0.01 }), 'lrr', 'lr'),
      wrongType: wrong((w) => new C(params(w), { lr: '0.01' }), 'lr'),
      outOfRange: range((w) => new C(params(w), { lr: -1 }), 'lr'),
    },
  ];
}

/** LRScheduler subclasses: `base` options make a valid one; lastEpoch −2 is out of range. */
function schedulerRow(
  C: Ctor,
  name: string,
  base: object,
  misspeltKey: [string, unknown, string],
  wrongKey: [string, unknown],
  outOfRange: [string, unknown] = ['lastEpoch', -2],
): [Ctor, Entry] {
  const [given, value, suggest] = misspeltKey;
  return [
    C,
    {
      name,
      ok: (w) => new C(w.opt, base),
      unknown: misspelt((w) => new C(w.opt, { ...base, [given]: value }), given, suggest),
      wrongType: wrong((w) => new C(w.opt, { ...base, [wrongKey[0]]: wrongKey[1] }), wrongKey[0]),
      outOfRange: range(
        (w) => new C(w.opt, { ...base, [outOfRange[0]]: outOfRange[1] }),
        outOfRange[0],
      ),
    },
  ];
}

const ENTRIES = new Map<Class, Entry>([
  // ------------------------------------------------------------------------------- nn layers
  [
    nn.Linear,
    {
      name: 'Linear',
      ok: () => new nn.Linear(3, 2),
      unknown: misspelt(() => new nn.Linear(3, 2, any({ baias: false })), 'baias', 'bias'),
      wrongType: wrong(() => new nn.Linear(3, 2, any({ bias: 'no' })), 'bias'),
      outOfRange: range(() => new nn.Linear(0, 2), 'inFeatures'),
    },
  ],
  [
    nn.Conv2d,
    {
      name: 'Conv2d',
      ok: () => new nn.Conv2d(2, 4, 3),
      unknown: misspelt(() => new nn.Conv2d(2, 4, 3, any({ dilaton: 2 })), 'dilaton', 'dilation'),
      wrongType: wrong(() => new nn.Conv2d(2, 4, 3, any({ bias: 'no' })), 'bias'),
      outOfRange: range(() => new nn.Conv2d(0, 4, 3), 'inChannels'),
    },
  ],
  [
    nn.Conv1d,
    {
      name: 'Conv1d',
      ok: () => new nn.Conv1d(2, 4, 3),
      unknown: misspelt(() => new nn.Conv1d(2, 4, 3, any({ strid: 2 })), 'strid', 'stride'),
      wrongType: wrong(() => new nn.Conv1d(2, 4, 3, any({ bias: 'no' })), 'bias'),
      outOfRange: range(() => new nn.Conv1d(2, 4, 0), 'kernelSize'),
    },
  ],
  [
    nn.ConvTranspose2d,
    {
      name: 'ConvTranspose2d',
      ok: () => new nn.ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1 }),
      unknown: misspelt(
        () => new nn.ConvTranspose2d(4, 2, 4, any({ output_padding: 1 })),
        'output_padding',
        'outputPadding',
      ),
      wrongType: wrong(() => new nn.ConvTranspose2d(4, 2, 4, any({ bias: 'no' })), 'bias'),
      outOfRange: range(() => new nn.ConvTranspose2d(0, 2, 4), 'inChannels'),
    },
  ],
  [
    nn.AdaptiveAvgPool2d,
    {
      name: 'AdaptiveAvgPool2d',
      ok: () => new nn.AdaptiveAvgPool2d(1),
      unknown: extraArg(() => new nn.AdaptiveAvgPool2d(1, any({ keep: true }))),
      wrongType: wrong(() => new nn.AdaptiveAvgPool2d(any('1')), 'outputSize'),
      outOfRange: range(() => new nn.AdaptiveAvgPool2d(0), 'outputSize'),
    },
  ],
  [
    nn.Upsample,
    {
      name: 'Upsample',
      ok: () => new nn.Upsample({ scaleFactor: 2 }),
      unknown: misspelt(
        () => new nn.Upsample(any({ scale_factor: 2 })),
        'scale_factor',
        'scaleFactor',
      ),
      wrongType: wrong(
        () => new nn.Upsample(any({ scaleFactor: 2, alignCorners: 'yes' })),
        'alignCorners',
      ),
      outOfRange: range(() => new nn.Upsample({ scaleFactor: -2 }), 'scaleFactor'),
    },
  ],
  [
    nn.MaxPool2d,
    {
      name: 'MaxPool2d',
      ok: () => new nn.MaxPool2d(2),
      unknown: misspelt(
        () => new nn.MaxPool2d(2, any({ ceil_mode: true })),
        'ceil_mode',
        'ceilMode',
      ),
      wrongType: wrong(() => new nn.MaxPool2d(2, any({ ceilMode: 1 })), 'ceilMode'),
      outOfRange: range(() => new nn.MaxPool2d(0), 'kernelSize'),
    },
  ],
  [
    nn.AvgPool2d,
    {
      name: 'AvgPool2d',
      ok: () => new nn.AvgPool2d(2),
      unknown: misspelt(
        () => new nn.AvgPool2d(2, any({ countIncludePadding: false })),
        'countIncludePadding',
        'countIncludePad',
      ),
      wrongType: wrong(
        () => new nn.AvgPool2d(2, any({ countIncludePad: 'no' })),
        'countIncludePad',
      ),
      outOfRange: range(() => new nn.AvgPool2d(2, { padding: -1 }), 'padding'),
    },
  ],
  parameterless(nn.GlobalAvgPool2d, 'GlobalAvgPool2d'),
  ...(['BatchNorm1d', 'BatchNorm2d'] as const).map((k): [Ctor, Entry] => [
    nn[k],
    {
      name: k,
      ok: () => new nn[k](3),
      unknown: misspelt(() => new nn[k](3, any({ momentumm: 0.2 })), 'momentumm', 'momentum'),
      wrongType: wrong(() => new nn[k](3, any({ affine: 1 })), 'affine'),
      outOfRange: range(() => new nn[k](3, { eps: -1 }), 'eps'),
    },
  ]),
  [
    nn.LayerNorm,
    {
      name: 'LayerNorm',
      ok: () => new nn.LayerNorm(4),
      unknown: misspelt(
        () => new nn.LayerNorm(4, any({ elementwise_affine: false })),
        'elementwise_affine',
        'elementwiseAffine',
      ),
      wrongType: wrong(() => new nn.LayerNorm(4, any({ eps: '1e-5' })), 'eps'),
      outOfRange: range(() => new nn.LayerNorm(0), 'normalizedShape'),
    },
  ],
  [
    nn.Embedding,
    {
      name: 'Embedding',
      ok: () => new nn.Embedding(5, 3),
      unknown: misspelt(
        () => new nn.Embedding(5, 3, any({ padding_idx: 0 })),
        'padding_idx',
        'paddingIdx',
      ),
      wrongType: wrong(() => new nn.Embedding(5, 3, any({ paddingIdx: '0' })), 'paddingIdx'),
      outOfRange: range(() => new nn.Embedding(5, 3, { paddingIdx: 5 }), 'paddingIdx'),
    },
  ],
  [
    nn.Dropout,
    {
      name: 'Dropout',
      ok: () => new nn.Dropout(0.5),
      unknown: extraArg(() => new nn.Dropout(0.5, any({ inplace: true }))),
      wrongType: wrong(() => new nn.Dropout(any('0.5')), 'p'),
      outOfRange: range(() => new nn.Dropout(1.5), 'p'),
    },
  ],
  [
    nn.Flatten,
    {
      name: 'Flatten',
      ok: () => new nn.Flatten(),
      unknown: extraArg(() => new nn.Flatten(1, -1, any({ keep: true }))),
      wrongType: wrong(() => new nn.Flatten(any('1')), 'startDim'),
      outOfRange: range(() => new nn.Flatten(0), 'startDim'),
    },
  ],
  [
    nn.Reshape,
    {
      name: 'Reshape',
      ok: () => new nn.Reshape([6]),
      unknown: extraArg(() => new nn.Reshape([6], any({ inplace: true }))),
      wrongType: wrong(() => new nn.Reshape(any('6')), 'shape'),
      outOfRange: range(() => new nn.Reshape([0, 6]), 'shape'),
    },
  ],
  [
    nn.Residual,
    {
      name: 'Residual',
      ok: () => new nn.Residual(lin()),
      unknown: extraArg(() => new nn.Residual(lin(), null, any({ scale: 2 }))),
      wrongType: wrong(() => new nn.Residual(any({})), 'body'),
      outOfRange: NO_NUMBER,
    },
  ],
  [
    nn.Sequential,
    {
      name: 'Sequential',
      ok: () => new nn.Sequential([lin()]),
      unknown: extraArg(() => new nn.Sequential([lin()], 'net', any({ strict: true }))),
      wrongType: wrong(() => new nn.Sequential(any(lin())), 'layers'),
      outOfRange: NO_NUMBER,
    },
  ],
  [
    nn.Activation,
    {
      name: 'Activation',
      ok: () => new nn.Activation('leakyRelu', 0.2),
      unknown: misspelt(() => new nn.Activation(any('relux')), 'relux', 'relu'),
      wrongType: wrong(() => new nn.Activation('leakyRelu', any('0.2')), 'alpha'),
      outOfRange: range(() => new nn.Activation('softplus', 0), 'alpha'),
    },
  ],
  parameterless(nn.Sigmoid, 'Sigmoid'),
  parameterless(nn.Tanh, 'Tanh'),
  parameterless(nn.ReLU, 'ReLU'),
  parameterless(nn.SELU, 'SELU'),
  parameterless(nn.SiLU, 'SiLU'),
  parameterless(nn.Mish, 'Mish'),
  parameterless(nn.Hardsigmoid, 'Hardsigmoid'),
  parameterless(nn.Hardswish, 'Hardswish'),
  [
    nn.Hardtanh,
    {
      name: 'Hardtanh',
      ok: () => new nn.Hardtanh(-2, 2),
      unknown: extraArg(() => new nn.Hardtanh(-1, 1, any({ inplace: true }))),
      wrongType: wrong(() => new nn.Hardtanh(any('-1')), 'minVal'),
      outOfRange: range(() => new nn.Hardtanh(1, -1), 'maxVal'),
    },
  ],
  ...(['Softmax', 'LogSoftmax'] as const).map((k): [Ctor, Entry] => [
    nn[k],
    {
      name: k,
      ok: () => new nn[k](-1),
      unknown: extraArg(() => new nn[k](-1, any({ inplace: true }))),
      wrongType: wrong(() => new nn[k](any('1')), 'dim'),
      outOfRange:
        'dim is checked against the input rank at forward time (any integer may be right)',
    },
  ]),
  [
    nn.PReLU,
    {
      name: 'PReLU',
      ok: () => new nn.PReLU(3, { init: 0.1 }),
      unknown: misspelt(() => new nn.PReLU(3, any({ inti: 0.1 })), 'inti', 'init'),
      wrongType: wrong(() => new nn.PReLU(any('3')), 'numParameters'),
      outOfRange: range(() => new nn.PReLU(0), 'numParameters'),
    },
  ],
  [
    nn.GroupNorm,
    {
      name: 'GroupNorm',
      ok: () => new nn.GroupNorm(2, 4),
      unknown: misspelt(() => new nn.GroupNorm(2, 4, any({ afine: false })), 'afine', 'affine'),
      wrongType: wrong(() => new nn.GroupNorm(2, 4, any({ eps: '1e-5' })), 'eps'),
      outOfRange: range(() => new nn.GroupNorm(3, 4), 'numGroups'),
    },
  ],
  [
    nn.InstanceNorm2d,
    {
      name: 'InstanceNorm2d',
      ok: () => new nn.InstanceNorm2d(3, { affine: true }),
      unknown: misspelt(() => new nn.InstanceNorm2d(3, any({ afine: true })), 'afine', 'affine'),
      wrongType: wrong(() => new nn.InstanceNorm2d(3, any({ affine: 1 })), 'affine'),
      outOfRange: range(() => new nn.InstanceNorm2d(3, { eps: -1 }), 'eps'),
    },
  ],
  [
    nn.MultiheadAttention,
    {
      name: 'MultiheadAttention',
      ok: () => new nn.MultiheadAttention(8, 2, { dropout: 0.1 }),
      unknown: misspelt(
        () => new nn.MultiheadAttention(8, 2, any({ batch_first: true })),
        'batch_first',
        'batchFirst',
      ),
      wrongType: wrong(() => new nn.MultiheadAttention(8, 2, any({ bias: 1 })), 'bias'),
      outOfRange: range(() => new nn.MultiheadAttention(8, 3), 'numHeads'),
    },
  ],
  [
    nn.TransformerEncoderLayer,
    {
      name: 'TransformerEncoderLayer',
      ok: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
      unknown: misspelt(
        () => new nn.TransformerEncoderLayer(8, 2, any({ norm_first: true })),
        'norm_first',
        'normFirst',
      ),
      wrongType: wrong(
        () => new nn.TransformerEncoderLayer(8, 2, any({ dropout: '0.1' })),
        'dropout',
      ),
      outOfRange: range(() => new nn.TransformerEncoderLayer(8, 3), 'nhead'),
    },
  ],
  [
    nn.LeakyReLU,
    {
      name: 'LeakyReLU',
      ok: () => new nn.LeakyReLU(0.2),
      unknown: extraArg(() => new nn.LeakyReLU(0.2, any({ inplace: true }))),
      wrongType: wrong(() => new nn.LeakyReLU(any({ negativeSlope: 0.2 })), 'negativeSlope'),
      outOfRange: range(() => new nn.LeakyReLU(Number.POSITIVE_INFINITY), 'negativeSlope'),
    },
  ],
  [
    nn.ELU,
    {
      name: 'ELU',
      ok: () => new nn.ELU(0.5),
      unknown: extraArg(() => new nn.ELU(0.5, any({ inplace: true }))),
      wrongType: wrong(() => new nn.ELU(any('1')), 'alpha'),
      outOfRange: range(() => new nn.ELU(Number.NaN), 'alpha'),
    },
  ],
  [
    nn.GELU,
    {
      name: 'GELU',
      ok: () => new nn.GELU('tanh'),
      unknown: misspelt(() => new nn.GELU(any('tnah')), 'tnah', 'tanh'),
      wrongType: wrong(() => new nn.GELU(any(1)), 'approximate'),
      outOfRange: 'approximate is a choice of two strings; no numeric argument',
    },
  ],
  [
    nn.Softplus,
    {
      name: 'Softplus',
      ok: () => new nn.Softplus(2, 10),
      unknown: extraArg(() => new nn.Softplus(1, 20, any({ inplace: true }))),
      wrongType: wrong(() => new nn.Softplus(any('1')), 'beta'),
      outOfRange: range(() => new nn.Softplus(0), 'beta'),
    },
  ],
  ...(['RNN', 'LSTM', 'GRU'] as const).map((k): [Ctor, Entry] => [
    nn[k],
    {
      name: k,
      ok: () => new nn[k](3, 4),
      unknown: misspelt(
        () => new nn[k](3, 4, any({ batch_first: true })),
        'batch_first',
        'batchFirst',
      ),
      wrongType: wrong(() => new nn[k](3, 4, any({ bidirectional: 'yes' })), 'bidirectional'),
      outOfRange: range(() => new nn[k](3, 4, { numLayers: 0 }), 'numLayers'),
    },
  ]),
  [
    nn.Model,
    {
      name: 'Model',
      ok: () => new nn.Model(lin(), [2]),
      unknown: misspelt(() => new nn.Model(lin(), [2], any({ seeed: 1 })), 'seeed', 'seed'),
      wrongType: wrong(() => new nn.Model(lin(), [2], any({ seed: '1' })), 'seed'),
      outOfRange: range(() => new nn.Model(lin(), [2], { seed: -1 }), 'seed'),
    },
  ],
  [
    nn.Scratch,
    {
      name: 'Scratch',
      ok: () => new nn.Scratch(),
      unknown: extraArg(() => new nn.Scratch(any(16))),
      wrongType: NO_ARGS,
      outOfRange: NO_NUMBER,
    },
  ],
  [
    lib.Tensor,
    {
      name: 'tensor',
      factory: true,
      ok: () => autograd.tensor([1, 2]),
      unknown: misspelt(
        () => autograd.tensor([1, 2], any({ requiresGrd: true })),
        'requiresGrd',
        'requiresGrad',
      ),
      wrongType: wrong(() => autograd.tensor([1, 2], any({ dtype: 32 })), 'dtype'),
      outOfRange: range(() => autograd.tensor(new Float32Array(3), [2, 2]), 'shape'),
    },
  ],
  // --------------------------------------------------------------------------------- losses
  ...(['BCELoss', 'BCEWithLogitsLoss'] as const).map((k): [Ctor, Entry] => [
    losses[k],
    {
      name: k,
      ok: () => new losses[k]({ weight: new Float32Array(2) }),
      unknown: misspelt(() => new losses[k](any({ weigth: null })), 'weigth', 'weight'),
      wrongType: wrong(() => new losses[k](any({ weight: [1, 2] })), 'weight'),
      outOfRange: 'its options are a choice (reduction) and arrays (weights): no number',
    },
  ]),
  [
    losses.CrossEntropyLoss,
    {
      name: 'CrossEntropyLoss',
      ok: () => new losses.CrossEntropyLoss({ labelSmoothing: 0.1 }),
      unknown: misspelt(
        () => new losses.CrossEntropyLoss(any({ label_smoothing: 0.1 })),
        'label_smoothing',
        'labelSmoothing',
      ),
      wrongType: wrong(
        () => new losses.CrossEntropyLoss(any({ labelSmoothing: '0.1' })),
        'labelSmoothing',
      ),
      outOfRange: range(
        () => new losses.CrossEntropyLoss({ labelSmoothing: 1.5 }),
        'labelSmoothing',
      ),
    },
  ],
  [
    losses.NLLLoss,
    {
      name: 'NLLLoss',
      ok: () => new losses.NLLLoss({ ignoreIndex: 0 }),
      unknown: misspelt(
        () => new losses.NLLLoss(any({ ignore_index: 0 })),
        'ignore_index',
        'ignoreIndex',
      ),
      wrongType: wrong(() => new losses.NLLLoss(any({ ignoreIndex: '0' })), 'ignoreIndex'),
      outOfRange: range(() => new losses.NLLLoss({ ignoreIndex: 0.5 }), 'ignoreIndex'),
    },
  ],
  [
    losses.HuberLoss,
    {
      name: 'HuberLoss',
      ok: () => new losses.HuberLoss({ delta: 2 }),
      unknown: misspelt(() => new losses.HuberLoss(any({ detla: 2 })), 'detla', 'delta'),
      wrongType: wrong(() => new losses.HuberLoss(any({ delta: '2' })), 'delta'),
      outOfRange: range(() => new losses.HuberLoss({ delta: 0 }), 'delta'),
    },
  ],
  [
    losses.SmoothL1Loss,
    {
      name: 'SmoothL1Loss',
      ok: () => new losses.SmoothL1Loss({ beta: 0.5 }),
      unknown: misspelt(() => new losses.SmoothL1Loss(any({ beat: 0.5 })), 'beat', 'beta'),
      wrongType: wrong(() => new losses.SmoothL1Loss(any({ beta: '0.5' })), 'beta'),
      outOfRange: range(() => new losses.SmoothL1Loss({ beta: -1 }), 'beta'),
    },
  ],
  [
    losses.KLDivLoss,
    {
      name: 'KLDivLoss',
      ok: () => new losses.KLDivLoss({ logTarget: true }),
      unknown: misspelt(
        () => new losses.KLDivLoss(any({ log_target: true })),
        'log_target',
        'logTarget',
      ),
      wrongType: wrong(() => new losses.KLDivLoss(any({ logTarget: 1 })), 'logTarget'),
      outOfRange: 'its options are a choice (reduction) and a boolean: no number',
    },
  ],
  ...(['L1Loss', 'MSELoss'] as const).map((k): [Ctor, Entry] => [
    losses[k],
    {
      name: k,
      ok: () => new losses[k]({ reduction: 'sum' }),
      unknown: misspelt(() => new losses[k](any({ reductoin: 'sum' })), 'reductoin', 'reduction'),
      wrongType: wrong(() => new losses[k](any({ reduction: 1 })), 'reduction'),
      outOfRange: 'its one option (reduction) is a choice: no number',
    },
  ]),
  // ------------------------------------------------------------------------------ optimizers
  ...(
    [
      'SGD',
      'Adagrad',
      'Adadelta',
      'RMSprop',
      'Adam',
      'AdamW',
      'Adamax',
      'NAdam',
      'RAdam',
      'Rprop',
      'ASGD',
      'LBFGS',
      'Lion',
      'LAMB',
      'LARS',
      'AdaBelief',
      'Yogi',
      'Adan',
      'AdamWScheduleFree',
      'SGDScheduleFree',
      'Muon',
    ] as const
  ).map((k) => optimizerRow(optim[k] as Ctor, k)),
  [
    optim.AveragedParams,
    {
      name: 'AveragedParams',
      ok: (w) => new optim.AveragedParams(params(w), { mode: 'ema', decay: 0.9 }),
      unknown: misspelt(
        (w) => new optim.AveragedParams(params(w), any({ mode: 'ema', decya: 0.9 })),
        'decya',
        'decay',
      ),
      wrongType: wrong((w) => new optim.AveragedParams(params(w), any({ mode: 1 })), 'mode'),
      outOfRange: range(
        (w) => new optim.AveragedParams(params(w), { mode: 'ema', decay: 2 }),
        'decay',
      ),
    },
  ],
  [
    optim.GradientAccumulation,
    {
      name: 'GradientAccumulation',
      ok: (w) => new optim.GradientAccumulation(w.opt, 4),
      unknown: extraArg((w) => new optim.GradientAccumulation(w.opt, 4, any({ average: true }))),
      wrongType: wrong((w) => new optim.GradientAccumulation(w.opt, any('4')), 'steps'),
      outOfRange: range((w) => new optim.GradientAccumulation(w.opt, 0), 'steps'),
    },
  ],
  [
    optim.Lookahead,
    {
      name: 'Lookahead',
      ok: (w) => new optim.Lookahead(w.opt, { k: 3 }),
      unknown: misspelt((w) => new optim.Lookahead(w.opt, any({ alhpa: 0.5 })), 'alhpa', 'alpha'),
      wrongType: wrong((w) => new optim.Lookahead(w.opt, any({ k: '5' })), 'k'),
      outOfRange: range((w) => new optim.Lookahead(w.opt, { alpha: 2 }), 'alpha'),
    },
  ],
  [
    optim.SAM,
    {
      name: 'SAM',
      ok: (w) => new optim.SAM(w.opt, { rho: 0.1 }),
      unknown: misspelt((w) => new optim.SAM(w.opt, any({ rhoo: 0.1 })), 'rhoo', 'rho'),
      wrongType: wrong((w) => new optim.SAM(w.opt, any({ adaptive: 1 })), 'adaptive'),
      outOfRange: range((w) => new optim.SAM(w.opt, { rho: -1 }), 'rho'),
    },
  ],
  [
    optim.GroupState,
    {
      name: 'GroupState',
      ok: (w) => new optim.GroupState(params(w)),
      unknown: extraArg((w) => new optim.GroupState(params(w), any({ init: 0 }))),
      wrongType: wrong(() => new optim.GroupState(any(null)), 'params'),
      outOfRange: NO_NUMBER,
    },
  ],
  // ------------------------------------------------------------------------------ schedulers
  schedulerRow(
    sched.StepLR,
    'StepLR',
    { stepSize: 2 },
    ['step_size', 2, 'stepSize'],
    ['stepSize', '2'],
    ['stepSize', 0],
  ),
  schedulerRow(
    sched.MultiStepLR,
    'MultiStepLR',
    { milestones: [2, 4] },
    ['milestone', [2], 'milestones'],
    ['milestones', 2],
    ['milestones', [-1]],
  ),
  schedulerRow(
    sched.ConstantLR,
    'ConstantLR',
    { factor: 0.5 },
    ['total_iters', 3, 'totalIters'],
    ['factor', '0.5'],
    ['factor', 2],
  ),
  schedulerRow(
    sched.LinearLR,
    'LinearLR',
    { startFactor: 0.5 },
    ['start_factor', 0.5, 'startFactor'],
    ['startFactor', '0.5'],
    ['startFactor', 0],
  ),
  schedulerRow(
    sched.ExponentialLR,
    'ExponentialLR',
    { gamma: 0.9 },
    ['gamme', 0.9, 'gamma'],
    ['gamma', '0.9'],
  ),
  schedulerRow(
    sched.PolynomialLR,
    'PolynomialLR',
    { power: 2 },
    ['totalIter', 5, 'totalIters'],
    ['power', '2'],
    ['totalIters', -1],
  ),
  schedulerRow(
    sched.CosineAnnealingLR,
    'CosineAnnealingLR',
    { tMax: 10 },
    ['eta_min', 0, 'etaMin'],
    ['tMax', '10'],
    ['tMax', 0],
  ),
  schedulerRow(
    sched.CosineAnnealingWarmRestarts,
    'CosineAnnealingWarmRestarts',
    { t0: 5 },
    ['T_mult', 2, 'tMult'],
    ['t0', '5'],
    ['t0', 0],
  ),
  schedulerRow(
    sched.CyclicLR,
    'CyclicLR',
    { baseLr: 0.01, maxLr: 0.1 },
    ['step_size_up', 10, 'stepSizeUp'],
    ['stepSizeUp', '10'],
    ['stepSizeUp', 0],
  ),
  schedulerRow(
    sched.OneCycleLR,
    'OneCycleLR',
    { maxLr: 0.1, totalSteps: 10 },
    ['pct_start', 0.3, 'pctStart'],
    ['pctStart', '0.3'],
    ['pctStart', 2],
  ),
  schedulerRow(
    sched.LambdaLR,
    'LambdaLR',
    { lrLambda: (e: number) => 0.9 ** e },
    ['lr_lambda', () => 1, 'lrLambda'],
    ['lrLambda', 3],
    ['lrLambda', [() => 1, () => 1]],
  ),
  schedulerRow(
    sched.MultiplicativeLR,
    'MultiplicativeLR',
    { lrLambda: () => 0.9 },
    ['lr_lambda', () => 1, 'lrLambda'],
    ['lrLambda', 3],
    ['lrLambda', [() => 1, () => 1]],
  ),
  schedulerRow(
    sched.SWALR,
    'SWALR',
    { swaLr: 0.05 },
    ['swa_lr', 0.05, 'swaLr'],
    ['annealEpochs', '10'],
    ['annealEpochs', -1],
  ),
  [
    sched.ReduceLROnPlateau,
    {
      name: 'ReduceLROnPlateau',
      ok: (w) => new sched.ReduceLROnPlateau(w.opt, { patience: 2 }),
      unknown: misspelt(
        (w) => new sched.ReduceLROnPlateau(w.opt, any({ patiense: 2 })),
        'patiense',
        'patience',
      ),
      wrongType: wrong((w) => new sched.ReduceLROnPlateau(w.opt, any({ factor: '0.1' })), 'factor'),
      outOfRange: range((w) => new sched.ReduceLROnPlateau(w.opt, { factor: 2 }), 'factor'),
    },
  ],
  [
    sched.SequentialLR,
    {
      name: 'SequentialLR',
      prepare: (w) => [
        new sched.ConstantLR(w.opt, { factor: 0.5, totalIters: 2 }),
        new sched.ExponentialLR(w.opt, { gamma: 0.9 }),
      ],
      ok: (w, s) => new sched.SequentialLR(w.opt, { schedulers: s, milestones: [2] }),
      unknown: misspelt(
        (w, s) => new sched.SequentialLR(w.opt, any({ schedulers: s, milestone: [2] })),
        'milestone',
        'milestones',
      ),
      wrongType: wrong(
        (w, s) => new sched.SequentialLR(w.opt, any({ schedulers: s, milestones: 2 })),
        'milestones',
      ),
      outOfRange: range(
        (w, s) => new sched.SequentialLR(w.opt, { schedulers: s, milestones: [-1] }),
        'milestones',
      ),
    },
  ],
  [
    sched.ChainedScheduler,
    {
      name: 'ChainedScheduler',
      prepare: (w) => [
        new sched.ConstantLR(w.opt, { factor: 0.5, totalIters: 2 }),
        new sched.ExponentialLR(w.opt, { gamma: 0.9 }),
      ],
      ok: (_w, s) => new sched.ChainedScheduler(s),
      unknown: misspelt(
        (_w, s) => new sched.ChainedScheduler(s, any({ scale_weight_decay: true })),
        'scale_weight_decay',
        'scaleWeightDecay',
      ),
      wrongType: wrong(
        (_w, s) => new sched.ChainedScheduler(s, any({ scaleWeightDecay: 1 })),
        'scaleWeightDecay',
      ),
      outOfRange: 'its options are an optimizer and a boolean: no number',
    },
  ],
  // ------------------------------------------------------------------------ train callbacks
  [
    train.CSVLogger,
    {
      name: 'CSVLogger',
      ok: () => new train.CSVLogger(join(tmp, 'log.csv'), { separator: ';' }),
      unknown: misspelt(
        () => new train.CSVLogger(join(tmp, 'log.csv'), any({ seperator: ';' })),
        'seperator',
        'separator',
      ),
      wrongType: wrong(
        () => new train.CSVLogger(join(tmp, 'log.csv'), any({ append: 1 })),
        'append',
      ),
      outOfRange: 'its options are a string and a boolean: no number',
    },
  ],
  [
    train.EarlyStopping,
    {
      name: 'EarlyStopping',
      ok: () => new train.EarlyStopping({ patience: 2 }),
      unknown: misspelt(
        () => new train.EarlyStopping(any({ patiance: 2 })),
        'patiance',
        'patience',
      ),
      wrongType: wrong(() => new train.EarlyStopping(any({ patience: '2' })), 'patience'),
      outOfRange: range(() => new train.EarlyStopping({ patience: -1 }), 'patience'),
    },
  ],
  [
    train.LambdaCallback,
    {
      name: 'LambdaCallback',
      ok: () => new train.LambdaCallback({ onEpochEnd: () => {} }),
      unknown: misspelt(
        () => new train.LambdaCallback(any({ onEpochEnds: () => {} })),
        'onEpochEnds',
        'onEpochEnd',
      ),
      wrongType: wrong(() => new train.LambdaCallback(any({ onEpochEnd: 3 })), 'onEpochEnd'),
      outOfRange: 'its options are functions: no number',
    },
  ],
  [
    train.ModelCheckpoint,
    {
      name: 'ModelCheckpoint',
      ok: () => new train.ModelCheckpoint({ dir: join(tmp, 'mc'), saveBestOnly: true }),
      unknown: misspelt(
        () => new train.ModelCheckpoint(any({ dir: join(tmp, 'mc'), save_best_only: true })),
        'save_best_only',
        'saveBestOnly',
      ),
      wrongType: wrong(
        () => new train.ModelCheckpoint(any({ dir: join(tmp, 'mc'), saveBestOnly: 1 })),
        'saveBestOnly',
      ),
      outOfRange: 'its options are a path, a boolean and choices: no number',
    },
  ],
  [
    train.ProgressBar,
    {
      name: 'ProgressBar',
      ok: () => new train.ProgressBar({ width: 10 }),
      unknown: misspelt(() => new train.ProgressBar(any({ widht: 10 })), 'widht', 'width'),
      wrongType: wrong(() => new train.ProgressBar(any({ interval: '100' })), 'interval'),
      outOfRange: range(() => new train.ProgressBar({ width: 0 }), 'width'),
    },
  ],
  [
    train.ReduceLROnPlateau,
    {
      name: 'ReduceLROnPlateau',
      ok: () => new train.ReduceLROnPlateau({ patience: 2 }),
      unknown: misspelt(() => new train.ReduceLROnPlateau(any({ min_lr: 0 })), 'min_lr', 'minLr'),
      wrongType: wrong(() => new train.ReduceLROnPlateau(any({ patience: '2' })), 'patience'),
      outOfRange: range(() => new train.ReduceLROnPlateau({ factor: 2 }), 'factor'),
    },
  ],
  parameterless(train.TerminateOnNaN, 'TerminateOnNaN'),
  [
    train.LoadedCheckpoint,
    {
      name: 'loadCheckpoint',
      factory: true,
      ok: () => train.loadCheckpoint(checkpointDir),
      unknown: misspelt(
        (w) => train.loadCheckpoint(checkpointDir, any({ modle: w.model })),
        'modle',
        'model',
      ),
      wrongType: wrong(() => train.loadCheckpoint(any(42)), 'dir'),
      outOfRange: 'it takes a directory and restore targets: no number',
    },
  ],
  [
    train.MemoryDataset,
    {
      name: 'MemoryDataset',
      ok: () => new train.MemoryDataset(new Float32Array(6), new Int32Array(3), 3, [2], null, 2),
      unknown: extraArg(
        () =>
          new train.MemoryDataset(new Float32Array(6), new Int32Array(3), 3, [2], null, 2, any({})),
      ),
      wrongType: wrong(
        () => new train.MemoryDataset(any([0, 0]), new Int32Array(1), 1, [2], null, 2),
        'x',
      ),
      outOfRange: range(
        () => new train.MemoryDataset(new Float32Array(6), new Int32Array(3), 4, [2], null, 2),
        'samples',
      ),
    },
  ],
  // ------------------------------------------------------------------------------------ data
  [
    data.TensorDataset,
    {
      name: 'TensorDataset',
      ok: () => new data.TensorDataset(fewShotData().x, fewShotData().y, { numClasses: 4 }),
      unknown: misspelt(
        () => new data.TensorDataset(fewShotData().x, fewShotData().y, any({ num_classes: 4 })),
        'num_classes',
        'numClasses',
      ),
      wrongType: wrong(
        () => new data.TensorDataset(fewShotData().x, fewShotData().y, any({ numClasses: '4' })),
        'numClasses',
      ),
      outOfRange: range(
        () => new data.TensorDataset(fewShotData().x, fewShotData().y, { numClasses: 2 }),
        'numClasses',
      ),
    },
  ],
  // ------------------------------------------------------------------------------------ meta
  [
    meta.FewShotTasks,
    {
      name: 'FewShotTasks',
      ok: () => new meta.FewShotTasks(fewShotData(), { ways: 2, shots: 1, queries: 1 }),
      unknown: misspelt(
        () => new meta.FewShotTasks(fewShotData(), any({ ways: 2, shot: 1 })),
        'shot',
        'shots',
      ),
      wrongType: wrong(
        () => new meta.FewShotTasks(fewShotData(), any({ ways: '2', shots: 1 })),
        'ways',
      ),
      outOfRange: range(() => new meta.FewShotTasks(fewShotData(), { ways: 0, shots: 1 }), 'ways'),
    },
  ],
  [
    meta.SineTasks,
    {
      name: 'SineTasks',
      ok: () => new meta.SineTasks({ shots: 5 }),
      unknown: misspelt(() => new meta.SineTasks(any({ querys: 5 })), 'querys', 'queries'),
      wrongType: wrong(() => new meta.SineTasks(any({ shots: '5' })), 'shots'),
      outOfRange: range(() => new meta.SineTasks({ shots: 0 }), 'shots'),
    },
  ],
  [
    meta.MAML,
    {
      name: 'MAML',
      ok: (w) => new meta.MAML(w.model, learner(w, { firstOrder: true })),
      unknown: misspelt(
        (w) => new meta.MAML(w.model, any(learner(w, { first_order: true }))),
        'first_order',
        'firstOrder',
      ),
      wrongType: wrong(
        (w) => new meta.MAML(w.model, any(learner(w, { firstOrder: 1 }))),
        'firstOrder',
      ),
      outOfRange: range((w) => new meta.MAML(w.model, learner(w, { innerLr: -1 })), 'innerLr'),
    },
  ],
  ...(['Reptile', 'Pretraining'] as const).map((k): [Ctor, Entry] => [
    meta[k],
    {
      name: k,
      ok: (w) => new meta[k](w.model, learner(w)),
      unknown: misspelt(
        (w) => new meta[k](w.model, any(learner(w, { inner_lr: 0.1 }))),
        'inner_lr',
        'innerLr',
      ),
      wrongType: wrong(
        (w) => new meta[k](w.model, any(learner(w, { innerSteps: '1' }))),
        'innerSteps',
      ),
      outOfRange: range((w) => new meta[k](w.model, learner(w, { innerSteps: 0 })), 'innerSteps'),
    },
  ]),
  // ---------------------------------------------------------------------------------- models
  [
    models.Autoencoder,
    {
      name: 'Autoencoder',
      ok: () => new models.Autoencoder({ inputShape: [6], hidden: [4], latent: 2 }),
      unknown: misspelt(() => new models.Autoencoder(any({ latnet: 2 })), 'latnet', 'latent'),
      wrongType: wrong(() => new models.Autoencoder(any({ latent: '2' })), 'latent'),
      outOfRange: range(() => new models.Autoencoder({ latent: 0 }), 'latent'),
    },
  ],
  [
    models.VAE,
    {
      name: 'VAE',
      ok: () => new models.VAE({ inputShape: [6], hidden: [4], latent: 2 }),
      unknown: misspelt(() => new models.VAE(any({ klWarmUp: 10 })), 'klWarmUp', 'klWarmup'),
      wrongType: wrong(() => new models.VAE(any({ hidden: 8 })), 'hidden'),
      outOfRange: range(() => new models.VAE({ klWarmup: -1 }), 'klWarmup'),
    },
  ],
  [
    models.GAN,
    {
      name: 'GAN',
      ok: () => new models.GAN({ hidden: [4] }),
      unknown: misspelt(() => new models.GAN(any({ optimizerd: {} })), 'optimizerd', 'optimizerD'),
      wrongType: wrong(() => new models.GAN(any({ optimizerG: 0.001 })), 'optimizerG'),
      outOfRange: range(() => new models.GAN({ latent: 0 }), 'latent'),
    },
  ],
  [
    models.EightGaussians,
    {
      name: 'EightGaussians',
      ok: () => new models.EightGaussians({ std: 0.02 }),
      unknown: misspelt(() => new models.EightGaussians(any({ radious: 2 })), 'radious', 'radius'),
      wrongType: wrong(() => new models.EightGaussians(any({ std: '0.1' })), 'std'),
      outOfRange: range(() => new models.EightGaussians({ radius: -2 }), 'radius'),
    },
  ],
  // ---------------------------------------------------------------------------------- random
  [
    lib.Rng,
    {
      name: 'Rng',
      ok: () => new lib.Rng(7),
      unknown: extraArg(() => new lib.Rng(7, any({ stream: 1 }))),
      wrongType: wrong(() => new lib.Rng(any('7')), 'seed'),
      outOfRange: range(() => new lib.Rng(-1), 'seed'),
    },
  ],
]);

/** Abstract bases: their constructors run (and check) through these subclasses. */
const BASES = new Map<Class, Class[]>([
  [nn.Layer, [nn.Linear, nn.Conv2d, nn.Sequential, nn.Dropout]],
  [nn.Recurrent as unknown as Class, [nn.RNN, nn.LSTM, nn.GRU]], // protected constructor
  [optim.Optimizer, [optim.SGD, optim.LBFGS, optim.Muon]],
  [optim.ElementwiseOptimizer, [optim.SGD, optim.Adam]],
  [optim.ScalarStateOptimizer, [optim.NAdam, optim.ASGD]],
  [sched.BaseScheduler, [sched.ReduceLROnPlateau, sched.SequentialLR, sched.ChainedScheduler]],
  [sched.LRScheduler, [sched.StepLR, sched.CyclicLR, sched.OneCycleLR]],
  [train.BaseCallback, [train.EarlyStopping, train.ProgressBar, train.TerminateOnNaN]],
  [meta.MetaLearner, [meta.MAML, meta.Reptile, meta.Pretraining]],
]);

/** Every class exported from src/index.ts, by where it is exported. */
function exportedClasses(): Array<[string, Class]> {
  const out: Array<[string, Class]> = [];
  const walk = (ns: object, path: string) => {
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v)))
        out.push([`${path}${k}`, v as Class]);
      else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === null)
        walk(v, `${path}${k}.`); // a namespace (module object)
    }
  };
  walk(lib, '');
  return out;
}

function check(entry: Entry, row: Bad) {
  const w = world();
  const ctx = entry.prepare?.(w);
  const before = snapshot(w);
  let caught: unknown = null;
  try {
    row.make(w, ctx);
  } catch (e) {
    caught = e;
  }
  expect(caught, 'it must throw').toBeInstanceOf(row.error);
  const msg = (caught as Error).message;
  expect(msg.startsWith(`${entry.name}:`) || msg.startsWith(`${entry.name}.`), msg).toBe(true);
  expect(msg, 'the message names the argument').toContain(row.arg);
  if (row.suggest) expect(msg).toContain(`did you mean "${row.suggest}"?`);
  expect(snapshot(w), 'a refused construction changes nothing').toBe(before);
}

describe('every exported class is in the catalogue', () => {
  it('has a row (or is an abstract base whose subclasses have rows)', () => {
    const missing = exportedClasses()
      .filter(([, C]) => !ENTRIES.has(C) && !BASES.has(C))
      .map(([path]) => path);
    expect(missing, 'add these classes to ENTRIES in this file').toEqual([]);
  });

  it('has no row for a class that is not exported', () => {
    const exported = new Set(exportedClasses().map(([, C]) => C));
    const stale = [...ENTRIES.keys(), ...BASES.keys()].filter((C) => !exported.has(C));
    expect(stale.map((C) => C.name)).toEqual([]);
  });

  it('lists bases with subclasses that extend them and have rows', () => {
    for (const [base, subs] of BASES)
      for (const s of subs) {
        expect(s.prototype, `${s.name} extends ${base.name}`).toBeInstanceOf(base);
        expect(ENTRIES.has(s), `${s.name} has a row`).toBe(true);
      }
  });
});

describe('constructor catalogue', () => {
  const paths = new Map<Class, string>();
  for (const [path, C] of exportedClasses()) if (!paths.has(C)) paths.set(C, path);
  for (const [C, entry] of ENTRIES) {
    const title = paths.get(C) ?? C.name;
    describe(entry.factory ? `${title} (via ${entry.name})` : title, () => {
      it('builds from valid arguments', () => {
        const w = world();
        expect(entry.ok(w, entry.prepare?.(w))).toBeInstanceOf(C);
      });
      it('refuses an unknown option key (or an argument it does not take)', () => {
        expect(entry.unknown.error).toBe(TypeError);
        check(entry, entry.unknown);
      });
      for (const [what, row] of [
        ['a wrong type', entry.wrongType],
        ['an out-of-range value', entry.outOfRange],
      ] as const) {
        if (typeof row === 'string')
          it(`has no ${what} case: ${row}`, () => expect(row.length).toBeGreaterThan(20));
        else it(`refuses ${what}`, () => check(entry, row));
      }
    });
  }
});
