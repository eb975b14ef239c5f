/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes"), `optax.lamb` semantics (scale_by_adam → add_decayed_weights →
 * scale_by_trust_ratio → scale_by_learning_rate): u = m̂/(√(v̂ + ε_root) + ε) + λθ with Adam's
 * bias-corrected moments; per tensor r = ‖θ‖/‖u‖ (1 when either norm is 0); θ ← θ − η·r·u.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

export interface LAMBOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  epsRoot: number;
  weightDecay: number;
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
