/**
 * Adadelta (Zeiler, 2012), `torch.optim.Adadelta` semantics: g ← ±∇ + λθ; v ← ρv + (1−ρ)g²;
 * δ = √(u + ε)/√(v + ε) · g; u ← ρu + (1−ρ)δ²; θ ← θ − η·δ.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec } from './options.js';

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
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
