/**
 * Learning-rate schedulers against PyTorch: every case of __test__/fixtures/schedulers.json
 * (written by scripts/fixtures/gen_schedulers.py from torch.optim.lr_scheduler) is replayed
 * through our schedulers driving our SGD/Adam, stepping the optimizer between scheduler steps
 * as the generator did. Learning rates (and the cycled momentum or betas[0]) must agree within
 * 1e-9 relative: |ours − torch| ≤ 1e-9 · |torch| (exact when torch's value is 0).
 *
 * Also: a state-dict round trip (through JSON) in the middle of every case continues exactly
 * as the straight run; scaleWeightDecay; refused options; plain `{ paramGroups }` objects.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BaseScheduler, SchedulableOptimizer } from '../src/lr_scheduler/index.js';
import * as lrScheduler from '../src/lr_scheduler/index.js';
import { Adam } from '../src/optim/adam.js';
import type { Param } from '../src/optim/optimizer.js';
import { SGD } from '../src/optim/sgd.js';
import {
  buildOptimizer,
  driveOf,
  OPTIMIZER_NAMES,
  setMode,
  stepOnce,
} from './helpers/optim-registry.js';

// ---------------------------------------------------------------------------------------------
// Fixture format

interface SchedulerSpec {
  type: string;
  options?: Record<string, unknown>;
  schedulers?: SchedulerSpec[];
}

interface OptimizerSpec {
  type: 'SGD' | 'Adam';
  groups: Array<Record<string, unknown>>;
  defaults: Record<string, unknown>;
  groupExtras?: Array<Record<string, number>>;
}

interface Case {
  name: string;
  optimizer: OptimizerSpec;
  scheduler: SchedulerSpec;
  steps: number;
  metrics?: number[];
  epochs?: number[];
  recordMomentum?: boolean;
  lr: number[][];
  momentum?: number[][];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/schedulers.json', import.meta.url), 'utf8'),
) as { torch: string; cases: Case[] };

/** The generator's named functions, with the same arithmetic. */
const LAMBDAS: Record<string, (x: number) => number> = {
  warmup10: (e) => Math.min(1.0, (e + 1) / 10),
  decay095: (e) => 0.95 ** e,
  invsqrt: (e) => 1.0 / Math.sqrt(e + 1),
  cosine200: (e) => 0.5 * (1.0 + Math.cos((Math.PI * e) / 200)),
  step30: (e) => 0.5 ** Math.floor(e / 30),
  const095: () => 0.95,
  zigzag: (e) => (e % 10 < 5 ? 1.02 : 0.97),
  slow: (e) => 1.0 - 1.0 / (e + 50),
  inv_cycle: (x) => 1.0 / x,
  decay_iter: (x) => 0.995 ** x,
};

// ---------------------------------------------------------------------------------------------
// Builders

type Optim = SGD | Adam;

function param(): Param {
  return { data: new Float32Array(3), grad: new Float32Array(3).fill(1) };
}

