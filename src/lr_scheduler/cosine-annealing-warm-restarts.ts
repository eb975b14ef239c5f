/**
 * CosineAnnealingWarmRestarts, `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts` (SGDR):
 * lr = η_min + (initial lr − η_min)(1 + cos(π T_cur/T_i))/2, restarting when T_cur reaches
 * T_i, with T_i multiplied by `tMult` after each restart. `step(epoch)` accepts fractional
 * epochs (e.g. `epoch + batch / batches`), as torch does.
 */
import { describe } from '../backend/validate.js';
import {
  finiteNumber,
  integer,
  LRScheduler,
  prepare,
  required,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateInteger,
  stateNumber,
} from './scheduler.js';

export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Steps until the first restart (an integer ≥ 1); required. torch: `T_0`. */
  t0: number;
  /** Factor growing T_i after each restart (an integer ≥ 1). Default 1. torch: `T_mult`. */
  tMult?: number;
  /** Minimum lr. Default 0. torch: `eta_min`. */
  etaMin?: number;
}

const SPEC = spec<Required<CosineAnnealingWarmRestartsOptions>>(
  { tMult: 1, etaMin: 0 },
  { t0: required(integer(1)), tMult: integer(1), etaMin: finiteNumber },
);

/**
 * SGDR (Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts"), as
 * `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`: cosine annealing to `etaMin` that
 * restarts at the initial lr every T_i steps, T_i growing by `tMult` after each restart.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Length of the first cycle (torch's `T_0`). */
  t0: number;
  /** Length of the current cycle (torch's `T_i`). */
  tI: number;
  /** Factor growing the cycle length after each restart (torch's `T_mult`). */
  tMult: number;
  /** Minimum lr (torch's `eta_min`). */
  etaMin: number;
  /** Epochs since the last restart (torch's `T_cur`; fractional after `step(epoch)`). */
  tCur: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingWarmRestartsOptions) {
    const fn = 'CosineAnnealingWarmRestarts';
    const o = prepare(fn, optimizer, SPEC, options);
    super(fn, optimizer, o);
    this.t0 = o.t0;
    this.tI = o.t0;
    this.tMult = o.tMult;
    this.etaMin = o.etaMin;
    this.tCur = o.lastEpoch;
    this.start();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map(
      (base) =>
        this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2,
    );
  }

  /**
   * One step, or (with `epoch`, any number ≥ 0, fractional included) a jump to that epoch.
   * Like torch, this does not count `stepCount`.
   */
  override step(epoch?: number): void {
    const fn = `${this.name}.step`;
    if (epoch !== undefined) {
      if (typeof epoch !== 'number' || Number.isNaN(epoch))
        throw new TypeError(`${fn}: epoch must be a number, got ${describe(epoch)}`);
      if (!Number.isFinite(epoch) || epoch < 0)
        throw new RangeError(`${fn}: expected a finite epoch ≥ 0, got ${epoch}`);
    }
    const saved = [this.tCur, this.tI, this.lastEpoch];
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur % this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else if (epoch >= this.t0) {
      if (this.tMult === 1) {
        this.tCur = epoch % this.t0;
      } else {
        const m = this.tMult;
        const n = Math.trunc(Math.log((epoch / this.t0) * (m - 1) + 1) / Math.log(m));
        this.tCur = epoch - (this.t0 * (m ** n - 1)) / (m - 1);
        this.tI = this.t0 * m ** n;
      }
    } else {
      this.tI = this.t0;
      this.tCur = epoch;
    }
    this.lastEpoch = Math.floor(epoch);
    try {
      this.setLrs(fn, this.getLr());
    } catch (e) {
      [this.tCur, this.tI, this.lastEpoch] = saved;
      throw e;
    }
    this.lastLr = this.groupLrs();
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      t0: stateInteger(1),
      tI: stateInteger(1),
      tMult: stateInteger(1),
      etaMin: stateNumber,
      tCur: stateNumber,
    };
  }
}
