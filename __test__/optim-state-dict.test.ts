/**
 * State dicts of every optimizer (by name from the `optim` namespace; a missing class fails),
 * on both backends:
 *
 * - resume: k steps → stateDict() → JSON.stringify → JSON.parse → a new optimizer over fresh
 *   copies of the parameters → loadStateDict() → k more steps gives bit for bit the
 *   parameters (and state dict) of 2k straight steps. Schedule-free optimizers checkpoint in
 *   eval mode, as their reference asks: eval() before saving and train() after loading, and
 *   the straight run makes the same eval()/train() round trip at step k.
 * - refusal: loading a state dict with a wrong number of groups, a buffer of the wrong length
 *   or an unknown state name throws, and the optimizer's stateDict() and parameters are then
 *   what they were. The bad dict is built from another optimizer that took more steps and
 *   has another learning rate, and the defect is put in its last buffer or last parameter,
 *   so a load that applied the good parts before noticing the defect would show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import type { OptimizerStateDict, Param } from '../src/optim/index.js';
import {
  buildOptimizer,
  driveOf,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type RowOptions,
  setMode,
  stepOnce,
  type TestOptimizer,
} from './helpers/optim-registry.js';

const K = 4;
const SHAPES = [[3, 4], [5], [2, 3]];

/** Per optimizer: options that give it state to save (momenta, amsgrad, history, …). */
const OPTIONS: Record<OptimizerName, RowOptions> = {
  SGD: { options: { lr: 0.05, momentum: 0.9, nesterov: true } },
  Adam: { options: { lr: 0.01, amsgrad: true } },
  AdamW: { options: { lr: 0.01, amsgrad: true } },
  Adagrad: { options: { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 } },
  Adadelta: { options: { lr: 1, weightDecay: 0.01 } },
  RMSprop: { options: { lr: 0.01, centered: true, momentum: 0.9 } },
  Adamax: { options: { lr: 0.01 } },
  NAdam: { options: { lr: 0.01, momentumDecay: 0.01 } },
  RAdam: { options: { lr: 0.01 } },
  Rprop: { options: { lr: 0.01 } },
  ASGD: { options: { lr: 0.05, t0: 2 } },
  Lion: { options: { lr: 1e-3, weightDecay: 0.1 } },
  AdaBelief: { options: { lr: 0.01 } },
  Yogi: { options: { lr: 0.01 } },
  Adan: { options: { lr: 0.01, weightDecay: 0.01 } },
  LAMB: { options: { lr: 0.01, weightDecay: 0.01 } },
  LARS: { options: { lr: 0.1, weightDecay: 0.01 } },
  SGDScheduleFree: { options: { lr: 0.1, warmupSteps: 2 } },
  AdamWScheduleFree: { options: { lr: 0.01, warmupSteps: 2 } },
  // 2k iterations in all, so the history (2) wraps before and after the checkpoint.
  LBFGS: { options: { lr: 1, maxIter: 3, historySize: 2, lineSearchFn: 'strong_wolfe' } },
  // k = 3: a sync falls before the checkpoint and the counter is mid-period at it.
  Lookahead: { inner: { lr: 0.01 }, options: { k: 3, alpha: 0.5 } },
  SAM: { inner: { lr: 0.05, momentum: 0.9 }, options: { rho: 0.05 } },
  Muon: { options: { lr: 0.02 } },
};

/** mulberry32, for the problem's seeded constants. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
const rng = mulberry32(7);
const INIT = SIZES.map((n) => Float32Array.from({ length: n }, () => 3 * rng() - 1.5));
const CENTER = SIZES.map((n) => Float64Array.from({ length: n }, () => 2 * rng() - 1));

function freshParams(values: readonly Float32Array[]): Param[] {
  return values.map((v, i) => ({
    data: Float32Array.from(v),
    grad: new Float32Array(v.length),
    shape: SHAPES[i],
  }));
}

/** Σ s·d²/2 + 0.0125·d⁴ with d = p − center, s ∈ {0.5, 1, 2, 4}; writes the gradients. */
function lossAndGrad(params: readonly Param[]): number {
  let loss = 0;
  params.forEach((p, k) => {
    const g = p.grad as Float32Array;
    for (let i = 0; i < p.data.length; i++) {
      const d = p.data[i] - CENTER[k][i];
      const s = 2 ** ((i % 4) - 1);
      loss += 0.5 * s * d * d + 0.0125 * d * d * d * d;
      g[i] = s * d + 0.05 * d * d * d;
    }
  });
  return loss;
}

