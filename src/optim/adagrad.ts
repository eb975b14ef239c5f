/**
 * Adagrad (Duchi, Hazan & Singer, 2011), `torch.optim.Adagrad` semantics: g ← ±∇ + λθ;
 * η_t = η / (1 + (t−1)·lrDecay); s ← s + g²; θ ← θ − η_t · g / (√s + ε).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Learning rate η, ≥ 0. Default 0.01. PyTorch: `lr`. */
  lr: number;
  /** Learning-rate decay: step t uses η / (1 + (t − 1)·lrDecay), ≥ 0. Default 0. PyTorch: `lr_decay`. */
  lrDecay: number;
  /** L2 penalty λ added to the gradient, ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Initial value of the sum of squared gradients, ≥ 0. Default 0. PyTorch: `initial_accumulator_value`. */
  initialAccumulatorValue: number;
  /** Added to √s in the denominator for numerical stability, ≥ 0. Default 1e-10. PyTorch: `eps`. */
  eps: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const ADAGRAD_SPEC: OptionSpec<AdagradOptions> = {
  defaults: {
    lr: 1e-2,
    lrDecay: 0,
    weightDecay: 0,
    initialAccumulatorValue: 0,
    eps: 1e-10,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    lrDecay: nonNegative,
    weightDecay: nonNegative,
    initialAccumulatorValue: nonNegative,
    eps: nonNegative,
    maximize: bool,
  },
};

/**
 * Adagrad (Duchi, Hazan & Singer 2011), as `torch.optim.Adagrad`: per-element step sizes
 * shrinking with the accumulated sum of squared gradients. State: `sum`.
 */
export class Adagrad extends ElementwiseOptimizer<AdagradOptions> {
  protected readonly kind = 'adagrad' as const;
  protected readonly hyperLength = 6;

  constructor(
    params: ParamsInput<AdagradOptions>,
    options: Partial<AdagradOptions> & OptimizerFlags = {},
  ) {
    super('Adagrad', params, options, ADAGRAD_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['sum'];
  }

  protected override initValue(name: string, g: ParamGroup<AdagradOptions>): number {
    return name === 'sum' ? g.initialAccumulatorValue : 0;
  }

  protected hyper(g: ParamGroup<AdagradOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.lrDecay;
    h[2] = g.weightDecay;
    h[3] = g.eps;
    h[4] = +g.maximize;
    h[5] = step;
  }
}
