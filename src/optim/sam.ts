/**
 * Sharpness-Aware Minimization (Foret, Kleiner, Mobahi & Neyshabur, 2021) around any optimizer,
 * following the reference davda54/sam: ε = ρ·s⊙g/‖s⊙g‖ with s = |θ| (adaptive, ASAM) or 1;
 * the gradient is re-evaluated at θ + ε·(s when adaptive), θ is restored and the inner
 * optimizer steps with that gradient. Two passes, so `step` needs the closure.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import type { Closure, OptimizerLike } from './optimizer.js';
import { bool, nonNegative, type OptionSpec, resolveOptions } from './options.js';
import type { OptimizerStateDict } from './state-dict.js';

/** Options of {@link SAM} (the reference davda54/sam's names). */
export interface SAMOptions {
  /** Radius ρ of the neighbourhood the ascent step explores, ≥ 0. Default 0.05. */
  rho: number;
  /** Adaptive SAM (ASAM, Kwon et al. 2021): scale the perturbation by |θ|. Default false. */
  adaptive: boolean;
}

const SPEC: OptionSpec<SAMOptions> = {
  defaults: { rho: 0.05, adaptive: false },
  checks: { rho: nonNegative, adaptive: bool },
};

/**
 * Sharpness-Aware Minimization (Foret, Kleiner, Mobahi & Neyshabur 2021, "Sharpness-Aware
 * Minimization for Efficiently Improving Generalization") around any optimizer, after the
 * reference davda54/sam: each step evaluates the gradient at the worst point within radius ρ
 * and lets the inner optimizer step with it. Two forward/backward passes per step, so `step`
 * needs a closure.
 */
export class SAM implements OptimizerLike {
  /** The resolved options. */
  readonly options: SAMOptions;
  /** θ saved before the ascent step; scratch for s⊙g. */
  private readonly saved: Float32Array[][];
  private readonly scratch: Float32Array[][];

  constructor(
    /** The inner ("base") optimizer that takes the actual step. */
    readonly optimizer: OptimizerLike,
    options: Partial<SAMOptions> = {},
  ) {
    if (
      optimizer === null ||
      typeof optimizer !== 'object' ||
      typeof optimizer.step !== 'function'
    ) {
      throw new TypeError(`SAM: optimizer must be an optimizer, got ${describe(optimizer)}`);
    }
    this.options = resolveOptions('SAM', SPEC, options);
    const lengths = (g: { params: { data: Float32Array }[] }) => g.params.map((p) => p.data.length);
    this.saved = optimizer.paramGroups.map((g) => allocArena(lengths(g)));
    this.scratch = optimizer.paramGroups.map((g) => allocArena(lengths(g)));
  }

  /** The inner optimizer's parameter groups (schedulers set `lr` here). */
  get paramGroups() {
    return this.optimizer.paramGroups;
  }

  /** Zeroes the gradients through the inner optimizer. */
  zeroGrad(setToNull = false): void {
    this.optimizer.zeroGrad(setToNull);
  }

  /**
   * `closure` computes the loss and writes the gradients (it runs twice: at θ and at θ + ε,
   * and nothing zeroes the gradients in between, so a closure that accumulates must zero
   * them first). Returns the loss at θ.
   */
  step(closure?: Closure): number {
    if (typeof closure !== 'function') {
      throw new TypeError(
        `SAM.step: a closure that re-evaluates the model and returns the loss is required, got ${describe(closure)}`,
      );
    }
    const b = getBackend();
    const { rho, adaptive } = this.options;
    const loss = closure();
    // ‖s⊙g‖ over every parameter with a gradient.
    let sq = 0;
    this.optimizer.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        if (!p.grad) return;
        const k = b.kernelsFor(p.data.length);
        if (adaptive) {
          const t = this.scratch[gi][i];
          k.binary('mul', t, p.data, p.grad);
          sq += k.sumSquares(t);
        } else {
          sq += k.sumSquares(p.grad);
        }
      }),
    );
    const scale = rho / (Math.sqrt(sq) + 1e-12);
    this.optimizer.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        if (!p.grad) return;
        const k = b.kernelsFor(p.data.length);
        k.copy(this.saved[gi][i], p.data);
        if (adaptive) {
          const t = this.scratch[gi][i]; // holds θ⊙g: make it θ²⊙g
          k.binary('mul', t, t, p.data);
          k.axpy(scale, t, p.data);
        } else {
          k.axpy(scale, p.grad, p.data);
        }
      }),
    );
    closure();
    this.optimizer.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        if (p.grad) b.kernelsFor(p.data.length).copy(p.data, this.saved[gi][i]);
      }),
    );
    this.optimizer.step();
    return loss;
  }

  /** The inner optimizer's state dict (SAM keeps no state across steps). */
  stateDict(): OptimizerStateDict {
    return this.optimizer.stateDict();
  }

  /** Restores the inner optimizer's state. */
  loadStateDict(sd: OptimizerStateDict): void {
    this.optimizer.loadStateDict(sd);
  }
}
