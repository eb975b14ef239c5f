/**
 * `torch.nn.Flatten(startDim = 1, endDim = −1)`: merges the dims startDim..endDim of the full
 * shape (dim 0 is the batch axis; negative dims count from the end). A view: forward returns
 * the input's data under the new shape and backward dy's data under the input's shape, no
 * copy (tensors here are always contiguous). startDim 0 would merge the batch axis and is
 * refused.
 */

import { flatten } from '../autograd/ops/shape.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';

/**
 * Merges the axes `startDim`..`endDim` into one (`torch.nn.Flatten`); dims count the batch
 * axis as 0, so the default (1, −1) turns [N, C, H, W] into [N, C·H·W]. A view, no copy.
 */
export class Flatten extends Layer {
  constructor(
    /** First axis merged (batch axis = 0, which is refused; negative counts from the end). Default 1. */
    readonly startDim = 1,
    /** Last axis merged, inclusive (negative counts from the end). Default −1. */
    readonly endDim = -1,
    ...extra: never[]
  ) {
    noMoreArgs('Flatten', extra, 'two arguments (startDim, endDim)');
    super();
    for (const [k, v] of [
      ['startDim', startDim],
      ['endDim', endDim],
    ] as const) {
      if (!Number.isSafeInteger(v))
        throw new TypeError(`Flatten: ${k} must be an integer, got ${describe(v)}`);
    }
    // What build refuses for every input, refused now: merging the batch axis, an empty range.
    if (startDim === 0)
      throw new RangeError(
        'Flatten: startDim 0 would merge the batch axis (dim 0); use startDim ≥ 1',
      );
    if (startDim >= 0 === endDim >= 0 && startDim > endDim)
      throw new RangeError(`Flatten: startDim ${startDim} comes after endDim ${endDim}`);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const rank = input.length + 1;
    const norm = (d: number) => (d < 0 ? d + rank : d);
    const s = norm(this.startDim);
    const e = norm(this.endDim);
    const at = `for input [batch, ${input.join(', ')}]`;
    if (s < 0 || s >= rank || e < 0 || e >= rank)
      throw new RangeError(
        `${this.name}: startDim ${this.startDim} / endDim ${this.endDim} out of range ${at}`,
      );
    if (s === 0)
      throw new RangeError(
        `${this.name}: startDim ${this.startDim} would merge the batch axis (dim 0) ${at}; use startDim ≥ 1`,
      );
    if (s > e)
      throw new RangeError(
        `${this.name}: startDim ${this.startDim} comes after endDim ${this.endDim} ${at}`,
      );
    // Per-sample dims are full dims minus one.
    const merged = input.slice(s - 1, e).reduce((a, d) => a * d, 1);
    return [...input.slice(0, s - 1), merged, ...input.slice(e)];
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x);
    const rank = t.shape.length;
    const norm = (d: number) => (d < 0 ? d + rank : d);
    if (norm(this.startDim) === 0)
      throw new RangeError(
        `${this.name}: startDim ${this.startDim} would merge the batch axis (dim 0); use startDim ≥ 1`,
      );
    return flatten(t as Tensor, this.startDim, this.endDim);
  }

  override describe(): string {
    return `Flatten(${this.startDim}, ${this.endDim})`;
  }
}