function makeOptimizer(o: OptimizerSpec): Optim {
  const groups = o.groups.map((g) => ({ ...g, params: [param()] }));
  const opt =
    o.type === 'SGD' ? new SGD(groups as never, o.defaults) : new Adam(groups as never, o.defaults);
  o.groupExtras?.forEach((extra, i) => {
    for (const [k, v] of Object.entries(extra)) {
      // As a scheduler would keep it: non-enumerable, out of the optimizer's state dict.
      Object.defineProperty(opt.paramGroups[i], k, {
        value: v,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  });
  return opt;
}

function build(opt: SchedulableOptimizer, spec: SchedulerSpec): BaseScheduler {
  if (spec.type === 'ChainedScheduler') {
    return new lrScheduler.ChainedScheduler((spec.schedulers ?? []).map((s) => build(opt, s)));
  }
  const options: Record<string, unknown> = { ...(spec.options ?? {}) };
  for (const k of ['lrLambda', 'scaleFn']) {
    const v = options[k];
    if (typeof v === 'string') options[k] = LAMBDAS[v];
    if (Array.isArray(v)) options[k] = v.map((n: string) => LAMBDAS[n]);
  }
  if (spec.type === 'SequentialLR') {
    options.schedulers = (options.schedulers as SchedulerSpec[]).map((s) => build(opt, s));
  }
  const Ctor = (
    lrScheduler as unknown as Record<string, new (o: unknown, p: unknown) => BaseScheduler>
  )[spec.type];
  return new Ctor(opt, options);
}

function momentumOf(opt: Optim): number[] {
  return opt.paramGroups.map((g) =>
    'betas' in g ? (g.betas as number[])[0] : (g as { momentum: number }).momentum,
  );
}

/** One scheduler step as the case drives it (metric, epoch, or none). */
function stepCase(c: Case, s: BaseScheduler, i: number): void {
  if (c.metrics) s.step(c.metrics[i]);
  else if (c.epochs) s.step(c.epochs[i]);
  else s.step();
}

interface Trace {
  lr: number[][];
  momentum: number[][];
}

/** Runs steps [from, to) of a case, recording after each. */
function runSteps(c: Case, opt: Optim, s: BaseScheduler, from: number, to: number, t: Trace) {
  for (let i = from; i < to; i++) {
    opt.step();
    stepCase(c, s, i);
    t.lr.push(s.getLastLr());
    t.momentum.push(momentumOf(opt));
  }
}

function straightRun(c: Case): Trace {
  const opt = makeOptimizer(c.optimizer);
  const s = build(opt, c.scheduler);
  const t: Trace = { lr: [s.getLastLr()], momentum: [momentumOf(opt)] };
  runSteps(c, opt, s, 0, c.steps, t);
  return t;
}

/** Largest |got − want| / |want| (exact match required where want is 0). */
function worstRel(got: number[][], want: number[][]): { err: number; at: string } {
  let worst = { err: 0, at: '' };
  expect(got.length).toBe(want.length);
  want.forEach((row, i) => {
    expect(got[i].length).toBe(row.length);
    row.forEach((w, j) => {
      const g = got[i][j];
      const err =
        w === 0 ? (g === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(g - w) / Math.abs(w);
      if (!(err <= worst.err)) worst = { err, at: `step ${i}, group ${j}: got ${g}, want ${w}` };
    });
  });
  return worst;
}

const TOL = 1e-9;

// ---------------------------------------------------------------------------------------------

describe(`schedulers match torch ${fixture.torch}`, () => {
  it('covers every scheduler', () => {
    const kinds = new Set<string>();
    const walk = (s: SchedulerSpec) => {
      kinds.add(s.type);
      s.schedulers?.forEach(walk);
      (s.options?.schedulers as SchedulerSpec[] | undefined)?.forEach(walk);
    };
    for (const c of fixture.cases) walk(c.scheduler);
    expect([...kinds].sort()).toEqual(
      [
        'ChainedScheduler',
        'ConstantLR',
        'CosineAnnealingLR',
        'CosineAnnealingWarmRestarts',
        'CyclicLR',
        'ExponentialLR',
        'LambdaLR',
        'LinearLR',
        'MultiStepLR',
        'MultiplicativeLR',
        'OneCycleLR',
        'PolynomialLR',
        'ReduceLROnPlateau',
        'SequentialLR',
        'StepLR',
      ].sort(),
    );
    for (const c of fixture.cases) expect(c.steps).toBeGreaterThanOrEqual(200);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const t = straightRun(c);
      const lr = worstRel(t.lr, c.lr);
      expect(lr.err, `lr ${lr.at}`).toBeLessThanOrEqual(TOL);
      if (c.momentum) {
        const m = worstRel(t.momentum, c.momentum);
        expect(m.err, `momentum ${m.at}`).toBeLessThanOrEqual(TOL);
      }
    });
  }
});

describe('state dict round trip mid-run equals the straight run', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const straight = straightRun(c);
      const half = Math.floor(c.steps / 2);
      const opt = makeOptimizer(c.optimizer);
      const s = build(opt, c.scheduler);
      const t: Trace = { lr: [s.getLastLr()], momentum: [momentumOf(opt)] };
      runSteps(c, opt, s, 0, half, t);
      const optState = JSON.parse(JSON.stringify(opt.stateDict()));
      const sd = s.stateDict();
      const json = JSON.stringify(sd);
      expect(JSON.parse(json)).toEqual(sd);
      // Restore as torch recommends: scheduler first, then the optimizer's state, then the
      // scheduler's.
      const opt2 = makeOptimizer(c.optimizer);
      const s2 = build(opt2, c.scheduler);
      opt2.loadStateDict(optState);
      s2.loadStateDict(JSON.parse(json));
      expect(s2.stateDict()).toEqual(sd);
      runSteps(c, opt2, s2, half, c.steps, t);
      expect(t.lr).toEqual(straight.lr);
      expect(t.momentum).toEqual(straight.momentum);
    });
  }
});

