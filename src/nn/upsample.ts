/**
 * Resampling, `torch.nn.Upsample` (NCHW): `size` (one number or [height, width]) or
 * `scaleFactor` (output floor(input·scaleFactor)), mode 'nearest' (default) or 'bilinear'
 * (`alignCorners` as torch, default false), `recomputeScaleFactor` as torch. The source
 * positions are torch's CPU kernels' (see src/autograd/ops/upsample.ts); autograd's
 * `interpolate` runs it as two sparse axis maps, whose backward is the transposed map.
 */
import {
  type InterpolateGeometry,
  type InterpolateOptions,
  type InterpolateSpec,
  interpolateGeometry,
  interpolateSpec,
  interpolateWith,
} from '../autograd/ops/upsample.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { type ForwardOptions, Layer } from './layer.js';
import { chw, GeometryCache, images } from './window2d.js';

/** Options of {@link Upsample}: exactly one of `size` and `scaleFactor`, plus mode and alignment (as `torch.nn.Upsample`). */
export type UpsampleOptions = InterpolateOptions;

/**
 * Resamples NCHW images to a size or by a scale factor (`torch.nn.Upsample`), nearest
 * (default) or bilinear: [N, C, H, W] → [N, C, outH, outW].
 */
export class Upsample extends Layer {
  /** @internal The parsed options: size or scale factor per axis, mode, alignCorners, recompute. */
  readonly spec: InterpolateSpec;
  private readonly geometry = new GeometryCache(
    (shape): InterpolateGeometry => interpolateGeometry(`${this.name}.forward`, shape, this.spec),
  );

  constructor(options: UpsampleOptions) {
    super();
    this.spec = interpolateSpec('Upsample', options);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c] = chw(this.name, input);
    const g = interpolateGeometry(this.name, input, this.spec);
    return [c, g.outH, g.outW];
  }

  /** x [batch, channels, height, width] → [batch, channels, outH, outW]. */
  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = images(fn, x);
    return interpolateWith(fn, t, this.geometry.get(t.shape));
  }

  /** The constructor arguments (checkpoint manifests). */
  config(): Record<string, unknown> {
    const { size, scaleFactor, mode, alignCorners, recompute } = this.spec;
    const o: Record<string, unknown> = { mode };
    if (size) o.size = [...size];
    if (scaleFactor) o.scaleFactor = [...scaleFactor];
    if (mode === 'bilinear') o.alignCorners = alignCorners;
    if (recompute) o.recomputeScaleFactor = true;
    return o;
  }

  override describe(): string {
    const { size, scaleFactor, mode, alignCorners } = this.spec;
    const by = size ? `size ${size.join('×')}` : `scaleFactor ${scaleFactor?.join('×')}`;
    return `Upsample(${by}, ${mode}${alignCorners ? ', alignCorners' : ''})`;
  }
}
