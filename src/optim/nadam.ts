/**
 * NAdam (Dozat, 2016), `torch.optim.NAdam` semantics: μₜ = β₁(1 − ½·0.96^(tψ)); m, v as Adam;
 * θ ← θ − η(1−μₜ)/(1−Πμ) · g/d − η·μₜ₊₁/(1−Πμ·μₜ₊₁) · m/d with d = √(v/(1−β₂ᵗ)) + ε;
 * weight decay added to g, or θ ← θ(1 − ηλ) with decoupledWeightDecay (NAdamW).
 */

import type { Run } from './elementwise.js';
import type { GroupState, OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';
import { ScalarStateOptimizer } from './scalar-elementwise.js';

/** Options of {@link NAdam}. */
export interface NAdamOptions {
  /** Learning rate η, ≥ 0. Default 0.002. PyTorch: `lr`. */
  lr: number;
  /** [β₁, β₂], each in [0, 1): Adam's moment decay rates. Default [0.9, 0.999]. PyTorch: `betas`. */
  betas: [number, number];
  /** Added to the denominator for numerical stability, ≥ 0. Default 1e-8. PyTorch: `eps`. */
  eps: number;
  /** Weight decay λ, ≥ 0 (L2 on the gradient, or decoupled with `decoupledWeightDecay`). Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** ψ, the momentum schedule's decay, ≥ 0. Default 0.004. PyTorch: `momentum_decay`. */
  momentumDecay: number;
  /** Decoupled weight decay θ ← θ(1 − ηλ) (NAdamW). Default false. PyTorch: `decoupled_weight_decay`. */
  decoupledWeightDecay: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const NADAM_SPEC: OptionSpec<NAdamOptions> = {
  defaults: {
    lr: 2e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    momentumDecay: 4e-3,
    decoupledWeightDecay: false,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    betas: pair(interval(0, 1)),
    eps: nonNegative,
    weightDecay: nonNegative,
    momentumDecay: nonNegative,
    decoupledWeightDecay: bool,
    maximize: bool,
  },
};

/**
 * NAdam (Dozat 2016, "Incorporating Nesterov Momentum into Adam"), as `torch.optim.NAdam`:
 * Adam with Nesterov momentum and a warming momentum schedule μₜ. State: `expAvg`,
 * `expAvgSq`, per-parameter scalar `muProduct`.
 */
export class NAdam extends ScalarStateOptimizer<NAdamOptions> {
  protected readonly kind = 'nadam' as const;
  protected readonly hyperLength = 9;

  constructor(
    params: ParamsInput<NAdamOptions>,
    options: Partial<NAdamOptions> & OptimizerFlags = {},
  ) {
    super('NAdam', params, options, NADAM_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected override scalarNames(): readonly string[] {
    return ['muProduct'];
  }

  protected hyper(
    g: ParamGroup<NAdamOptions>,
    step: number,
    h: Float64Array,
    st: GroupState,
    run: Run,
  ): void {
    const beta1 = g.betas[0];
    const beta2 = g.betas[1];
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * g.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * g.momentumDecay));
    // PyTorch keeps the product in a float32 tensor (mu_product *= mu).
    const prods = st.scalar('muProduct', 1);
    const prod = Math.fround((step === 1 ? 1 : prods[run.start]) * Math.fround(mu));
    for (let i = run.start; i < run.end; i++) prods[i] = prod;
    const decoupled = g.decoupledWeightDecay;
    h[0] = (-g.lr * (1 - mu)) / (1 - prod);
    h[1] = (-g.lr * muNext) / (1 - prod * muNext);
    h[2] = beta1;
    h[3] = beta2;
    h[4] = 1 - beta2 ** step;
    h[5] = g.eps;
    h[6] = decoupled ? 0 : g.weightDecay;
    h[7] = decoupled && g.weightDecay !== 0 ? 1 - g.lr * g.weightDecay : 1;
    h[8] = +g.maximize;
  }
}
