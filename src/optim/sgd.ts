/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
 * `torch.optim.SGD` semantics: g ← ±∇ + λθ; b ← μb + (1−τ)g (b ← g at first);
 * g ← g + μb (Nesterov) or b; θ ← θ − ηg. Full-batch, mini-batch and per-sample gradient
 * descent are this one optimizer fed different batches.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { GroupState, OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export const SGD_SPEC: OptionSpec<SGDOptions> = {
  defaults: {
    lr: 1e-3,
    momentum: 0,
    dampening: 0,
    weightDecay: 0,
    nesterov: false,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    momentum: nonNegative,
    dampening: (fn, name, v) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`${fn}: option ${name} must be a finite number`);
    },
    weightDecay: nonNegative,
    nesterov: bool,
    maximize: bool,
  },
  cross: (fn, o) => {
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(
        `${fn}: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`,
      );
    }
  },
};

export class SGD extends ElementwiseOptimizer<SGDOptions> {
  protected readonly kind = 'sgd' as const;
  protected readonly hyperLength = 7;

  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & OptimizerFlags = {}) {
    super('SGD', params, options, SGD_SPEC);
  }

  protected slots(g: ParamGroup<SGDOptions>): (string | null)[] {
    return [g.momentum !== 0 ? 'momentumBuffer' : null];
  }

  protected hyper(g: ParamGroup<SGDOptions>, step: number, h: Float64Array, st: GroupState): void {
    // PyTorch initialises the momentum buffer to the first gradient it sees.
    const first = step === 1 || st.fresh.has('momentumBuffer');
    h[0] = g.lr;
    h[1] = g.momentum;
    h[2] = g.dampening;
    h[3] = g.weightDecay;
    h[4] = +g.nesterov;
    h[5] = +g.maximize;
    h[6] = +first;
  }
}
