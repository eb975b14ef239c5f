/**
 * Layers applied in order. The outputs between layers are internal (no caller can reach
 * them), so their buffers go back to the pool when the graph is freed, or at once when
 * nothing recorded them (inference under noGrad).
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { ReLU } from './activation.js';
import { type ForwardOptions, Layer } from './layer.js';
import { MaxPool2d } from './maxpool2d.js';

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
    for (const l of order(this.layers)) {
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

/**
 * The layers in the order they run: a ReLU followed by a max-pool runs after it instead, which
 * gives the same output and the same gradients (ReLU is monotone, so the window's maximum is
 * the same element either way; a window with no positive value outputs 0 and passes no gradient
 * either way) and applies ReLU, forward and backward, to a quarter of the values of a 2×2
 * pool (the CNN benchmark's ReLUs took ~8% of its step).
 */
function order(layers: readonly Layer[]): readonly Layer[] {
  let out: Layer[] | null = null;
  for (let i = 0; i + 1 < layers.length; i++) {
    if (layers[i].constructor === ReLU && layers[i + 1].constructor === MaxPool2d) {
      out ??= [...layers];
      out[i] = layers[i + 1];
      out[i + 1] = layers[i];
      i++;
    }
  }
  return out ?? layers;
}
