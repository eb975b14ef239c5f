/**
 * Global average pooling: [N, C, H, W] → [N, C], the mean over each H×W plane (what
 * `torch.nn.AdaptiveAvgPool2d(1)` followed by `flatten(1)` computes). Runs the average-pooling
 * kernels with one H×W window per plane (sums in f64 on both backends).
 */
import type { Window2d } from '../backend/kernels.js';
import { getBackend } from '../backend/select.js';
import { type ForwardOptions, Layer } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';
import { chw, emptyWindow } from './window2d.js';

export class GlobalAvgPool2d extends Layer {
  private readonly g: Window2d = emptyWindow();
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();

  protected override computeShape(input: readonly number[]): readonly number[] {
    const [c, h, w] = chw(this.name, input);
    if (h < 1 || w < 1)
      throw new RangeError(`${this.name}: input [${input.join(', ')}] has an empty plane`);
    Object.assign(this.g, { c, h, w, kh: h, kw: w, strideH: h, strideW: w, outH: 1, outW: 1 });
    return [c];
  }

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const g = this.g;
    g.n = x.shape[0];
    const y = this.yBuf.get([g.n, g.c]);
    getBackend().kernelsFor(x.data.length).avgPool2d(y.data, x.data, g, true);
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
    getBackend().kernelsFor(x.data.length).avgPool2dBackward(dx.data, dy.data, g, true);
    return dx;
  }

  override describe(): string {
    return 'GlobalAvgPool2d';
  }
}
