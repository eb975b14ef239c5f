/**
 * Layer normalisation (Ba et al., 2016), `torch.nn.LayerNorm`: normalises over the trailing
 * `normalizedShape` dims of each sample, y = (x − mean)/√(var + ε)·γ + β with the biased
 * variance, γ (ones) and β (zeros) of shape `normalizedShape` (`elementwiseAffine`, `bias`).
 * Same computation in training and eval.
 *
 * Any leading dimensions (as torch). The computation and its backward are autograd's
 * `layerNorm` (two fused kernels over the rows × cols view, cols = ∏ normalizedShape).
 * γ and β have `regularize: false`.
 */
import { layerNorm } from '../autograd/ops/norm.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { bool, describe, finite, optionsOf } from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { shapeStr } from './tensor.js';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). PyTorch: `eps`. */
  eps?: number;
  /** Learnable per-element γ (and β) (default true). PyTorch: `elementwise_affine`. */
  elementwiseAffine?: boolean;
  /** Learnable β, when elementwiseAffine (default true). PyTorch: `bias`. */
  bias?: boolean;
}

/**
 * Layer normalisation (`torch.nn.LayerNorm`, Ba et al. 2016): normalises each sample over its
 * trailing `normalizedShape` axes, then a per-element affine map. Any leading axes; the same
 * computation in training and eval.
 */
export class LayerNorm extends Layer {
  /** The trailing axes normalised over (e.g. `[dModel]`). */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Whether the layer has a learnable γ (weight) of shape `normalizedShape`. */
  readonly elementwiseAffine: boolean;
  /** Whether the layer has a learnable β (bias); false without `elementwiseAffine`. */
  readonly bias: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const fn = 'LayerNorm';
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    const what = `${fn}: normalizedShape must be a positive integer or a non-empty array of them, got`;
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d)))
      throw new TypeError(`${what} ${describe(normalizedShape)}`);
    if (shape.length === 0 || shape.some((d) => d <= 0 || !Number.isSafeInteger(d)))
      throw new RangeError(`${what} [${shape.join(', ')}]`);
    optionsOf(fn, options, ['eps', 'elementwiseAffine', 'bias']);
    const eps = options.eps ?? 1e-5;
    finite(fn, 'eps', eps);
    if (eps < 0) throw new RangeError(`${fn}: eps must be a finite number ≥ 0, got ${eps}`);
    for (const k of ['elementwiseAffine', 'bias'] as const)
      if (options[k] !== undefined) bool(fn, k, options[k]);
    if (options.elementwiseAffine === false && options.bias === true)
      throw new TypeError(
        `${fn}: bias: true has no effect with elementwiseAffine: false (β is part of the affine transform)`,
      );
    this.normalizedShape = [...shape];
    this.eps = eps;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.bias = this.elementwiseAffine && (options.bias ?? true);
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

  /** Any leading dimensions, ending in normalizedShape. */
  protected override acceptsShape(s: readonly number[]): boolean {
    const ns = this.normalizedShape;
    return s.length > ns.length && ns.every((d, i) => s[s.length - ns.length + i] === d);
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const w = this.elementwiseAffine ? this.param(0) : null;
    const b = this.bias ? this.param(1) : null;
    return layerNorm(t, this.normalizedShape, w, b, this.eps);
  }

  override describe(): string {
    const extra = this.elementwiseAffine ? (this.bias ? '' : ', bias=false') : ', no affine';
    return `LayerNorm(${shapeStr(this.normalizedShape)}, eps=${this.eps}${extra})`;
  }
}
