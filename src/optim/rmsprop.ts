/**
 * RMSprop (Hinton, 2012; centered: Graves, 2013), `torch.optim.RMSprop` semantics:
 * g ← ±∇ + λθ; v ← αv + (1−α)g²; a = √max(0, v − ḡ²) + ε with ḡ ← αḡ + (1−α)g
 * (centered; the clamp is ours: v ≥ ḡ² exactly, and PyTorch turns a rounding-negative
 * v − ḡ² into NaN), else √v + ε; b ← μb + g/a, θ ← θ − η·b (momentum), else θ ← θ − η·g/a.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Learning rate η, ≥ 0. Default 0.01. PyTorch: `lr`. */
  lr: number;
  /** Smoothing constant α of the running average of g², ≥ 0. Default 0.99. PyTorch: `alpha`. */
  alpha: number;
  /** Added to the denominator for numerical stability, ≥ 0. Default 1e-8. PyTorch: `eps`. */
  eps: number;
  /** L2 penalty λ added to the gradient, ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Momentum factor μ, ≥ 0 (0: no momentum buffer). Default 0. PyTorch: `momentum`. */
  momentum: number;
  /**
   * Centered RMSprop (Graves 2013): normalize by an estimate of the gradient's variance
   * (v − ḡ²) instead of its second moment. Default false. PyTorch: `centered`.
   */
  centered: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
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

/**
 * RMSprop (Hinton 2012, Coursera lecture 6e; centered variant Graves 2013), as
 * `torch.optim.RMSprop`: divides the gradient by a running RMS of recent gradients. State:
 * `squareAvg` (plus `gradAvg` when centered, `momentumBuffer` with momentum).
 */
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
