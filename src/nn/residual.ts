/**
 * A residual connection (He et al., 2016): y = body(x) + shortcut(x), the shortcut being the
 * identity by default (or e.g. a 1×1 convolution + batch norm when the shapes change). Both
 * branches see the same input and must produce the same shape (RangeError otherwise, naming
 * both). Backward runs both branches on dy and sums their input gradients.
 *
 * Parameters are named by branch: `<path>.0.*` for the body, `<path>.1.*` for the shortcut.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { Scratch, shapeStr, type Tensor } from './tensor.js';

export class Residual extends Layer {
  private out: Tensor | null = null;
  private x: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();

  constructor(
    readonly body: Layer,
    readonly shortcut: Layer | null = null,
  ) {
    super();
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

  protected computeShape(input: readonly number[]): readonly number[] {
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

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const a = this.body.forward(x, opts);
    const b = this.shortcut ? this.shortcut.forward(x, opts) : x;
    if (a.data.length !== b.data.length)
      throw new RangeError(
        `${this.name}.forward: branch outputs ${shapeStr(a.shape)} and ${shapeStr(b.shape)} differ`,
      );
    const y = this.yBuf.get(a.shape);
    getBackend().kernelsFor(y.data.length).binary('add', y.data, a.data, b.data);
    this.x = x;
    this.out = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const a = this.body.backward(dy);
    const b = this.shortcut ? this.shortcut.backward(dy) : dy;
    const dx = this.dxBuf.get(x.shape);
    getBackend().kernelsFor(dx.data.length).binary('add', dx.data, a.data, b.data);
    return dx;
  }

  override describe(): string {
    return `Residual(${this.body.describe()}${this.shortcut ? ` + ${this.shortcut.describe()}` : ' + identity'})`;
  }
}
