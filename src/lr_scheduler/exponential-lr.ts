/** ExponentialLR, `torch.optim.lr_scheduler.ExponentialLR`: multiplies the lr by `gamma` each step. */
import {
  finiteNumber,
  LRScheduler,
  prepare,
  required,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateNumber,
} from './scheduler.js';

export interface ExponentialLROptions extends SchedulerOptions {
  /** Multiplicative factor per step (finite); required. torch: `gamma`. */
  gamma: number;
}

const SPEC = spec<Required<ExponentialLROptions>>({}, { gamma: required(finiteNumber) });

/** `torch.optim.lr_scheduler.ExponentialLR`: multiplies the lr by `gamma` every step. */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative factor per step. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    const o = prepare('ExponentialLR', optimizer, SPEC, options);
    super('ExponentialLR', optimizer, o);
    this.gamma = o.gamma;
    this.start();
  }

  protected override getLr(): number[] {
    // At construction with a lastEpoch ≥ 0 the lr must not move one step ahead of itself.
    if (this.isInitial) return this.groupLrs();
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), gamma: stateNumber };
  }
}
