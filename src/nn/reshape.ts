/**
 * Reshape each sample to `shape` (the batch axis is kept; one entry may be −1, inferred), like
 * `x.reshape(batch, ...shape)`. A view: no copy forward or backward (tensors here are always
 * contiguous).
 */
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { numel, type Tensor } from './tensor.js';

export class Reshape extends Layer {
  readonly shape: readonly number[];
  private out: Tensor | null = null;
  private inShape: readonly number[] = [];
  private dxView: Tensor | null = null;

  constructor(shape: readonly number[]) {
    super();
    if (
      !Array.isArray(shape) ||
      shape.some((d) => !Number.isSafeInteger(d) || (d <= 0 && d !== -1)) ||
      shape.filter((d) => d === -1).length > 1
    ) {
      throw new TypeError(
        `Reshape: shape must be an array of positive integers with at most one −1, got ${describe(shape)}`,
      );
    }
    this.shape = [...shape];
  }

  protected computeShape(input: readonly number[]): readonly number[] {
    const n = numel(input);
    const known = this.shape.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
    const infer = this.shape.includes(-1);
    if (infer ? n % known !== 0 : n !== known) {
      throw new RangeError(
        `${this.name}: cannot reshape a sample of shape [${input.join(', ')}] (${n} elements) to [${this.shape.join(', ')}]`,
      );
    }
    return this.shape.map((d) => (d === -1 ? n / known : d));
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
    return `Reshape([${this.shape.join(', ')}])`;
  }
}
