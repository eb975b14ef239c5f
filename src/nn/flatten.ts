/**
 * `torch.nn.Flatten(startDim = 1, endDim = −1)`: merges the dims startDim..endDim of the full
 * shape (dim 0 is the batch axis; negative dims count from the end). A view: forward returns
 * the input's data under the new shape and backward dy's data under the input's shape, no
 * copy (tensors here are always contiguous). startDim 0 would merge the batch axis and is
 * refused.
 */
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import type { Tensor } from './tensor.js';

export class Flatten extends Layer {
  private out: Tensor | null = null;
  private inShape: readonly number[] = [];
  private dxView: Tensor | null = null;

  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    for (const [k, v] of [
      ['startDim', startDim],
      ['endDim', endDim],
    ] as const) {
      if (!Number.isSafeInteger(v))
        throw new TypeError(`Flatten: ${k} must be an integer, got ${describe(v)}`);
    }
  }

  protected computeShape(input: readonly number[]): readonly number[] {
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

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    this.inShape = x.shape;
    const o = this.out;
    const y =
      o && o.data === x.data && o.shape[0] === x.shape[0]
        ? o
        : { data: x.data, shape: [x.shape[0], ...this.outputShape] };
    this.out = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const v = this.dxView;
    if (v && v.data === dy.data && v.shape === this.inShape) return v;
    this.dxView = { data: dy.data, shape: this.inShape };
    return this.dxView;
  }

  override describe(): string {
    return `Flatten(${this.startDim}, ${this.endDim})`;
  }
}
