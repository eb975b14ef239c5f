/**
 * Bad input to the schedulers, the data readers and fit, in both backends: each case must
 * throw the right error class with a message naming the argument, and leave what it was
 * given unchanged (a scheduler that refuses its options has not touched the optimizer's
 * groups; a fit that refuses its options has not trained).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import * as data from '../src/data/index.js';
import * as L from '../src/lr_scheduler/index.js';
import { Linear, losses, Model, Sequential } from '../src/nn/index.js';
import { SGD } from '../src/optim/index.js';
import { fit } from '../src/train/index.js';

const initial = getBackend().name;
const dir = mkdtempSync(join(tmpdir(), 'descent-bad-'));
afterAll(() => {
  setBackend(initial);
  rmSync(dir, { recursive: true, force: true });
});

type Case = [string, () => unknown, ErrorConstructor, RegExp];
// biome-ignore lint/suspicious/noExplicitAny: bad input is the point of these calls
const any = (x: unknown) => x as any;

const sgd = () =>
  new SGD([{ data: new Float32Array(4).fill(1), grad: new Float32Array(4).fill(0.5) }], {
    lr: 0.1,
    momentum: 0.9,
  });
const groups = (o: ReturnType<typeof sgd>) => JSON.stringify(o.paramGroups);

/** Scheduler constructors and calls: [what, (optimizer) => call, class, message]. */
const SCHEDULER_CASES: Array<
  [string, (o: ReturnType<typeof sgd>) => unknown, ErrorConstructor, RegExp]
> = [
  ['StepLR without stepSize', (o) => new L.StepLR(o, any({})), TypeError, /StepLR: .*stepSize/],
  ['StepLR stepSize 0', (o) => new L.StepLR(o, { stepSize: 0 }), RangeError, /stepSize/],
  ['StepLR stepSize 1.5', (o) => new L.StepLR(o, { stepSize: 1.5 }), RangeError, /stepSize/],
  [
    'StepLR gamma NaN',
    (o) => new L.StepLR(o, { stepSize: 2, gamma: Number.NaN }),
    RangeError,
    /gamma/,
  ],
  [
    'StepLR gamma a string',
    (o) => new L.StepLR(o, any({ stepSize: 2, gamma: '0.5' })),
    TypeError,
    /gamma/,
  ],
  [
    'StepLR misspelt option',
    (o) => new L.StepLR(o, any({ stepSize: 2, gama: 0.5 })),
    TypeError,
    /"gama".*gamma/,
  ],
  [
    'MultiStepLR milestones null',
    (o) => new L.MultiStepLR(o, any({ milestones: null })),
    TypeError,
    /milestones/,
  ],
  [
    'MultiStepLR milestones [NaN]',
    (o) => new L.MultiStepLR(o, { milestones: [Number.NaN] }),
    TypeError,
    /milestones/,
  ],
  ['CosineAnnealingLR tMax 0', (o) => new L.CosineAnnealingLR(o, { tMax: 0 }), RangeError, /tMax/],
  [
    'CosineAnnealingLR etaMin NaN',
    (o) => new L.CosineAnnealingLR(o, { tMax: 5, etaMin: Number.NaN }),
    RangeError,
    /etaMin/,
  ],
  [
    'CosineAnnealingWarmRestarts t0 0',
    (o) => new L.CosineAnnealingWarmRestarts(o, { t0: 0 }),
    RangeError,
    /t0/,
  ],
  [
    'CosineAnnealingWarmRestarts tMult 1.5',
    (o) => new L.CosineAnnealingWarmRestarts(o, { t0: 2, tMult: 1.5 }),
    RangeError,
    /tMult/,
  ],
  ['CyclicLR without maxLr', (o) => new L.CyclicLR(o, any({ baseLr: 0.01 })), TypeError, /maxLr/],
  [
    'CyclicLR unknown mode',
    (o) => new L.CyclicLR(o, any({ baseLr: 0.01, maxLr: 0.1, mode: 'sine' })),
    TypeError,
    /mode.*triangular/,
  ],
  [
    'OneCycleLR without a length',
    (o) => new L.OneCycleLR(o, { maxLr: 0.1 }),
    TypeError,
    /totalSteps/,
  ],
  [
    'OneCycleLR pctStart 2',
    (o) => new L.OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, pctStart: 2 }),
    RangeError,
    /pctStart/,
  ],
  [
    'OneCycleLR unknown annealStrategy',
    (o) => new L.OneCycleLR(o, any({ maxLr: 0.1, totalSteps: 10, annealStrategy: 'exp' })),
    TypeError,
    /annealStrategy/,
  ],
  [
    'ReduceLROnPlateau unknown mode',
    (o) => new L.ReduceLROnPlateau(o, any({ mode: 'up' })),
    TypeError,
    /mode/,
  ],
  [
    'ReduceLROnPlateau factor 1',
    (o) => new L.ReduceLROnPlateau(o, { factor: 1 }),
    RangeError,
    /factor/,
  ],
  [
    'LinearLR startFactor 0',
    (o) => new L.LinearLR(o, { startFactor: 0 }),
    RangeError,
    /startFactor/,
  ],
  [
    'LambdaLR lrLambda not a function',
    (o) => new L.LambdaLR(o, any({ lrLambda: 3 })),
    TypeError,
    /lrLambda/,
  ],
  [
    'SequentialLR without schedulers',
    (o) => new L.SequentialLR(o, { schedulers: [], milestones: [1] }),
    TypeError,
    /schedulers/,
  ],
];

