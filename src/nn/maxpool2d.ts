/**
 * 2-D max pooling, `torch.nn.MaxPool2d` (NCHW): stride defaults to the kernel size, padding
 * (at most half the kernel, as torch requires) is never selected, dilation spreads the window,
 * ceil mode adds a last partial window when it starts inside the (left-padded) input. Each
 * call's node saves its windows' argmax (torch's rule: the first maximum in row-major scan
 * order wins, a NaN propagates) and backward scatters dy to it: autograd's `maxPool2d`, one
 * kernel call each way over all N·C planes. Any image size the window fits is accepted.
 */
import { maxPool2dWith } from '../autograd/ops/pool.js';
import { poolGeometry } from '../autograd/ops/window.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { checkLayerOptions } from './conv-common.js';
import { type ForwardOptions, Layer } from './layer.js';
import { checkPoolPadding, chw, flag, GeometryCache, images, type Pair, pair } from './window2d.js';

/** Options of {@link MaxPool2d}. */
export interface MaxPool2dOptions {
  /** Window step, [height, width] or one number. Default: the kernel size. PyTorch: `stride`. */
  stride?: Pair;
  /** Implicit padding (never selected) on each side, [height, width] or one number; at most half the kernel. Default 0. PyTorch: `padding`. */
  padding?: Pair;
  /** Spacing between window elements, [height, width] or one number. Default 1. PyTorch: `dilation`. */
  dilation?: Pair;
  /** Use ceil instead of floor for the output size (a last partial window when it starts inside the input). Default false. PyTorch: `ceil_mode`. */
  ceilMode?: boolean;
}

/**
 * 2-D max pooling over NCHW images (`torch.nn.MaxPool2d`): [N, C, H, W] → [N, C, Ho, Wo] with
 * Ho = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (⌈⌉ in ceil mode). The
 * gradient goes to the first maximum of each window, as in PyTorch.
 */
export class MaxPool2d extends Layer {
  /** Window size [height, width]. */
  readonly kernelSize: readonly [number, number];
  /** Window step [height, width]. */
  readonly stride: readonly [number, number];
  /** Padding on each side [height, width]; padded positions are never selected. */
  readonly padding: readonly [number, number];
  /** Spacing between window elements [height, width]. */
  readonly dilation: readonly [number, number];
  /** Whether the output size rounds up (a last partial window). */
  readonly ceilMode: boolean;
  private readonly geometry = new GeometryCache((shape) =>
    this.geometryOf(`${this.name}.forward`, shape),
  );

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super();
    const L = 'MaxPool2d';
    checkLayerOptions(L, options, ['stride', 'padding', 'dilation', 'ceilMode']);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? kernelSize, 1);
    this.padding = pair(L, 'padding', options.padding ?? 0, 0);
    this.dilation = pair(L, 'dilation', options.dilation ?? 1, 1);
    this.ceilMode = flag(L, 'ceilMode', options.ceilMode, false);
    checkPoolPadding(L, this.kernelSize, this.padding, this.dilation);
  }

  private geometryOf(fn: string, shape: readonly number[]) {
    const { kernelSize: k, stride: s, padding: p, dilation: d } = this;
    return poolGeometry(fn, shape, k, s, p, d, this.ceilMode);
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
    return maxPool2dWith(fn, t, this.geometry.get(t.shape));
  }

  /** @internal The pooling geometry over inputs of `shape` [batch, channels, height, width] (cached). */
  windowOf(shape: readonly number[]) {
    return this.geometry.get(shape);
  }

  override describe(): string {
    const s = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : p.join('×'));
    const parts = [`${this.kernelSize.join('×')}`];
    if (this.stride[0] !== this.kernelSize[0] || this.stride[1] !== this.kernelSize[1])
      parts.push(`stride ${s(this.stride)}`);
    if (this.padding[0] || this.padding[1]) parts.push(`padding ${s(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1)
      parts.push(`dilation ${s(this.dilation)}`);
    if (this.ceilMode) parts.push('ceil');
    return `MaxPool2d(${parts.join(', ')})`;
  }
}
