/**
 * PReLU (He et al., 2015), `torch.nn.PReLU`: y = x for x > 0, a·x otherwise, with a learned
 * slope a — one shared by every channel (`numParameters` 1, the default) or one per channel
 * (axis 1 of the input, `numParameters` = C) — initialised to `init` (0.25). The computation
 * and its backward are autograd's `prelu` (leakyRelu kernels per channel plane, the slope's
 * gradient summed per channel). The slope has `regularize: false` (torch's docs advise
 * against weight decay on it).
 */
import { prelu } from '../autograd/ops/activations.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, knownKeys, options as optionsCheck, positiveInt } from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';

/** Options of {@link PReLU}. */
export interface PReLUOptions {
  /** Initial slope (default 0.25). PyTorch: `init`. */
  init?: number;
}

/**
 * Parametric ReLU (`torch.nn.PReLU`, He et al. 2015): y = x for x > 0, a·x otherwise, with a
 * learned slope a shared by all channels or one per channel (axis 1).
 */
export class PReLU extends Layer {
  /** Initial value of the slope. */
  readonly init: number;

  constructor(
    /** Number of slopes: 1 (shared, the default) or the channel count C of [N, C, …]. PyTorch: `num_parameters`. */
    readonly numParameters = 1,
    options: PReLUOptions = {},
  ) {
    super();
    const fn = 'PReLU';
    positiveInt(fn, 'numParameters (1, or the number of channels)', numParameters);
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, ['init']);
    const init = options.init ?? 0.25;
    if (typeof init !== 'number' || !Number.isFinite(init))
      throw new TypeError(`${fn}: init must be a finite number, got ${describe(init)}`);
    this.init = init;
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (this.numParameters > 1 && input[0] !== this.numParameters)
      throw new RangeError(
        `${this.name}: expected input of shape [batch, ${this.numParameters}, …] (one slope per channel, axis 1), got [batch, ${input.join(', ')}]`,
      );
    return input;
  }

  /** Any shape with one slope; [batch, C, …] with one per channel (any trailing sizes). */
  protected override acceptsShape(s: readonly number[]): boolean {
    return this.numParameters === 1 || (s.length >= 2 && s[1] === this.numParameters);
  }

  override paramSpecs(): ParamSpec[] {
    return [
      {
        name: 'weight',
        shape: [this.numParameters],
        init: { kind: 'constant', value: this.init },
        regularize: false,
      },
    ];
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    return prelu(this.checkInput(x) as Tensor, this.param(0));
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    return { numParameters: this.numParameters, init: this.init };
  }

  override describe(): string {
    return `PReLU(${this.numParameters}, init=${this.init})`;
  }
}
