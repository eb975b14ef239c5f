/**
 * A residual connection (He et al., 2016): y = body(x) + shortcut(x), the shortcut being the
 * identity by default (or e.g. a 1×1 convolution + batch norm when the shapes change). Both
 * branches see the same input and must produce the same shape (RangeError otherwise, naming
 * both). The tape sums the two branches' input gradients.
 *
 * Parameters are named by branch: `<path>.0.*` for the body, `<path>.1.*` for the shortcut.
 */
import { add } from '../autograd/ops/elementwise.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { shapeStr } from './tensor.js';

/**
 * A residual block (He et al. 2016): y = body(x) + shortcut(x), the shortcut being the identity
 * unless given (e.g. a 1×1 convolution when the shapes change). Both branches must produce
 * the same shape.
 */
export class Residual extends Layer {
  constructor(
    /** The residual branch F(x). */
    readonly body: Layer,
    /** The shortcut branch; null (default) is the identity. */
    readonly shortcut: Layer | null = null,
    ...extra: never[]
  ) {
    super();
    noMoreArgs('Residual', extra, 'two arguments (body, shortcut)');
    if (!(body instanceof Layer))
      throw new TypeError(`Residual: body must be a Layer, got ${describe(body)}`);
    if (shortcut !== null && shortcut !== undefined && !(shortcut instanceof Layer))
      throw new TypeError(
        `Residual: shortcut must be a Layer or null (identity), got ${describe(shortcut)}`,
      );
    if (shortcut === body)
      throw new TypeError('Residual: shortcut must be a different layer instance from body');
    this.shortcut = shortcut ?? null;
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const a = this.body.build(input);
    const b = this.shortcut ? this.shortcut.build(input) : input;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw new RangeError(
        `${this.name}: the body's output shape [batch, ${a.join(', ')}] differs from the shortcut's [batch, ${b.join(', ')}] (input [batch, ${input.join(', ')}])`,
      );
    }
    return a;
  }

  override children(): Layer[] {
    return this.shortcut ? [this.body, this.shortcut] : [this.body];
  }

  forward(x: TensorLike, opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const a = this.body.forward(t, opts) as Tensor;
    const b = this.shortcut ? (this.shortcut.forward(t, opts) as Tensor) : t;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
      throw new RangeError(
        `${this.name}.forward: branch outputs ${shapeStr(a.shape)} and ${shapeStr(b.shape)} differ`,
      );
    return add(a, b);
  }

  override describe(): string {
    return `Residual(${this.body.describe()}${this.shortcut ? ` + ${this.shortcut.describe()}` : ' + identity'})`;
  }
}
