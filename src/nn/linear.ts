/**
 * Fully connected layer, `torch.nn.Linear`: y = x·Wᵀ + b with W of shape [out, in]; default
 * init W, b ~ U(−1/√in, 1/√in) (PyTorch's kaiming_uniform with a = √5). One GEMM forward,
 * two GEMMs and a column sum backward.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import type { Init } from './init.js';
import { type BackwardOptions, type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';

export interface LinearOptions {
  bias?: boolean;
  weightInit?: Init;
  biasInit?: Init;
}

export class Linear extends Layer {
  readonly bias: boolean;
  private readonly weightInit: Init;
  private readonly biasInit: Init;
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    for (const [k, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`Linear: ${k} must be a positive integer, got ${describe(v)}`);
    }
    this.bias = options.bias ?? true;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weightInit = options.weightInit ?? { kind: 'uniform', a: -bound, b: bound };
    this.biasInit = options.biasInit ?? { kind: 'uniform', a: -bound, b: bound };
  }

  protected computeShape(input: readonly number[]): readonly number[] {
    if (input.length !== 1 || input[0] !== this.inFeatures) {
      throw new RangeError(
        `${this.name}: expected input features [${this.inFeatures}], got [${input.join(', ')}] (add a Flatten before it?)`,
      );
    }
    return [this.outFeatures];
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

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const batch = x.shape[0];
    const k = getBackend().kernelsFor(batch * this.inFeatures * this.outFeatures);
    const y = this.yBuf.get([batch, this.outFeatures]);
    const [w, b] = this.bound;
    k.gemm(false, true, batch, this.outFeatures, this.inFeatures, 1, x.data, w.data, 0, y.data);
    if (b) k.biasAdd(y.data, b.data, batch, this.outFeatures, 1);
    this.x = x;
    this.out = y;
    return y;
  }

  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const batch = x.shape[0];
    const k = getBackend().kernelsFor(batch * this.inFeatures * this.outFeatures);
    const [w, b] = this.bound;
    // dW += dyᵀ·x, db += Σ_rows dy, dx = dy·W
    k.gemm(true, false, this.outFeatures, this.inFeatures, batch, 1, dy.data, x.data, 1, w.grad);
    if (b) k.biasGrad(b.grad, dy.data, batch, this.outFeatures, 1, true);
    const dx = this.dxBuf.get(x.shape);
    if (opts.inputGrad === false) {
      k.fill(dx.data, 0);
      return dx;
    }
    k.gemm(false, false, batch, this.inFeatures, this.outFeatures, 1, dy.data, w.data, 0, dx.data);
    return dx;
  }

  override describe(): string {
    return `Linear(${this.inFeatures} → ${this.outFeatures}${this.bias ? '' : ', no bias'})`;
  }
}
