/**
 * MultiplicativeLR, `torch.optim.lr_scheduler.MultiplicativeLR`: each step multiplies the
 * current lr by lrLambda(epoch) (one function for all groups or one per group).
 */
import { callLambda, type LrLambda, lambdas, lambdasState, loadLambdasState } from './lambda-lr.js';
import {
  LRScheduler,
  prepare,
  required,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateFunctions,
} from './scheduler.js';

export interface MultiplicativeLROptions extends SchedulerOptions {
  /** The factor function, or one per param group. */
  lrLambda: LrLambda | LrLambda[];
}

/**
 * `torch.optim.lr_scheduler.MultiplicativeLR`: multiplies each group's lr by `lrLambda(epoch)`
 * at every step (after the first).
 */
export class MultiplicativeLR extends LRScheduler {
  /** One function per group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: MultiplicativeLROptions) {
    const fn = 'MultiplicativeLR';
    const n = Array.isArray(optimizer?.paramGroups) ? optimizer.paramGroups.length : 0;
    const o = prepare(
      fn,
      optimizer,
      spec<Required<MultiplicativeLROptions>>({}, { lrLambda: required(lambdas(n)) }),
      options,
    );
    super(fn, optimizer, o);
    this.lrLambdas = Array.isArray(o.lrLambda)
      ? [...o.lrLambda]
      : Array.from({ length: n }, () => o.lrLambda as LrLambda);
    this.start();
  }

  protected override getLr(): number[] {
    if (this.isInitial) return this.groupLrs();
    const fn = `${this.name}.step`;
    return this.groups.map((g, i) => g.lr * callLambda(fn, this.lrLambdas[i], i, this.lastEpoch));
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return { ...super.stateSpec(), lrLambdas: stateFunctions(this.groups.length) };
  }

  protected override saveField(key: string): unknown {
    return key === 'lrLambdas' ? lambdasState(this.lrLambdas) : super.saveField(key);
  }

  protected override loadField(key: string, v: unknown): void {
    if (key === 'lrLambdas') loadLambdasState(this.lrLambdas, v);
    else super.loadField(key, v);
  }
}
