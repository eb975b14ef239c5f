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
 * Runs a composite computation: every tensor it makes but `keep` becomes internal (recycled
 * when its graph is freed, or at once when nothing recorded it).
 */
export function internally<T extends Tensor>(fn: () => T): T {
  const { result, made } = collect(fn);
  // A leaf made here may be saved as some node's input: that node owns it now.
  const saved = new Set<Tensor>();
  for (const t of made) if (t._node) for (const i of t._node.inputs) saved.add(i);
  for (const t of made) {
    if (t === result) continue;
    if (t._node) t._internal = true;
    else if (!saved.has(t)) t._release();
  }
  return result;
}
