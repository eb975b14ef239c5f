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

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether the layer adds a learnable bias. Default true. PyTorch: `bias`. */
  bias?: boolean;
  /** Initialiser of the weight [out, in]. Default U(−1/√in, 1/√in), PyTorch's default. */
  weightInit?: Init;
  /** Initialiser of the bias (refused with `bias: false`). Default U(−1/√in, 1/√in), as PyTorch. */
  biasInit?: Init;
}

/**
 * Fully connected layer (`torch.nn.Linear`): y = x·Wᵀ + b over the last axis, W of shape
 * [outFeatures, inFeatures]; any leading axes ([..., in] → [..., out]).
 *
 * @example
 * ```ts
 * import { nn, optim, tensor } from 'descent-ml';
 *
 * const net = new nn.Sequential([new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 1)]);
 * const model = new nn.Model(net, [4], { seed: 0 });
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * const lossFn = new nn.losses.MSELoss();
 *
 * const x = tensor(new Float32Array(8 * 4).fill(0.5), [8, 4]);
 * const y = tensor(new Float32Array(8).fill(1), [8, 1]);
 * model.zeroGrad();
 * const loss = lossFn.apply(model.forward(x), y);
 * loss.backward();
 * opt.step();
 * ```
 */
export class Linear extends Layer {
  /** Whether the layer has a bias. */
  readonly bias: boolean;
  private readonly weightInit: Init;
  private readonly biasInit: Init;

  constructor(
    /** Size of the input's last axis. */
    readonly inFeatures: number,
    /** Size of the output's last axis. */
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
