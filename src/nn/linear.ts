/**
 * Fully connected layer, `torch.nn.Linear`: y = x·Wᵀ + b over the last axis (any leading
 * dimensions, so it applies per time step of a sequence) with W of shape [out, in]; default
 * init W, b ~ U(−1/√in, 1/√in) (PyTorch's kaiming_uniform with a = √5). One GEMM forward,
 * two GEMMs and a column sum backward (autograd's `linear`).
 */
import { linear } from '../autograd/ops/matmul.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { bool, optionsOf, positiveInt, unused } from '../backend/validate.js';
import { checkInit, type Init } from './init.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';

export interface LinearOptions {
  bias?: boolean;
  weightInit?: Init;
  biasInit?: Init;
}

export class Linear extends Layer {
  readonly bias: boolean;
  private readonly weightInit: Init;
  private readonly biasInit: Init;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const fn = 'Linear';
    positiveInt(fn, 'inFeatures', inFeatures);
    positiveInt(fn, 'outFeatures', outFeatures);
    const o = optionsOf(fn, options, ['bias', 'weightInit', 'biasInit']);
    if (o.bias !== undefined) bool(fn, 'bias', o.bias);
    if (o.weightInit !== undefined) checkInit(fn, 'weightInit', o.weightInit);
    if (o.biasInit !== undefined) checkInit(fn, 'biasInit', o.biasInit);
    if (o.bias === false) unused(fn, o, 'biasInit', 'the layer has no bias (bias: false)');
    this.bias = o.bias ?? true;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weightInit = o.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = o.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length < 1 || input[input.length - 1] !== this.inFeatures) {
      throw new RangeError(
        `${this.name}: expected input features [..., ${this.inFeatures}] on the last axis, got [${input.join(', ')}]${input.length > 1 ? ' (add a Flatten before it to merge the feature axes?)' : ''}`,
      );
    }
    return [...input.slice(0, -1), this.outFeatures];
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [
      {
        name: 'weight',
        shape: [this.outFeatures, this.inFeatures],
        init: this.weightInit,
        regularize: true,
      },
    ];
    if (this.bias)
      specs.push({
        name: 'bias',
        shape: [this.outFeatures],
        init: this.biasInit,
        regularize: false,
      });
    return specs;
  }

  /** Any leading dimensions: [..., in] → [..., out]. */
  protected override acceptsShape(s: readonly number[]): boolean {
    return s.length >= 1 && s[s.length - 1] === this.inFeatures;
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    return linear(t, this.param(0), this.bias ? this.param(1) : null);
  }

  override describe(): string {
    return `Linear(${this.inFeatures} → ${this.outFeatures}${this.bias ? '' : ', no bias'})`;
  }
}
