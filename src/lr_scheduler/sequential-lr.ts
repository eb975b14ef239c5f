/**
 * SequentialLR, `torch.optim.lr_scheduler.SequentialLR`: runs `schedulers[0]` until
 * `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0) until `milestones[1]`, and
 * so on — e.g. a LinearLR warm-up followed by a CosineAnnealingLR.
 */
import { describe } from '../backend/validate.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import {
  BaseScheduler,
  bisectRight,
  checkGroups,
  checkInitialLrs,
  checkOptimizer,
  integer,
  LRScheduler,
  required,
  resolveSchedulerOptions,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
  type StateCheck,
  spec,
  stateInteger,
} from './scheduler.js';

export interface SequentialLROptions extends SchedulerOptions {
  /** The schedulers, all on this optimizer, in order (not ReduceLROnPlateau); required. torch: `schedulers`. */
  schedulers: BaseScheduler[];
  /** Steps at which the next scheduler takes over (one fewer than schedulers, ascending); required. torch: `milestones`. */
  milestones: number[];
}

type Resolved = Required<SequentialLROptions>;

/** Checks a list of sub-schedulers of `optimizer` (SequentialLR and ChainedScheduler). */
export function checkSchedulers(
  fn: string,
  name: string,
  v: unknown,
  optimizer: SchedulableOptimizer | undefined,
): asserts v is BaseScheduler[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new TypeError(
      `${fn}: ${name} must be a non-empty array of schedulers, got ${describe(v)}`,
    );
  }
  v.forEach((s, i) => {
    if (!(s instanceof BaseScheduler)) {
      throw new TypeError(`${fn}: ${name}[${i}] must be a scheduler, got ${describe(s)}`);
    }
    if (s instanceof ReduceLROnPlateau) {
      throw new TypeError(
        `${fn}: ${name}[${i}] is a ReduceLROnPlateau, which needs the metric in step() and cannot be sequenced or chained`,
      );
    }
    if (optimizer !== undefined && s.optimizer !== optimizer) {
      throw new RangeError(
        `${fn}: ${name}[${i}] (${s.name}) belongs to another optimizer; all schedulers must drive the same optimizer`,
      );
    }
  });
}

function milestoneCheck(fn: string, name: string, v: unknown): void {
  if (!Array.isArray(v))
    throw new TypeError(`${fn}: option ${name} must be an array, got ${describe(v)}`);
  v.forEach((m, i) => {
    integer(0)(fn, `${name}[${i}]`, m);
    if (i > 0 && m < v[i - 1]) {
      throw new RangeError(
        `${fn}: option ${name} must be non-decreasing, got ${v[i - 1]} then ${m} at index ${i}`,
      );
    }
  });
}

const SPEC = spec<Resolved>(
  {},
  {
    schedulers: required((fn, name, v) => checkSchedulers(fn, `option ${name}`, v, undefined)),
    milestones: required(milestoneCheck),
  },
  (fn, o) => {
    if (o.milestones.length !== o.schedulers.length - 1) {
      throw new RangeError(
        `${fn}: expected one milestone fewer than schedulers, got ${o.schedulers.length} schedulers and ${o.milestones.length} milestones`,
      );
    }
    o.schedulers.forEach((s, i) => {
      if (i > 0 && !(s instanceof LRScheduler)) {
        // torch would call _update_lr(0) on it at its milestone, which it does not have.
        throw new TypeError(
          `${fn}: option schedulers[${i}] is a ${s.name}; only the first scheduler may be a SequentialLR or ChainedScheduler`,
        );
      }
    });
  },
);

/**
 * `torch.optim.lr_scheduler.SequentialLR`: runs one scheduler after another, switching at the
 * milestone steps (e.g. LinearLR warm-up, then CosineAnnealingLR).
 */
export class SequentialLR extends BaseScheduler {
  /** Index of the last step taken. */
  lastEpoch: number;
  /** The schedulers, in the order they run. */
  readonly schedulers: BaseScheduler[];
  /** Steps at which the next scheduler takes over. */
  milestones: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const fn = 'SequentialLR';
    checkOptimizer(fn, optimizer);
    const o = resolveSchedulerOptions(fn, SPEC, options);
    checkSchedulers(fn, 'option schedulers', o.schedulers, optimizer);
    // The sub-schedulers have set initialLr; lr is reset to it below.
    checkInitialLrs(fn, optimizer.paramGroups);
    checkGroups(fn, optimizer.paramGroups, o.lastEpoch, o.scaleWeightDecay);
    super(fn, optimizer, o.scaleWeightDecay);
    this.schedulers = [...o.schedulers];
    this.milestones = [...o.milestones];
    this.lastEpoch = o.lastEpoch + 1;
    if (o.lastEpoch === -1) this.initWeightDecay();
    // Reset the lrs to their initial values and undo the sub-schedulers' initial steps.
    for (const g of this.groups) g.lr = g.initialLr as number;
    this.recursiveUndo(this);
    // The initial step, for the scheduler meant to run at step 0 only.
    const idx = bisectRight(this.milestones, 0);
    this.schedulers[idx].initialStep();
    this.lastLr = this.schedulers[idx].getLastLr();
    this.followWeightDecay();
  }

  private recursiveUndo(s: BaseScheduler): void {
    const children = s.children();
    if (children !== null) {
      for (const c of children) this.recursiveUndo(c);
    } else if (s instanceof LRScheduler) {
      s.lastEpoch -= 1;
    }
  }

  override children(): readonly BaseScheduler[] {
    return this.schedulers;
  }

  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    try {
      if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) (s as LRScheduler).updateLr(0);
      else s.step();
    } catch (e) {
      this.lastEpoch -= 1;
      throw e;
    }
    this.lastLr = s.getLastLr();
    this.followWeightDecay();
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      lastEpoch: stateInteger(0),
      milestones: (fn, key, v) => milestoneCheck(fn, `stateDict.${key}`, v),
      schedulers: (fn, key, v) => {
        if (!Array.isArray(v) || v.length !== this.schedulers.length) {
          throw new TypeError(
            `${fn}: stateDict.${key} must be an array of ${this.schedulers.length} scheduler states, got ${describe(v)}`,
          );
        }
        v.forEach((sd, i) => {
          this.schedulers[i].checkStateDict(`${fn} (${key}[${i}])`, sd);
        });
      },
    };
  }

  protected override saveField(key: string): unknown {
    return key === 'schedulers' ? this.schedulers.map((s) => s.stateDict()) : super.saveField(key);
  }

  protected override loadField(key: string, v: unknown): void {
    if (key === 'schedulers') {
      (v as SchedulerStateDict[]).forEach((sd, i) => {
        this.schedulers[i].applyCheckedStateDict(sd);
      });
    } else {
      super.loadField(key, v);
    }
  }
}
