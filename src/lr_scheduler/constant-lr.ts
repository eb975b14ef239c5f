/**
 * ConstantLR, `torch.optim.lr_scheduler.ConstantLR`: multiplies the lr by `factor` until step
 * `totalIters`, where the factor is undone.
 */
import {
  integer,
  LRScheduler,
  prepare,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateInteger,
  stateNumber,
  within,
} from './scheduler.js';

export interface ConstantLROptions extends SchedulerOptions {
  /** The factor, in [0, 1]. Default 1/3. torch: `factor`. */
  factor?: number;
  /** Steps during which the factor applies (an integer ≥ 0). Default 5. torch: `total_iters`. */
  totalIters?: number;
}

const SPEC = spec<Required<ConstantLROptions>>(
  { factor: 1 / 3, totalIters: 5 },
  { factor: within(0, 1), totalIters: integer(0) },
);

/**
 * `torch.optim.lr_scheduler.ConstantLR`: multiplies the lr by a constant `factor` for the
 * first `totalIters` steps (a simple warm-up), then restores it.
 */
export class ConstantLR extends LRScheduler {
  /** The factor applied until `totalIters`. */
  factor: number;
  /** Step at which the factor is undone. */
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: ConstantLROptions = {}) {
    const o = prepare('ConstantLR', optimizer, SPEC, options);
    super('ConstantLR', optimizer, o);
    this.factor = o.factor;
    this.totalIters = o.totalIters;
    this.start();
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs();
    if (this.factor === 0) {
      // torch raises ZeroDivisionError here.
      throw new RangeError(
        `${this.name}.step: cannot undo a factor of 0 at step totalIters (${this.totalIters})`,
      );
    }
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const after = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((base) => base * (this.factor + after * (1 - this.factor)));
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), factor: stateNumber, totalIters: stateInteger(0) };
  }
}
