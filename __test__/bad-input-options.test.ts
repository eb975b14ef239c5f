/**
 * Options objects outside the constructors (functions, forward/backward, the data readers) and
 * values the code would ignore: each refused with a TypeError or RangeError naming the
 * function and the option, a misspelt key with its nearest valid spelling, never dropped
 * (the constructors' own catalogue is bad-input-constructors.test.ts). A refused call changes
 * nothing: the model's weights are compared before and after every row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';

const { nn, optim, lrScheduler: sched, train, data, autograd: ag } = lib;

const any = (v: unknown): never => v as never;
const tmp = mkdtempSync(join(tmpdir(), 'descent-opts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function world() {
  const model = new nn.Model(new nn.Sequential([new nn.Linear(3, 2)]), [3], { seed: 1 });
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const x = { data: new Float32Array(12).fill(0.5), shape: [4, 3] };
  const ds = new data.TensorDataset(x, { data: new Float32Array(8), shape: [4, 2] });
  return { model, opt, x, ds };
}
type World = ReturnType<typeof world>;

const leaf = () => ag.tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true }) as lib.Tensor;

/** [what, call, error class, message]. */
const UNKNOWN_KEYS: Array<[string, (w: World) => unknown, ErrorConstructor, RegExp]> = [
  [
    'Model.forward',
    (w) => w.model.forward(w.x, any({ trainng: true })),
    TypeError,
    /^Model\.forward: unknown option "trainng" \(did you mean "training"\?\)/,
  ],
  [
    'Model.forward training not a boolean',
    (w) => w.model.forward(w.x, any({ training: 1 })),
    TypeError,
    /^Model\.forward: training must be a boolean/,
  ],
  [
    'a layer called directly',
    () => new nn.Dropout(0.5).forward(ag.zeros([2, 2]), any({ trainig: true })),
    TypeError,
    /^Dropout\.forward: unknown option "trainig" \(did you mean "training"\?\)/,
  ],
  [
    'Model.backward inputGrad not a boolean',
    (w) => {
      w.model.forward(w.x);
      return w.model.backward(ag.zeros([4, 2]), any({ inputGrad: 0 }));
    },
    TypeError,
    /^Model\.backward: inputGrad must be a boolean/,
  ],
  [
    'Model.backward',
    (w) => {
      w.model.forward(w.x);
      return w.model.backward(ag.zeros([4, 2]), any({ retain_graph: true }));
    },
    TypeError,
    /^Model\.backward: unknown option "retain_graph" \(did you mean "retainGraph"\?\)/,
  ],
  [
    'matmul',
    () => ag.matmul(leaf(), leaf(), any({ transb: true })),
    TypeError,
    /^matmul: unknown option "transb" \(did you mean "transB"\?\)/,
  ],
  [
    'pad',
    () => ag.pad(leaf(), [1, 1], any({ mdoe: 'reflect' })),
    TypeError,
    /^pad: unknown option "mdoe" \(did you mean "mode"\?\)/,
  ],
  [
    'batchNorm',
    () => ag.batchNorm(ag.zeros([4, 2]), null, null, null, null, any({ trainig: true })),
    TypeError,
    /^batchNorm: unknown option "trainig" \(did you mean "training"\?\)/,
  ],
  [
    'embedding',
    () =>
      ag.embedding(
        ag.tensor([0, 1], [2], { dtype: 'int32' }),
        ag.zeros([3, 2]),
        any({ padding_idx: 0 }),
      ),
    TypeError,
    /^embedding: unknown option "padding_idx" \(did you mean "paddingIdx"\?\)/,
  ],
  [
    'tensor',
    () => ag.zeros([2], any({ dtpye: 'float32' })),
    TypeError,
    /^full: unknown option "dtpye" \(did you mean "dtype"\?\)/,
  ],
  [
    'backward',
    () => ag.backward(leaf().sum(), undefined, any({ createGrpah: true })),
    TypeError,
    /^backward: unknown option "createGrpah" \(did you mean "createGraph"\?\)/,
  ],
  [
    'gradients allowUnused',
    () => {
      const a = leaf();
      return ag.gradients(a.sum(), [a], any({ allowUnused: 'yes' }));
    },
    TypeError,
    /^gradients: allowUnused must be a boolean/,
  ],
  [
    'valueAndGrad',
    () => ag.valueAndGrad((t) => t.sum(), any({ argnum: 0 })),
    TypeError,
    /^valueAndGrad: unknown option "argnum" \(did you mean "argnums"\?\)/,
  ],
  [
    'grad',
    () => ag.grad((t) => t.sum(), any({ createGraph: 'yes' })),
    TypeError,
    /^grad: createGraph must be a boolean/,
  ],
  [
    'clipGradNorm',
    (w) => optim.clipGradNorm(w.model.parameters(), 1, any({ norm_type: 1 })),
    TypeError,
    /^clipGradNorm: unknown option "norm_type" \(did you mean "normType"\?\)/,
  ],
  [
    'clipGradNorm errorIfNonfinite',
    (w) => optim.clipGradNorm(w.model.parameters(), 1, any({ errorIfNonfinite: 1 })),
    TypeError,
    /^clipGradNorm: errorIfNonfinite must be a boolean/,
  ],
  [
    'TensorDataset.batches',
    (w) => w.ds.batches(any({ batchSize: 2, drop_last: true })),
    TypeError,
    /^TensorDataset\.batches: unknown option "drop_last" \(did you mean "dropLast"\?\)/,
  ],
  [
    'TensorDataset.batches shuffle not a boolean',
    (w) => w.ds.batches(any({ batchSize: 2, shuffle: 'yes' })),
    TypeError,
    /^TensorDataset\.batches: shuffle must be a boolean/,
  ],
  [
    'MemoryDataset.batches batchSize 0 (it looped forever)',
    () => [
      ...new train.MemoryDataset(new Float32Array(2), new Int32Array(2), 2, [1], null, 2).batches({
        batchSize: 0,
      }),
    ],
    RangeError,
    /^MemoryDataset\.batches: batchSize must be a positive integer/,
  ],
  [
    'TensorDataset.split',
    (w) => w.ds.split(0.5, any({ seeed: 1 })),
    TypeError,
    /^TensorDataset\.split: unknown option "seeed" \(did you mean "seed"\?\)/,
  ],
  [
    'augmented',
    () =>
      data.augmented(
        new data.TensorDataset(
          { data: new Float32Array(8), shape: [2, 1, 2, 2] },
          Int32Array.of(0, 1),
        ),
        any({ flips: true }),
      ),
    TypeError,
    /^augmented: unknown option "flips" \(did you mean "flip"\?\)/,
  ],
  [
    'computeStats',
    (w) => data.computeStats(w.ds, any({ per_channel: false })),
    TypeError,
    /^computeStats: unknown option "per_channel" \(did you mean "perChannel"\?\)/,
  ],
  [
    'fromBytes',
    () => data.fromBytes(new Uint8Array(2), [2], any({ scale: '1' })),
    TypeError,
    /^fromBytes: scale must be a finite number/,
  ],
  [
    'parseIdx',
    () => data.parseIdx(new Uint8Array(8), 'x', any({ max_bytes: 10 })),
    TypeError,
    /^parseIdx: unknown option "max_bytes" \(did you mean "maxBytes"\?\)/,
  ],
  [
    'encodeIdx',
    () => data.encodeIdx({ shape: [1], data: new Uint8Array(1) }, any({ gzip: 'yes' })),
    TypeError,
    /^encodeIdx: gzip must be a boolean/,
  ],
  [
    'writeIdx',
    () =>
      data.writeIdx(
        join(tmp, 'a.idx'),
        { shape: [1], data: new Uint8Array(1) },
        any({ gzp: true }),
      ),
    TypeError,
    /^writeIdx: unknown option "gzp" \(did you mean "gzip"\?\)/,
  ],
  [
    'loadFashionMnist',
    () => data.loadFashionMnist(any({ flaten: true })),
    TypeError,
    /^loadFashionMnist: unknown option "flaten" \(did you mean "flatten"\?\)/,
  ],
  [
    'loadFashionMnist normalize',
    () => data.loadFashionMnist(any({ normalize: { mean: 0, sd: 1 } })),
    TypeError,
    /^loadFashionMnist: unknown key of normalize "sd" \(did you mean "std"\?\)/,
  ],
  [
    'fromTfjs',
    () => train.fromTfjs({}, new Uint8Array(0), any({ final_softmax: 'drop' })),
    TypeError,
    /^fromTfjs: unknown option "final_softmax" \(did you mean "finalSoftmax"\?\)/,
  ],
  [
    'initialize',
    () =>
      nn.initialize(
        new Float32Array(4),
        [2, 2],
        any({ kind: 'uniform', low: -1, high: 1 }),
        new lib.Rng(0),
      ),
    TypeError,
    /^initialize: unknown key of init \(kind 'uniform'\) "low"/,
  ],
  [
    'a layer initialiser',
    () => new nn.Linear(2, 2, { weightInit: any({ kind: 'kaimingUniform', mode: 'fan_out' }) }),
    TypeError,
    /^Linear: weightInit\.mode must be one of fanIn, fanOut, got string "fan_out" \(did you mean "fanOut"\?\)/,
  ],
  [
    'a uniform initialiser with a > b',
    () => new nn.Embedding(3, 2, { weightInit: { kind: 'uniform', a: 1, b: -1 } }),
    RangeError,
    /^Embedding: weightInit needs a ≤ b, got a 1, b -1/,
  ],
  [
    'unary',
    () => ag.unary(any('sigmod'), leaf()),
    TypeError,
    /^unary: op must be one of .* \(did you mean "sigmoid"\?\)/,
  ],
];

