/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
 * `torch.optim.SGD` semantics: g ← ±∇ + λθ; b ← μb + (1−τ)g (b ← g at first);
 * g ← g + μb (Nesterov) or b; θ ← θ − ηg. Full-batch, mini-batch and per-sample gradient
 * descent are this one optimizer fed different batches.
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { GroupState, OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, nonNegative, type OptionSpec } from './options.js';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate η, ≥ 0. Default 0.001. PyTorch: `lr`. */
  lr: number;
  /** Momentum factor μ, ≥ 0 (0: plain SGD, no momentum buffer). Default 0. PyTorch: `momentum`. */
  momentum: number;
  /**
   * Dampening τ of the momentum: the gradient enters the buffer scaled by (1 − τ) (not on the
   * first step). Any finite number; must be 0 with `nesterov`. Default 0. PyTorch: `dampening`.
   */
  dampening: number;
  /** L2 penalty λ added to the gradient (g + λθ), ≥ 0. Default 0. PyTorch: `weight_decay`. */
  weightDecay: number;
  /**
   * Nesterov momentum (Sutskever et al. 2013): step along g + μb instead of b. Needs
   * `momentum` > 0 and `dampening` 0. Default false. PyTorch: `nesterov`.
   */
  nesterov: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
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

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight
 * decay, as `torch.optim.SGD` (Nesterov form from Sutskever et al. 2013). State:
 * `momentumBuffer` when `momentum` > 0.
 *
 * @example
 * ```ts
 * import { optim } from 'descent-ml';
 *
 * // Least squares y ≈ a·x: the closure computes the loss and writes the gradient.
 * const xs = [1, 2, 3, 4];
 * const ys = [2.1, 3.9, 6.2, 7.8];
 * const a = { data: new Float32Array([0]), grad: new Float32Array(1) };
 * const opt = new optim.SGD([a], { lr: 0.01, momentum: 0.9, nesterov: true });
 * for (let i = 0; i < 100; i++) {
 *   opt.step(() => {
 *     let loss = 0;
 *     a.grad[0] = 0;
 *     xs.forEach((x, k) => {
 *       const r = a.data[0] * x - ys[k];
 *       loss += r * r;
 *       a.grad[0] += 2 * r * x;
 *     });
 *     return loss;
 *   });
 * }
 * ```
 */
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
