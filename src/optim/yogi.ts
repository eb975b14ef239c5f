/**
 * Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"), `optax.yogi`
 * semantics (scale_by_yogi with ε_root = 0 → scale_by_learning_rate): m ← β₁m + (1−β₁)g;
 * v ← v − (1−β₂)·sign(v − g²)·g²; θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ);
 * both moments start at `initialAccumulatorValue` (and are bias-corrected all the same).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link Yogi} (optax's names and defaults; there is no `torch.optim` counterpart). */
export interface YogiOptions {
  /** Learning rate η, ≥ 0. Default 0.01. optax: `learning_rate`. */
  lr: number;
  /** [β₁, β₂], each in [0, 1): decay rates of m and of v's additive update. Default [0.9, 0.999]. optax: `b1`, `b2`. */
  betas: [number, number];
  /** Added to √v̂ in the denominator, ≥ 0. Default 0.001. optax: `eps`. */
  eps: number;
  /** Initial value of both moments m and v, ≥ 0. Default 1e-6. optax: `initial_accumulator_value`. */
  initialAccumulatorValue: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. */
  maximize: boolean;
}

export const YOGI_SPEC: OptionSpec<YogiOptions> = {
  defaults: {
    lr: 1e-2,
    betas: [0.9, 0.999],
    eps: 1e-3,
    initialAccumulatorValue: 1e-6,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    eps: nonNegative,
    initialAccumulatorValue: nonNegative,
    maximize: bool,
  },
};

/**
 * Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"), as `optax.yogi`:
 * Adam whose second moment moves additively toward g², so it cannot grow or shrink too fast.
 * State: `expAvg`, `expAvgSq`.
 */
export class Yogi extends ElementwiseOptimizer<YogiOptions> {
  protected readonly kind = 'yogi' as const;
  protected readonly hyperLength = 6;

  constructor(
    params: ParamsInput<YogiOptions>,
    options: Partial<YogiOptions> & OptimizerFlags = {},
  ) {
    super('Yogi', params, options, YOGI_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected override initValue(_name: string, g: ParamGroup<YogiOptions>): number {
    return g.initialAccumulatorValue;
  }

  protected hyper(g: ParamGroup<YogiOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.eps;
    h[4] = +g.maximize;
    h[5] = step;
  }
}
