/**
 * Transposed 2-D convolution, `torch.nn.ConvTranspose2d` (NCHW): weight
 * [in, out/groups, kh, kw], bias [out]; output size (H − 1)·stride − 2·padding +
 * dilation·(k − 1) + outputPadding + 1 per axis, outputPadding below the stride or the
 * dilation. Default init U(−1/√fan_in, 1/√fan_in) for weight and bias with torch's fan_in for
 * this weight layout, (out/groups)·kh·kw. The usual upsampling block of a DCGAN generator is
 * `new ConvTranspose2d(c, c / 2, 4, { stride: 2, padding: 1 })` (doubles the size). As in
 * torch, only zero padding exists (`paddingMode: 'zeros'`). Any input size is accepted; the
 * computation is autograd's `convTranspose2d` (col2im + GEMM forward, im2col + GEMM backward,
 * src/autograd/ops/conv-transpose.ts).
 */
import { convTranspose2dWith } from '../autograd/ops/conv-transpose.js';
import {
  type ConvGeometry,
  checkOutputPadding,
  convTransposeGeometry,
  groupsOf,
} from '../autograd/ops/window.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe } from '../backend/validate.js';
import { channels, checkInits, checkLayerOptions, defaultBound, pairStr } from './conv-common.js';
import type { Init } from './init.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { chw, flag, GeometryCache, images, type Pair, pair } from './window2d.js';

/** Options of {@link ConvTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Step of the window over the output (the upsampling factor), [height, width] or one number. Default 1. PyTorch: `stride`. */
  stride?: Pair;
  /** Rows/columns trimmed from each side of the full output (default 0). PyTorch: `padding`. */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right, below the stride or the dilation (default 0). PyTorch: `output_padding`. */
  outputPadding?: Pair;
  /** Spacing between kernel taps, [height, width] or one number. Default 1. PyTorch: `dilation`. */
  dilation?: Pair;
  /** Channel groups (default 1): divides inChannels and outChannels; weight [in, out/groups, kh, kw]. PyTorch: `groups`. */
  groups?: number;
  /** 'zeros' only, as in torch (accepted for compatibility). PyTorch: `padding_mode`. */
  paddingMode?: 'zeros';
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
  'outputPadding',
  'dilation',
  'groups',
  'paddingMode',
  'bias',
  'weightInit',
  'biasInit',
] as const;

/**
 * Transposed 2-D convolution over NCHW images (`torch.nn.ConvTranspose2d`), the gradient of
 * Conv2d with respect to its input: weight [in, out/groups, kh, kw], bias [out]; output size
 * (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1 per axis.
 */
export class ConvTranspose2d extends Layer {
  /** Kernel size [height, width]. */
  readonly kernelSize: readonly [number, number];
  /** Step over the output [height, width]. */
  readonly stride: readonly [number, number];
  /** Rows/columns trimmed from each side of the output [height, width]. */
  readonly padding: readonly [number, number];
  /** Extra rows/columns at the bottom/right of the output [height, width]. */
  readonly outputPadding: readonly [number, number];
  /** Spacing between kernel taps [height, width]. */
  readonly dilation: readonly [number, number];
  /** Number of channel groups. */
  readonly groups: number;
  /** Whether the layer has a bias. */
  readonly bias: boolean;
  private readonly weightInit: Init;
  private readonly biasInit: Init;
  private readonly geometry = new GeometryCache((shape) =>
    this.geometryOf(`${this.name}.forward`, shape),
  );

  constructor(
    /** Channels of the input (C of [N, C, H, W]). */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: Pair,
    options: ConvTranspose2dOptions = {},
  ) {
    super();
    const L = 'ConvTranspose2d';
    channels(L, 'inChannels', inChannels);
    channels(L, 'outChannels', outChannels);
    checkLayerOptions(L, options, KEYS);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? 1, 1);
    if (typeof options.padding === 'string')
      throw new TypeError(
        `${L}: padding must be a non-negative integer or a pair of them ('same' and 'valid' are for Conv2d, as in torch), got '${options.padding}'`,
      );
    this.padding = pair(L, 'padding', options.padding ?? 0, 0);
    this.outputPadding = pair(L, 'outputPadding', options.outputPadding ?? 0, 0);
    this.dilation = pair(L, 'dilation', options.dilation ?? 1, 1);
    checkOutputPadding(L, this.outputPadding, this.stride, this.dilation);
    this.groups = groupsOf(L, options.groups, inChannels, outChannels);
    const mode: unknown = options.paddingMode;
    if (mode !== undefined && mode !== 'zeros')
      throw new (typeof mode === 'string' ? RangeError : TypeError)(
        `${L}: paddingMode must be 'zeros' (the only one torch's ConvTranspose2d has), got ${describe(mode)}`,
      );
    this.bias = flag(L, 'bias', options.bias, true);
    checkInits(L, options);
    const bound = defaultBound(
      (outChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1],
    );
    this.weightInit = options.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = options.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  private geometryOf(fn: string, shape: readonly number[]): ConvGeometry {
    const { kernelSize: k, stride: s, padding: p, outputPadding: op, dilation: d } = this;
    return convTransposeGeometry(fn, shape, k, s, p, op, d, this.outChannels);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    chw(this.name, input, this.inChannels);
    const { g } = this.geometryOf(this.name, input);
    return [this.outChannels, g.h, g.w];
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.inChannels, this.outChannels / this.groups, ...this.kernelSize],
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
    const b = this.bias ? this.param(1) : null;
    return convTranspose2dWith(fn, t, this.param(0), b, geo, this.groups);
  }

  /** The constructor arguments (checkpoint manifests). */
  config(): Record<string, unknown> {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: [...this.padding],
      outputPadding: [...this.outputPadding],
      dilation: [...this.dilation],
      groups: this.groups,
      bias: this.bias,
    };
  }

  override describe(): string {
    const parts = [`${this.inChannels} → ${this.outChannels}`, `${this.kernelSize.join('×')}`];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride ${pairStr(this.stride)}`);
    if (this.padding[0] || this.padding[1]) parts.push(`padding ${pairStr(this.padding)}`);
    if (this.outputPadding[0] || this.outputPadding[1])
      parts.push(`outputPadding ${pairStr(this.outputPadding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1)
      parts.push(`dilation ${pairStr(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups ${this.groups}`);
    if (!this.bias) parts.push('no bias');
    return `ConvTranspose2d(${parts.join(', ')})`;
  }
}
