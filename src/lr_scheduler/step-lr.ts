/**
 * StepLR, `torch.optim.lr_scheduler.StepLR`: multiplies the lr by `gamma` every `stepSize`
 * steps (chainable: other changes to the lr in between are kept).
 */
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

export interface StepLROptions extends SchedulerOptions {
  /** Period of the decay, in steps (an integer ≥ 1); required. torch: `step_size`. */
  stepSize: number;
  /** Multiplicative factor of the decay. Default 0.1. torch: `gamma`. */
  gamma?: number;
}

const SPEC = spec<Required<StepLROptions>>(
  { gamma: 0.1 },
  { stepSize: required(integer(1)), gamma: finiteNumber },
);

/** `torch.optim.lr_scheduler.StepLR`: multiplies the lr by `gamma` every `stepSize` steps. */
export class StepLR extends LRScheduler {
  /** Period of the decay, in steps. */
  stepSize: number;
  /** Multiplicative factor of the decay. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    const o = prepare('StepLR', optimizer, SPEC, options);
    super('StepLR', optimizer, o);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.start();
  }

  protected override getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    const e = this.lastEpoch;
    const k = (e - (e % this.stepSize)) / this.stepSize;
    return this.baseLrs.map((base) => base * this.gamma ** k);
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), stepSize: stateInteger(1), gamma: stateNumber };
  }
}
