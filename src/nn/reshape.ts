/**
 * Reshape each sample to `shape` (the batch axis is kept; one entry may be −1, inferred), like
 * `x.reshape(batch, ...shape)`. A view: no copy forward or backward (tensors here are always
 * contiguous).
 */

import { reshape } from '../autograd/ops/shape.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { numel } from './tensor.js';

/**
 * Reshapes each sample to `shape`, keeping the batch axis (`x.reshape(batch, ...shape)`; one
 * entry may be −1, inferred). A view, no copy.
 */
export class Reshape extends Layer {
  /** Target per-sample shape as given (−1 marks the inferred axis). */
  readonly shape: readonly number[];

  constructor(shape: readonly number[], ...extra: never[]) {
    super();
    noMoreArgs('Reshape', extra, 'one argument (shape)');
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d)))
      throw new TypeError(`Reshape: shape must be an array of integers, got ${describe(shape)}`);
    if (shape.some((d) => d <= 0 && d !== -1) || shape.filter((d) => d === -1).length > 1) {
      throw new RangeError(
        `Reshape: shape must be an array of positive integers with at most one −1, got ${describe(shape)}`,
      );
    }
    this.shape = [...shape];
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
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

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x);
    return reshape(t as Tensor, [t.shape[0], ...this.computeShape(t.shape.slice(1))]);
  }

  override describe(): string {
    return `Reshape([${this.shape.join(', ')}])`;
  }
}