/** Calls on a built scheduler that must be refused without moving it. */
const STEP_CASES: Array<
  [string, () => { s: { getLastLr(): number[] }; call: () => unknown }, ErrorConstructor, RegExp]
> = [
  [
    'step(-1)',
    () => {
      const s = new L.StepLR(sgd(), { stepSize: 2 });
      return { s, call: () => s.step(-1) };
    },
    TypeError,
    /epoch/,
  ],
  [
    'OneCycleLR stepped past totalSteps',
    () => {
      const s = new L.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 2 });
      s.step();
      s.step();
      return { s, call: () => s.step() };
    },
    RangeError,
    /totalSteps 2/,
  ],
  [
    'ReduceLROnPlateau.step without a metric',
    () => {
      const s = new L.ReduceLROnPlateau(sgd());
      return { s, call: () => s.step(any(undefined)) };
    },
    TypeError,
    /metric/,
  ],
  [
    'ReduceLROnPlateau.step("1")',
    () => {
      const s = new L.ReduceLROnPlateau(sgd());
      return { s, call: () => s.step(any('1')) };
    },
    TypeError,
    /metric/,
  ],
  [
    'LambdaLR whose lambda returns NaN',
    () => {
      const s = new L.LambdaLR(sgd(), { lrLambda: (e) => (e === 0 ? 1 : Number.NaN) });
      return { s, call: () => s.step() };
    },
    TypeError,
    /lrLambda.*NaN/,
  ],
  [
    'loadStateDict(null)',
    () => {
      const s = new L.StepLR(sgd(), { stepSize: 2 });
      return { s, call: () => s.loadStateDict(any(null)) };
    },
    TypeError,
    /state dict/,
  ],
  [
    'loadStateDict without lastLr',
    () => {
      const s = new L.StepLR(sgd(), { stepSize: 2 });
      return { s, call: () => s.loadStateDict(any({ lastEpoch: 'x' })) };
    },
    TypeError,
    /lastLr/,
  ],
];

const twoSamples = () =>
  new data.TensorDataset({ data: new Float32Array(6), shape: [2, 3] }, Int32Array.of(0, 1));

