/**
 * Which model parameters an optimizer updates. Matched by memory, not by object: an optimizer
 * may hold the models' LayerParams or any views of their arenas (`{ data: model.params, grad:
 * model.grads }`). A parameter's gradient must be the same range of the model's gradient
 * arena, or the step would read a gradient that backward never writes.
 */
import type { Model } from '../nn/model.js';
import type { OptimizerLike, Param } from '../optim/optimizer.js';

export interface Coverage {
  /** Model parameters (`name` or `model:name`) that no optimizer parameter covers. */
  missing: string[];
  /** Optimizer parameters (`paramGroups[g].params[i]`) outside every model, or with a foreign gradient. */
  foreign: string[];
}

/** The element offset of `a` in `arena`, or -1 when `a` is not a view inside it. */
function offsetIn(a: Float32Array, arena: Float32Array): number {
  if (a.buffer !== arena.buffer) return -1;
  const off = (a.byteOffset - arena.byteOffset) / 4;
  return Number.isInteger(off) && off >= 0 && off + a.length <= arena.length ? off : -1;
}

function label(p: Param, g: number, i: number): string {
  const name = (p as { name?: unknown }).name;
  return `paramGroups[${g}].params[${i}]${typeof name === 'string' ? ` (${JSON.stringify(name)})` : ''}`;
}

/** Checks the optimizer's parameters against `models` (named when there are several). */
export function paramCoverage(
  models: ReadonlyArray<{ name: string; model: Model }>,
  optimizer: OptimizerLike,
): Coverage {
  // Covered element ranges per model.
  const covered = models.map(() => [] as Array<[number, number]>);
  const foreign: string[] = [];
  optimizer.paramGroups.forEach((group, g) => {
    group.params.forEach((p, i) => {
      for (const [k, { model }] of models.entries()) {
        const off = offsetIn(p.data, model.params);
        if (off < 0) continue;
        if (p.grad && offsetIn(p.grad, model.grads) !== off) {
          foreign.push(`${label(p, g, i)}: its gradient is not the model's`);
        } else covered[k].push([off, off + p.data.length]);
        return;
      }
      foreign.push(label(p, g, i));
    });
  });
  const missing: string[] = [];
  for (const [k, { name, model }] of models.entries()) {
    const ranges = covered[k].sort((a, b) => a[0] - b[0]);
    for (const p of model.parameters()) {
      const start = offsetIn(p.data, model.params);
      const end = start + p.data.length;
      let reach = start;
      for (const [s, e] of ranges) if (s <= reach && e > reach) reach = e;
      if (reach < end && p.data.length > 0) missing.push(name ? `${name}:${p.name}` : p.name);
    }
  }
  return { missing, foreign };
}

/** A list for a message: the first `n` items and how many more. */
export function few(items: readonly string[], n = 4): string {
  return items.length <= n
    ? items.join(', ')
    : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}
