/**
 * RAdam (Liu et al., 2020), `torch.optim.RAdam` semantics: m, v as Adam; ρ∞ = 2/(1−β₂) − 1,
 * ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ); θ ← θ − η·m̂·r·√(1−β₂ᵗ)/(√v + ε) when ρₜ > 5 (r the variance
 * rectification), else θ ← θ − η·m̂; weight decay added to g, or decoupled.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link RAdam}. */
export interface RAdamOptions {
  /** Learning rate η, ≥ 0. Default 0.001. PyTorch: `lr`. */
  lr: number;
  /** [β₁, β₂], each in [0, 1): Adam's moment decay rates. Default [0.9, 0.999]. PyTorch: `betas`. */
  betas: [number, number];
  /** Added to the denominator √v for numerical stability, ≥ 0. Default 1e-8. PyTorch: `eps`. */
  eps: number;
  /** Weight decay λ, ≥ 0 (L2 on the gradient, or decoupled with `decoupledWeightDecay`). Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Decoupled weight decay θ ← θ(1 − ηλ) (RAdamW). Default false. PyTorch: `decoupled_weight_decay`. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const RADAM_SPEC: OptionSpec<RAdamOptions> = {
  defaults: {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    decoupledWeightDecay: false,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    eps: nonNegative,
    weightDecay: nonNegative,
    decoupledWeightDecay: bool,
    maximize: bool,
  },
};

/**
 * RAdam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"), as
 * `torch.optim.RAdam`: Adam with a rectification term that falls back to SGD with momentum
 * while the second-moment estimate's variance is intractable (early steps). State: `expAvg`,
 * `expAvgSq`.
 */
export class RAdam extends ElementwiseOptimizer<RAdamOptions> {
  protected readonly kind = 'radam' as const;
  protected readonly hyperLength = 11;

  constructor(
    params: ParamsInput<RAdamOptions>,
    options: Partial<RAdamOptions> & OptimizerFlags = {},
  ) {
    super('RAdam', params, options, RADAM_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected hyper(g: ParamGroup<RAdamOptions>, step: number, h: Float64Array): void {
    const beta1 = g.betas[0];
    const beta2 = g.betas[1];
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
    const adaptive = rhoT > 5;
    const decoupled = g.decoupledWeightDecay;
    h[0] = g.lr;
    h[1] = beta1;
    h[2] = beta2;
    h[3] = g.eps;
    h[4] = decoupled ? 0 : g.weightDecay;
    h[5] = decoupled && g.weightDecay !== 0 ? 1 - g.lr * g.weightDecay : 1;
    h[6] = +g.maximize;
    h[7] = bc1;
    h[8] = bc2 ** 0.5;
    h[9] = +adaptive;
    h[10] = adaptive
      ? (((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) ** 0.5
      : 0;
  }
}
