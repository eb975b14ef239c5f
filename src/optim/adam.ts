/**
 * Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), `torch.optim.Adam`/`AdamW`
 * semantics: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; v̂max ← max(v̂max, v) with amsgrad;
 * θ ← θ − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε); weight decay added to g (Adam) or applied as
 * θ ← θ(1 − ηλ) (AdamW, or Adam with decoupledWeightDecay).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupledWeightDecay: boolean;
}

const checks: OptionSpec<AdamOptions>['checks'] = {
  lr: nonNegative,
  betas: pair(interval(0, 1)),
  eps: nonNegative,
  weightDecay: nonNegative,
  amsgrad: bool,
  maximize: bool,
  decoupledWeightDecay: bool,
};

export const ADAM_SPEC: OptionSpec<AdamOptions> = {
  defaults: {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    amsgrad: false,
    maximize: false,
    decoupledWeightDecay: false,
  },
  checks,
};

export const ADAMW_SPEC: OptionSpec<AdamOptions> = {
  defaults: { ...ADAM_SPEC.defaults, weightDecay: 1e-2, decoupledWeightDecay: true },
  checks: {
    ...checks,
    decoupledWeightDecay: (fn, name, v) => {
      if (v !== true)
        throw new RangeError(
          `${fn}: ${name} is always true for AdamW (use Adam for coupled weight decay)`,
        );
    },
  },
};

/** Shared by Adam and AdamW (they differ in defaults only). */
abstract class AdamFamily extends ElementwiseOptimizer<AdamOptions> {
  protected readonly kind = 'adam' as const;
  protected readonly hyperLength = 9;

  protected slots(g: ParamGroup<AdamOptions>): (string | null)[] {
    return ['expAvg', 'expAvgSq', g.amsgrad ? 'maxExpAvgSq' : null];
  }

  protected hyper(g: ParamGroup<AdamOptions>, step: number, h: Float64Array): void {
    h[0] = g.lr;
    h[1] = g.betas[0];
    h[2] = g.betas[1];
    h[3] = g.eps;
    h[4] = g.weightDecay;
    h[5] = +g.decoupledWeightDecay;
    h[6] = +g.amsgrad;
    h[7] = +g.maximize;
    h[8] = step;
  }
}

export class Adam extends AdamFamily {
  constructor(
    params: ParamsInput<AdamOptions>,
    options: Partial<AdamOptions> & OptimizerFlags = {},
  ) {
    super('Adam', params, options, ADAM_SPEC);
  }
}

/** AdamW: Adam with decoupled weight decay (default 1e-2), `torch.optim.AdamW`. */
export class AdamW extends AdamFamily {
  constructor(
    params: ParamsInput<AdamOptions>,
    options: Partial<AdamOptions> & OptimizerFlags = {},
  ) {
    super('AdamW', params, options, ADAMW_SPEC);
  }
}