/** Two groups (the second with another lr), or one for LBFGS (which refuses groups). */
function build(name: OptimizerName, params: Param[], lrScale = 1): TestOptimizer {
  const o = OPTIONS[name];
  const own = { ...(WRAPPED_NAMES.has(name) ? o.inner : o.options) } as Record<string, unknown>;
  own.lr = (own.lr as number) * lrScale;
  const row: RowOptions = WRAPPED_NAMES.has(name)
    ? { inner: own, options: o.options }
    : { options: own };
  if (name === 'LBFGS') return buildOptimizer(name, params, row);
  const groups = [
    { params: params.slice(0, 2) },
    { params: params.slice(2), lr: (own.lr as number) / 2 },
  ];
  return buildOptimizer(name, groups, row);
}
const WRAPPED_NAMES = new Set<OptimizerName>(['Lookahead', 'SAM']);

function steps(name: OptimizerName, opt: TestOptimizer, params: Param[], n: number): void {
  const drive = driveOf(name);
  for (let s = 0; s < n; s++) stepOnce(opt, drive, () => lossAndGrad(params));
}

/** A new optimizer over `params`, in train mode for schedule-free ones. */
function start(name: OptimizerName, params: Param[], lrScale = 1): TestOptimizer {
  const opt = build(name, params, lrScale);
  if (driveOf(name).scheduleFree) setMode(opt, name, 'train');
  return opt;
}

/** The state dict as saved to disk (schedule-free: in eval mode), through JSON. */
function checkpoint(name: OptimizerName, opt: TestOptimizer): OptimizerStateDict {
  if (driveOf(name).scheduleFree) setMode(opt, name, 'eval');
  return JSON.parse(JSON.stringify(opt.stateDict())) as OptimizerStateDict;
}

function bytes(params: readonly Param[]): Buffer {
  return Buffer.concat(
    params.map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength)),
  );
}

interface Encoded {
  dtype: string;
  length: number;
  base64: string;
}

function isEncoded(v: unknown): v is Encoded {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Encoded).base64 === 'string' &&
    typeof (v as Encoded).length === 'number'
  );
}

function encodeZeros(dtype: string, length: number): Encoded {
  const a = dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  return { dtype, length, base64: Buffer.from(a.buffer).toString('base64') };
}

/** Every encoded buffer in `v` (depth first, in key order), with a setter for each. */
function buffers(v: unknown): Array<{ value: Encoded; set: (e: Encoded) => void }> {
  const out: Array<{ value: Encoded; set: (e: Encoded) => void }> = [];
  const walk = (x: unknown) => {
    if (x === null || typeof x !== 'object') return;
    const obj = x as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const c = obj[k];
      if (isEncoded(c)) out.push({ value: c, set: (e) => (obj[k] = e) });
      else walk(c);
    }
  };
  walk(v);
  return out;
}

const initialBackend = getBackend().name;
let initialMin = 0;
beforeAll(() => {
  initialMin = setMinNativeLength(0);
});
afterAll(() => {
  setMinNativeLength(initialMin);
  setBackend(initialBackend);
});

it('the table covers every optimizer', () => {
  expect(Object.keys(OPTIONS).sort()).toEqual([...OPTIMIZER_NAMES].sort());
});

