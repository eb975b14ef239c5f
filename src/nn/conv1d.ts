/**
 * 1-D convolution, `torch.nn.Conv1d` (N, C, L; groups, padding modes): weight
 * [out, in/groups, k], bias [out]; default init U(−1/√fan_in, 1/√fan_in) for both, fan_in =
 * (in/groups)·k, as torch. Options as Conv2d's with single numbers: `padding: 'same'` pads
 * dilation·(k − 1) in total, the odd element at the end, and needs stride 1; `paddingMode`
 * 'reflect', 'replicate' or 'circular' pads with the `pad` op first. Any length the kernel fits
 * is accepted; the computation is autograd's `conv1d` (conv2d on height-1 views, see
 * src/autograd/ops/conv1d.ts).
 */
import { conv1dGeometry, conv1dWith, padding1d, single } from '../autograd/ops/conv1d.js';
import { asTensor } from '../autograd/ops/util.js';
import type { ConvGeometry } from '../autograd/ops/window.js';
import { groupsOf } from '../autograd/ops/window.js';
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
  sidePads,
} from './conv-common.js';
import type { Init } from './init.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { shapeStr } from './tensor.js';
import { flag, GeometryCache } from './window2d.js';

/** Options of {@link Conv1d}. */
export interface Conv1dOptions {
  /** Step of the kernel along the length. Default 1. PyTorch: `stride`. */
  stride?: number;
  /** Padding per side, or 'same' (output length = input length, stride 1) or 'valid' (0). Default 0. PyTorch: `padding`. */
  padding?: number | 'same' | 'valid';
  /** Spacing between kernel taps. Default 1. PyTorch: `dilation`. */
  dilation?: number;
  /** Channel groups (default 1): divides inChannels and outChannels; weight [out, in/groups, k]. PyTorch: `groups`. */
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
 * 1-D convolution over [N, C, L] sequences (`torch.nn.Conv1d`): weight [out, in/groups, k],
 * bias [out]; output length ⌊(L + padL + padR − dilation·(k − 1) − 1) / stride⌋ + 1.
 */
export class Conv1d extends Layer {
  /** Kernel length. */
  readonly kernelSize: number;
  /** Step of the kernel along the length. */
  readonly stride: number;
  /** Spacing between kernel taps. */
  readonly dilation: number;
  /** Padding per side, or 'same' / 'valid' as given. */
  readonly padding: number | 'same' | 'valid';
  /** Number of channel groups. */
  readonly groups: number;
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;
  /** Whether the layer has a bias. */
  readonly bias: boolean;
  /** [before, after] filled by the pad op when paddingMode is not 'zeros'. */
  private readonly modePads: readonly [number, number] | null;
  private readonly weightInit: Init;
  private readonly biasInit: Init;
  private readonly geometry = new GeometryCache((shape) =>
    this.geometryOf(`${this.name}.forward`, shape),
  );

  constructor(
    /** Channels of the input (C of [N, C, L]). */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: number,
    options: Conv1dOptions = {},
  ) {
    super();
    const L = 'Conv1d';
    channels(L, 'inChannels', inChannels);
    channels(L, 'outChannels', outChannels);
    checkLayerOptions(L, options, KEYS);
    this.kernelSize = single(L, 'kernelSize', kernelSize, 1);
    this.stride = single(L, 'stride', options.stride ?? 1, 1);
    this.dilation = single(L, 'dilation', options.dilation ?? 1, 1);
    this.padding = padding1d(L, options.padding ?? 0, this.stride);
    this.groups = groupsOf(L, options.groups, inChannels, outChannels);
    this.paddingMode = paddingModeOf(L, options.paddingMode);
    this.bias = flag(L, 'bias', options.bias, true);
    checkInits(L, options);
    const pads = sidePads(this.padding, this.kernelSize, this.dilation);
    // Without padding the mode changes nothing.
    this.modePads = this.paddingMode === 'zeros' || pads[0] + pads[1] === 0 ? null : pads;
    const bound = defaultBound((inChannels / this.groups) * this.kernelSize);
    this.weightInit = options.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = options.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  /** The convolution proper (over the mode-padded input with no padding, if a mode pads). */
  private geometryOf(fn: string, shape: readonly number[]): ConvGeometry {
    const { kernelSize: k, stride: s, dilation: d } = this;
    const geo = conv1dGeometry(fn, shape, k, s, this.padding, d);
    if (!this.modePads) return geo;
    checkModePads(fn, this.paddingMode, shape, [this.modePads], ['length']);
    const [c, len] = shape.slice(-2);
    return conv1dGeometry(fn, [c, len + this.modePads[0] + this.modePads[1]], k, s, 0, d);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length !== 2 || input[0] !== this.inChannels)
      throw new RangeError(
        `${this.name}: expected input of shape [${this.inChannels}, length] (NCL without the batch axis), got ${shapeStr(input)}`,
      );
    return [this.outChannels, this.geometryOf(this.name, input).g.outW];
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.outChannels, this.inChannels / this.groups, this.kernelSize],
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

  /** x [batch, inChannels, length] → [batch, outChannels, Lo]. */
  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = asTensor(fn, 'input', x, 'float32');
    if (t.ndim !== 3 || t.shape[1] !== this.inChannels)
      throw new RangeError(
        `${fn}: expected input of shape [batch, ${this.inChannels}, length], got ${shapeStr(t.shape)}`,
      );
    const geo = this.geometry.get(t.shape);
    const input = this.modePads ? modePad(t, [this.modePads], this.paddingMode) : t;
    const b = this.bias ? this.param(1) : null;
    return conv1dWith(fn, input, this.param(0), b, geo, this.groups);
  }

  /** The constructor arguments (checkpoint manifests). */
  config(): Record<string, unknown> {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
      bias: this.bias,
    };
  }

  override describe(): string {
    const parts = [`${this.inChannels} → ${this.outChannels}`, `${this.kernelSize}`];
    if (this.stride !== 1) parts.push(`stride ${this.stride}`);
    if (typeof this.padding === 'string') parts.push(`padding '${this.padding}'`);
    else if (this.padding) parts.push(`padding ${this.padding}`);
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode '${this.paddingMode}'`);
    if (this.dilation !== 1) parts.push(`dilation ${this.dilation}`);
    if (this.groups !== 1) parts.push(`groups ${this.groups}`);
    if (!this.bias) parts.push('no bias');
    return `Conv1d(${parts.join(', ')})`;
  }
}
