/**
 * Adadelta (Zeiler, 2012), `torch.optim.Adadelta` semantics: g ← ±∇ + λθ; v ← ρv + (1−ρ)g²;
 * δ = √(u + ε)/√(v + ε) · g; u ← ρu + (1−ρ)δ²; θ ← θ − η·δ.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link Adadelta}. */
export interface AdadeltaOptions {
  /** Scale η applied to the computed update δ, ≥ 0. Default 1. PyTorch: `lr`. */
  lr: number;
  /** Decay rate ρ of the running averages of g² and δ², in [0, 1]. Default 0.9. PyTorch: `rho`. */
  rho: number;
  /** Added inside both square roots for numerical stability, ≥ 0. Default 1e-6. PyTorch: `eps`. */
  eps: number;
  /** L2 penalty λ added to the gradient, ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const ADADELTA_SPEC: OptionSpec<AdadeltaOptions> = {
  defaults: { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false },
  checks: {
    lr: nonNegative,
    rho: interval(0, 1, true),
    eps: nonNegative,
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * Adadelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method"), as
 * `torch.optim.Adadelta`: step sizes from the ratio of running RMS of past updates and of
 * gradients. State: `squareAvg`, `accDelta`.
 */
export class Adadelta extends ElementwiseOptimizer<AdadeltaOptions> {
  protected readonly kind = 'adadelta' as const;
  protected readonly hyperLength = 5;

  constructor(
    params: ParamsInput<AdadeltaOptions>,
    options: Partial<AdadeltaOptions> & OptimizerFlags = {},
  ) {
    super('Adadelta', params, options, ADADELTA_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['squareAvg', 'accDelta'];
  }

  protected hyper(g: ParamGroup<AdadeltaOptions>, _step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.rho;
    h[2] = g.eps;
    h[3] = g.weightDecay;
    h[4] = +g.maximize;
  }
}
