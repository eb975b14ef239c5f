/**
 * Layers applied in order. The outputs between layers are internal (no caller can reach
 * them), so their buffers go back to the pool when the graph is freed, or at once when
 * nothing recorded them (inference under noGrad).
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { ReLU } from './activation.js';
import { Conv2d } from './conv2d.js';
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
    const advance = (next: Tensor) => {
      if (h !== x && next !== h) {
        if (h._node) h._internal = true;
        else if (!isGradEnabled()) h._release(); // nothing recorded, so nothing saved it
      }
      h = next;
    };
    for (const step of plan(this.layers)) {
      if (step instanceof Layer) {
        advance(step.forward(h, opts) as Tensor);
        continue;
      }
      const fused = step.conv.forwardPooled(h, step.pool, step.relu);
      if (fused) advance(fused);
      else for (const l of step.layers) advance(l.forward(h, opts) as Tensor);
    }
    return h;
  }
}

/** Conv2d → MaxPool2d (→ ReLU) run as one fused op where the backend has it. */
interface ConvPool {
  conv: Conv2d;
  pool: MaxPool2d;
  relu: boolean;
  /** The layers in an order that gives the same result, for when the fused op does not apply. */
  layers: Layer[];
}

const is = (l: Layer | undefined, c: abstract new (...a: never[]) => Layer): boolean =>
  l?.constructor === c;

/**
 * The layers in the order they run, as layers or fused steps. Every change gives the same
 * output and the same gradients:
 * - a ReLU followed by a max-pool runs after it instead (ReLU is monotone, so the window's
 *   maximum is the same element either way; a window with no positive value outputs 0 and
 *   passes no gradient either way), which applies ReLU, forward and backward, to a quarter of
 *   the values of a 2×2 pool (the CNN benchmark's ReLUs took ~8% of its step);
 * - a Conv2d followed by a max-pool, and a ReLU after either, is one op whose kernel pools
 *   each image's convolution output while it is in cache (see autograd/ops/conv-pool.ts).
 */
function plan(layers: readonly Layer[]): readonly (Layer | ConvPool)[] {
  const out: (Layer | ConvPool)[] = [];
  for (let i = 0; i < layers.length; i++) {
    const [a, b, c] = [layers[i], layers[i + 1], layers[i + 2]];
    if (is(a, Conv2d) && (is(b, MaxPool2d) || (is(b, ReLU) && is(c, MaxPool2d)))) {
      const pool = (is(b, MaxPool2d) ? b : c) as MaxPool2d;
      const relu = is(b, ReLU) || is(c, ReLU);
      const steps = relu ? [a, pool, is(b, ReLU) ? b : c] : [a, pool];
      out.push({ conv: a as Conv2d, pool, relu, layers: steps });
      i += steps.length - 1;
    } else if (is(a, ReLU) && is(b, MaxPool2d)) {
      out.push(b, a);
      i++;
    } else out.push(a);
  }
  return out;
}