const DATA_CASES: Case[] = [
  [
    'readIdx of a missing file',
    () => data.readIdx(join(dir, 'missing.idx')),
    Error,
    /missing\.idx.*cannot open/,
  ],
  ['readIdx of a directory', () => data.readIdx(dir), Error, /not a regular file/],
  ['readIdx path null', () => data.readIdx(any(null)), TypeError, /readIdx: path/],
  [
    'parseIdx of a string',
    () => data.parseIdx(any('abc')),
    TypeError,
    /parseIdx: bytes must be a Uint8Array/,
  ],
  ['parseIdx of 3 bytes', () => data.parseIdx(new Uint8Array(3)), Error, /too short/],
  ['parseCsv of a number', () => data.parseCsv(any(42)), TypeError, /parseCsv: text/],
  [
    'parseCsv with a ragged row',
    () => data.parseCsv('a,b\n1,2\n3\n'),
    Error,
    /row 2 .*1 fields, expected 2/,
  ],
  ['parseCsv with a non-number', () => data.parseCsv('a,b\n1,x\n'), Error, /column 2 \("b"\)/],
  [
    'readCsv of a missing file',
    () => data.readCsv(join(dir, 'missing.csv')),
    Error,
    /missing\.csv.*cannot read/,
  ],
  ['csvDataset of null', () => data.csvDataset(any(null)), TypeError, /csvDataset: csv/],
  ['csvDataset without labels', () => data.csvDataset(data.parseCsv('a,b\n1,2\n')), Error, /label/],
  [
    'TensorDataset x null',
    () => new data.TensorDataset(any(null), Int32Array.of(0)),
    TypeError,
    /TensorDataset: x/,
  ],
  [
    'TensorDataset shape NaN',
    () =>
      new data.TensorDataset(
        { data: new Float32Array(6), shape: [2, Number.NaN] },
        Int32Array.of(0, 1),
      ),
    TypeError,
    /x must be/,
  ],
  [
    'TensorDataset labels ≠ samples',
    () => new data.TensorDataset({ data: new Float32Array(6), shape: [2, 3] }, new Int32Array(3)),
    RangeError,
    /y has 3 labels, x has 2/,
  ],
  [
    'TensorDataset negative label',
    () =>
      new data.TensorDataset({ data: new Float32Array(6), shape: [2, 3] }, Int32Array.of(0, -1)),
    RangeError,
    /y\[1\] = -1/,
  ],
  ['split(1.5)', () => twoSamples().split(1.5), RangeError, /fraction/],
  ['loadFashionMnist dir 3', () => data.loadFashionMnist({ dir: any(3) }), TypeError, /dir/],
  [
    'loadFashionMnist missing dir',
    () => data.loadFashionMnist({ dir: join(dir, 'none') }),
    Error,
    /not found in .*none/,
  ],
  [
    'normalize of a Float32Array',
    () => data.normalize(any(new Float32Array(3))),
    TypeError,
    /normalize: dataset/,
  ],
  ['permutation(-1)', () => data.permutation(-1), RangeError, /permutation: n/],
  ['permutation(3, NaN)', () => data.permutation(3, Number.NaN), TypeError, /permutation: seed/],
  [
    'shiftFlip with a missing dst',
    () => data.shiftFlip(new Float32Array(4), any(undefined), 1, 2, 2, 0, 0, false),
    TypeError,
    /shiftFlip: dst/,
  ],
  [
    'shiftFlip height 0',
    () => data.shiftFlip(new Float32Array(4), new Float32Array(4), 1, 0, 2, 0, 0, false),
    RangeError,
    /shiftFlip: height/,
  ],
  [
    'shiftFlip dx 0.5',
    () => data.shiftFlip(new Float32Array(4), new Float32Array(4), 1, 2, 2, 0.5, 0, false),
    RangeError,
    /shiftFlip: dx/,
  ],
  [
    'shiftFlip src too short',
    () => data.shiftFlip(new Float32Array(3), new Float32Array(4), 1, 2, 2, 0, 0, false),
    TypeError,
    /shiftFlip: src/,
  ],
  [
    'shiftFlip overlapping src and dst',
    () => {
      const a = new Float32Array(8);
      data.shiftFlip(a.subarray(0, 4), a.subarray(2, 6), 1, 2, 2, 0, 0, false);
    },
    RangeError,
    /overlap/,
  ],
];

