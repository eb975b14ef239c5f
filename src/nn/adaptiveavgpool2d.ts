/**
 * Adaptive average pooling, `torch.nn.AdaptiveAvgPool2d` (NCHW): any input plane to a fixed
 * output size (one number, or [height, width] where null keeps the input's), output row i
 * averaging input rows floor(i·H/oh) … ceil((i + 1)·H/oh) − 1, and likewise columns (torch's
 * windows, which may overlap and differ in size). Autograd's `adaptiveAvgPool2d`: the
 * average-pooling kernels when the sizes divide, else two sparse axis maps
 * (src/autograd/ops/pool-adaptive.ts).
 */
import {
  type AdaptiveGeometry,
  type AdaptiveSize,
  adaptiveAvgPool2dWith,
  adaptiveGeometry,
  adaptiveSize,
} from '../autograd/ops/pool-adaptive.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { chw, GeometryCache, images } from './window2d.js';

/**
 * Adaptive 2-D average pooling to a fixed output size whatever the input size
 * (`torch.nn.AdaptiveAvgPool2d`, NCHW): [N, C, H, W] → [N, C, oh, ow].
 */
export class AdaptiveAvgPool2d extends Layer {
  /** [height, width]; null keeps the input's. */
  readonly outputSize: readonly [number | null, number | null];
  private readonly geometry = new GeometryCache(
    (shape): AdaptiveGeometry => adaptiveGeometry(`${this.name}.forward`, shape, this.outputSize),
  );

  constructor(outputSize: AdaptiveSize, ...rest: never[]) {
    super();
    const L = 'AdaptiveAvgPool2d';
    noMoreArgs(L, rest, 'one argument (outputSize)');
    this.outputSize = adaptiveSize(L, 'outputSize', outputSize);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c, h, w] = chw(this.name, input);
    adaptiveGeometry(this.name, input, this.outputSize);
    return [c, this.outputSize[0] ?? h, this.outputSize[1] ?? w];
  }

  /** x [batch, channels, height, width] → [batch, channels, oh, ow]. */
  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = images(fn, x);
    return adaptiveAvgPool2dWith(fn, t, this.geometry.get(t.shape));
  }

  /** The constructor arguments (checkpoint manifests). */
  config(): Record<string, unknown> {
    return { outputSize: [...this.outputSize] };
  }

  override describe(): string {
    const [h, w] = this.outputSize.map((d) => d ?? 'same');
    return `AdaptiveAvgPool2d(${h === w ? h : `${h}×${w}`})`;
  }
}
