/** Layers applied in order; backward runs them in reverse. */
import { type BackwardOptions, type ForwardOptions, Layer } from './layer.js';
import type { Tensor } from './tensor.js';

export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(layers: Layer[], name?: string) {
    super(name);
    if (!Array.isArray(layers) || layers.some((l) => !(l instanceof Layer))) {
      throw new TypeError('Sequential: layers must be an array of Layer instances');
    }
    this.layers = [...layers];
  }

  protected computeShape(input: readonly number[]): readonly number[] {
    let s = input;
    for (const l of this.layers) s = l.build(s);
    return s;
  }

  override children(): Layer[] {
    return this.layers;
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h, opts);
    return h;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor {
    let g = dy;
    for (let i = this.layers.length - 1; i > 0; i--) g = this.layers[i].backward(g);
    return this.layers.length ? this.layers[0].backward(g, opts) : g;
  }
}