/** fit options: [what, options changed from a valid set, class, message]. */
const FIT_CASES: Array<[string, Record<string, unknown>, ErrorConstructor, RegExp]> = [
  ['epochs 0', { epochs: 0 }, RangeError, /epochs/],
  ['epochs NaN', { epochs: Number.NaN }, RangeError, /epochs/],
  ['batchSize 0', { batchSize: 0 }, RangeError, /batchSize/],
  ['batchSize 1.5', { batchSize: 1.5 }, RangeError, /batchSize/],
  ['no optimizer', { optimizer: undefined }, TypeError, /optimizer/],
  ['no loss', { loss: undefined }, TypeError, /loss/],
  ['validationSplit 1.5', { validationSplit: 1.5 }, RangeError, /validationSplit/],
  ['schedulerInterval "batch"', { schedulerInterval: 'batch' }, TypeError, /schedulerInterval/],
  ['an unknown metric', { metrics: ['acuracy'] }, TypeError, /metric "acuracy"/],
  ['a misspelt option', { epoch: 3 }, TypeError, /"epoch".*epochs/],
  ['callbacks an object', { callbacks: {} }, TypeError, /callbacks/],
];

describe.each(['native', 'js'] as BackendName[])('%s backend', (backend) => {
  it.each(SCHEDULER_CASES)('%s: refused, the optimizer untouched', (_, make, cls, msg) => {
    setBackend(backend);
    const o = sgd();
    const before = groups(o);
    expect(() => make(o)).toThrow(cls);
    expect(() => make(o)).toThrow(msg);
    expect(groups(o)).toBe(before);
  });

  it.each(STEP_CASES)('%s: refused, the schedule unmoved', (_, make, cls, msg) => {
    setBackend(backend);
    const { s, call } = make();
    const lr = s.getLastLr();
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(cls);
    expect((err as Error).message).toMatch(msg);
    expect(s.getLastLr()).toEqual(lr);
  });

  it.each(DATA_CASES)('%s', (_, call, cls, msg) => {
    setBackend(backend);
    expect(call).toThrow(cls);
    expect(call).toThrow(msg);
  });

  it.each(FIT_CASES)('fit with %s: refused before any step', (_, change, cls, msg) => {
    setBackend(backend);
    const model = new Model(new Sequential([new Linear(3, 2)]), [3], { seed: 1 });
    const before = model.parameters().map((p) => Float32Array.from(p.data));
    const optimizer = new SGD(model.parameters(), { lr: 0.5 });
    const ds = new data.TensorDataset(
      { data: Float32Array.from({ length: 12 }, (_, i) => i / 12), shape: [4, 3] },
      Int32Array.of(0, 1, 0, 1),
    );
    const options = {
      optimizer,
      loss: new losses.CrossEntropyLoss(),
      epochs: 2,
      batchSize: 2,
      verbose: 0 as const,
      scheduler: new L.StepLR(optimizer, { stepSize: 1 }),
      ...change,
    };
    expect(() => fit(model, ds, any(options))).toThrow(cls);
    expect(() => fit(model, ds, any(options))).toThrow(msg);
    expect(model.parameters().map((p) => Float32Array.from(p.data))).toEqual(before);
    expect(optimizer.paramGroups[0].lr).toBe(0.5);
  });

  it('a file that is not IDX is refused naming it, and a valid one still reads', () => {
    setBackend(backend);
    const bad = join(dir, `bad-${backend}.idx`);
    writeFileSync(bad, 'this is not an IDX file at all');
    expect(() => data.readIdx(bad)).toThrow(new RegExp(`bad-${backend}\\.idx`));
    const good = join(dir, `good-${backend}.idx`);
    data.writeIdx(good, { shape: [2, 2], data: Uint8Array.of(1, 2, 3, 4) });
    expect(Array.from(data.readIdx(good).data)).toEqual([1, 2, 3, 4]);
  });
});