// ---------------------------------------------------------------------------------------------

function sgd(lr = 0.1, weightDecay = 0.01, extra: Record<string, unknown> = {}): SGD {
  return new SGD([param()], { lr, weightDecay, ...extra });
}

describe('scaleWeightDecay', () => {
  it('scales weightDecay with lr / initialLr, keeping initialWeightDecay on the group', () => {
    const opt = sgd(0.1, 0.01);
    const s = new lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5, scaleWeightDecay: true });
    const g = opt.paramGroups[0] as SGD['paramGroups'][0] & { initialWeightDecay: number };
    expect(g.initialWeightDecay).toBe(0.01);
    expect(Object.keys(g)).not.toContain('initialWeightDecay');
    expect(Object.keys(g)).not.toContain('initialLr');
    for (let i = 0; i < 10; i++) {
      opt.step();
      s.step();
      expect(g.weightDecay).toBeCloseTo((0.01 * g.lr) / 0.1, 15);
    }
    expect(g.lr).toBeCloseTo(0.1 * 0.5 ** 3, 15);
    expect(g.weightDecay).toBeCloseTo(0.01 * 0.5 ** 3, 15);
    // The optimizer's own state dict still round-trips (the scheduler's keys are not in it).
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(sd.paramGroups[0].initialLr).toBeUndefined();
    opt.loadStateDict(sd);
  });

  it('is off by default', () => {
    const opt = sgd(0.1, 0.01);
    const s = new lrScheduler.ExponentialLR(opt, { gamma: 0.5 });
    for (let i = 0; i < 5; i++) s.step();
    expect(opt.paramGroups[0].weightDecay).toBe(0.01);
    expect('initialWeightDecay' in opt.paramGroups[0]).toBe(false);
  });

  it('follows the schedule from its initial lr (OneCycleLR: maxLr / divFactor)', () => {
    const opt = sgd(0.1, 1e-3, { momentum: 0.9 });
    const s = new lrScheduler.OneCycleLR(opt, {
      maxLr: 1,
      totalSteps: 20,
      divFactor: 10,
      scaleWeightDecay: true,
    });
    const g = opt.paramGroups[0];
    expect(g.lr).toBeCloseTo(0.1, 15);
    expect(g.weightDecay).toBeCloseTo(1e-3, 15);
    for (let i = 0; i < 6; i++) s.step();
    expect(g.weightDecay / g.lr).toBeCloseTo(1e-3 / 0.1, 12);
  });

  it('ReduceLROnPlateau scales weightDecay at each reduction', () => {
    const opt = sgd(0.1, 0.02);
    const s = new lrScheduler.ReduceLROnPlateau(opt, {
      patience: 0,
      factor: 0.5,
      scaleWeightDecay: true,
    });
    s.step(1);
    s.step(2);
    expect(opt.paramGroups[0].lr).toBe(0.05);
    expect(opt.paramGroups[0].weightDecay).toBe(0.01);
  });

  it('works on chains, and is saved and restored with the state dict', () => {
    const opt = sgd(0.1, 0.01);
    const a = new lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 2 });
    const b = new lrScheduler.ExponentialLR(opt, { gamma: 0.9 });
    const chain = new lrScheduler.ChainedScheduler([a, b], { scaleWeightDecay: true });
    for (let i = 0; i < 4; i++) chain.step();
    const g = opt.paramGroups[0];
    expect(g.weightDecay).toBeCloseTo((0.01 * g.lr) / 0.1, 15);
    const sd = JSON.parse(JSON.stringify(chain.stateDict()));
    expect(sd.groups).toEqual([{ initialLr: 0.1, initialWeightDecay: 0.01 }]);
  });

  it('refuses groups without a numeric weightDecay, or with an initial lr of 0', () => {
    expect(
      () =>
        new lrScheduler.StepLR(
          { paramGroups: [{ lr: 0.1 }] },
          { stepSize: 1, scaleWeightDecay: true },
        ),
    ).toThrow(/StepLR: scaleWeightDecay needs paramGroups\[0\]\.weightDecay/);
    expect(
      () =>
        new lrScheduler.StepLR(
          { paramGroups: [{ lr: 0, weightDecay: 0.1 } as { lr: number }] },
          { stepSize: 1, scaleWeightDecay: true },
        ),
    ).toThrow(RangeError);
    expect(
      () =>
        new lrScheduler.StepLR(sgd(), { stepSize: 1, scaleWeightDecay: 1 as unknown as boolean }),
    ).toThrow(/option scaleWeightDecay must be a boolean/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('options are checked as torch checks them (and named)', () => {
  type Make = () => unknown;
  const plain = () => ({ paramGroups: [{ lr: 0.1 }] });
  const two = () =>
    new SGD([{ params: [param()] }, { params: [param()] }], { lr: 0.1, momentum: 0.9 });
  const cases: Array<[string, Make, ErrorConstructor, RegExp]> = [
    [
      'StepLR without stepSize',
      () => new lrScheduler.StepLR(sgd(), {} as never),
      TypeError,
      /StepLR: option stepSize is required/,
    ],
    [
      'snake_case name',
      () => new lrScheduler.StepLR(sgd(), { step_size: 3 } as never),
      TypeError,
      /unknown option "step_size" \(did you mean "stepSize"\?\)/,
    ],
    [
      'StepLR stepSize 0',
      () => new lrScheduler.StepLR(sgd(), { stepSize: 0 }),
      RangeError,
      /StepLR: invalid stepSize: must be an integer ≥ 1, got 0/,
    ],
    [
      'StepLR gamma string',
      () => new lrScheduler.StepLR(sgd(), { stepSize: 2, gamma: '0.1' as never }),
      TypeError,
      /option gamma must be a number, got string "0.1"/,
    ],
    [
      'lastEpoch -2',
      () => new lrScheduler.StepLR(sgd(), { stepSize: 2, lastEpoch: -2 }),
      RangeError,
      /invalid lastEpoch/,
    ],
    [
      'options not an object',
      () => new lrScheduler.ExponentialLR(sgd(), 0.9 as never),
      TypeError,
      /ExponentialLR: options must be an object, got number 0.9/,
    ],
    [
      'MultiStepLR milestones',
      () => new lrScheduler.MultiStepLR(sgd(), { milestones: [3, 1.5] }),
      TypeError,
      /milestones must be an array of integers/,
    ],
    [
      'ConstantLR factor 1.5',
      () => new lrScheduler.ConstantLR(sgd(), { factor: 1.5 }),
      RangeError,
      /ConstantLR: invalid factor: must be in \[0, 1\], got 1.5/,
    ],
    [
      'LinearLR startFactor 0',
      () => new lrScheduler.LinearLR(sgd(), { startFactor: 0 }),
      RangeError,
      /LinearLR: invalid startFactor: must be in \(0, 1\]/,
    ],
    [
      'LinearLR endFactor 2',
      () => new lrScheduler.LinearLR(sgd(), { endFactor: 2 }),
      RangeError,
      /invalid endFactor/,
    ],
    [
      'CosineAnnealingLR T_max',
      () => new lrScheduler.CosineAnnealingLR(sgd(), { T_max: 10 } as never),
      TypeError,
      /did you mean "tMax"/,
    ],
    [
      'CosineAnnealingWarmRestarts t0 0',
      () => new lrScheduler.CosineAnnealingWarmRestarts(sgd(), { t0: 0 }),
      RangeError,
      /invalid t0: must be an integer ≥ 1, got 0/,
    ],
    [
      'CosineAnnealingWarmRestarts tMult 1.5',
      () => new lrScheduler.CosineAnnealingWarmRestarts(sgd(), { t0: 2, tMult: 1.5 }),
      RangeError,
      /invalid tMult/,
    ],
    [
      'CyclicLR bad mode',
      () =>
        new lrScheduler.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, mode: 'triangle' as never }),
      TypeError,
      /CyclicLR: option mode must be one of "triangular", "triangular2", "exp_range", got string "triangle"/,
    ],
    [
      'CyclicLR bad scaleMode',
      () =>
        new lrScheduler.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, scaleMode: 'cycles' as never }),
      TypeError,
      /option scaleMode must be one of "cycle", "iterations"/,
    ],
    [
      'CyclicLR maxLr per group length',
      () => new lrScheduler.CyclicLR(two(), { baseLr: 0.01, maxLr: [0.1, 0.2, 0.3] }),
      RangeError,
      /option maxLr must have one value per param group \(2\), got 3 values/,
    ],
    [
      'CyclicLR without baseLr',
      () => new lrScheduler.CyclicLR(sgd(), { maxLr: 0.1 } as never),
      TypeError,
      /option baseLr is required/,
    ],
    [
      'CyclicLR stepSizeUp 0',
      () => new lrScheduler.CyclicLR(sgd(), { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 0 }),
      RangeError,
      /invalid stepSizeUp/,
    ],
    [
      'CyclicLR momentum cycling without momentum',
      () => new lrScheduler.CyclicLR(plain(), { baseLr: 0.01, maxLr: 0.1 }),
      TypeError,
      /cycleMomentum needs an optimizer with momentum or betas/,
    ],
    [
      'OneCycleLR totalSteps 0',
      () => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 0 }),
      RangeError,
      /OneCycleLR: invalid totalSteps: must be an integer ≥ 1, got 0/,
    ],
    [
      'OneCycleLR totalSteps -3',
      () => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: -3 }),
      RangeError,
      /invalid totalSteps/,
    ],
    [
      'OneCycleLR no length',
      () => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 3 }),
      TypeError,
      /give either totalSteps or both epochs and stepsPerEpoch/,
    ],
    [
      'OneCycleLR epochs 0',
      () => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, epochs: 0, stepsPerEpoch: 3 }),
      RangeError,
      /invalid epochs/,
    ],
    [
      'OneCycleLR pctStart 1.5',
      () => new lrScheduler.OneCycleLR(sgd(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
      RangeError,
      /invalid pctStart: must be in \[0, 1\]/,
    ],
    [
      'OneCycleLR annealStrategy',
      () =>
        new lrScheduler.OneCycleLR(sgd(), {
          maxLr: 0.1,
          totalSteps: 10,
          annealStrategy: 'cosine' as never,
        }),
      TypeError,
      /option annealStrategy must be one of "cos", "linear"/,
    ],
    [
      'ReduceLROnPlateau factor 1',
      () => new lrScheduler.ReduceLROnPlateau(sgd(), { factor: 1 }),
      RangeError,
      /ReduceLROnPlateau: invalid factor: must be in \[0, 1\)/,
    ],
    [
      'ReduceLROnPlateau mode',
      () => new lrScheduler.ReduceLROnPlateau(sgd(), { mode: 'minimum' as never }),
      TypeError,
      /option mode must be one of "min", "max"/,
    ],
    [
      'ReduceLROnPlateau thresholdMode',
      () => new lrScheduler.ReduceLROnPlateau(sgd(), { thresholdMode: 'relative' as never }),
      TypeError,
      /thresholdMode/,
    ],
    [
      'ReduceLROnPlateau minLr length',
      () => new lrScheduler.ReduceLROnPlateau(two(), { minLr: [0.1] }),
      RangeError,
      /minLr must have one value per param group \(2\)/,
    ],
    [
      'ReduceLROnPlateau lastEpoch',
      () => new lrScheduler.ReduceLROnPlateau(sgd(), { lastEpoch: 3 } as never),
      TypeError,
      /unknown option "lastEpoch"/,
    ],
    [
      'LambdaLR not a function',
      () => new lrScheduler.LambdaLR(sgd(), { lrLambda: 0.5 as never }),
      TypeError,
      /option lrLambda must be a function, got number 0.5/,
    ],
    [
      'LambdaLR wrong count',
      () => new lrScheduler.LambdaLR(two(), { lrLambda: [() => 1] }),
      RangeError,
      /one function per param group \(2\)/,
    ],
    [
      'MultiplicativeLR not a function',
      () => new lrScheduler.MultiplicativeLR(sgd(), { lrLambda: ['x'] as never }),
      TypeError,
      /lrLambda\[0\] must be a function/,
    ],
    [
      'resume without initialLr',
      () => new lrScheduler.StepLR(sgd(), { stepSize: 2, lastEpoch: 5 }),
      TypeError,
      /paramGroups\[0\]\.initialLr is undefined: resuming with lastEpoch 5/,
    ],
    [
      'not an optimizer',
      () => new lrScheduler.StepLR(null as never, { stepSize: 2 }),
      TypeError,
      /StepLR: optimizer must be an optimizer/,
    ],
    [
      'group lr not a number',
      () => new lrScheduler.StepLR({ paramGroups: [{ lr: '0.1' as never }] }, { stepSize: 2 }),
      TypeError,
      /optimizer\.paramGroups\[0\]\.lr must be a finite number, got string/,
    ],
    [
      'no groups',
      () => new lrScheduler.StepLR({ paramGroups: [] }, { stepSize: 2 }),
      TypeError,
      /paramGroups must be a non-empty array/,
    ],
    [
      'SequentialLR milestone count',
      () => {
        const o = sgd();
        return new lrScheduler.SequentialLR(o, {
          schedulers: [
            new lrScheduler.ConstantLR(o),
            new lrScheduler.ExponentialLR(o, { gamma: 0.9 }),
          ],
          milestones: [],
        });
      },
      RangeError,
      /one milestone fewer than schedulers, got 2 schedulers and 0 milestones/,
    ],
    [
      'SequentialLR with ReduceLROnPlateau',
      () => {
        const o = sgd();
        return new lrScheduler.SequentialLR(o, {
          schedulers: [new lrScheduler.ConstantLR(o), new lrScheduler.ReduceLROnPlateau(o)],
          milestones: [3],
        });
      },
      TypeError,
      /is a ReduceLROnPlateau/,
    ],
    [
      'SequentialLR another optimizer',
      () => {
        const o = sgd();
        return new lrScheduler.SequentialLR(o, {
          schedulers: [new lrScheduler.ConstantLR(sgd())],
          milestones: [],
        });
      },
      RangeError,
      /belongs to another optimizer/,
    ],
    [
      'SequentialLR decreasing milestones',
      () => {
        const o = sgd();
        const c = () => new lrScheduler.ConstantLR(o);
        return new lrScheduler.SequentialLR(o, { schedulers: [c(), c(), c()], milestones: [5, 2] });
      },
      RangeError,
      /must be non-decreasing/,
    ],
    [
      'ChainedScheduler empty',
      () => new lrScheduler.ChainedScheduler([]),
      TypeError,
      /ChainedScheduler: schedulers must be a non-empty array/,
    ],
    [
      'ChainedScheduler not schedulers',
      () => new lrScheduler.ChainedScheduler([{}] as never),
      TypeError,
      /schedulers\[0\] must be a scheduler/,
    ],
  ];
  for (const [name, make, type, msg] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        make();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(msg);
    });
  }

  it('a refused constructor changes nothing on the optimizer', () => {
    const opt = sgd(0.1, 0, { momentum: 0.5 });
    expect(
      () => new lrScheduler.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, mode: 'nope' as never }),
    ).toThrow(TypeError);
    expect(
      () => new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 2 }),
    ).toThrow(RangeError);
    const g = opt.paramGroups[0];
    expect([g.lr, g.momentum]).toEqual([0.1, 0.5]);
    expect('initialLr' in g).toBe(false);
  });

  it('OneCycleLR refuses to step past totalSteps, changing nothing', () => {
    const opt = sgd(0.1, 0, { momentum: 0.9 });
    const s = new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10 });
    for (let i = 0; i < 10; i++) s.step();
    const lr = opt.paramGroups[0].lr;
    expect(() => s.step()).toThrow(
      /OneCycleLR\.step: tried to step 11 times; the cycle has totalSteps 10/,
    );
    expect(s.lastEpoch).toBe(10);
    expect(opt.paramGroups[0].lr).toBe(lr);
  });

  it('step arguments are checked', () => {
    const s = new lrScheduler.ReduceLROnPlateau(sgd());
    expect(() => s.step('0.5' as never)).toThrow(
      /ReduceLROnPlateau\.step: metric must be a number/,
    );
    const w = new lrScheduler.CosineAnnealingWarmRestarts(sgd(), { t0: 3 });
    expect(() => w.step(-1)).toThrow(RangeError);
    const e = new lrScheduler.StepLR(sgd(), { stepSize: 2 });
    expect(() => e.step(1.5)).toThrow(/StepLR\.step: epoch must be an integer ≥ 0/);
    const l = new lrScheduler.LambdaLR(sgd(), { lrLambda: (ep) => (ep < 2 ? 1 : Number.NaN) });
    l.step();
    expect(() => l.step()).toThrow(/lrLambda for paramGroups\[0\] returned number NaN at epoch 2/);
    expect(l.lastEpoch).toBe(1);
  });

  it('state dicts are plain JSON: ±Infinity as strings, functions as their own properties', () => {
    const s = new lrScheduler.ReduceLROnPlateau(sgd(), { mode: 'max' });
    const sd = s.stateDict();
    expect(sd.best).toBe('-Infinity');
    const s2 = new lrScheduler.ReduceLROnPlateau(sgd(), { mode: 'max' });
    s2.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(s2.best).toBe(Number.NEGATIVE_INFINITY);

    // As torch: a plain function is saved as null; a stateful one as its own properties,
    // restored onto the current function.
    const stateful = Object.assign((e: number) => stateful.base ** e, { base: 0.9 });
    const l = new lrScheduler.LambdaLR(
      new SGD([{ params: [param()] }, { params: [param()] }], { lr: 0.1 }),
      { lrLambda: [(e) => 1 / (e + 1), stateful] },
    );
    const lsd = l.stateDict();
    expect(lsd.lrLambdas).toEqual([null, { base: 0.9 }]);
    stateful.base = 0.5;
    l.loadStateDict(JSON.parse(JSON.stringify(lsd)));
    expect(stateful.base).toBe(0.9);
  });

  it('loadStateDict checks everything before changing anything', () => {
    const opt = sgd();
    const s = new lrScheduler.StepLR(opt, { stepSize: 2 });
    s.step();
    const sd = s.stateDict();
    expect(() => s.loadStateDict({ ...sd, gama: 0.5 })).toThrow(
      /StepLR\.loadStateDict: unknown state key "gama" \(did you mean "gamma"\?\)/,
    );
    expect(() => s.loadStateDict({ ...sd, lastEpoch: 7, gamma: 'x' })).toThrow(
      /stateDict\.gamma must be a finite number, got string "x"/,
    );
    const { baseLrs: _, ...missing } = sd;
    expect(() => s.loadStateDict(missing)).toThrow(/the state dict has no baseLrs/);
    expect(() => s.loadStateDict({ ...sd, baseLrs: [1, 2] })).toThrow(/array of 1 finite numbers/);
    expect(s.lastEpoch).toBe(1);
    expect(s.stateDict()).toEqual(sd);
  });
});

