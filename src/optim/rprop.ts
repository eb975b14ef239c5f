/**
 * Rprop (Riedmiller & Braun, 1993), `torch.optim.Rprop` semantics: per-element step sizes Δ
 * (starting at lr) scaled by η⁺ when the gradient keeps its sign, η⁻ when it flips (and that
 * gradient then counts as 0), clamped to stepSizes; θ ← θ − sign(g)·Δ.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { anyFinite, bool, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link Rprop}. */
export interface RpropOptions {
  /** Initial step size, ≥ 0. Default 0.01. PyTorch: `lr`. */
  lr: number;
  /** [η⁻, η⁺], the multiplicative decrease and increase: 0 < η⁻ < 1 < η⁺. Default [0.5, 1.2]. PyTorch: `etas`. */
  etas: [number, number];
  /** [min, max] step size. Default [1e-6, 50]. PyTorch: `step_sizes`. */
  stepSizes: [number, number];
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const RPROP_SPEC: OptionSpec<RpropOptions> = {
  defaults: { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false },
  checks: {
    lr: nonNegative,
    etas: pair(anyFinite),
    stepSizes: pair(anyFinite),
    maximize: bool,
  },
  cross: (fn, o) => {
    const [minus, plus] = o.etas;
    if (!(0 < minus && minus < 1 && 1 < plus)) {
      throw new RangeError(
        `${fn}: invalid etas: must satisfy 0 < etas[0] < 1 < etas[1], got [${minus}, ${plus}]`,
      );
    }
  },
};

/**
 * Rprop (Riedmiller & Braun 1993, "A Direct Adaptive Method for Faster Backpropagation
 * Learning: The RPROP Algorithm"), as `torch.optim.Rprop`: per-element step sizes adapted by
 * the sign of successive gradients (full-batch training). State: `prev`, `stepSize`.
 */
export class Rprop extends ElementwiseOptimizer<RpropOptions> {
  protected readonly kind = 'rprop' as const;
  protected readonly hyperLength = 5;

  constructor(
    params: ParamsInput<RpropOptions>,
    options: Partial<RpropOptions> & OptimizerFlags = {},
  ) {
    super('Rprop', params, options, RPROP_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['prev', 'stepSize'];
  }

  protected override initValue(name: string, g: ParamGroup<RpropOptions>): number {
    return name === 'stepSize' ? g.lr : 0;
  }

  protected hyper(g: ParamGroup<RpropOptions>, _step: number, h: Float64Array): void {
    h[0] = g.etas[0];
    h[1] = g.etas[1];
    h[2] = g.stepSizes[0];
    h[3] = g.stepSizes[1];
    h[4] = +g.maximize;
  }
}