/** Values the code would ignore (an option of another mode, a parameter nothing reads). */
const IGNORED: Array<[string, (w: World) => unknown, RegExp]> = [
  [
    'LayerNorm bias without the affine transform',
    () => new nn.LayerNorm(4, { elementwiseAffine: false, bias: true }),
    /^LayerNorm: bias: true has no effect with elementwiseAffine: false/,
  ],
  [
    'BatchNorm momentum without running statistics',
    () => new nn.BatchNorm1d(3, { trackRunningStats: false, momentum: 0.2 }),
    /^BatchNorm1d: option momentum has no effect here/,
  ],
  [
    'Linear biasInit without a bias',
    () => new nn.Linear(2, 2, { bias: false, biasInit: { kind: 'zeros' } }),
    /^Linear: option biasInit has no effect here: the layer has no bias/,
  ],
  [
    'Conv2d biasInit without a bias',
    () => new nn.Conv2d(2, 2, 3, { bias: false, biasInit: { kind: 'zeros' } }),
    /^Conv2d: option biasInit has no effect here: the layer has no bias/,
  ],
  [
    'ConvTranspose2d biasInit without a bias',
    () => new nn.ConvTranspose2d(2, 2, 3, { bias: false, biasInit: { kind: 'zeros' } }),
    /^ConvTranspose2d: option biasInit has no effect here: the layer has no bias/,
  ],
  [
    "kaiming's negative slope with relu",
    () =>
      new nn.Linear(2, 2, { weightInit: { kind: 'kaimingNormal', a: 0.2, nonlinearity: 'relu' } }),
    /^Linear: option a has no effect here: weightInit\.a is leakyRelu's negative slope, and nonlinearity is relu/,
  ],
  [
    'gain param for relu',
    () => nn.gain('relu', 0.2),
    /^gain: param \(0\.2\) is leakyRelu's negative slope/,
  ],
  [
    'Activation alpha for relu',
    () => new nn.Activation('relu', 0.1),
    /^Activation: op relu takes no parameter, so alpha 0\.1 would be ignored/,
  ],
  [
    'unary beta for elu',
    () => ag.unary('elu', leaf(), 1, 2),
    /^unary: op elu takes 1 parameter\(s\), so beta 2 would be ignored/,
  ],
  [
    'gelu approximate misspelt (it fell back to erf)',
    () => ag.gelu(leaf(), any('tanhh')),
    /^gelu: approximate must be one of none, tanh, got string "tanhh" \(did you mean "tanh"\?\)/,
  ],
  [
    'AveragedParams decay in mode swa',
    (w) => new optim.AveragedParams(w.model.parameters(), { decay: 0.99 }),
    /^AveragedParams: option decay has no effect here: it weighs mode 'ema'/,
  ],
  [
    'CyclicLR gamma outside exp_range',
    (w) => new sched.CyclicLR(w.opt, { baseLr: 0.01, maxLr: 0.1, gamma: 0.99 }),
    /^CyclicLR: option gamma has no effect here: it is the base of mode 'exp_range' only/,
  ],
  [
    'CyclicLR mode beside a scaleFn',
    (w) =>
      new sched.CyclicLR(w.opt, {
        baseLr: 0.01,
        maxLr: 0.1,
        mode: 'triangular2',
        scaleFn: () => 1,
      }),
    /^CyclicLR: option mode has no effect here: a custom scaleFn replaces the mode/,
  ],
  [
    'CyclicLR scaleMode without a scaleFn',
    (w) => new sched.CyclicLR(w.opt, { baseLr: 0.01, maxLr: 0.1, scaleMode: 'iterations' }),
    /^CyclicLR: option scaleMode has no effect here/,
  ],
  [
    'CyclicLR momentum bounds without cycling',
    (w) =>
      new sched.CyclicLR(w.opt, {
        baseLr: 0.01,
        maxLr: 0.1,
        cycleMomentum: false,
        maxMomentum: 0.95,
      }),
    /^CyclicLR: option maxMomentum has no effect here: momentum is not cycled/,
  ],
  [
    'OneCycleLR epochs beside totalSteps',
    (w) => new sched.OneCycleLR(w.opt, { maxLr: 0.1, totalSteps: 10, epochs: 2, stepsPerEpoch: 5 }),
    /^OneCycleLR: option epochs has no effect here: totalSteps is given/,
  ],
  [
    'ModelCheckpoint monitor without saveBestOnly',
    () => new train.ModelCheckpoint({ dir: join(tmp, 'ck'), monitor: 'loss' }),
    /^ModelCheckpoint: option monitor has no effect here: it picks the best epoch/,
  ],
  [
    'fit schedulerInterval without a scheduler',
    (w) =>
      train.fit(w.model, w.ds, {
        optimizer: w.opt,
        loss: new nn.losses.MSELoss(),
        epochs: 1,
        verbose: 0,
        schedulerInterval: 'step',
      }),
    /^fit: option schedulerInterval has no effect here: it says when to step the scheduler, and there is none/,
  ],
  [
    'split seed without shuffle',
    (w) => w.ds.split(0.5, { shuffle: false, seed: 3 }),
    /^TensorDataset\.split: option seed has no effect here: it seeds the random assignment/,
  ],
  [
    'Fashion-MNIST subset beside dir',
    () => data.loadFashionMnist({ dir: tmp, subset: true }),
    /^locateFashionMnist: give dir or subset: true, not both/,
  ],
  [
    'TensorDataset numClasses with dense targets',
    (w) =>
      new data.TensorDataset(w.x, { data: new Float32Array(4), shape: [4, 1] }, { numClasses: 2 }),
    /^TensorDataset: numClasses applies to class-index targets/,
  ],
];

