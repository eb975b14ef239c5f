/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), `optax.lion`
 * semantics (scale_by_lion → add_decayed_weights → scale_by_learning_rate):
 * c = β₁m + (1−β₁)g; θ ← θ − η(sign(c) + λθ); m ← β₂m + (1−β₂)g. sign(0) = 0.
 * Defaults as lucidrains/lion-pytorch (lr 1e-4, no weight decay; optax's weight decay is 1e-3).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link Lion} (defaults as lucidrains/lion-pytorch; there is no `torch.optim` counterpart). */
export interface LionOptions {
  /** Learning rate η, ≥ 0 (typically 3–10× smaller than AdamW's). Default 1e-4. */
  lr: number;
  /**
   * [β₁, β₂], each in [0, 1): β₁ interpolates the update direction c, β₂ decays the momentum m.
   * Default [0.9, 0.99]. optax: `b1`, `b2`.
   */
  betas: [number, number];
  /** Decoupled weight decay λ: θ ← θ − ηλθ, ≥ 0. Default 0 (optax's default is 1e-3). optax: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

export const LION_SPEC: OptionSpec<LionOptions> = {
  defaults: { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as `optax.lion`:
 * the step is the sign of an interpolation of momentum and gradient, so every element moves by
 * ±η. One state buffer: `expAvg`.
 */
export class Lion extends ElementwiseOptimizer<LionOptions> {
  protected readonly kind = 'lion' as const;
  protected readonly hyperLength = 5;

  constructor(
    params: ParamsInput<LionOptions>,
    options: Partial<LionOptions> & OptimizerFlags = {},
  ) {
    super('Lion', params, options, LION_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg'];
  }

  protected hyper(g: ParamGroup<LionOptions>, _step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.weightDecay;
    h[4] = +g.maximize;
  }
}
