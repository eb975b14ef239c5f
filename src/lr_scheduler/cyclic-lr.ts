/**
 * CyclicLR, `torch.optim.lr_scheduler.CyclicLR` (Smith, 2017): the lr cycles between `baseLr`
 * and `maxLr` (up over `stepSizeUp` steps, down over `stepSizeDown`), the amplitude scaled per
 * cycle (`triangular`: 1, `triangular2`: halved each cycle) or per step (`exp_range`:
 * gamma^step), or by a custom `scaleFn` of the cycle number or the step (`scaleMode`). With
 * `cycleMomentum` (the default) the momentum, or Adam's betas[0], cycles inversely between
 * `maxMomentum` and `baseMomentum`. Step it after every batch.
 */
import { describe, unused } from '../backend/validate.js';
import type { Check } from '../optim/options.js';
import { momentumKind, setMomentum } from './momentum.js';
import {
  bool,
  checkGroups,
  checkOptimizer,
  finiteNumber,
  formatParam,
  functionState,
  LRScheduler,
  nullable,
  oneOf,
  perGroup,
  required,
  resolveSchedulerOptions,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  setGroupKey,
  spec,
  stateBool,
  stateChoice,
  stateNumber,
  stateNumbers,
  stateString,
  within,
} from './scheduler.js';

/**
 * CyclicLR's amplitude policy: `'triangular'` constant amplitude, `'triangular2'` halved every
 * cycle, `'exp_range'` scaled by gamma^step (torch's `mode`).
 */
export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicLROptions extends SchedulerOptions {
  /** Lower lr boundary (one value, or one per group); required. torch: `base_lr`. */
  baseLr: number | number[];
  /** Upper lr boundary (one value, or one per group); required. torch: `max_lr`. */
  maxLr: number | number[];
  /** Steps in the increasing half of a cycle (> 0). Default 2000. torch: `step_size_up`. */
  stepSizeUp?: number;
  /** Steps in the decreasing half (≥ 0). Default null: stepSizeUp. torch: `step_size_down`. */
  stepSizeDown?: number | null;
  /** Amplitude policy (ignored with scaleFn). Default 'triangular'. torch: `mode`. */
  mode?: CyclicMode;
  /** Base of 'exp_range' scaling, gamma^step. Default 1. torch: `gamma`. */
  gamma?: number;
  /** Custom amplitude scaling, in [0, 1] for x ≥ 0 (overrides `mode`). Default null. torch: `scale_fn`. */
  scaleFn?: ((x: number) => number) | null;
  /** Whether scaleFn takes the cycle number or the step index. Default 'cycle'. torch: `scale_mode`. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (or betas[0]) inversely to the lr. Default true. torch: `cycle_momentum`. */
  cycleMomentum?: boolean;
  /** Lower momentum boundary (one value, or one per group). Default 0.8. torch: `base_momentum`. */
  baseMomentum?: number | number[];
  /** Upper momentum boundary (one value, or one per group). Default 0.9. torch: `max_momentum`. */
  maxMomentum?: number | number[];
}

type Resolved = Required<CyclicLROptions>;

const MODES = ['triangular', 'triangular2', 'exp_range'] as const;

function cyclicSpec(groups: number) {
  const modeCheck: Check = (fn, name, v) => {
    if (typeof v !== 'string')
      throw new TypeError(`${fn}: option ${name} must be a string, got ${describe(v)}`);
  };
  return spec<Resolved>(
    {
      stepSizeUp: 2000,
      stepSizeDown: null,
      mode: 'triangular',
      gamma: 1,
      scaleFn: null,
      scaleMode: 'cycle',
      cycleMomentum: true,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    },
    {
      baseLr: required(perGroup(groups, finiteNumber)),
      maxLr: required(perGroup(groups, finiteNumber)),
      stepSizeUp: within(0, Number.MAX_VALUE, true),
      stepSizeDown: nullable(within(0, Number.MAX_VALUE)),
      mode: modeCheck,
      gamma: finiteNumber,
      scaleFn: nullable((fn, name, v) => {
        if (typeof v !== 'function')
          throw new TypeError(
            `${fn}: option ${name} must be a function or null, got ${describe(v)}`,
          );
      }),
      scaleMode: oneOf(['cycle', 'iterations']),
      cycleMomentum: bool,
      baseMomentum: perGroup(groups, finiteNumber),
      maxMomentum: perGroup(groups, finiteNumber),
    },
    (fn, o) => {
      // torch: "mode is invalid and scale_fn is None".
      if (o.scaleFn === null) oneOf(MODES)(fn, 'mode', o.mode);
    },
  );
}

/**
 * Cyclical learning rates (Smith 2017, "Cyclical Learning Rates for Training Neural
 * Networks"), as `torch.optim.lr_scheduler.CyclicLR`: the lr cycles between `baseLr` and
 * `maxLr`, and the momentum (or Adam's betas[0]) inversely. Step it after every batch.
 */
