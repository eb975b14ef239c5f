/**
 * Activation layers for every unary activation kernel (`torch.nn` names and options):
 * y = f(x) forward, dx = dy·f′(x) backward, both one kernel call over the whole batch
 * (autograd's `unary`). Any input shape.
 */
import { unary } from '../autograd/ops/unary.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import type { UnaryOp } from '../backend/kernels.js';
import { type ForwardOptions, Layer } from './layer.js';

export class Activation extends Layer {
  /** `alpha`/`beta`: the kernel's parameters (see kernels.ts). */
  constructor(
    readonly op: UnaryOp,
    private readonly alpha = 0,
    private readonly beta = 0,
  ) {
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
  constructor() {
    super('sigmoid');
  }
}
export class Tanh extends Activation {
  constructor() {
    super('tanh');
  }
}
export class ReLU extends Activation {
  constructor() {
    super('relu');
  }
}
export class LeakyReLU extends Activation {
  constructor(negativeSlope = 0.01) {
    super('leakyRelu', negativeSlope);
    if (!Number.isFinite(negativeSlope))
      throw new RangeError(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
  }
}
export class ELU extends Activation {
  constructor(alpha = 1) {
    super('elu', alpha);
    if (!Number.isFinite(alpha)) throw new RangeError(`ELU: alpha must be finite, got ${alpha}`);
  }
}
export class SELU extends Activation {
  constructor() {
    super('selu');
  }
}
export class GELU extends Activation {
  /** `approximate`: 'none' (erf form, default) or 'tanh', as torch.nn.GELU. */
  constructor(approximate: 'none' | 'tanh' = 'none') {
    super(approximate === 'tanh' ? 'geluTanh' : 'gelu');
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new TypeError(`GELU: approximate must be 'none' or 'tanh', got ${String(approximate)}`);
    }
  }
}
/** SiLU, also called Swish. */
export class SiLU extends Activation {
  constructor() {
    super('silu');
  }
}
export { SiLU as Swish };
export class Mish extends Activation {
  constructor() {
    super('mish');
  }
}
export class Softplus extends Activation {
  constructor(beta = 1, threshold = 20) {
    super('softplus', beta, threshold);
    if (!Number.isFinite(beta) || beta === 0 || !Number.isFinite(threshold)) {
      throw new RangeError(
        `Softplus: beta must be finite and non-zero, threshold finite; got beta ${beta}, threshold ${threshold}`,
      );
    }
  }
}
export class Hardsigmoid extends Activation {
  constructor() {
    super('hardSigmoid');
  }
}
