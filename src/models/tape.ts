/**
 * Buffer hygiene for the models' training steps: the tensors a step makes on the way to its
 * loss are reachable only from the graph, so they are marked internal (their buffers return
 * to the pool when backward frees the graph) instead of being left to the garbage collector;
 * what the step makes outside any graph (its noise, or everything under noGrad) it releases
 * itself once the numbers are read.
 */
import { collect } from '../autograd/scope.js';
import type { Tensor } from '../autograd/tensor.js';

/** Runs `fn`; every tensor it makes with a node, except those in `keep(result)`, becomes internal. */
export function recorded<T>(
  fn: () => T,
  keep: (r: T) => readonly Tensor[],
): { result: T; leaves: Tensor[] } {
  const { result, made } = collect(fn);
  const kept = new Set(keep(result));
  const leaves: Tensor[] = [];
  for (const t of made) {
    if (kept.has(t)) continue;
    if (t._node) t._internal = true;
    else leaves.push(t);
  }
  return { result, leaves };
}

/** Runs `fn` (recording nothing) and releases every tensor it made but `keep`. */
export function scratch<T>(fn: () => T, keep: (r: T) => readonly Tensor[] = () => []): T {
  const { result, made } = collect(fn);
  const kept = new Set(keep(result));
  for (const t of made) if (!kept.has(t)) t._release();
  return result;
}
