/**
 * 2-D convolution, `torch.nn.Conv2d` (NCHW, zero padding, groups = 1): weight [out, in, kh, kw],
 * bias [out]; default init weight, bias ~ U(−1/√fan_in, 1/√fan_in) with fan_in = in·kh·kw
 * (PyTorch's kaiming_uniform with a = √5, and its bias rule). `padding: 'same'` pads
 * dilation·(k − 1) in total per axis, the odd element at the bottom/right as torch does, and
 * needs stride 1; `'valid'` is padding 0.
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
 * one image (allocated once per shape).
 */
import type { Kernels, Window2d } from '../backend/kernels.js';
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import type { Init } from './init.js';
import { type BackwardOptions, type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';
import { chw, emptyWindow, flag, ImageViews, type Pair, pair } from './window2d.js';

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' (output size = input size, stride 1) or 'valid' (0). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  bias?: boolean;
  weightInit?: Init;
  biasInit?: Init;
}

export class Conv2d extends Layer {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: readonly [number, number] | 'same' | 'valid';
  readonly bias: boolean;
  private readonly weightInit: Init;
  private readonly biasInit: Init;
  /** Per-image geometry (n = 1), set by build. */
  private readonly g: Window2d = emptyWindow();
  private direct = false;
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();
  private readonly colBuf = new Scratch();
  private readonly xViews = new ImageViews();
  private readonly yViews = new ImageViews();
  private readonly dyViews = new ImageViews();
  private readonly dxViews = new ImageViews();

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    const L = 'Conv2d';
    for (const [k, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (typeof v !== 'number')
        throw new TypeError(`${L}: ${k} must be a positive integer, got ${describe(v)}`);
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`${L}: ${k} must be a positive integer, got ${v}`);
    }
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${L}: options must be an object, got ${describe(options)}`);
    this.kernelSize = pair(L, 'kernelSize', kernelSize, 1);
    this.stride = pair(L, 'stride', options.stride ?? 1, 1);
    this.dilation = pair(L, 'dilation', options.dilation ?? 1, 1);
    const p = options.padding ?? 0;
    if (typeof p === 'string') {
      if (p !== 'same' && p !== 'valid')
        throw new RangeError(
          `${L}: padding must be a non-negative integer, a pair of them, 'same' or 'valid', got ${describe(p)}`,
        );
      if (p === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1))
        throw new RangeError(
          `${L}: padding 'same' needs stride 1 (as in torch), got stride ${this.stride.join('×')}`,
        );
      this.padding = p;
    } else {
      this.padding = pair(L, 'padding', p, 0);
    }
    this.bias = flag(L, 'bias', options.bias, true);
    const bound = 1 / Math.sqrt(inChannels * this.kernelSize[0] * this.kernelSize[1]);
    this.weightInit = options.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = options.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c, h, w] = chw(this.name, input, this.inChannels);
    const [kh, kw] = this.kernelSize;
    const [dh, dw] = this.dilation;
    const [sh, sw] = this.stride;
    // Top/left padding and the total per axis ('same': the odd element goes bottom/right).
    let pads: [number, number, number, number];
    if (this.padding === 'same') {
      const th = dh * (kh - 1);
      const tw = dw * (kw - 1);
      pads = [Math.floor(th / 2), Math.floor(tw / 2), th, tw];
    } else if (this.padding === 'valid') {
      pads = [0, 0, 0, 0];
    } else {
      const [ph, pw] = this.padding;
      pads = [ph, pw, 2 * ph, 2 * pw];
    }
    const effH = dh * (kh - 1) + 1;
    const effW = dw * (kw - 1) + 1;
    if (h + pads[2] < effH || w + pads[3] < effW) {
      throw new RangeError(
        `${this.name}: input [${input.join(', ')}] is too small for the kernel: padded size ${h + pads[2]}×${w + pads[3]} < kernel extent ${effH}×${effW} (kernel ${kh}×${kw}, dilation ${dh}×${dw})`,
      );
    }
    const outH = Math.floor((h + pads[2] - effH) / sh) + 1;
    const outW = Math.floor((w + pads[3] - effW) / sw) + 1;
    Object.assign(this.g, {
      n: 1,
      c,
      h,
      w,
      kh,
      kw,
      strideH: sh,
      strideW: sw,
      padH: pads[0],
      padW: pads[1],
      dilationH: dh,
      dilationW: dw,
      outH,
      outW,
    });
    this.direct = kh === 1 && kw === 1 && sh === 1 && sw === 1 && pads[2] === 0 && pads[3] === 0;
    return [this.outChannels, outH, outW];
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.outChannels, this.inChannels, ...this.kernelSize],
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

  /** Kernels for one image's GEMM (tiny convolutions stay in JS). */
  private kernels(): Kernels {
    const g = this.g;
    return getBackend().kernelsFor(this.outChannels * g.c * g.kh * g.kw * g.outH * g.outW);
  }

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const g = this.g;
    const batch = x.shape[0];
    const k = this.kernels();
    const hw = g.outH * g.outW;
    const kk = g.c * g.kh * g.kw;
    const y = this.yBuf.get([batch, this.outChannels, g.outH, g.outW]);
    const xs = this.xViews.of(x.data, g.c * g.h * g.w);
    const ys = this.yViews.of(y.data, this.outChannels * hw);
    const [w, b] = this.bound;
    const cols = this.direct ? null : this.colBuf.get([kk, hw]).data;
    for (let i = 0; i < batch; i++) {
      if (cols) k.im2col(cols, xs[i], g);
      k.gemm(false, false, this.outChannels, hw, kk, 1, w.data, cols ?? xs[i], 0, ys[i]);
    }
    if (b && batch > 0) k.biasAdd(y.data, b.data, batch, this.outChannels, hw);
    this.x = x;
    this.out = y;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const g = this.g;
    const batch = x.shape[0];
    const k = this.kernels();
    const hw = g.outH * g.outW;
    const kk = g.c * g.kh * g.kw;
    const [w, b] = this.bound;
    const dx = this.dxBuf.get(x.shape);
    const xs = this.xViews.of(x.data, g.c * g.h * g.w);
    const dys = this.dyViews.of(dy.data, this.outChannels * hw);
    const dxs = this.dxViews.of(dx.data, g.c * g.h * g.w);
    const inputGrad = opts.inputGrad !== false;
    if (!inputGrad) k.fill(dx.data, 0);
    const cols = this.direct ? null : this.colBuf.get([kk, hw]).data;
    for (let i = 0; i < batch; i++) {
      // dW += dy_b · colsᵀ; then the columns' gradient Wᵀ·dy_b, folded back onto dx_b.
      if (cols) k.im2col(cols, xs[i], g);
      k.gemm(false, true, this.outChannels, kk, hw, 1, dys[i], cols ?? xs[i], 1, w.grad);
      if (!inputGrad) continue;
      k.gemm(true, false, kk, hw, this.outChannels, 1, w.data, dys[i], 0, cols ?? dxs[i]);
      if (cols) k.col2im(dxs[i], cols, g);
    }
    if (b && batch > 0) k.biasGrad(b.grad, dy.data, batch, this.outChannels, hw, true);
    return dx;
  }

  override describe(): string {
    const pairStr = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : p.join('×'));
    const parts = [`${this.inChannels} → ${this.outChannels}`, `${this.kernelSize.join('×')}`];
    if (this.stride[0] !== 1 || this.stride[1] !== 1) parts.push(`stride ${pairStr(this.stride)}`);
    if (typeof this.padding === 'string') parts.push(`padding '${this.padding}'`);
    else if (this.padding[0] || this.padding[1]) parts.push(`padding ${pairStr(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1)
      parts.push(`dilation ${pairStr(this.dilation)}`);
    if (!this.bias) parts.push('no bias');
    return `Conv2d(${parts.join(', ')})`;
  }
}
