/**
 * Scopes collect the tensors made while they are open, so the owner of a computation can mark
 * its temporaries: a backward pass recycles the ones its formulas made (nothing else can reach
 * them), a composite operation marks its intermediate results internal (recycled with the
 * graph). Only library code opens scopes.
 */
import type { Tensor } from './tensor.js';

const stack: Tensor[][] = [];

/** @internal Called for every tensor an operation makes. */
export function noteNew(t: Tensor): void {
  const top = stack[stack.length - 1];
  if (top) top.push(t);
}

/** Opens a scope without a closure (hot paths): pass what it returns to `endCollect`. */
export function beginCollect(): Tensor[] {
  const made: Tensor[] = [];
  stack.push(made);
  return made;
}

/** Closes the innermost scope, handing what it collected to the one around it. */
export function endCollect(made: Tensor[]): void {
  stack.pop();
  const outer = stack[stack.length - 1];
  if (outer) for (const t of made) outer.push(t);
}

/** Runs `fn`, returning its result and the tensors it made (in order). */
export function collect<T>(fn: () => T): { result: T; made: Tensor[] } {
  const made: Tensor[] = [];
  stack.push(made);
  try {
    return { result: fn(), made };
  } finally {
    stack.pop();
    const outer = stack[stack.length - 1];
    if (outer) for (const t of made) outer.push(t);
  }
}

/**
 * Runs a composite computation: every tensor it makes but the result that a node produced
 * becomes internal (recycled when its graph is freed). Tensors no node produced are left to
 * the garbage collector: a node may keep one for its backward without listing it as an input
 * (a dropout mask), so only the graph's own outputs are safe to recycle.
 */
export function internally<T extends Tensor>(fn: () => T): T {
  const { result, made } = collect(fn);
  for (const t of made) if (t !== result && t._node) t._internal = true;
  return result;
}
