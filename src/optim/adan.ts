/**
 * Adan (Xie et al. 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing
 * Deep Models"), `optax.adan` semantics (scale_by_adan → add_decayed_weights →
 * scale_by_learning_rate): d = g − g_prev (0 at the first step); m ← β₁m + (1−β₁)g;
 * v ← β₂v + (1−β₂)d; n ← β₃n + (1−β₃)(g + (1−β₂)d)²;
 * θ ← θ − η·((m̂ + (1−β₂)v̂)/(√(n̂ + ε_root) + ε) + λθ), hats bias-corrected by 1−βᵢᵗ.
 * Betas are decay rates (optax's and the official PyTorch code's convention, not the paper's
 * 1−β); ε_root defaults to optax.adan's 1e-8; weight decay is optax's additive λθ, not the
 * paper's division by 1 + ηλ.
 */

import { describe } from '../backend/validate.js';
import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, type Check, interval, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link Adan} (optax's names and defaults; there is no `torch.optim` counterpart). */
export interface AdanOptions {
  /** Learning rate η, ≥ 0. Default 0.001. optax: `learning_rate`. */
  lr: number;
  /**
   * Decay rates [β₁, β₂, β₃], each in [0, 1), of the gradient, gradient-difference and squared
   * averages (optax's convention, not the paper's 1 − β). Default [0.98, 0.92, 0.99].
   * optax: `b1`, `b2`, `b3`.
   */
  betas: [number, number, number];
  /** Added to the denominator √(n̂ + ε_root), ≥ 0. Default 1e-8. optax: `eps`. */
  eps: number;
  /** Added to n̂ inside the square root, ≥ 0. Default 1e-8. optax: `eps_root`. */
  epsRoot: number;
  /** Weight decay λ: λθ added to the update before scaling by η (optax's), ≥ 0. Default 0. optax: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

/** A triple [a, b, c] of numbers each passing `each`. */
function triple(each: Check): Check {
  return (fn, name, v) => {
    if (!Array.isArray(v) || v.length !== 3) {
      throw new TypeError(`${fn}: option ${name} must be a triple [a, b, c], got ${describe(v)}`);
    }
    for (let i = 0; i < 3; i++) each(fn, `${name}[${i}]`, v[i]);
  };
}

export const ADAN_SPEC: OptionSpec<AdanOptions> = {
  defaults: {
    lr: 1e-3,
    betas: [0.98, 0.92, 0.99],
    eps: 1e-8,
    epsRoot: 1e-8,
    weightDecay: 0,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    betas: triple(interval(0, 1)),
    eps: nonNegative,
    epsRoot: nonNegative,
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * Adan (Xie et al. 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing
 * Deep Models"), as `optax.adan`: Nesterov-style momentum estimated from the gradient and its
 * step-to-step difference. State: `expAvg`, `expAvgDiff`, `expAvgSq`, `prevGrad`.
 */
export class Adan extends ElementwiseOptimizer<AdanOptions> {
  protected readonly kind = 'adan' as const;
  protected readonly hyperLength = 9;

  constructor(
    params: ParamsInput<AdanOptions>,
    options: Partial<AdanOptions> & OptimizerFlags = {},
  ) {
    super('Adan', params, options, ADAN_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgDiff', 'expAvgSq', 'prevGrad'];
  }

  protected hyper(g: ParamGroup<AdanOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.betas[2];
    h[4] = g.eps;
    h[5] = g.epsRoot;
    h[6] = g.weightDecay;
    h[7] = +g.maximize;
    h[8] = step;
  }
}
