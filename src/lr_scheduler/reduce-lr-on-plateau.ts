/**
 * ReduceLROnPlateau, `torch.optim.lr_scheduler.ReduceLROnPlateau`: multiplies the lr by
 * `factor` (not below `minLr`) when a metric has not improved for `patience` steps, then waits
 * `cooldown` steps before counting again. Step it with the metric: `step(validationLoss)`.
 */
import { describe } from '../backend/validate.js';
import {
  BaseScheduler,
  checkGroups,
  checkOptimizer,
  finiteNumber,
  formatParam,
  integer,
  oneOf,
  perGroup,
  resolveSchedulerOptions,
  type SchedulableOptimizer,
  type StateCheck,
  setGroupDefault,
  spec,
  stateChoice,
  stateInteger,
  stateNullable,
  stateNumber,
  stateNumbers,
  within,
} from './scheduler.js';

/** Options of {@link ReduceLROnPlateau} (no `lastEpoch`, as in torch). */
export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. Default 'min'. torch: `mode`. */
  mode?: 'min' | 'max';
  /** new lr = lr × factor, in [0, 1). Default 0.1. torch: `factor`. */
  factor?: number;
  /** Steps without improvement tolerated before reducing (an integer ≥ 0). Default 10. torch: `patience`. */
  patience?: number;
  /** Improvement needed to count as one. Default 1e-4. torch: `threshold`. */
  threshold?: number;
  /** 'rel': best × (1 ∓ threshold); 'abs': best ∓ threshold. Default 'rel'. torch: `threshold_mode`. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again (an integer ≥ 0). Default 0. torch: `cooldown`. */
  cooldown?: number;
  /** Lower bound on the lr, ≥ 0 (one value, or one per group). Default 0. torch: `min_lr`. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped, ≥ 0. Default 1e-8. torch: `eps`. */
  eps?: number;
  /** Scale each group's `weightDecay` with its lr (see scheduler.ts). Default false. */
  scaleWeightDecay?: boolean;
}

type Resolved = Required<ReduceLROnPlateauOptions> & { lastEpoch: number };

const nonNegative = within(0, Number.MAX_VALUE);

function plateauSpec(groups: number) {
  return spec<Resolved>(
    {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
    },
    {
      mode: oneOf(['min', 'max']),
      factor: within(0, 1, false, true),
      patience: integer(0),
      threshold: finiteNumber,
      thresholdMode: oneOf(['rel', 'abs']),
      cooldown: integer(0),
      minLr: perGroup(groups, nonNegative),
      eps: nonNegative,
    },
    undefined,
    false,
  );
}

/** ±Infinity (and NaN) are not JSON: saved as strings. */
const encode = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const decode = (x: number | string): number => (typeof x === 'number' ? x : Number(x));

/**
 * `torch.optim.lr_scheduler.ReduceLROnPlateau`: multiplies the lr by `factor` when a monitored
 * metric (e.g. validation loss) has not improved for `patience` steps. `step(metric)` takes
 * the metric, once per epoch.
 */
export class ReduceLROnPlateau extends BaseScheduler {
  /** Steps taken. */
  lastEpoch = 0;
  /** new lr = lr × factor at a reduction. */
  factor: number;
  /** One lower bound per group. */
  minLrs: number[];
  /** The scalar `minLr` given (null if one per group), to refill `minLrs` for new groups. */
  defaultMinLr: number | null;
  /** Steps without improvement tolerated before reducing. */
  patience: number;
  /** Steps to wait after a reduction. */
  cooldown: number;
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** Whether a lower ('min') or higher ('max') metric is an improvement. */
  mode: 'min' | 'max';
  /** Improvement needed to count as one. */
  threshold: number;
  /** Whether `threshold` is relative to the best metric ('rel') or absolute ('abs'). */
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (±Infinity before the first). */
  best: number;
  /** Steps of cooldown left (0: not in cooldown). */
  cooldownCounter = 0;
  /** Consecutive steps without improvement (reset by an improvement or a reduction). */
  numBadEpochs = 0;

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const fn = 'ReduceLROnPlateau';
    checkOptimizer(fn, optimizer);
    const n = optimizer.paramGroups.length;
    const o = resolveSchedulerOptions(fn, plateauSpec(n), options);
    checkGroups(fn, optimizer.paramGroups, -1, o.scaleWeightDecay);
    super(fn, optimizer, o.scaleWeightDecay);
    this.factor = o.factor;
    this.defaultMinLr = Array.isArray(o.minLr) ? null : o.minLr;
    this.minLrs = formatParam(o.minLr, n);
    this.patience = o.patience;
    this.cooldown = o.cooldown;
    this.eps = o.eps;
    this.lastLr = this.groupLrs();
    this.mode = o.mode;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.best = this.modeWorse;
    if (this.scaleWeightDecay) {
      for (const g of this.groups) setGroupDefault(g, 'initialLr', g.lr);
      this.initWeightDecay();
    }
  }

  /** The worst value of the metric for the mode. */
  get modeWorse(): number {
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Whether the scheduler is in the cooldown after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel')
      return a < best * (1.0 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  /** One step with the monitored metric (NaN counts as no improvement, as in torch). */
  override step(metric?: number): void {
    const fn = `${this.name}.step`;
    if (typeof metric !== 'number') {
      throw new TypeError(
        `${fn}: metric must be a number (the monitored quantity), got ${describe(metric)}`,
      );
    }
    const n = this.groups.length;
    if (n !== this.minLrs.length && this.defaultMinLr === null) {
      throw new RangeError(
        `${fn}: the optimizer has ${n} param groups but minLr was given for ${this.minLrs.length}; set minLrs to one value per group`,
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.groupLrs();
  }

  private reduceLr(): void {
    if (this.groups.length !== this.minLrs.length)
      this.minLrs = formatParam(this.defaultMinLr as number, this.groups.length);
    this.groups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
    this.followWeightDecay();
  }

  protected override stateSpec(): Record<string, StateCheck> {
    const metric: StateCheck = (fn, key, v) => {
      if (typeof v === 'number' || v === 'Infinity' || v === '-Infinity' || v === 'NaN') return;
      throw new TypeError(
        `${fn}: stateDict.${key} must be a number or "Infinity", "-Infinity", "NaN", got ${describe(v)}`,
      );
    };
    return {
      ...super.stateSpec(),
      lastEpoch: stateInteger(0),
      factor: stateNumber,
      minLrs: stateNumbers(),
      defaultMinLr: stateNullable(stateNumber),
      patience: stateInteger(0),
      cooldown: stateInteger(0),
      eps: stateNumber,
      mode: stateChoice(['min', 'max']),
      threshold: stateNumber,
      thresholdMode: stateChoice(['rel', 'abs']),
      best: metric,
      cooldownCounter: stateInteger(0),
      numBadEpochs: stateInteger(0),
    };
  }

  protected override saveField(key: string): unknown {
    return key === 'best' ? encode(this.best) : super.saveField(key);
  }

  protected override loadField(key: string, v: unknown): void {
    if (key === 'best') this.best = decode(v as number | string);
    else super.loadField(key, v);
  }
}
