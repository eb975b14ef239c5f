/**
 * LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"), `optax.lars`
 * semantics without masks (add_decayed_weights → scale_by_trust_ratio → scale_by_learning_rate
 * → trace): u = g + λθ; per tensor r = c·‖θ‖/(‖u‖ + ε) (1 when either norm is 0);
 * t ← −η·r·u + μt; θ ← θ + (Nesterov ? −η·r·u + μt : t). The trace holds η-scaled steps, as
 * optax's (so changing η mid-run keeps the old steps' scale in the momentum).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link LARS} (optax's names and defaults; there is no `torch.optim` counterpart). */
export interface LARSOptions {
  /** Learning rate η, ≥ 0. Default 0.001. optax: `learning_rate`. */
  lr: number;
  /** Momentum μ of the trace of η-scaled steps, ≥ 0 (0: no trace). Default 0.9. optax: `momentum`. */
  momentum: number;
  /** Weight decay λ: λθ added to the gradient before the trust ratio, ≥ 0. Default 0. optax: `weight_decay`. */
  weightDecay: number;
  /** Trust coefficient c in r = c·‖θ‖/(‖u‖ + ε), ≥ 0. Default 0.001. optax: `trust_coefficient`. */
  trustCoefficient: number;
  /** Added to ‖u‖ in the trust ratio, ≥ 0. Default 0. optax: `eps`. */
  eps: number;
  /** Nesterov momentum. Default false. optax: `nesterov`. */
  nesterov: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

export const LARS_SPEC: OptionSpec<LARSOptions> = {
  defaults: {
    lr: 1e-3,
    momentum: 0.9,
    weightDecay: 0,
    trustCoefficient: 1e-3,
    eps: 0,
    nesterov: false,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    momentum: nonNegative,
    weightDecay: nonNegative,
    trustCoefficient: nonNegative,
    eps: nonNegative,
    nesterov: bool,
    maximize: bool,
  },
};

/**
 * LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"), as `optax.lars`
 * without masks: SGD with momentum whose step is rescaled per tensor by the layer-wise trust
 * ratio c·‖θ‖/‖u‖. State: `trace` when `momentum` > 0.
 */
export class LARS extends ElementwiseOptimizer<LARSOptions> {
  protected readonly kind = 'lars' as const;
  protected readonly hyperLength = 7;
  protected override readonly needsSegments = true;

  constructor(
    params: ParamsInput<LARSOptions>,
    options: Partial<LARSOptions> & OptimizerFlags = {},
  ) {
    super('LARS', params, options, LARS_SPEC);
  }

  protected slots(g: ParamGroup<LARSOptions>): (string | null)[] {
    return [g.momentum !== 0 ? 'trace' : null];
  }

  protected hyper(g: ParamGroup<LARSOptions>, _step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.momentum;
    h[2] = g.weightDecay;
    h[3] = g.trustCoefficient;
    h[4] = g.eps;
    h[5] = +g.nesterov;
    h[6] = +g.maximize;
  }
}
