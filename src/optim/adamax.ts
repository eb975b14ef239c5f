/**
 * Adamax (Kingma & Ba, 2015, §7.1), `torch.optim.Adamax` semantics: g ← ±∇ + λθ;
 * m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε); θ ← θ − η/(1−β₁ᵗ) · m/u.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link Adamax}. */
export interface AdamaxOptions {
  /** Learning rate η, ≥ 0. Default 0.002. PyTorch: `lr`. */
  lr: number;
  /**
   * [β₁, β₂], each in [0, 1): decay of the gradient's running average and of the infinity norm
   * u. Default [0.9, 0.999]. PyTorch: `betas`.
   */
  betas: [number, number];
  /** Added to |g| in u's update for numerical stability, ≥ 0. Default 1e-8. PyTorch: `eps`. */
  eps: number;
  /** L2 penalty λ added to the gradient, ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const ADAMAX_SPEC: OptionSpec<AdamaxOptions> = {
  defaults: { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    eps: nonNegative,
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * Adamax (Kingma & Ba 2015, §7.1), as `torch.optim.Adamax`: Adam with the infinity norm of
 * past gradients in place of the second moment. State: `expAvg`, `expInf`.
 */
export class Adamax extends ElementwiseOptimizer<AdamaxOptions> {
  protected readonly kind = 'adamax' as const;
  protected readonly hyperLength = 7;

  constructor(
    params: ParamsInput<AdamaxOptions>,
    options: Partial<AdamaxOptions> & OptimizerFlags = {},
  ) {
    super('Adamax', params, options, ADAMAX_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expInf'];
  }

  protected hyper(g: ParamGroup<AdamaxOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.eps;
    h[4] = g.weightDecay;
    h[5] = +g.maximize;
    h[6] = step;
  }
}
