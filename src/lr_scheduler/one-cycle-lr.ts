/**
 * OneCycleLR, `torch.optim.lr_scheduler.OneCycleLR` (Smith & Topin, 2018; fastai's two-phase
 * default): the lr rises from maxLr/divFactor to maxLr over `pctStart` of the steps, then
 * anneals (cosine or linear) to maxLr/(divFactor·finalDivFactor); with `threePhase` it comes
 * back down to the initial lr symmetrically first, then anneals to the minimum. Momentum (or
 * Adam's betas[0]) moves inversely between `maxMomentum` and `baseMomentum`. Step it after
 * every batch, `totalSteps` (or epochs × stepsPerEpoch) times at most.
 */
import { describe, unused } from '../backend/validate.js';
import { momentumKind, setMomentum } from './momentum.js';
import {
  bool,
  checkGroups,
  checkOptimizer,
  finiteNumber,
  formatParam,
  integer,
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
  stateInteger,
  within,
} from './scheduler.js';

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak lr (one value, or one per group); required. torch: `max_lr`. */
  maxLr: number | number[];
  /** Steps in the cycle (an integer ≥ 1); or give `epochs` and `stepsPerEpoch`. Default null. torch: `total_steps`. */
  totalSteps?: number | null;
  /** Epochs of training (an integer ≥ 1), with `stepsPerEpoch`, when `totalSteps` is null. Default null. torch: `epochs`. */
  epochs?: number | null;
  /** Steps (batches) per epoch (an integer ≥ 1), with `epochs`. Default null. torch: `steps_per_epoch`. */
  stepsPerEpoch?: number | null;
  /** Fraction of the cycle spent increasing the lr, in [0, 1]. Default 0.3. torch: `pct_start`. */
  pctStart?: number;
  /** Annealing shape, 'cos' or 'linear'. Default 'cos'. torch: `anneal_strategy`. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or betas[0]) inversely to the lr. Default true. torch: `cycle_momentum`. */
  cycleMomentum?: boolean;
  /** Momentum at the lr's peak (one value, or one per group). Default 0.85. torch: `base_momentum`. */
  baseMomentum?: number | number[];
  /** Momentum at the start and end (one value, or one per group). Default 0.95. torch: `max_momentum`. */
  maxMomentum?: number | number[];
  /** Initial lr = maxLr / divFactor, > 0. Default 25. torch: `div_factor`. */
  divFactor?: number;
  /** Minimum lr = initial lr / finalDivFactor, > 0. Default 1e4. torch: `final_div_factor`. */
  finalDivFactor?: number;
  /** Use the original paper's three phases. Default false. torch: `three_phase`. */
  threePhase?: boolean;
}

type Resolved = Required<OneCycleLROptions>;

/** One phase of the schedule: its last step and the group keys it goes from and to. */
export interface SchedulePhase {
  /** The phase's last step (0-based; the next phase starts here). */
  endStep: number;
  /** Group key of the lr the phase starts from (`'initialLr'`, `'maxLr'`). */
  startLr: string;
  /** Group key of the lr the phase ends at (`'maxLr'`, `'initialLr'`, `'minLr'`). */
  endLr: string;
  /** Group key of the momentum the phase starts from (`'maxMomentum'`, `'baseMomentum'`). */
  startMomentum: string;
  /** Group key of the momentum the phase ends at. */
  endMomentum: string;
}

const positive = within(0, Number.MAX_VALUE, true);

