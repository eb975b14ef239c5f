/**
 * Averaged SGD (Polyak & Juditsky, 1992; Bottou, 2012), `torch.optim.ASGD` semantics:
 * θ ← θ(1 − λη) − η·g; ax ← ax + μ(θ − ax); then η ← lr/(1 + λ·lr·t)^α, μ ← 1/max(1, t − t₀)
 * (η and μ per parameter, stored as float32 as PyTorch does).
 */

import type { Run } from './elementwise.js';
import type { GroupState, OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { anyFinite, bool, nonNegative, type OptionSpec } from './options.js';
import { ScalarStateOptimizer } from './scalar-elementwise.js';

/** Options of {@link ASGD}. */
export interface ASGDOptions {
  /** Initial learning rate, ≥ 0. Default 0.01. PyTorch: `lr`. */
  lr: number;
  /** λ, the decay term, ≥ 0. Default 1e-4. PyTorch: `lambd`. */
  lambd: number;
  /** α, the power of the η update, ≥ 0. Default 0.75. PyTorch: `alpha`. */
  alpha: number;
  /** The step at which averaging starts. Default 1e6. PyTorch: `t0`. */
  t0: number;
  /** L2 penalty added to the gradient, ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
}

export const ASGD_SPEC: OptionSpec<ASGDOptions> = {
  defaults: { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false },
  checks: {
    lr: nonNegative,
    lambd: nonNegative,
    alpha: nonNegative,
    t0: anyFinite,
    weightDecay: nonNegative,
    maximize: bool,
  },
};

/**
 * Averaged SGD (Polyak & Juditsky 1992; Bottou 2012), as `torch.optim.ASGD`: SGD with a
 * decaying step size that also keeps a running average `ax` of the iterates (the averaged
 * parameters; it does not replace `data`). State: `ax`, per-parameter scalars `eta`, `mu`.
 */
export class ASGD extends ScalarStateOptimizer<ASGDOptions> {
  protected readonly kind = 'asgd' as const;
  protected readonly hyperLength = 5;

  constructor(
    params: ParamsInput<ASGDOptions>,
    options: Partial<ASGDOptions> & OptimizerFlags = {},
  ) {
    super('ASGD', params, options, ASGD_SPEC);
  }

  protected slots(): (string | null)[] {
    return ['ax'];
  }

  protected override scalarNames(): readonly string[] {
    return ['eta', 'mu'];
  }

  protected hyper(
    g: ParamGroup<ASGDOptions>,
    step: number,
    h: Float64Array,
    st: GroupState,
    run: Run,
  ): void {
    const etas = st.scalar('eta', Math.fround(g.lr));
    const mus = st.scalar('mu', 1);
    // A parameter's first step starts from η = lr, μ = 1 (PyTorch creates them then).
    const first = step === 1;
    const eta = first ? Math.fround(g.lr) : etas[run.start];
    const mu = first ? 1 : mus[run.start];
    h[0] = 1 - g.lambd * eta;
    h[1] = eta;
    h[2] = mu;
    h[3] = g.weightDecay;
    h[4] = +g.maximize;
    // The values for the next step, from this step's count and options.
    const nextEta = Math.fround(g.lr / (1 + g.lambd * g.lr * step) ** g.alpha);
    const nextMu = Math.fround(1 / Math.max(1, step - g.t0));
    for (let i = run.start; i < run.end; i++) {
      etas[i] = nextEta;
      mus[i] = nextMu;
    }
  }
}
