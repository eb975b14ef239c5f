/**
 * Gradient accumulation over k micro-batches: each `step()` adds the current gradients (÷k)
 * into a flat buffer; every k-th call puts the sum back into the gradients and steps the
 * optimizer, so k micro-batches of size b train like one batch of size k·b.
 */
import { getBackend } from '../backend/select.js';
import { describe, noMoreArgs, positiveInt } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import type { OptimizerLike } from './optimizer.js';

/**
 * Gradient accumulation over `steps` micro-batches: call `step()` after each micro-batch's
 * backward (and zero the gradients before the next); every `steps`-th call steps the wrapped
 * optimizer with the mean gradient, so k micro-batches of size b train like one batch of k·b.
 */
export class GradientAccumulation {
  private count = 0;
  private readonly sums: Float32Array[][];
  /** Parameters that had a gradient in some micro-batch of the current window. */
  private readonly touched: boolean[][];

  constructor(
    /** The optimizer stepped every `steps` micro-batches. */
    readonly optimizer: OptimizerLike,
    /** Micro-batches per optimizer step, an integer ≥ 1. */
    readonly steps: number,
    ...extra: never[]
  ) {
    const fn = 'GradientAccumulation';
    if (
      optimizer === null ||
      typeof optimizer !== 'object' ||
      typeof optimizer.step !== 'function'
    ) {
      throw new TypeError(`${fn}: optimizer must be an optimizer, got ${describe(optimizer)}`);
    }
    positiveInt(fn, 'steps', steps);
    noMoreArgs(fn, extra, 'two arguments (optimizer, steps)');
    this.sums = optimizer.paramGroups.map((g) => allocArena(g.params.map((p) => p.data.length)));
    this.touched = optimizer.paramGroups.map((g) => g.params.map(() => false));
  }

  /** Micro-batches accumulated since the last optimizer step. */
  get pending(): number {
    return this.count;
  }

  /**
   * Adds this micro-batch's gradients; on the k-th call steps the optimizer with the mean
   * gradient and returns true (the gradients then hold that mean).
   */
  step(): boolean {
    const b = getBackend();
    const w = 1 / this.steps;
    this.optimizer.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        if (!p.grad) return;
        b.kernelsFor(p.data.length).axpy(w, p.grad, this.sums[gi][i]);
        this.touched[gi][i] = true;
      }),
    );
    this.count++;
    if (this.count < this.steps) return false;
    this.optimizer.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        // A parameter without a gradient in the last micro-batch (set to null by
        // zeroGrad(true), unused there) still steps with what the earlier ones gave it.
        if (!p.grad && this.touched[gi][i]) p.grad = new Float32Array(p.data.length);
        if (p.grad) b.kernelsFor(p.data.length).copy(p.grad, this.sums[gi][i]);
        this.sums[gi][i].fill(0);
        this.touched[gi][i] = false;
      }),
    );
    this.optimizer.step();
    this.count = 0;
    return true;
  }
}
