/**
 * Layer normalisation (Ba et al., 2016), `torch.nn.LayerNorm`: normalises over the trailing
 * `normalizedShape` dims of each sample, y = (x − mean)/√(var + ε)·γ + β with the biased
 * variance, γ (ones) and β (zeros) of shape `normalizedShape` (`elementwiseAffine`, `bias`).
 * Same computation in training and eval.
 *
 * Two kernels over the rows × cols view (rows = batch × leading dims, cols = ∏ normalizedShape):
 * `layerNormForward` saves the per-row mean and rstd; `layerNormBackward` computes
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ and adds dγ = Σ dy·x̂, dβ = Σ dy.
 * γ and β have `regularize: false`.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { numel, Scratch, shapeStr, type Tensor } from './tensor.js';

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learnable per-element γ (and β) (default true). */
  elementwiseAffine?: boolean;
  /** Learnable β, when elementwiseAffine (default true). */
  bias?: boolean;
}

export class LayerNorm extends Layer {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly bias: boolean;
  private readonly cols: number;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();
  private readonly meanBuf = new Scratch();
  private readonly rstdBuf = new Scratch();
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private mean: Tensor | null = null;
  private rstd: Tensor | null = null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      shape.some((d) => !Number.isSafeInteger(d) || d <= 0)
    ) {
      throw new RangeError(
        `LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got ${describe(normalizedShape)}`,
      );
    }
    if (options === null || typeof options !== 'object')
      throw new TypeError(`LayerNorm: options must be an object, got ${describe(options)}`);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
      throw new RangeError(`LayerNorm: eps must be a finite number ≥ 0, got ${describe(eps)}`);
    for (const k of ['elementwiseAffine', 'bias'] as const) {
      const v = options[k];
      if (v !== undefined && typeof v !== 'boolean')
        throw new TypeError(`LayerNorm: ${k} must be a boolean, got ${describe(v)}`);
    }
    this.normalizedShape = [...shape];
    this.eps = eps;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.bias = this.elementwiseAffine && (options.bias ?? true);
    this.cols = numel(shape);
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    const ns = this.normalizedShape;
    const tail = input.slice(input.length - ns.length);
    if (input.length < ns.length || tail.some((d, i) => d !== ns[i])) {
      throw new RangeError(
        `${this.name}: expected input of shape [batch, …, ${ns.join(', ')}] (ending in normalizedShape), got [batch, ${input.join(', ')}]`,
      );
    }
    return input;
  }

  override paramSpecs(): ParamSpec[] {
    if (!this.elementwiseAffine) return [];
    const shape = [...this.normalizedShape];
    const specs: ParamSpec[] = [
      { name: 'weight', shape, init: { kind: 'ones' }, regularize: false },
    ];
    if (this.bias) specs.push({ name: 'bias', shape, init: { kind: 'zeros' }, regularize: false });
    return specs;
  }

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const rows = x.data.length / this.cols;
    const y = this.yBuf.get(x.shape);
    const mean = this.meanBuf.get([rows]);
    const rstd = this.rstdBuf.get([rows]);
    const [w, b] = this.bound;
    getBackend()
      .kernelsFor(2 * x.data.length)
      .layerNormForward(
        y.data,
        mean.data,
        rstd.data,
        x.data,
        w ? w.data : null,
        b ? b.data : null,
        rows,
        this.cols,
        this.eps,
      );
    this.x = x;
    this.out = y;
    this.mean = mean;
    this.rstd = rstd;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const rows = x.data.length / this.cols;
    const dx = this.dxBuf.get(x.shape);
    const [w, b] = this.bound;
    getBackend()
      .kernelsFor(2 * x.data.length)
      .layerNormBackward(
        dx.data,
        w ? w.grad : null,
        b ? b.grad : null,
        dy.data,
        x.data,
        (this.mean as Tensor).data,
        (this.rstd as Tensor).data,
        w ? w.data : null,
        rows,
        this.cols,
      );
    return dx;
  }

  override describe(): string {
    const extra = this.elementwiseAffine ? (this.bias ? '' : ', bias=false') : ', no affine';
    return `LayerNorm(${shapeStr(this.normalizedShape)}, eps=${this.eps}${extra})`;
  }
}
