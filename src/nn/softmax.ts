/**
 * `torch.nn.Softmax` and `torch.nn.LogSoftmax` as layers over axis `dim` of the whole input
 * (batch axis included, as torch counts it: dim 1 of [N, C] is the classes). `dim` is
 * required: torch's implicit choice is deprecated and picks an axis by rank, which would
 * silently normalise the wrong axis. Autograd's `softmax` / `logSoftmax` (row kernels).
 */
import { logSoftmax, softmax } from '../autograd/ops/softmax.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { shapeStr } from './tensor.js';

abstract class Normalized extends Layer {
  constructor(
    /** Axis normalised over, counting the batch axis as 0 (dim 1 of [N, C] is the classes); negative counts from the end. */
    readonly dim: number,
    private readonly log: boolean,
  ) {
    super();
    const fn = log ? 'LogSoftmax' : 'Softmax';
    if (typeof dim !== 'number' || !Number.isInteger(dim))
      throw new TypeError(
        `${fn}: dim must be an integer (the axis to normalise, counting the batch axis; torch's implicit dim is deprecated), got ${describe(dim)}`,
      );
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const nd = input.length + 1;
    if (this.dim < -nd || this.dim >= nd)
      throw new RangeError(
        `${this.name}: dim ${this.dim} is out of range for input [batch, ${input.join(', ')}] (valid: ${-nd} … ${nd - 1})`,
      );
    return input;
  }

  protected override acceptsShape(): boolean {
    return true;
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    if (this.dim < -t.ndim || this.dim >= t.ndim)
      throw new RangeError(
        `${this.name}.forward: dim ${this.dim} is out of range for input ${shapeStr(t.shape)} (valid: ${-t.ndim} … ${t.ndim - 1})`,
      );
    return this.log ? logSoftmax(t, this.dim) : softmax(t, this.dim);
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    return { dim: this.dim };
  }

  override describe(): string {
    return `${this.log ? 'LogSoftmax' : 'Softmax'}(dim=${this.dim})`;
  }
}

/** Softmax over axis `dim` (`torch.nn.Softmax`; `dim` is required): values in (0, 1) summing to 1 along it. */
export class Softmax extends Normalized {
  constructor(dim: number, ...rest: never[]) {
    super(dim, false);
    noMoreArgs('Softmax', rest, 'one argument (dim)');
  }
}

/** log(softmax(x)) over axis `dim`, computed stably (`torch.nn.LogSoftmax`; `dim` is required). Pairs with NLLLoss. */
export class LogSoftmax extends Normalized {
  constructor(dim: number, ...rest: never[]) {
    super(dim, true);
    noMoreArgs('LogSoftmax', rest, 'one argument (dim)');
  }
}
