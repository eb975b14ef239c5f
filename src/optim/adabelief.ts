/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
 * Observed Gradients"), `optax.adabelief` semantics (scale_by_belief → scale_by_learning_rate):
 * m ← β₁m + (1−β₁)g; s ← β₂s + (1−β₂)(g−m)² + ε_root; θ ← θ − η·(m̂/(√ŝ + ε) + λθ) with
 * m̂ = m/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ). optax.adabelief has no weight decay: λθ is added as optax's
 * add_decayed_weights would be (decoupled, scaled by η), so λ = 0 is exactly optax's update.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link AdaBelief} (optax's names and defaults; there is no `torch.optim` counterpart). */
export interface AdaBeliefOptions {
  /** Learning rate η, ≥ 0. Default 0.001. optax: `learning_rate`. */
  lr: number;
  /**
   * [β₁, β₂], each in [0, 1): decay of the gradient's running average m and of the running
   * variance s of g − m. Default [0.9, 0.999]. optax: `b1`, `b2`.
   */
  betas: [number, number];
  /** Added to √ŝ in the denominator, ≥ 0. Default 1e-16. optax: `eps`. */
  eps: number;
  /** Added to s at every step (inside the square root), ≥ 0. Default 1e-16. optax: `eps_root`. */
  epsRoot: number;
  /**
   * Decoupled weight decay λ: λθ is added to the update before scaling by η (as optax's
   * `add_decayed_weights`), ≥ 0. Default 0 (exactly optax.adabelief).
   */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

export const ADABELIEF_SPEC: OptionSpec<AdaBeliefOptions> = {
  defaults: {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-16,
    epsRoot: 1e-16,
    weightDecay: 0,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    eps: nonNegative,
    epsRoot: nonNegative,
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
 * Observed Gradients"), as `optax.adabelief`: Adam whose second moment tracks the variance of
 * the gradient around its running mean. State: `expAvg`, `expAvgVar`.
 */
export class AdaBelief extends ElementwiseOptimizer<AdaBeliefOptions> {
  protected readonly kind = 'adabelief' as const;
  protected readonly hyperLength = 8;

  constructor(
    params: ParamsInput<AdaBeliefOptions>,
    options: Partial<AdaBeliefOptions> & OptimizerFlags = {},
  ) {
    super('AdaBelief', params, options, ADABELIEF_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgVar'];
  }

  protected hyper(g: ParamGroup<AdaBeliefOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.eps;
    h[4] = g.epsRoot;
    h[5] = g.weightDecay;
    h[6] = +g.maximize;
    h[7] = step;
  }
}
