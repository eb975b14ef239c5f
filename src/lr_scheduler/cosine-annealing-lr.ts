/**
 * CosineAnnealingLR, `torch.optim.lr_scheduler.CosineAnnealingLR`: cosine annealing from the
 * initial lr to `etaMin` over `tMax` steps (and back up over the next `tMax`, and so on),
 * computed with torch's recursive form
 *   η ← η_min + (η − η_min) · (1 + cos(π t/T)) / (1 + cos(π (t−1)/T)),
 * not the closed form, so the numbers match torch's (and other lr changes chain). The closed
 * form is used by `step(epoch)`, as in torch.
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

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period, in steps (an integer ≥ 1); required. torch: `T_max`. */
  tMax: number;
  /** Minimum lr. Default 0. torch: `eta_min`. */
  etaMin?: number;
}

const SPEC = spec<Required<CosineAnnealingLROptions>>(
  { etaMin: 0 },
  { tMax: required(integer(1)), etaMin: finiteNumber },
);

/**
 * Cosine annealing (Loshchilov & Hutter 2017, "SGDR", without restarts), as
 * `torch.optim.lr_scheduler.CosineAnnealingLR`: the lr follows a half cosine from its initial
 * value down to `etaMin` over `tMax` steps.
 *
 * @example
 * ```ts
 * import { lrScheduler, nn, optim, train } from 'descent-ml';
 *
 * const model = new nn.Model(
 *   new nn.Sequential([new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3)]),
 *   [4],
 *   { seed: 1 },
 * );
 * const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * // Stepped once per epoch: from 0.1 at epoch 0 down to 1e-4 at epoch 50.
 * const scheduler = new lrScheduler.CosineAnnealingLR(optimizer, { tMax: 50, etaMin: 1e-4 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   // ... one epoch of batches: forward, backward, optimizer.step(), optimizer.zeroGrad()
 *   scheduler.step();
 * }
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half-period, in steps (torch's `T_max`). */
  tMax: number;
  /** Minimum lr (torch's `eta_min`). */
  etaMin: number;

  constructor(optimizer: SchedulableOptimizer, options: CosineAnnealingLROptions) {
    const o = prepare('CosineAnnealingLR', optimizer, SPEC, options);
    super('CosineAnnealingLR', optimizer, o);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
    this.start();
  }

  protected override getLr(): number[] {
    const e = this.lastEpoch;
    const T = this.tMax;
    const min = this.etaMin;
    if (this.isInitial) return this.groupLrs();
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (base) => min + ((base - min) * (1 + Math.cos((e * Math.PI) / T))) / 2,
      );
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return this.groups.map(
        (g, i) => g.lr + ((this.baseLrs[i] - min) * (1 - Math.cos(Math.PI / T))) / 2,
      );
    }
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) *
          (g.lr - min) +
        min,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (base) =>
        this.etaMin +
        ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), tMax: stateInteger(1), etaMin: stateNumber };
  }
}
