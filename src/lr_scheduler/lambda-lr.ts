/**
 * LambdaLR, `torch.optim.lr_scheduler.LambdaLR`: lr = initial lr × lrLambda(epoch), with one
 * function for all groups or one per group.
 */
import { describe } from '../backend/validate.js';
import type { Check } from '../optim/options.js';
import {
  functionState,
  LRScheduler,
  prepare,
  required,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
  type StateCheck,
  spec,
  stateFunctions,
} from './scheduler.js';

/** A factor of the epoch (the step index). */
export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions extends SchedulerOptions {
  /** The factor function, or one per param group. */
  lrLambda: LrLambda | LrLambda[];
}

/** A function, or an array of one function per group. */
export function lambdas(groups: number): Check {
  return (fn, name, v) => {
    const list = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && v.length !== groups) {
      throw new RangeError(
        `${fn}: option ${name} must be a function or an array of one function per param group (${groups}), got ${v.length} functions`,
      );
    }
    list.forEach((f, i) => {
      if (typeof f !== 'function') {
        throw new TypeError(
          `${fn}: option ${Array.isArray(v) ? `${name}[${i}]` : name} must be a function, got ${describe(f)}`,
        );
      }
    });
  };
}

/** Calls lambda `i` at `epoch`, refusing a result that is not a finite number. */
export function callLambda(fn: string, f: LrLambda, i: number, epoch: number): number {
  const v = f(epoch);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(
      `${fn}: lrLambda for paramGroups[${i}] returned ${describe(v)} at epoch ${epoch}; it must return a finite number`,
    );
  }
  return v;
}

/** The lambdas' state (torch saves nothing for plain functions). */
export function lambdasState(list: readonly LrLambda[]): SchedulerStateDict[string] {
  return list.map(functionState);
}

/** Restores saved lambda properties onto the current lambdas (torch's `__dict__.update`). */
export function loadLambdasState(list: readonly LrLambda[], saved: unknown): void {
  (saved as Array<Record<string, unknown> | null>).forEach((s, i) => {
    if (s !== null) Object.assign(list[i], structuredClone(s));
  });
}

/**
 * `torch.optim.lr_scheduler.LambdaLR`: sets each group's lr to its initial lr times
 * `lrLambda(epoch)`.
 */
export class LambdaLR extends LRScheduler {
  /** One function per group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    const fn = 'LambdaLR';
    const n = Array.isArray(optimizer?.paramGroups) ? optimizer.paramGroups.length : 0;
    const o = prepare(
      fn,
      optimizer,
      spec<Required<LambdaLROptions>>({}, { lrLambda: required(lambdas(n)) }),
      options,
    );
    super(fn, optimizer, o);
    this.lrLambdas = Array.isArray(o.lrLambda)
      ? [...o.lrLambda]
      : Array.from({ length: n }, () => o.lrLambda as LrLambda);
    this.start();
  }

  protected override getLr(): number[] {
    const fn = `${this.name}.step`;
    return this.baseLrs.map(
      (base, i) => base * callLambda(fn, this.lrLambdas[i], i, this.lastEpoch),
    );
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
