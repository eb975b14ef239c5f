/**
 * 2-D average pooling, `torch.nn.AvgPool2d` (NCHW): stride defaults to the kernel size,
 * zero padding at most half the kernel, ceil mode as in MaxPool2d. The divisor is torch's:
 * with `countIncludePad` (default) the window size clipped at the padded input — so padding
 * counts but the extra positions of a ceil-mode window past the padding do not — else the
 * number of input positions in the window. One kernel call each way over all N·C planes.
 */
import type { Window2d } from '../backend/kernels.js';
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';
import { checkPoolPadding, chw, emptyWindow, flag, type Pair, pair, poolOut } from './window2d.js';

export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  /** Whether the zero padding counts in the divisor (default true, as torch). */
  countIncludePad?: boolean;
}

export class AvgPool2d extends Layer {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  private readonly g: Window2d = emptyWindow();
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    const L = 'AvgPool2d';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${L}: options must be an object, got ${describe(options)}`);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? kernelSize, 1);
    this.padding = pair(L, 'padding', options.padding ?? 0, 0);
    this.ceilMode = flag(L, 'ceilMode', options.ceilMode, false);
    this.countIncludePad = flag(L, 'countIncludePad', options.countIncludePad, true);
    checkPoolPadding(L, this.kernelSize, this.padding);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c, h, w] = chw(this.name, input);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const outH = poolOut(h, kh, sh, ph, 1, this.ceilMode);
    const outW = poolOut(w, kw, sw, pw, 1, this.ceilMode);
    if (outH < 1 || outW < 1) {
      throw new RangeError(
        `${this.name}: input [${input.join(', ')}] is too small: output would be ${outH}×${outW} (kernel ${kh}×${kw}, stride ${sh}×${sw}, padding ${ph}×${pw})`,
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
    getBackend().kernelsFor(x.data.length).avgPool2d(y.data, x.data, g, this.countIncludePad);
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
    getBackend()
      .kernelsFor(x.data.length)
      .avgPool2dBackward(dx.data, dy.data, g, this.countIncludePad);
    return dx;
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
