/**
 * The optimizers every optimizer-wide test covers, looked up by name in the `optim` namespace
 * of src/index.ts (the public API). A name the namespace lacks is an error that says so: the
 * tests that use this registry fail on it rather than skip.
 */
import { optim } from '../../src/index.js';
import type { OptimizerLike, Param } from '../../src/optim/index.js';

/** Every optimizer class, in the order the tables list them. */
export const OPTIMIZER_NAMES = [
  'SGD',
  'Adam',
  'AdamW',
  'Adagrad',
  'Adadelta',
  'RMSprop',
  'Adamax',
  'NAdam',
  'RAdam',
  'Rprop',
  'ASGD',
  'Lion',
  'AdaBelief',
  'Yogi',
  'Adan',
  'LAMB',
  'LARS',
  'SGDScheduleFree',
  'AdamWScheduleFree',
  'LBFGS',
  'Lookahead',
  'SAM',
  'Muon',
] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** What the tests use of an optimizer (schedule-free ones add train/eval). */
export interface TestOptimizer extends OptimizerLike {
  train?(): void;
  eval?(): void;
}

type Ctor = new (first: unknown, options?: Record<string, unknown>) => TestOptimizer;

/** The class `optim[name]`, or an error naming what is missing. */
export function optimizerClass(name: string): Ctor {
  const c = (optim as unknown as Record<string, unknown>)[name];
  if (typeof c !== 'function') {
    throw new Error(
      `optim.${name} does not exist: the optim namespace of src/index.ts (src/optim/index.ts) exports no class ${name}`,
    );
  }
  return c as Ctor;
}

/** Wrappers and the optimizer they wrap in these tests. */
export const WRAPPED: Partial<Record<OptimizerName, { inner: OptimizerName }>> = {
  Lookahead: { inner: 'Adam' },
  SAM: { inner: 'SGD' },
};

/**
 * Options of one table row: the optimizer's own options, and for a wrapper (Lookahead, SAM)
 * `inner`, the options of the optimizer it wraps (`WRAPPED`).
 */
export interface RowOptions {
  options?: Record<string, unknown>;
  inner?: Record<string, unknown>;
}

/**
 * Builds optimizer `name` over `params`: `new optim[name](params, options)`, or for a wrapper
 * `new optim[name](new optim[inner](params, inner), options)`.
 */
export function buildOptimizer(
  name: OptimizerName,
  params: Param[] | Array<{ params: Param[] } & Record<string, unknown>>,
  o: RowOptions,
): TestOptimizer {
  const wrap = WRAPPED[name];
  const Cls = optimizerClass(name);
  if (wrap) {
    const Inner = optimizerClass(wrap.inner);
    return new Cls(new Inner(params, o.inner ?? {}), o.options ?? {});
  }
  return new Cls(params, o.options ?? {});
}

/** How a test drives each optimizer through one step. */
export interface Drive {
  /** `step` takes the closure (LBFGS evaluates it repeatedly, SAM twice). */
  closure: boolean;
  /** Schedule-free: `train()` before stepping, `eval()` before evaluating and saving. */
  scheduleFree: boolean;
}

export function driveOf(name: OptimizerName): Drive {
  return {
    closure: name === 'LBFGS' || name === 'SAM',
    scheduleFree: name === 'SGDScheduleFree' || name === 'AdamWScheduleFree',
  };
}

/**
 * One step: writes the gradients with `lossAndGrad` (which returns the loss), then steps —
 * with the closure for LBFGS and SAM. Returns the loss before the step.
 */
export function stepOnce(
  opt: TestOptimizer,
  drive: Drive,
  lossAndGrad: () => number,
): number | undefined {
  const loss = lossAndGrad();
  if (drive.closure) return opt.step(lossAndGrad);
  opt.step();
  return loss;
}

/** Calls `opt.train()`/`opt.eval()`, failing clearly when a schedule-free class lacks them. */
export function setMode(opt: TestOptimizer, name: string, mode: 'train' | 'eval'): void {
  const f = opt[mode];
  if (typeof f !== 'function') throw new Error(`${name} has no ${mode}() method`);
  f.call(opt);
}