// ---------------------------------------------------------------------------------------------

describe('any object with paramGroups', () => {
  it('StepLR, CosineAnnealingLR, LambdaLR, ReduceLROnPlateau drive { paramGroups: [{ lr }] }', () => {
    const o = { paramGroups: [{ lr: 0.1 }] };
    const s = new lrScheduler.StepLR(o, { stepSize: 2, gamma: 0.5 });
    s.step();
    s.step();
    expect(o.paramGroups[0].lr).toBe(0.05);
    expect(s.getLastLr()).toEqual([0.05]);
    expect((o.paramGroups[0] as { initialLr?: number }).initialLr).toBe(0.1);
    expect(JSON.stringify(o)).toBe('{"paramGroups":[{"lr":0.05}]}');

    const c = { paramGroups: [{ lr: 0.1 }, { lr: 0.2 }] };
    const cos = new lrScheduler.CosineAnnealingLR(c, { tMax: 4 });
    for (let i = 0; i < 4; i++) cos.step();
    expect(c.paramGroups.map((g) => g.lr)).toEqual([0, 0]);

    const l = { paramGroups: [{ lr: 1 }] };
    const lam = new lrScheduler.LambdaLR(l, { lrLambda: (e) => 1 / (e + 1) });
    lam.step();
    expect(l.paramGroups[0].lr).toBe(0.5);

    const p = { paramGroups: [{ lr: 1 }] };
    const plateau = new lrScheduler.ReduceLROnPlateau(p, { patience: 0 });
    plateau.step(1);
    plateau.step(1);
    expect(p.paramGroups[0].lr).toBeCloseTo(0.1, 15);
  });

  it('CyclicLR cycles a plain object’s momentum, or Adam-style betas', () => {
    const m = { paramGroups: [{ lr: 0.1, momentum: 0.9 }] };
    new lrScheduler.CyclicLR(m, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2 }).step();
    expect(m.paramGroups[0].lr).toBeCloseTo(0.055, 15);
    expect(m.paramGroups[0].momentum).toBeCloseTo(0.85, 15);
    const b = { paramGroups: [{ lr: 0.1, betas: [0.9, 0.99] }] };
    new lrScheduler.OneCycleLR(b, { maxLr: 0.1, totalSteps: 10 });
    expect(b.paramGroups[0].betas).toEqual([0.95, 0.99]);
  });

  // Every optimizer of the library (the shared registry), wrappers included: the schedule
  // reaches the optimizer, the optimizer accepts the values (momentum, betas, weightDecay
  // included) and its own state dict still round-trips with the scheduler's keys on its groups.
  for (const name of OPTIMIZER_NAMES) {
    it(`drives ${name}`, () => {
      const p: Param = {
        data: Float32Array.from({ length: 6 }, (_, i) => 0.5 - i / 10),
        grad: new Float32Array(6),
        shape: [2, 3],
      };
      const opt = buildOptimizer(name, [p], {});
      const drive = driveOf(name);
      if (drive.scheduleFree) setMode(opt, name, 'train');
      const lossAndGrad = () => {
        let loss = 0;
        p.data.forEach((x, i) => {
          (p.grad as Float32Array)[i] = x;
          loss += (x * x) / 2;
        });
        return loss;
      };
      const g = opt.paramGroups[0] as unknown as Record<string, unknown>;
      const lr0 = g.lr as number;
      const hasWd = typeof g.weightDecay === 'number';
      const cos = new lrScheduler.CosineAnnealingLR(opt, {
        tMax: 8,
        scaleWeightDecay: hasWd,
      });
      const wd0 = g.weightDecay as number;
      for (let t = 1; t <= 5; t++) {
        stepOnce(opt, drive, lossAndGrad);
        cos.step();
        const want = (lr0 * (1 + Math.cos((Math.PI * t) / 8))) / 2;
        expect(Math.abs((g.lr as number) - want)).toBeLessThanOrEqual(1e-15 * lr0 + 1e-300);
        if (hasWd) expect(g.weightDecay).toBeCloseTo((wd0 * (g.lr as number)) / lr0, 15);
      }
      const cycles = 'momentum' in g || 'betas' in g;
      const cyc = new lrScheduler.CyclicLR(opt, {
        baseLr: lr0 / 10,
        maxLr: lr0,
        stepSizeUp: 3,
        cycleMomentum: cycles,
      });
      for (let t = 0; t < 4; t++) {
        stepOnce(opt, drive, lossAndGrad);
        cyc.step();
      }
      if (cycles) {
        const m = 'betas' in g ? (g.betas as number[])[0] : (g.momentum as number);
        expect(m).toBeCloseTo(0.9 - 0.1 * (2 / 3), 12);
      }
      expect(p.data.every(Number.isFinite)).toBe(true);
      if (drive.scheduleFree) setMode(opt, name, 'eval');
      opt.loadStateDict(JSON.parse(JSON.stringify(opt.stateDict())));
    });
  }

  it('getLastLr returns a copy', () => {
    const s = new lrScheduler.ExponentialLR({ paramGroups: [{ lr: 1 }] }, { gamma: 0.5 });
    s.getLastLr()[0] = 7;
    expect(s.getLastLr()).toEqual([1]);
  });

  it('is exported from the package root as lrScheduler', async () => {
    const root = await import('../src/index.js');
    expect(root.lrScheduler.StepLR).toBe(lrScheduler.StepLR);
  });
});
