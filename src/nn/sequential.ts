/**
 * Layers applied in order. The outputs between layers are internal (no caller can reach
 * them), so their buffers go back to the pool when the graph is freed, or at once when
 * nothing recorded them (inference under noGrad).
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';

/**
 * A container that applies its layers in order, each one's output the next one's input
 * (`torch.nn.Sequential`).
 */
export class Sequential extends Layer {
  /** The layers, in application order (a copy of the array given). */
  readonly layers: Layer[];

  constructor(layers: Layer[], name?: string, ...extra: never[]) {
    super(name);
    if (!Array.isArray(layers) || layers.some((l) => !(l instanceof Layer))) {
      throw new TypeError(
        `Sequential: layers must be an array of Layer instances, got ${Array.isArray(layers) ? `[${layers.map(describe).join(', ')}]` : describe(layers)}`,
      );
    }
    noMoreArgs('Sequential', extra, 'two arguments (layers, name)');
    this.layers = [...layers];
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    let s = input;
    for (const l of this.layers) s = l.build(s);
    return s;
  }

  override children(): Layer[] {
    return this.layers;
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    let h = x;
    for (const l of this.layers) {
      const next = l.forward(h, opts) as Tensor;
      if (h !== x && next !== h) {
        if (h._node) h._internal = true;
        else if (!isGradEnabled()) h._release(); // nothing recorded, so nothing saved it
      }
      h = next;
    }
    return h;
  }
}