describe.each(['js', 'native'] as BackendName[])('optim state dicts: %s backend', (backendName) => {
  describe.each(OPTIMIZER_NAMES.map((n) => [n] as const))('%s', (name) => {
    it(`${K} steps, save, JSON, load into a fresh optimizer, ${K} steps = ${2 * K} straight steps, bit for bit`, () => {
      setBackend(backendName);
      const straightParams = freshParams(INIT);
      const straight = start(name, straightParams);
      steps(name, straight, straightParams, K);
      const sd = checkpoint(name, straight);
      // The resumed run: fresh copies of the parameters as saved, a new optimizer.
      const resumedParams = freshParams(straightParams.map((p) => p.data));
      const resumed = build(name, resumedParams);
      resumed.loadStateDict(sd);
      if (driveOf(name).scheduleFree) {
        setMode(straight, name, 'train');
        setMode(resumed, name, 'train');
      }
      expect(bytes(resumedParams).equals(bytes(straightParams))).toBe(true);
      steps(name, straight, straightParams, K);
      steps(name, resumed, resumedParams, K);
      const ok = bytes(resumedParams).equals(bytes(straightParams));
      if (!ok) {
        const a = straightParams.flatMap((p) => Array.from(p.data));
        const b = resumedParams.flatMap((p) => Array.from(p.data));
        const i = a.findIndex((v, j) => !Object.is(v, b[j]));
        expect.fail(
          `${name}: after resuming, element ${i} is ${b[i]}, the straight run has ${a[i]}`,
        );
      }
      const sdStraight = JSON.parse(JSON.stringify(straight.stateDict()));
      const sdResumed = JSON.parse(JSON.stringify(resumed.stateDict()));
      expect(sdResumed).toEqual(sdStraight);
      // The run did something.
      expect(bytes(straightParams).equals(bytes(freshParams(INIT)))).toBe(false);
    });

    it('refuses a wrong number of groups, a wrong buffer length and an unknown state name, changing nothing', () => {
      setBackend(backendName);
      const params = freshParams(INIT);
      const opt = start(name, params);
      steps(name, opt, params, K);
      // The source of the bad dicts: more steps, another lr, so its state differs everywhere.
      const otherParams = freshParams(INIT);
      const other = start(name, otherParams, 3);
      steps(name, other, otherParams, K + 2);
      const good = checkpoint(name, other);
      if (driveOf(name).scheduleFree) setMode(opt, name, 'eval'); // load as from a checkpoint

      const before = JSON.stringify(opt.stateDict());
      const paramsBefore = bytes(params);
      const clone = () => JSON.parse(JSON.stringify(good)) as OptimizerStateDict;

      const bad: Array<[string, OptimizerStateDict]> = [];

      const groups = clone();
      expect(Array.isArray(groups.paramGroups), 'stateDict().paramGroups').toBe(true);
      const last = groups.paramGroups.length - 1;
      groups.paramGroups.push({ ...groups.paramGroups[last], params: [1000] });
      bad.push(['one group too many', groups]);
      if (groups.paramGroups.length > 2) {
        const fewer = clone();
        fewer.paramGroups.pop();
        bad.push(['one group too few', fewer]);
      }

      const length = clone();
      const bufs = buffers(length);
      expect(bufs.length, `${name}'s state dict holds no buffer after ${K} steps`).toBeGreaterThan(
        0,
      );
      const victim = bufs[bufs.length - 1];
      victim.set(encodeZeros(victim.value.dtype, victim.value.length + 1));
      bad.push(['a buffer one element too long', length]);

      const unknown = clone();
      const lastIndex = String(params.length - 1);
      unknown.state[lastIndex] = {
        ...(unknown.state[lastIndex] ?? {}),
        bogusState: encodeZeros('float32', params[params.length - 1].data.length),
      } as OptimizerStateDict['state'][string];
      bad.push(['an unknown state name', unknown]);

      for (const [what, sd] of bad) {
        expect(() => opt.loadStateDict(sd), `${name} accepted ${what}`).toThrow();
        expect(JSON.stringify(opt.stateDict()), `${name}: state changed by ${what}`).toBe(before);
        expect(bytes(params).equals(paramsBefore), `${name}: params changed by ${what}`).toBe(true);
      }
      // And the good dict loads (so the refusals above were about the defects).
      opt.loadStateDict(clone());
      expect(JSON.stringify(opt.stateDict())).not.toBe(before);
    });
  });
});
