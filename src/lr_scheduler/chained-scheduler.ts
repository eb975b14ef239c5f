/**
 * ChainedScheduler, `torch.optim.lr_scheduler.ChainedScheduler`: steps every scheduler in
 * turn on each `step()`, so chainable schedulers compose multiplicatively (e.g. ConstantLR
 * warm-up × ExponentialLR decay).
 */
import { describe } from '../backend/validate.js';
import {
  BaseScheduler,
  checkGroups,
  checkInitialLrs,
  checkOptimizer,
  resolveSchedulerOptions,
  type SchedulableOptimizer,
  type SchedulerStateDict,
  type StateCheck,
  spec,
} from './scheduler.js';
import { checkSchedulers } from './sequential-lr.js';

export interface ChainedSchedulerOptions {
  /** The optimizer (default: the first scheduler's). */
  optimizer?: SchedulableOptimizer;
  /** Scale each group's `weightDecay` with its lr (see scheduler.ts). Default false. */
  scaleWeightDecay?: boolean;
}

type Resolved = Required<ChainedSchedulerOptions> & { lastEpoch: number };

const SPEC = spec<Resolved>(
  {},
  {
    optimizer: (fn, name, v) => {
      if (v !== undefined && (v === null || typeof v !== 'object'))
        throw new TypeError(`${fn}: option ${name} must be an optimizer, got ${describe(v)}`);
    },
  },
  undefined,
  false,
);

/**
 * `torch.optim.lr_scheduler.ChainedScheduler`: steps every scheduler in turn on each `step()`,
 * so chainable schedulers compose multiplicatively (e.g. ConstantLR warm-up × ExponentialLR).
 */
export class ChainedScheduler extends BaseScheduler {
  /** The chained schedulers, stepped in this order. */
  readonly schedulers: BaseScheduler[];

  constructor(schedulers: BaseScheduler[], options: ChainedSchedulerOptions = {}) {
    const fn = 'ChainedScheduler';
    const o = resolveSchedulerOptions(fn, SPEC, options);
    checkSchedulers(fn, 'schedulers', schedulers, undefined);
    const optimizer = o.optimizer ?? schedulers[0].optimizer;
    checkOptimizer(fn, optimizer);
    checkSchedulers(fn, 'schedulers', schedulers, optimizer);
    if (o.scaleWeightDecay) {
      // The sub-schedulers have set initialLr.
      checkInitialLrs(fn, optimizer.paramGroups);
      checkGroups(fn, optimizer.paramGroups, -1, true);
    }
    super(fn, optimizer, o.scaleWeightDecay);
    this.schedulers = [...schedulers];
    this.initWeightDecay();
    this.lastLr = this.groupLrs();
  }

  override children(): readonly BaseScheduler[] {
    return this.schedulers;
  }

  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.groupLrs();
    this.followWeightDecay();
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
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
