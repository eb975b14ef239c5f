/**
 * LinearLR, `torch.optim.lr_scheduler.LinearLR`: multiplies the lr by a factor going linearly
 * from `startFactor` to `endFactor` over `totalIters` steps (recursively, as torch does).
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

export interface LinearLROptions extends SchedulerOptions {
  /** Factor at step 0, in (0, 1]. Default 1/3. torch: `start_factor`. */
  startFactor?: number;
  /** Factor from step totalIters on, in [0, 1]. Default 1. torch: `end_factor`. */
  endFactor?: number;
  /** Steps of the linear change (an integer ≥ 0). Default 5. torch: `total_iters`. */
  totalIters?: number;
}

const SPEC = spec<Required<LinearLROptions>>(
  { startFactor: 1 / 3, endFactor: 1, totalIters: 5 },
  { startFactor: within(0, 1, true), endFactor: within(0, 1), totalIters: integer(0) },
);

/**
 * `torch.optim.lr_scheduler.LinearLR`: scales the lr by a factor changing linearly from
 * `startFactor` to `endFactor` over `totalIters` steps (the usual linear warm-up).
 */
export class LinearLR extends LRScheduler {
  /** Factor at step 0. */
  startFactor: number;
  /** Factor from step `totalIters` on. */
  endFactor: number;
  /** Steps of the linear change. */
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    const o = prepare('LinearLR', optimizer, SPEC, options);
    super('LinearLR', optimizer, o);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.start();
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.isInitial || this.lastEpoch > this.totalIters) return this.groupLrs();
    const d = this.endFactor - this.startFactor;
    const f = 1.0 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d);
    return this.groups.map((g) => g.lr * f);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (base) =>
        base *
        (this.startFactor +
          ((this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch)) /
            this.totalIters),
    );
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      startFactor: stateNumber,
      endFactor: stateNumber,
      totalIters: stateInteger(0),
    };
  }
}
