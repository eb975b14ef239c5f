/**
 * RMSprop (Hinton, 2012; centered: Graves, 2013), `torch.optim.RMSprop` semantics:
 * g ← ±∇ + λθ; v ← αv + (1−α)g²; a = √max(0, v − ḡ²) + ε with ḡ ← αḡ + (1−α)g
 * (centered; the clamp is ours: v ≥ ḡ² exactly, and PyTorch turns a rounding-negative
 * v − ḡ² into NaN), else √v + ε; b ← μb + g/a, θ ← θ − η·b (momentum), else θ ← θ − η·g/a.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export const RMSPROP_SPEC: OptionSpec<RMSpropOptions> = {
  defaults: {
    lr: 1e-2,
    alpha: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    momentum: 0,
    centered: false,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    alpha: nonNegative,
    eps: nonNegative,
    weightDecay: nonNegative,
    momentum: nonNegative,
    centered: bool,
    maximize: bool,
  },
};

export class RMSprop extends ElementwiseOptimizer<RMSpropOptions> {
  protected readonly kind = 'rmsprop' as const;
  protected readonly hyperLength = 7;

  constructor(
    params: ParamsInput<RMSpropOptions>,
    options: Partial<RMSpropOptions> & OptimizerFlags = {},
  ) {
    super('RMSprop', params, options, RMSPROP_SPEC);
  }

  protected slots(g: ParamGroup<RMSpropOptions>): (string | null)[] {
    return ['squareAvg', g.centered ? 'gradAvg' : null, g.momentum > 0 ? 'momentumBuffer' : null];
  }

  protected hyper(g: ParamGroup<RMSpropOptions>, _step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.alpha;
    h[2] = g.eps;
    h[3] = g.weightDecay;
    h[4] = g.momentum;
    h[5] = +g.centered;
    h[6] = +g.maximize;
  }
}
