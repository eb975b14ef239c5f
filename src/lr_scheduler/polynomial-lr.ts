/**
 * PolynomialLR, `torch.optim.lr_scheduler.PolynomialLR`: lr = initial lr × (1 − t/totalIters)^power
 * for t ≤ totalIters, computed recursively as torch does; constant afterwards.
 */
import {
  finiteNumber,
  integer,
  LRScheduler,
  prepare,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateInteger,
  stateNumber,
} from './scheduler.js';

export interface PolynomialLROptions extends SchedulerOptions {
  /** Steps of the decay (an integer ≥ 0). Default 5. torch: `total_iters`. */
  totalIters?: number;
  /** The polynomial's power. Default 1. torch: `power`. */
  power?: number;
}

const SPEC = spec<Required<PolynomialLROptions>>(
  { totalIters: 5, power: 1 },
  { totalIters: integer(0), power: finiteNumber },
);

/**
 * `torch.optim.lr_scheduler.PolynomialLR`: decays the lr as (1 − t/totalIters)^power to 0 at
 * step `totalIters`.
 */
export class PolynomialLR extends LRScheduler {
  /** Steps of the decay. */
  totalIters: number;
  /** The polynomial's power. */
  power: number;

  constructor(optimizer: SchedulableOptimizer, options: PolynomialLROptions = {}) {
    const o = prepare('PolynomialLR', optimizer, SPEC, options);
    super('PolynomialLR', optimizer, o);
    this.totalIters = o.totalIters;
    this.power = o.power;
    this.start();
  }

  protected override getLr(): number[] {
    if (this.isInitial || this.lastEpoch > this.totalIters) return this.groupLrs();
    const t = this.totalIters;
    const f = ((1.0 - this.lastEpoch / t) / (1.0 - (this.lastEpoch - 1) / t)) ** this.power;
    return this.groups.map((g) => g.lr * f);
  }

  protected override closedFormLr(): number[] {
    const t = this.totalIters;
    return this.baseLrs.map((base) => base * (1.0 - Math.min(t, this.lastEpoch) / t) ** this.power);
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), totalIters: stateInteger(0), power: stateNumber };
  }
}
