/**
 * 2-D convolution, `torch.nn.Conv2d` (NCHW, groups, padding modes): weight
 * [out, in/groups, kh, kw], bias [out]; default init weight, bias ~ U(−1/√fan_in, 1/√fan_in)
 * with fan_in = (in/groups)·kh·kw (PyTorch's kaiming_uniform with a = √5, and its bias rule).
 * `groups` splits the channels into independent convolutions (depthwise: groups = in).
 * `padding: 'same'` pads dilation·(k − 1) in total per axis, the odd element at the
 * bottom/right as torch does, and needs stride 1; `'valid'` is padding 0. `paddingMode`
 * 'reflect', 'replicate' or 'circular' pads with the `pad` op first and convolves without
 * padding, as torch does. Any image size the window fits is accepted (the geometry is resolved
 * per input size); the computation is autograd's `conv2d` (src/autograd/ops/conv.ts), so the
 * layer keeps nothing between calls.
 *
 * Lowering, one image at a time: forward im2col(x_b) → cols [in·kh·kw, Ho·Wo], y_b = W·cols
 * (one GEMM straight into the NCHW output), then one biasAdd over the batch (inner = Ho·Wo).
 * Backward per image: im2col again, dW += dy_b·colsᵀ, cols = Wᵀ·dy_b, dx_b = col2im(cols);
 * db += biasGrad(dy). A 1×1 kernel with stride 1 and no padding skips im2col/col2im (the
 * columns are the image itself).
 *
 * Why per image rather than one im2col of the whole batch into [in·kh·kw, N·Ho·Wo] and one
 * GEMM per product: the batched form needs [out, N, HW] ↔ [N, out, HW] permutations of the
 * output and of dy, and its column matrix (N times larger: 58 MB for the case below) falls out
 * of cache. Measured on Conv2d(32→64, 3×3, pad 1), batch [64, 32, 28, 28], forward + backward,
 * Rust kernels + the gemm crate, AVX-512 (crates/kernels/tests/conv.rs,
 * `measure_batched_vs_per_image_lowering`, medians of 15): per image 59 ms (94 GFLOPS) vs
 * batched 102 ms (54 GFLOPS) on 2 threads, 78 vs 115 ms on 1. On the JS backend the two were
 * within run-to-run noise (per image vs batched, N = 64: 5.1 vs 3.9 s, 2.4 vs 2.9 s, 3.2 vs
 * 2.9 s on a shared machine), so the memory saving decides there too. The column buffer holds
 * one image (from the tape's buffer pool).
 */
import { conv2dWith } from '../autograd/ops/conv.js';
import { conv2dPoolWith } from '../autograd/ops/conv-pool.js';
import { type ConvGeometry, convGeometry, convPadding, groupsOf } from '../autograd/ops/window.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import {
  channels,
  checkInits,
  checkLayerOptions,
  checkModePads,
  defaultBound,
  modePad,
  type PaddingMode,
  paddingModeOf,
  pairStr,
  sidePads,
} from './conv-common.js';
import type { Init } from './init.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import type { MaxPool2d } from './maxpool2d.js';
import { chw, flag, GeometryCache, images, type Pair, pair } from './window2d.js';

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  /** Step of the window, [height, width] or one number. Default 1. PyTorch: `stride`. */
  stride?: Pair;
  /** Padding per side ([height, width] or one number), or 'same' (output size = input size, stride 1) or 'valid' (0). Default 0. PyTorch: `padding`. */
  padding?: Pair | 'same' | 'valid';
  /** Spacing between kernel taps, [height, width] or one number. Default 1. PyTorch: `dilation`. */
  dilation?: Pair;
  /** Channel groups (default 1): divides inChannels and outChannels; weight [out, in/groups, kh, kw]. PyTorch: `groups`. */
  groups?: number;
  /** How the padding is filled: 'zeros' (default), 'reflect', 'replicate' or 'circular'. PyTorch: `padding_mode`. */
  paddingMode?: PaddingMode;
  /** Whether the layer adds a learnable bias per output channel. Default true. PyTorch: `bias`. */
  bias?: boolean;
  /** Initialiser of the weight. Default U(−1/√fan_in, 1/√fan_in), PyTorch's default (kaiming_uniform with a = √5). */
  weightInit?: Init;
  /** Initialiser of the bias (refused with `bias: false`). Default U(−1/√fan_in, 1/√fan_in), as PyTorch. */
  biasInit?: Init;
}

const KEYS = [
  'stride',
  'padding',
  'dilation',
  'groups',
  'paddingMode',
  'bias',
  'weightInit',
  'biasInit',
] as const;

/**
 * 2-D convolution over NCHW images (`torch.nn.Conv2d`): weight [out, in/groups, kh, kw], bias
 * [out]; [N, in, H, W] → [N, out, Ho, Wo] with
 * Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1. Any image size the kernel fits.
 */
