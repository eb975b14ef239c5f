/**
 * Activation layers for every unary activation kernel (`torch.nn` names and options):
 * y = f(x) forward, dx = dy·f′(x) backward, both one kernel call over the whole batch
 * (autograd's `unary`). Any input shape.
 */
import { checkUnary, unary } from '../autograd/ops/unary.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import type { UnaryOp } from '../backend/kernels.js';
import { finite, noMoreArgs, oneOf } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';

/**
 * An element-wise activation layer over any unary kernel op; the named subclasses below
 * (`nn.ReLU`, `nn.GELU`, …) are the `torch.nn` activations. Any input shape; the output has
 * the input's shape.
 */
export class Activation extends Layer {
  /** `alpha`/`beta`: the kernel's parameters (see kernels.ts); refused for ops that ignore them. */
  constructor(
    /** The unary kernel op this layer applies (`'relu'`, `'gelu'`, `'softplus'`, …). */
    readonly op: UnaryOp,
    private readonly alpha = 0,
    private readonly beta = 0,
    ...extra: never[]
  ) {
    const fn = new.target.name;
    checkUnary(fn, op, alpha, beta);
    noMoreArgs(fn, extra, 'an op and at most two parameters (alpha, beta)');
    super();
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    return input;
  }

  protected override acceptsShape(): boolean {
    return true;
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    return unary(this.op, this.checkInput(x) as Tensor, this.alpha, this.beta);
  }

  override describe(): string {
    return this.constructor.name;
  }
}

/** Logistic sigmoid, y = 1 / (1 + e^−x) (`torch.nn.Sigmoid`). */
export class Sigmoid extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Sigmoid', extra, 'no arguments');
    super('sigmoid');
  }
}
/** Hyperbolic tangent, y = tanh(x) (`torch.nn.Tanh`). */
export class Tanh extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Tanh', extra, 'no arguments');
    super('tanh');
  }
}
/** Rectified linear unit, y = max(0, x) (`torch.nn.ReLU`). */
export class ReLU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('ReLU', extra, 'no arguments');
    super('relu');
  }
}
/** y = x for x ≥ 0, `negativeSlope`·x otherwise; `negativeSlope` defaults to 0.01 (`torch.nn.LeakyReLU`). */
export class LeakyReLU extends Activation {
  constructor(negativeSlope = 0.01, ...extra: never[]) {
    finite('LeakyReLU', 'negativeSlope', negativeSlope);
    noMoreArgs('LeakyReLU', extra, 'one argument (negativeSlope)');
    super('leakyRelu', negativeSlope);
  }
}
/** Exponential linear unit, y = x for x > 0, α(eˣ − 1) otherwise; α defaults to 1 (`torch.nn.ELU`, Clevert et al. 2015). */
export class ELU extends Activation {
  constructor(alpha = 1, ...extra: never[]) {
    finite('ELU', 'alpha', alpha);
    noMoreArgs('ELU', extra, 'one argument (alpha)');
    super('elu', alpha);
  }
}
/** Scaled ELU with the fixed self-normalising constants (`torch.nn.SELU`, Klambauer et al. 2017). */
export class SELU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('SELU', extra, 'no arguments');
    super('selu');
  }
}
/** Gaussian error linear unit, y = x·Φ(x), exact (erf) or tanh approximation (`torch.nn.GELU`, Hendrycks & Gimpel 2016). */
export class GELU extends Activation {
  /** `approximate`: 'none' (erf form, default) or 'tanh', as torch.nn.GELU. */
  constructor(approximate: 'none' | 'tanh' = 'none', ...extra: never[]) {
    oneOf('GELU', 'approximate', approximate, ['none', 'tanh']);
    noMoreArgs('GELU', extra, 'one argument (approximate)');
    super(approximate === 'tanh' ? 'geluTanh' : 'gelu');
  }
}
/** Sigmoid linear unit, y = x·σ(x), also called Swish (`torch.nn.SiLU`, exported too as `Swish`). */
export class SiLU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('SiLU', extra, 'no arguments');
    super('silu');
  }
}
export { SiLU as Swish };
/** y = x·tanh(softplus(x)) (`torch.nn.Mish`, Misra 2019). */
export class Mish extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Mish', extra, 'no arguments');
    super('mish');
  }
}
/** y = log(1 + e^(βx)) / β, linear where βx > `threshold`; β = 1 and threshold = 20 by default (`torch.nn.Softplus`). */
export class Softplus extends Activation {
  constructor(beta = 1, threshold = 20, ...extra: never[]) {
    finite('Softplus', 'beta', beta);
    finite('Softplus', 'threshold', threshold);
    if (beta === 0) throw new RangeError('Softplus: beta must be non-zero, got 0');
    noMoreArgs('Softplus', extra, 'two arguments (beta, threshold)');
    super('softplus', beta, threshold);
  }
}
/** Piecewise-linear sigmoid, y = clamp(x/6 + 1/2, 0, 1) (`torch.nn.Hardsigmoid`). */
export class Hardsigmoid extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Hardsigmoid', extra, 'no arguments');
    super('hardSigmoid');
  }
}
