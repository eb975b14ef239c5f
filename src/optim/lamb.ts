/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes"), `optax.lamb` semantics (scale_by_adam → add_decayed_weights →
 * scale_by_trust_ratio → scale_by_learning_rate): u = m̂/(√(v̂ + ε_root) + ε) + λθ with Adam's
 * bias-corrected moments; per tensor r = ‖θ‖/‖u‖ (1 when either norm is 0); θ ← θ − η·r·u.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link LAMB} (optax's names and defaults; there is no `torch.optim` counterpart). */
export interface LAMBOptions {
  /** Learning rate η, ≥ 0. Default 0.001. optax: `learning_rate`. */
  lr: number;
  /** [β₁, β₂], each in [0, 1): Adam's moment decay rates. Default [0.9, 0.999]. optax: `b1`, `b2`. */
  betas: [number, number];
  /** Added to the denominator √(v̂ + ε_root), ≥ 0. Default 1e-6. optax: `eps`. */
  eps: number;
  /** Added to v̂ inside the square root, ≥ 0. Default 0. optax: `eps_root`. */
  epsRoot: number;
  /** Weight decay λ: λθ added to the Adam update before the trust ratio, ≥ 0. Default 0. optax: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

export const LAMB_SPEC: OptionSpec<LAMBOptions> = {
  defaults: {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-6,
    epsRoot: 0,
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
 * LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes", ICLR), as `optax.lamb`: the Adam update rescaled per tensor by the trust ratio
 * ‖θ‖/‖u‖, for large-batch training. State: `expAvg`, `expAvgSq`.
 */
export class LAMB extends ElementwiseOptimizer<LAMBOptions> {
  protected readonly kind = 'lamb' as const;
  protected readonly hyperLength = 8;
  protected override readonly needsSegments = true;

  constructor(
    params: ParamsInput<LAMBOptions>,
    options: Partial<LAMBOptions> & OptimizerFlags = {},
  ) {
    super('LAMB', params, options, LAMB_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected hyper(g: ParamGroup<LAMBOptions>, step: number, h: Float64Array): void {
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