export class Conv2d extends Layer {
  /** Kernel size [height, width]. */
  readonly kernelSize: readonly [number, number];
  /** Step of the window [height, width]. */
  readonly stride: readonly [number, number];
  /** Spacing between kernel taps [height, width]. */
  readonly dilation: readonly [number, number];
  /** Padding per side [height, width], or 'same' / 'valid' as given. */
  readonly padding: readonly [number, number] | 'same' | 'valid';
  /** Number of channel groups. */
  readonly groups: number;
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;
  /** Whether the layer has a bias. */
  readonly bias: boolean;
  /** [top, bottom], [left, right] filled by the pad op when paddingMode is not 'zeros'. */
  private readonly modePads: ReadonlyArray<readonly [number, number]> | null;
  private readonly weightInit: Init;
  private readonly biasInit: Init;
  private readonly geometry = new GeometryCache((shape) =>
    this.geometryOf(`${this.name}.forward`, shape),
  );

  constructor(
    /** Channels of the input (C of [N, C, H, W]). */
    readonly inChannels: number,
    /** Channels of the output (number of filters). */
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    const L = 'Conv2d';
    channels(L, 'inChannels', inChannels);
    channels(L, 'outChannels', outChannels);
    checkLayerOptions(L, options, KEYS);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? 1, 1);
    this.dilation = pair(L, 'dilation', options.dilation ?? 1, 1);
    this.padding = convPadding(L, options.padding ?? 0, this.stride);
    this.groups = groupsOf(L, options.groups, inChannels, outChannels);
    this.paddingMode = paddingModeOf(L, options.paddingMode);
    this.bias = flag(L, 'bias', options.bias, true);
    checkInits(L, options);
    const p = this.padding;
    const pads = [0, 1].map((a) =>
      sidePads(typeof p === 'string' ? p : p[a], this.kernelSize[a], this.dilation[a]),
    );
    // Without padding the mode changes nothing.
    this.modePads = this.paddingMode === 'zeros' || pads.flat().every((v) => v === 0) ? null : pads;
    const bound = defaultBound(
      (inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1],
    );
    this.weightInit = options.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = options.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  /**
   * The geometry of the convolution proper: over the input with its padding, or, with a
   * padding mode, over the already padded input with none (same output size).
   */
  private geometryOf(fn: string, shape: readonly number[]): ConvGeometry {
    const { kernelSize: k, stride: s, dilation: d } = this;
    const geo = convGeometry(fn, shape, k, s, this.padding, d);
    if (!this.modePads) return geo;
    checkModePads(fn, this.paddingMode, shape, this.modePads, ['height', 'width']);
    const [c, h, w] = shape.slice(-3);
    const [[t, b], [l, r]] = this.modePads;
    return convGeometry(fn, [c, h + t + b, w + l + r], k, s, [0, 0], d);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    chw(this.name, input, this.inChannels);
    const { g } = this.geometryOf(this.name, input);
    return [this.outChannels, g.outH, g.outW];
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.outChannels, this.inChannels / this.groups, ...this.kernelSize],
        init: this.weightInit,
        regularize: true,
      },
    ];
    if (this.bias)
      specs.push({
        name: 'bias',
        shape: [this.outChannels],
        init: this.biasInit,
        regularize: false,
      });
    return specs;
  }

  /** x [batch, inChannels, height, width] → [batch, outChannels, Ho, Wo]. */
  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = images(fn, x, this.inChannels);
    const geo = this.geometry.get(t.shape);
    const input = this.modePads ? modePad(t, this.modePads, this.paddingMode) : t;
    const b = this.bias ? this.param(1) : null;
    return conv2dWith(fn, input, this.param(0), b, geo, this.groups);
  }

  /**
   * @internal This convolution followed by `pool` and, when `relu`, ReLU, as one fused op
   * (the same values and gradients as the three layers); null where the fused kernel does not
   * apply, and the caller runs the layers.
   */
  forwardPooled(x: TensorLike, pool: MaxPool2d, relu: boolean): Tensor | null {
    if (this.modePads || this.groups !== 1) return null;
    const fn = `${this.name}.forward`;
    const t = images(fn, x, this.inChannels);
    const geo = this.geometry.get(t.shape);
    const window = pool.windowOf([t.shape[0], this.outChannels, geo.g.outH, geo.g.outW]);
    const b = this.bias ? this.param(1) : null;
    return conv2dPoolWith(fn, t, this.param(0), b, geo, window, relu);
  }

  /** The constructor arguments (checkpoint manifests). */
  config(): Record<string, unknown> {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: typeof this.padding === 'string' ? this.padding : [...this.padding],
      dilation: [...this.dilation],
      groups: this.groups,
      paddingMode: this.paddingMode,
      bias: this.bias,
    };
  }

  override describe(): string {
    const parts = [`${this.inChannels} → ${this.outChannels}`, `${this.kernelSize.join('×')}`];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride ${pairStr(this.stride)}`);
    if (typeof this.padding === 'string') parts.push(`padding '${this.padding}'`);
    else if (this.padding[0] || this.padding[1]) parts.push(`padding ${pairStr(this.padding)}`);
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode '${this.paddingMode}'`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1)
      parts.push(`dilation ${pairStr(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups ${this.groups}`);
    if (!this.bias) parts.push('no bias');
    return `Conv2d(${parts.join(', ')})`;
  }
}
