/**
 * 2-D max pooling, `torch.nn.MaxPool2d` (NCHW): stride defaults to the kernel size, padding
 * (at most half the kernel, as torch requires) is never selected, dilation spreads the window,
 * ceil mode adds a last partial window when it starts inside the (left-padded) input. The
 * forward saves each window's argmax (flat index within its plane, torch's rule: the first
 * maximum in row-major scan order wins, a NaN propagates) and backward scatters dy to it. One
 * kernel call each way over all N·C planes.
 */
import type { Window2d } from '../backend/kernels.js';
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';
import {
  checkPoolPadding,
  chw,
  emptyWindow,
  flag,
  IntScratch,
  type Pair,
  pair,
  poolOut,
} from './window2d.js';

export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export class MaxPool2d extends Layer {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;
  private readonly g: Window2d = emptyWindow();
  private out: Tensor | null = null;
  private x: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();
  private readonly idxBuf = new IntScratch();
  private indices: Int32Array = new Int32Array(0);

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super();
    const L = 'MaxPool2d';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${L}: options must be an object, got ${describe(options)}`);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? kernelSize, 1);
    this.padding = pair(L, 'padding', options.padding ?? 0, 0);
    this.dilation = pair(L, 'dilation', options.dilation ?? 1, 1);
    this.ceilMode = flag(L, 'ceilMode', options.ceilMode, false);
    checkPoolPadding(L, this.kernelSize, this.padding, this.dilation);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c, h, w] = chw(this.name, input);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const [dh, dw] = this.dilation;
    const outH = poolOut(h, kh, sh, ph, dh, this.ceilMode);
    const outW = poolOut(w, kw, sw, pw, dw, this.ceilMode);
    if (outH < 1 || outW < 1) {
      throw new RangeError(
        `${this.name}: input [${input.join(', ')}] is too small: output would be ${outH}×${outW} (kernel ${kh}×${kw}, stride ${sh}×${sw}, padding ${ph}×${pw}, dilation ${dh}×${dw})`,
      );
    }
    Object.assign(this.g, {
      c,
      h,
      w,
      kh,
      kw,
      strideH: sh,
      strideW: sw,
      padH: ph,
      padW: pw,
      dilationH: dh,
      dilationW: dw,
      outH,
      outW,
    });
    return [c, outH, outW];
  }

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const g = this.g;
    g.n = x.shape[0];
    const y = this.yBuf.get([g.n, g.c, g.outH, g.outW]);
    this.indices = this.idxBuf.get(y.data.length);
    getBackend().kernelsFor(x.data.length).maxPool2d(y.data, this.indices, x.data, g);
    this.x = x;
    this.out = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const g = this.g;
    g.n = x.shape[0];
    const dx = this.dxBuf.get(x.shape);
    getBackend().kernelsFor(x.data.length).maxPool2dBackward(dx.data, this.indices, dy.data, g);
    return dx;
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
