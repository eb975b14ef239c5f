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

export class Activation extends Layer {
  /** `alpha`/`beta`: the kernel's parameters (see kernels.ts); refused for ops that ignore them. */
  constructor(
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

export class Sigmoid extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Sigmoid', extra, 'no arguments');
    super('sigmoid');
  }
}
export class Tanh extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Tanh', extra, 'no arguments');
    super('tanh');
  }
}
export class ReLU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('ReLU', extra, 'no arguments');
    super('relu');
  }
}
export class LeakyReLU extends Activation {
  constructor(negativeSlope = 0.01, ...extra: never[]) {
    finite('LeakyReLU', 'negativeSlope', negativeSlope);
    noMoreArgs('LeakyReLU', extra, 'one argument (negativeSlope)');
    super('leakyRelu', negativeSlope);
  }
}
export class ELU extends Activation {
  constructor(alpha = 1, ...extra: never[]) {
    finite('ELU', 'alpha', alpha);
    noMoreArgs('ELU', extra, 'one argument (alpha)');
    super('elu', alpha);
  }
}
export class SELU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('SELU', extra, 'no arguments');
    super('selu');
  }
}
export class GELU extends Activation {
  /** `approximate`: 'none' (erf form, default) or 'tanh', as torch.nn.GELU. */
  constructor(approximate: 'none' | 'tanh' = 'none', ...extra: never[]) {
    oneOf('GELU', 'approximate', approximate, ['none', 'tanh']);
    noMoreArgs('GELU', extra, 'one argument (approximate)');
    super(approximate === 'tanh' ? 'geluTanh' : 'gelu');
  }
}
/** SiLU, also called Swish. */
export class SiLU extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('SiLU', extra, 'no arguments');
    super('silu');
  }
}
export { SiLU as Swish };
export class Mish extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Mish', extra, 'no arguments');
    super('mish');
  }
}
export class Softplus extends Activation {
  constructor(beta = 1, threshold = 20, ...extra: never[]) {
    finite('Softplus', 'beta', beta);
    finite('Softplus', 'threshold', threshold);
    if (beta === 0) throw new RangeError('Softplus: beta must be non-zero, got 0');
    noMoreArgs('Softplus', extra, 'two arguments (beta, threshold)');
    super('softplus', beta, threshold);
  }
}
export class Hardsigmoid extends Activation {
  constructor(...extra: never[]) {
    noMoreArgs('Hardsigmoid', extra, 'no arguments');
    super('hardSigmoid');
  }
}