function oneCycleSpec(groups: number) {
  return spec<Resolved>(
    {
      totalSteps: null,
      epochs: null,
      stepsPerEpoch: null,
      pctStart: 0.3,
      annealStrategy: 'cos',
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
      divFactor: 25,
      finalDivFactor: 1e4,
      threePhase: false,
    },
    {
      maxLr: required(perGroup(groups, finiteNumber)),
      totalSteps: nullable(integer(1)),
      epochs: nullable(integer(1)),
      stepsPerEpoch: nullable(integer(1)),
      pctStart: within(0, 1),
      annealStrategy: oneOf(['cos', 'linear']),
      cycleMomentum: bool,
      baseMomentum: perGroup(groups, finiteNumber),
      maxMomentum: perGroup(groups, finiteNumber),
      divFactor: positive,
      finalDivFactor: positive,
      threePhase: bool,
    },
    (fn, o) => {
      if (o.totalSteps === null && (o.epochs === null || o.stepsPerEpoch === null)) {
        throw new TypeError(
          `${fn}: give either totalSteps or both epochs and stepsPerEpoch (got totalSteps ${o.totalSteps}, epochs ${o.epochs}, stepsPerEpoch ${o.stepsPerEpoch})`,
        );
      }
    },
  );
}

/**
 * The 1cycle policy (Smith & Topin 2018, "Super-Convergence"), as
 * `torch.optim.lr_scheduler.OneCycleLR`: the lr warms up from maxLr/divFactor to `maxLr`,
 * then anneals far below the start, with momentum moving inversely. Step it after every batch.
 *
 * @example
 * ```ts
 * import { lrScheduler, optim } from 'descent-ml';
 *
 * const w = { data: new Float32Array([3, -2]), grad: new Float32Array(2) };
 * const opt = new optim.SGD([w], { lr: 0.01, momentum: 0.9 });
 * const sched = new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: 100 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (let batch = 0; batch < 100; batch++) {
 *     for (let j = 0; j < 2; j++) w.grad[j] = 2 * w.data[j];
 *     opt.step();
 *     sched.step(); // after the optimizer step, once per batch
 *   }
 * }
 * console.log(sched.getLastLr()); // ≈ [9e-7], near the minimum maxLr / 25 / 1e4 = 4e-7
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle (from `totalSteps`, or epochs × stepsPerEpoch). */
  totalSteps: number;
  /** The phases of the schedule, in order (two, or three with `threePhase`). */
  schedulePhases: SchedulePhase[];
  /** Annealing shape between a phase's endpoints. */
  annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or betas[0]) moves inversely to the lr. */
  cycleMomentum: boolean;
  /** Whether momentum cycling drives betas[0] rather than momentum. */
  useBeta1 = false;

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const fn = 'OneCycleLR';
    checkOptimizer(fn, optimizer);
    const n = optimizer.paramGroups.length;
    const o = resolveSchedulerOptions(fn, oneCycleSpec(n), options);
    if (o.totalSteps !== null)
      for (const k of ['epochs', 'stepsPerEpoch'])
        unused(fn, options, k, 'totalSteps is given, and it takes precedence');
    if (!o.cycleMomentum)
      for (const k of ['baseMomentum', 'maxMomentum'])
        unused(fn, options, k, 'momentum is not cycled (cycleMomentum: false)');
    const totalSteps = o.totalSteps ?? (o.epochs as number) * (o.stepsPerEpoch as number);
    const maxLrs = formatParam(o.maxLr, n);
    const useBeta1 = o.cycleMomentum ? momentumKind(fn, optimizer) : false;
    const resumeKeys = [
      'maxLr',
      'minLr',
      ...(o.cycleMomentum ? ['maxMomentum', 'baseMomentum'] : []),
    ];
    checkGroups(fn, optimizer.paramGroups, o.lastEpoch, o.scaleWeightDecay, {
      initialLrs: o.lastEpoch === -1 ? maxLrs.map((m) => m / o.divFactor) : undefined,
      keys: resumeKeys,
    });
    // Everything checked: from here on the groups change.
    super(fn, optimizer, o);
    this.totalSteps = totalSteps;
    const p = o.pctStart;
    this.schedulePhases = o.threePhase
      ? [
          phase(p * totalSteps - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'),
          phase(2 * p * totalSteps - 2, 'maxLr', 'initialLr', 'baseMomentum', 'maxMomentum'),
          phase(totalSteps - 1, 'initialLr', 'minLr', 'maxMomentum', 'maxMomentum'),
        ]
      : [
          phase(p * totalSteps - 1, 'initialLr', 'maxLr', 'maxMomentum', 'baseMomentum'),
          phase(totalSteps - 1, 'maxLr', 'minLr', 'baseMomentum', 'maxMomentum'),
        ];
    this.annealStrategy = o.annealStrategy;
    if (o.lastEpoch === -1) {
      this.groups.forEach((g, i) => {
        const initial = maxLrs[i] / o.divFactor;
        setGroupKey(g, 'initialLr', initial);
        setGroupKey(g, 'maxLr', maxLrs[i]);
        setGroupKey(g, 'minLr', initial / o.finalDivFactor);
      });
    }
    this.cycleMomentum = o.cycleMomentum;
    if (o.cycleMomentum) {
      this.useBeta1 = useBeta1;
      const maxMomentums = formatParam(o.maxMomentum, n);
      const baseMomentums = formatParam(o.baseMomentum, n);
      if (o.lastEpoch === -1) {
        this.groups.forEach((g, i) => {
          setMomentum(g, useBeta1, maxMomentums[i]);
          setGroupKey(g, 'maxMomentum', maxMomentums[i]);
          setGroupKey(g, 'baseMomentum', baseMomentums[i]);
        });
      }
    }
    this.start();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') {
      const cosOut = Math.cos(Math.PI * pct) + 1;
      return end + ((start - end) / 2.0) * cosOut;
    }
    return (end - start) * pct + start;
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(
        `${this.name}.step: tried to step ${stepNum} times; the cycle has totalSteps ${this.totalSteps}`,
      );
    }
    const phases = this.schedulePhases;
    const lrs: number[] = [];
    const momentums: number[] = [];
    for (const g of this.groups) {
      let startStep = 0.0;
      for (let i = 0; i < phases.length; i++) {
        const ph = phases[i];
        const endStep = ph.endStep;
        if (stepNum <= endStep || i === phases.length - 1) {
          if (endStep === startStep) {
            // torch raises ZeroDivisionError here.
            throw new RangeError(
              `${this.name}.step: phase ${i} of the schedule is empty (it ends at step ${endStep}, where it starts); choose pctStart and totalSteps so every phase spans at least one step`,
            );
          }
          const pct = (stepNum - startStep) / (endStep - startStep);
          lrs.push(this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct));
          if (this.cycleMomentum) {
            momentums.push(
              this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct),
            );
          }
          break;
        }
        startStep = ph.endStep;
      }
    }
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        setMomentum(g, this.useBeta1, momentums[i]);
      });
    }
    return lrs;
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      totalSteps: stateInteger(1),
      schedulePhases: (fn, key, v) => {
        const names = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];
        const ok =
          Array.isArray(v) &&
          (v.length === 2 || v.length === 3) &&
          v.every(
            (ph) =>
              ph !== null &&
              typeof ph === 'object' &&
              typeof ph.endStep === 'number' &&
              Number.isFinite(ph.endStep) &&
              ['startLr', 'endLr', 'startMomentum', 'endMomentum'].every((k) =>
                names.includes(ph[k]),
              ) &&
              Object.keys(ph).length === 5,
          );
        if (!ok) {
          throw new TypeError(
            `${fn}: stateDict.${key} must be 2 or 3 phases {endStep, startLr, endLr, startMomentum, endMomentum}, got ${describe(v)}`,
          );
        }
      },
      annealStrategy: stateChoice(['cos', 'linear']),
      cycleMomentum: stateBool,
      useBeta1: stateBool,
    };
  }

  protected override groupKeys(): string[] {
    return [
      ...super.groupKeys(),
      'maxLr',
      'minLr',
      ...(this.cycleMomentum ? ['maxMomentum', 'baseMomentum'] : []),
    ];
  }
}

function phase(
  endStep: number,
  startLr: string,
  endLr: string,
  startMomentum: string,
  endMomentum: string,
): SchedulePhase {
  return { endStep, startLr, endLr, startMomentum, endMomentum };
}
