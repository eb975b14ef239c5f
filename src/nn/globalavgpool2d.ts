/**
 * Global average pooling: [N, C, H, W] → [N, C], the mean over each H×W plane (what
 * `torch.nn.AdaptiveAvgPool2d(1)` followed by `flatten(1)` computes). Autograd's
 * `globalAvgPool2d`: the average-pooling kernels with one H×W window per plane (sums in f64
 * on both backends). Any plane size.
 */
import { avgPool2dWith, globalGeometry } from '../autograd/ops/pool.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { chw, GeometryCache, images } from './window2d.js';

/**
 * Global average pooling: [N, C, H, W] → [N, C], the mean of each H×W plane (what
 * `torch.nn.AdaptiveAvgPool2d(1)` followed by `torch.flatten(x, 1)` computes).
 */
export class GlobalAvgPool2d extends Layer {
  private readonly geometry = new GeometryCache((shape) =>
    globalGeometry(`${this.name}.forward`, shape),
  );

  constructor(...extra: never[]) {
    noMoreArgs('GlobalAvgPool2d', extra, 'no arguments');
    super();
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c] = chw(this.name, input);
    globalGeometry(this.name, input);
    return [c];
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = images(fn, x);
    return avgPool2dWith(fn, t, this.geometry.get(t.shape), true, [t.shape[0], t.shape[1]]);
  }

  override describe(): string {
    return 'GlobalAvgPool2d';
  }
}
