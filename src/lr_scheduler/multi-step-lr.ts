/**
 * MultiStepLR, `torch.optim.lr_scheduler.MultiStepLR`: multiplies the lr by `gamma` at each
 * milestone (by gamma^k at a milestone listed k times).
 */
import type { Check } from '../optim/options.js';
import {
  bisectRight,
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

export interface MultiStepLROptions extends SchedulerOptions {
  /** Step indices (integers ≥ 0, any order; repeats decay repeatedly); required. torch: `milestones`. */
  milestones: number[];
  /** Multiplicative factor of the decay. Default 0.1. torch: `gamma`. */
  gamma?: number;
}

const milestoneList: Check = (fn, name, v) => {
  const what = `${fn}: option ${name} must be an array of integers ≥ 0, got ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`;
  if (!Array.isArray(v) || !v.every((m) => Number.isSafeInteger(m))) throw new TypeError(what);
  if (!v.every((m) => m >= 0)) throw new RangeError(what);
};

const SPEC = spec<Required<MultiStepLROptions>>(
  { gamma: 0.1 },
  { milestones: required(milestoneList), gamma: finiteNumber },
);

/** `torch.optim.lr_scheduler.MultiStepLR`: multiplies the lr by `gamma` at each milestone step. */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted (torch keeps a Counter). */
  milestones: number[];
  /** Multiplicative factor applied at each milestone. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    const o = prepare('MultiStepLR', optimizer, SPEC, options);
    super('MultiStepLR', optimizer, o);
    this.milestones = [...o.milestones].sort((a, b) => a - b);
    this.gamma = o.gamma;
    this.start();
  }

  protected override getLr(): number[] {
    let k = 0;
    for (const m of this.milestones) if (m === this.lastEpoch) k++;
    if (k === 0) return this.groupLrs();
    return this.groups.map((g) => g.lr * this.gamma ** k);
  }

  protected override closedFormLr(): number[] {
    const k = bisectRight(this.milestones, this.lastEpoch);
    return this.baseLrs.map((base) => base * this.gamma ** k);
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      milestones: (fn, key, v) => milestoneList(fn, `stateDict.${key}`, v),
      gamma: stateNumber,
    };
  }

  protected override loadField(key: string, v: unknown): void {
    if (key === 'milestones') this.milestones = [...(v as number[])].sort((a, b) => a - b);
    else super.loadField(key, v);
  }
}
