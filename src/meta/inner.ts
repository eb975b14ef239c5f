/**
 * The optimizers of a meta-learner. The inner optimizer is a class the learner instantiates
 * afresh for every task (new state per task, as a PyTorch inner loop that builds
 * `torch.optim.SGD(fast_weights)` per task); the outer one is an instance over the model's
 * parameters. Optimizers that need a closure (LBFGS re-evaluates the loss in its line search,
 * SAM evaluates the gradient twice) are refused by name: a step of the loop is one gradient.
 * Second-order MAML differentiates through the inner updates, so its inner step is SGD written
 * in tensor operations here (torch.optim.SGD's update, momentum and weight decay included).
 */
import { add, mul, sub } from '../autograd/ops/elementwise.js';
import { type Tensor, wrap } from '../autograd/tensor.js';
import { describe } from '../backend/validate.js';
import type { Model } from '../nn/model.js';
import { LBFGS } from '../optim/lbfgs.js';
import { Optimizer, type OptimizerLike, type Param } from '../optim/optimizer.js';
import { SAM } from '../optim/sam.js';
import { SGD, SGD_SPEC, type SGDOptions } from '../optim/sgd.js';

/** An optimizer class of this library (optim.SGD, optim.Adam, …). */
// biome-ignore lint/suspicious/noExplicitAny: any optimizer's options
export type OptimizerClass = new (params: Param[], options?: any) => Optimizer<any>;

const CLOSURE_NEEDED: ReadonlyArray<[unknown, string]> = [
  [LBFGS, 'LBFGS needs a closure (its line search re-evaluates the loss several times a step)'],
  [SAM, 'SAM needs a closure (it evaluates the gradient twice a step)'],
];

function closureReason(C: unknown): string | undefined {
  for (const [K, why] of CLOSURE_NEEDED)
    if (C === K || (typeof C === 'function' && C.prototype instanceof (K as typeof Object)))
      return why;
  return undefined;
}

/**
 * Checks the inner optimizer class and its options by building one over `params` (the
 * learner's copy; nothing is stepped). Returns the checked options, `lr` set to `lr`.
 */
export function checkInner(
  fn: string,
  C: unknown,
  options: unknown,
  lr: number,
  params: Param[],
): Record<string, unknown> {
  const why = closureReason(C);
  if (why)
    throw new TypeError(
      `${fn}: innerOptimizer ${why}; an inner loop takes one gradient per step. Use SGD, Adam or another optimizer that steps from a gradient`,
    );
  if (C instanceof Optimizer)
    throw new TypeError(
      `${fn}: innerOptimizer must be an optimizer class such as optim.SGD, not an instance (${C.name}): the learner builds a fresh one per task over its own copy of the parameters`,
    );
  if (typeof C !== 'function' || !(C.prototype instanceof Optimizer))
    throw new TypeError(
      `${fn}: innerOptimizer must be an optimizer class of this library (optim.SGD, optim.Adam, …), got ${describe(C)}`,
    );
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${fn}: innerOptions must be an object, got ${describe(options)}`);
  if ('lr' in options)
    throw new TypeError(
      `${fn}: innerOptions.lr: give the inner learning rate as the innerLr option`,
    );
  const o = { ...options, lr };
  try {
    new (C as OptimizerClass)(params, o); // refuses unknown or invalid options, naming them
  } catch (e) {
    const E = e instanceof RangeError ? RangeError : TypeError;
    throw new E(`${fn}: innerOptions: ${(e as Error).message}`);
  }
  return o;
}

/** Refuses an outer optimizer that needs a closure or steps something other than `model`'s parameters. */
export function checkOuter(fn: string, opt: unknown, model: Model): OptimizerLike {
  if (
    opt === null ||
    typeof opt !== 'object' ||
    typeof (opt as OptimizerLike).step !== 'function' ||
    !Array.isArray((opt as OptimizerLike).paramGroups)
  )
    throw new TypeError(
      `${fn}: outerOptimizer must be an optimizer over the model's parameters (e.g. new optim.Adam(model.parameters())), got ${describe(opt)}`,
    );
  // Wrappers (Lookahead) hold the optimizer they wrap.
  for (
    let o: unknown = opt;
    o && typeof o === 'object';
    o = (o as { optimizer?: unknown }).optimizer
  ) {
    const why = closureReason((o as object).constructor);
    if (why)
      throw new TypeError(`${fn}: outerOptimizer ${why}; the meta-step gives it one gradient`);
  }
  const arena = model.params;
  const end = arena.byteOffset + arena.byteLength;
  (opt as OptimizerLike).paramGroups.forEach((g, gi) =>
    g.params.forEach((p, i) => {
      const d = p.data;
      if (
        d.buffer !== arena.buffer ||
        d.byteOffset < arena.byteOffset ||
        d.byteOffset + d.byteLength > end
      )
        throw new RangeError(
          `${fn}: outerOptimizer's paramGroups[${gi}].params[${i}] is not one of the model's parameters (build the outer optimizer over model.parameters())`,
        );
    }),
  );
  return opt as OptimizerLike;
}

/**
 * torch.optim.SGD's step in tensor operations, so it can be differentiated:
 * g ← ±∇ + λw; b ← g (first step) or μb + (1−τ)g; g ← g + μb (Nesterov) or b; w ← w − ηg.
 * Its constants are 0-d tensors made once (a number operand would take a pooled buffer per
 * operation that no graph gives back).
 */
export class TensorSGD {
  private readonly k: Record<'lr' | 'momentum' | 'keep' | 'weightDecay' | 'minus', Tensor>;

  constructor(readonly options: Readonly<SGDOptions>) {
    const c = (v: number) => wrap(Float32Array.of(v), [], 'float32');
    this.k = {
      lr: c(options.lr),
      momentum: c(options.momentum),
      keep: c(1 - options.dampening),
      weightDecay: c(options.weightDecay),
      minus: c(-1),
    };
  }

  /** The updated weights; `bufs` holds the momentum buffers between steps (null before the first). */
  step(w: readonly Tensor[], grads: readonly Tensor[], bufs: (Tensor | null)[]): Tensor[] {
    const o = this.options;
    const k = this.k;
    return w.map((wi, i) => {
      let g = o.maximize ? mul(grads[i], k.minus) : grads[i];
      if (o.weightDecay !== 0) g = add(g, mul(wi, k.weightDecay));
      if (o.momentum !== 0) {
        const prev = bufs[i];
        const b = prev ? add(mul(prev, k.momentum), mul(g, k.keep)) : g;
        bufs[i] = b;
        g = o.nesterov ? add(g, mul(b, k.momentum)) : b;
      }
      return sub(wi, mul(g, k.lr));
    });
  }
}

/** The SGD options of a checked inner configuration (second-order MAML), or null if not SGD. */
export function sgdOptions(C: unknown, checked: Record<string, unknown>): SGDOptions | null {
  if (C !== SGD) return null;
  return { ...SGD_SPEC.defaults, ...checked } as SGDOptions;
}