export class CyclicLR extends LRScheduler {
  /** Upper lr boundary per group (torch's `max_lrs`). */
  maxLrs: number[];
  /** Steps per cycle: stepSizeUp + stepSizeDown. */
  totalSize: number;
  /** Fraction of the cycle spent increasing: stepSizeUp / totalSize. */
  stepRatio: number;
  /** The amplitude policy ({@link CyclicMode}; unused when a custom `scaleFn` is given). */
  mode: string;
  /** Base of 'exp_range' scaling. */
  gamma: number;
  /** Whether the scaling function takes the cycle number or the step index. */
  scaleMode: 'cycle' | 'iterations';
  /** Whether momentum (or betas[0]) cycles inversely to the lr. */
  cycleMomentum: boolean;
  /** Whether momentum cycling drives betas[0] rather than momentum. */
  useBeta1 = false;
  /** Lower momentum boundary per group (empty without `cycleMomentum`). */
  baseMomentums: number[] = [];
  /** Upper momentum boundary per group (empty without `cycleMomentum`). */
  maxMomentums: number[] = [];
  /** The custom scaling function, or null. */
  scaleFnCustom: ((x: number) => number) | null;

  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions) {
    const fn = 'CyclicLR';
    checkOptimizer(fn, optimizer);
    const n = optimizer.paramGroups.length;
    const o = resolveSchedulerOptions(fn, cyclicSpec(n), options);
    if (o.scaleFn !== null) unused(fn, options, 'mode', 'a custom scaleFn replaces the mode');
    else unused(fn, options, 'scaleMode', 'it says what scaleFn takes, and there is no scaleFn');
    if (o.scaleFn !== null || o.mode !== 'exp_range')
      unused(fn, options, 'gamma', "it is the base of mode 'exp_range' only");
    if (!o.cycleMomentum)
      for (const k of ['baseMomentum', 'maxMomentum'])
        unused(fn, options, k, 'momentum is not cycled (cycleMomentum: false)');
    const baseLrs = formatParam(o.baseLr, n);
    const useBeta1 = o.cycleMomentum ? momentumKind(fn, optimizer) : false;
    checkGroups(fn, optimizer.paramGroups, o.lastEpoch, o.scaleWeightDecay, {
      initialLrs: optimizer.paramGroups.map((g, i) =>
        typeof g.initialLr === 'number' ? g.initialLr : baseLrs[i],
      ),
    });
    // Everything checked: from here on the groups change.
    super(fn, optimizer, o);
    if (o.lastEpoch === -1)
      this.groups.forEach((g, i) => {
        g.lr = baseLrs[i];
      });
    this.maxLrs = formatParam(o.maxLr, n);
    const up = o.stepSizeUp;
    const down = o.stepSizeDown ?? up;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = o.mode;
    this.gamma = o.gamma;
    this.scaleFnCustom = o.scaleFn;
    this.scaleMode = o.scaleMode;
    this.initScaleFn();
    this.cycleMomentum = o.cycleMomentum;
    if (o.cycleMomentum) {
      this.useBeta1 = useBeta1;
      this.baseMomentums = formatParam(o.baseMomentum, n);
      this.maxMomentums = formatParam(o.maxMomentum, n);
      if (o.lastEpoch === -1) {
        this.groups.forEach((g, i) => {
          setMomentum(g, useBeta1, this.maxMomentums[i]);
          setGroupKey(g, 'maxMomentum', this.maxMomentums[i]);
          setGroupKey(g, 'baseMomentum', this.baseMomentums[i]);
        });
      }
    }
    // torch: the initial step runs with base_lrs = the groups' initial_lr; then base_lrs is
    // set to the given baseLr.
    this.start();
    this.baseLrs = baseLrs;
  }

  /** torch's `_init_scale_fn`: the built-in modes fix the scale mode. */
  private initScaleFn(): void {
    if (this.scaleFnCustom !== null) return;
    this.scaleMode = this.mode === 'exp_range' ? 'iterations' : 'cycle';
  }

  /** The amplitude scaling at `x` (cycle number or step index). */
  scaleFn(x: number): number {
    if (this.scaleFnCustom !== null) {
      const v = this.scaleFnCustom(x);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(
          `${this.name}.step: scaleFn returned ${describe(v)} at ${x}; it must return a finite number`,
        );
      }
      return v;
    }
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    return this.gamma ** x;
  }

  protected override getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1.0 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * s);
    if (this.cycleMomentum) {
      const momentums = this.baseMomentums.map(
        (base, i) => this.maxMomentums[i] - (this.maxMomentums[i] - base) * scaleFactor * s,
      );
      this.groups.forEach((g, i) => {
        setMomentum(g, this.useBeta1, momentums[i]);
      });
    }
    return lrs;
  }

  protected override stateSpec(): Record<string, StateCheck> {
    const n = this.groups.length;
    const momenta: StateCheck = (fn, key, v) => {
      if (Array.isArray(v) && v.length === 0) return;
      stateNumbers(n)(fn, key, v);
    };
    return {
      ...super.stateSpec(),
      maxLrs: stateNumbers(n),
      totalSize: stateNumber,
      stepRatio: stateNumber,
      // Any mode goes with a custom scale function (torch ignores it then).
      mode: this.scaleFnCustom === null ? stateChoice(MODES) : stateString,
      gamma: stateNumber,
      scaleMode: stateChoice(['cycle', 'iterations']),
      cycleMomentum: stateBool,
      useBeta1: stateBool,
      baseMomentums: momenta,
      maxMomentums: momenta,
      scaleFnCustom: (fn, key, v) => {
        if (v !== null && (typeof v !== 'object' || Array.isArray(v)))
          throw new TypeError(
            `${fn}: stateDict.${key} must be null or an object, got ${describe(v)}`,
          );
      },
    };
  }

  protected override groupKeys(): string[] {
    return [...super.groupKeys(), ...(this.cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])];
  }

  protected override saveField(key: string): unknown {
    return key === 'scaleFnCustom' ? functionState(this.scaleFnCustom) : super.saveField(key);
  }

  protected override loadField(key: string, v: unknown): void {
    if (key === 'scaleFnCustom') {
      // As torch: a saved function's properties go onto the current function, if any.
      if (v !== null && this.scaleFnCustom !== null)
        Object.assign(this.scaleFnCustom, structuredClone(v));
    } else {
      super.loadField(key, v);
    }
  }

  override applyCheckedStateDict(sd: Record<string, unknown>): void {
    super.applyCheckedStateDict(sd);
    this.initScaleFn();
  }
}