function refused(w: World, call: (w: World) => unknown, cls: ErrorConstructor, re: RegExp) {
  const before = Float32Array.from(w.model.params);
  const lr = w.opt.paramGroups.map((g) => g.lr);
  expect(() => call(w)).toThrow(cls);
  expect(() => call(w)).toThrow(re);
  expect(Float32Array.from(w.model.params)).toEqual(before);
  expect(w.opt.paramGroups.map((g) => g.lr)).toEqual(lr);
}

describe('options objects refuse unknown keys and wrong types', () => {
  for (const [what, call, cls, re] of UNKNOWN_KEYS) it(what, () => refused(world(), call, cls, re));
});

describe('a value the code would ignore is refused', () => {
  for (const [what, call, re] of IGNORED) it(what, () => refused(world(), call, TypeError, re));

  it('the same calls without the ignored value are accepted', () => {
    const w = world();
    expect(new nn.LayerNorm(4, { elementwiseAffine: false, bias: false }).bias).toBe(false);
    expect(new nn.BatchNorm1d(3, { trackRunningStats: false }).momentum).toBe(0.1);
    expect(new nn.Linear(2, 2, { bias: false }).bias).toBe(false);
    expect(nn.gain('leakyRelu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(
      new optim.AveragedParams(w.model.parameters(), { mode: 'ema', decay: 0.99 }).options.decay,
    ).toBe(0.99);
    const c = new sched.CyclicLR(w.opt, {
      baseLr: 0.01,
      maxLr: 0.1,
      mode: 'exp_range',
      gamma: 0.99,
    });
    expect(c.gamma).toBe(0.99);
    expect(
      new sched.OneCycleLR(world().opt, { maxLr: 0.1, epochs: 2, stepsPerEpoch: 5 }).totalSteps,
    ).toBe(10);
    expect(
      new train.ModelCheckpoint({ dir: join(tmp, 'ck'), saveBestOnly: true, monitor: 'loss' })
        .monitor,
    ).toBe('loss');
    expect(w.ds.split(0.5, { shuffle: true, seed: 3 })[0].length).toBe(2);
  });
});
