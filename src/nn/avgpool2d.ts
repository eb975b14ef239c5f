/**
 * 2-D average pooling, `torch.nn.AvgPool2d` (NCHW): stride defaults to the kernel size,
 * zero padding at most half the kernel, ceil mode as in MaxPool2d. The divisor is torch's:
 * with `countIncludePad` (default) the window size clipped at the padded input — so padding
 * counts but the extra positions of a ceil-mode window past the padding do not — else the
 * number of input positions in the window. Autograd's `avgPool2d`: one kernel call each way
 * over all N·C planes. Any image size the window fits is accepted.
 */
import { avgPool2dWith } from '../autograd/ops/pool.js';
import { poolGeometry } from '../autograd/ops/window.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { checkLayerOptions } from './conv-common.js';
import { type ForwardOptions, Layer } from './layer.js';
import { checkPoolPadding, chw, flag, GeometryCache, images, type Pair, pair } from './window2d.js';

/** Options of {@link AvgPool2d}. */
export interface AvgPool2dOptions {
  /** Window step, [height, width] or one number. Default: the kernel size. PyTorch: `stride`. */
  stride?: Pair;
  /** Implicit zero padding on each side, [height, width] or one number; at most half the kernel. Default 0. PyTorch: `padding`. */
  padding?: Pair;
  /** Use ceil instead of floor for the output size (a last partial window when it starts inside the input). Default false. PyTorch: `ceil_mode`. */
  ceilMode?: boolean;
  /** Whether the zero padding counts in the divisor (default true, as torch). PyTorch: `count_include_pad`. */
  countIncludePad?: boolean;
}

/**
 * 2-D average pooling over NCHW images (`torch.nn.AvgPool2d`): [N, C, H, W] → [N, C, Ho, Wo]
 * with Ho = ⌊(H + 2·padding − kernel) / stride⌋ + 1 (⌈⌉ in ceil mode).
 */
export class AvgPool2d extends Layer {
  /** Window size [height, width]. */
  readonly kernelSize: readonly [number, number];
  /** Window step [height, width]. */
  readonly stride: readonly [number, number];
  /** Zero padding on each side [height, width]. */
  readonly padding: readonly [number, number];
  /** Whether the output size rounds up (a last partial window). */
  readonly ceilMode: boolean;
  /** Whether the zero padding counts in each window's divisor. */
  readonly countIncludePad: boolean;
  private readonly geometry = new GeometryCache((shape) =>
    this.geometryOf(`${this.name}.forward`, shape),
  );

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    const L = 'AvgPool2d';
    checkLayerOptions(L, options, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? kernelSize, 1);
    this.padding = pair(L, 'padding', options.padding ?? 0, 0);
    this.ceilMode = flag(L, 'ceilMode', options.ceilMode, false);
    this.countIncludePad = flag(L, 'countIncludePad', options.countIncludePad, true);
    checkPoolPadding(L, this.kernelSize, this.padding);
  }

  private geometryOf(fn: string, shape: readonly number[]) {
    return poolGeometry(fn, shape, this.kernelSize, this.stride, this.padding, null, this.ceilMode);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c] = chw(this.name, input);
    const g = this.geometryOf(this.name, input);
    return [c, g.outH, g.outW];
  }

  /** x [batch, channels, height, width] → [batch, channels, Ho, Wo]. */
  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = images(fn, x);
    return avgPool2dWith(fn, t, this.geometry.get(t.shape), this.countIncludePad);
  }

  override describe(): string {
    const s = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : p.join('×'));
    const parts = [`${this.kernelSize.join('×')}`];
    if (this.stride[0] !== this.kernelSize[0] || this.stride[1] !== this.kernelSize[1])
      parts.push(`stride ${s(this.stride)}`);
    if (this.padding[0] || this.padding[1]) parts.push(`padding ${s(this.padding)}`);
    if (this.ceilMode) parts.push('ceil');
    if (!this.countIncludePad) parts.push('countIncludePad false');
    return `AvgPool2d(${parts.join(', ')})`;
  }
}
