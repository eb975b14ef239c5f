/**
 * Shared pieces of the 2-D window layers (Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d): the
 * argument parsing and geometry of their autograd ops (src/autograd/ops/window.ts), the
 * per-sample NCHW shape check of `build`, the batch input check of `forward` (any spatial
 * size), and a geometry cache keyed by the input's plane size.
 */
import { asTensor } from '../autograd/ops/util.js';
import type { Tensor } from '../autograd/tensor.js';
import { shapeStr } from './tensor.js';

export {
  checkPoolPadding,
  flag,
  type Pair,
  pair,
  poolOut,
} from '../autograd/ops/window.js';

/** Checks a per-sample input shape [channels, height, width] (and the channel count). */
export function chw(
  layer: string,
  input: readonly number[],
  channels?: number,
): [number, number, number] {
  if (input.length !== 3) {
    throw new RangeError(
      `${layer}: expected input of shape [channels, height, width] (NCHW without the batch axis), got ${shapeStr(input)}`,
    );
  }
  if (channels !== undefined && input[0] !== channels) {
    throw new RangeError(
      `${layer}: expected ${channels} input channels, got ${input[0]} (input shape ${shapeStr(input)})`,
    );
  }
  return [input[0], input[1], input[2]];
}

/**
 * `x` as a float32 batch of images [batch, channels, height, width] for `fn` (channels fixed
 * when given); any height and width, which the op then checks against its window.
 */
export function images(fn: string, x: unknown, channels?: number): Tensor {
  const t = asTensor(fn, 'input', x, 'float32');
  if (t.ndim !== 4 || (channels !== undefined && t.shape[1] !== channels))
    throw new RangeError(
      `${fn}: expected input of shape [batch, ${channels ?? 'channels'}, height, width], got ${shapeStr(t.shape)}`,
    );
  return t;
}

/**
 * The last geometry computed, by plane size: a layer called on one image size (the usual
 * case) resolves its window once. Pure memoisation; nothing of a call is kept.
 */
export class GeometryCache<G> {
  private h = -1;
  private w = -1;
  private value: G | null = null;

  constructor(private readonly make: (shape: readonly number[]) => G) {}

  get(shape: readonly number[]): G {
    const h = shape[shape.length - 2];
    const w = shape[shape.length - 1];
    if (this.value === null || h !== this.h || w !== this.w) {
      this.value = this.make(shape);
      this.h = h;
      this.w = w;
    }
    return this.value;
  }
}
