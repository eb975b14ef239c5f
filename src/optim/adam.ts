/**
 * Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), `torch.optim.Adam`/`AdamW`
 * semantics: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; v̂max ← max(v̂max, v) with amsgrad;
 * θ ← θ − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε); weight decay added to g (Adam) or applied as
 * θ ← θ(1 − ηλ) (AdamW, or Adam with decoupledWeightDecay).
 */

import { ElementwiseOptimizer } from './elementwise.js';
import type { OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import { bool, interval, nonNegative, type OptionSpec, pair } from './options.js';

/** Options of {@link Adam} and {@link AdamW} (they differ only in `weightDecay`'s and `decoupledWeightDecay`'s defaults). */
export interface AdamOptions {
  /** Learning rate η, ≥ 0. Default 0.001. PyTorch: `lr`. */
  lr: number;
  /**
   * Decay rates [β₁, β₂] of the running averages of the gradient and of its square, each in
   * [0, 1). Default [0.9, 0.999]. PyTorch: `betas`.
   */
  betas: [number, number];
  /** Added to the denominator √v̂ for numerical stability, ≥ 0. Default 1e-8. PyTorch: `eps`. */
  eps: number;
  /**
   * Weight decay λ, ≥ 0: L2 penalty added to the gradient (Adam), or decoupled shrinking
   * θ ← θ(1 − ηλ) (AdamW, or Adam with `decoupledWeightDecay`). Default 0 for Adam, 0.01 for
   * AdamW. PyTorch: `weight_decay`.
   */
  weightDecay: number;
  /**
   * Use the AMSGrad variant (Reddi et al. 2018): divide by the running maximum of v, keeping a
   * third state buffer. Default false. PyTorch: `amsgrad`.
   */
  amsgrad: boolean;
  /** Maximize the objective (step along +gradient) instead of minimizing. Default false. PyTorch: `maximize`. */
  maximize: boolean;
  /**
   * Apply weight decay decoupled from the gradient, AdamW-style. Default false for Adam; always
   * true for AdamW (false is refused). PyTorch: `decoupled_weight_decay`.
   */
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

/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), as `torch.optim.Adam`:
 * per-element step sizes from bias-corrected running averages of the gradient and its square.
 * Optional AMSGrad and decoupled (AdamW-style) weight decay. State: `expAvg`, `expAvgSq`
 * (and `maxExpAvgSq` with `amsgrad`).
 *
 * @example
 * ```ts
 * import { optim } from 'descent-ml';
 *
 * // Minimize |w|² from a gradient written by hand (parameters may also be
 * // model.parameters() or leaf tensors that require grad).
 * const w = { data: new Float32Array([3, -2]), grad: new Float32Array(2) };
 * const opt = new optim.Adam([w], { lr: 0.1, betas: [0.9, 0.999] });
 * for (let i = 0; i < 200; i++) {
 *   for (let j = 0; j < w.data.length; j++) w.grad[j] = 2 * w.data[j];
 *   opt.step();
 * }
 * ```
 */
export class Adam extends AdamFamily {
  constructor(
    params: ParamsInput<AdamOptions>,
    options: Partial<AdamOptions> & OptimizerFlags = {},
  ) {
    super('Adam', params, options, ADAM_SPEC);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), as
 * `torch.optim.AdamW`: Adam whose weight decay shrinks the parameters directly
 * (θ ← θ(1 − ηλ)) instead of adding λθ to the gradient. Default `weightDecay` 0.01.
 *
 * @example
 * ```ts
 * import { nn, optim } from 'descent-ml';
 *
 * const model = new nn.Model(
 *   new nn.Sequential([new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)]),
 *   [784],
 *   { seed: 1 },
 * );
 * // No decay on biases: a second parameter group with its own weightDecay.
 * const params = model.parameters();
 * const opt = new optim.AdamW(
 *   [
 *     { params: params.filter((p) => p.shape.length > 1) },
 *     { params: params.filter((p) => p.shape.length <= 1), weightDecay: 0 },
 *   ],
 *   { lr: 1e-3, weightDecay: 0.01 },
 * );
 * ```
 */
export class AdamW extends AdamFamily {
  constructor(
    params: ParamsInput<AdamOptions>,
    options: Partial<AdamOptions> & OptimizerFlags = {},
  ) {
    super('AdamW', params, options, ADAMW_SPEC);
  }
}
