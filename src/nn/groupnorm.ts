/**
 * Group normalisation (Wu & He, 2018), `torch.nn.GroupNorm`: the C channels of each sample
 * split into `numGroups` groups, each normalised by its own mean and biased variance, then a
 * per-channel γ (ones) and β (zeros) when `affine`. Input [batch, C, *] (any trailing axes);
 * the same computation in training and eval. Autograd's `groupNorm` (layer-norm kernels over
 * [N·G, C/G·∏*] rows, batch-norm kernels for the affine part). γ and β have
 * `regularize: false`.
 */
import { groupNorm } from '../autograd/ops/group-norm.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import {
  bool,
  finite,
  knownKeys,
  options as optionsCheck,
  positiveInt,
} from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';

/** Options of {@link GroupNorm}. */
export interface GroupNormOptions {
  /** Added to the variance for numerical stability (default 1e-5). PyTorch: `eps`. */
  eps?: number;
  /** Learnable per-channel γ (ones) and β (zeros) (default true). PyTorch: `affine`. */
  affine?: boolean;
}

/**
 * Group normalisation (`torch.nn.GroupNorm`, Wu & He 2018): the channels of each sample split
 * into `numGroups` groups, each normalised by its own mean and variance, then a per-channel
 * affine map. Input [N, C, *]; the same computation in training and eval.
 */
export class GroupNorm extends Layer {
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Whether the layer has learnable per-channel γ and β. */
  readonly affine: boolean;

  constructor(
    /** Number of groups; must divide `numChannels`. */
    readonly numGroups: number,
    /** Number of channels C of the input [N, C, *]. */
    readonly numChannels: number,
    options: GroupNormOptions = {},
  ) {
    super();
    const fn = 'GroupNorm';
    positiveInt(fn, 'numGroups', numGroups);
    positiveInt(fn, 'numChannels', numChannels);
    if (numChannels % numGroups !== 0)
      throw new RangeError(
        `${fn}: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, ['eps', 'affine']);
    const eps = options.eps ?? 1e-5;
    finite(fn, 'eps', eps);
    if (eps < 0) throw new RangeError(`${fn}: eps must be a finite number ≥ 0, got ${eps}`);
    if (options.affine !== undefined) bool(fn, 'affine', options.affine);
    this.eps = eps;
    this.affine = options.affine ?? true;
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length < 1 || input[0] !== this.numChannels)
      throw new RangeError(
        `${this.name}: expected input of shape [batch, ${this.numChannels}, *], got [batch, ${input.join(', ')}]`,
      );
    return input;
  }

  /** [batch, C, *]; the trailing sizes may differ from the built ones (as torch). */
  protected override acceptsShape(s: readonly number[]): boolean {
    return s.length >= 2 && s[1] === this.numChannels;
  }

  override paramSpecs(): ParamSpec[] {
    if (!this.affine) return [];
    const shape = [this.numChannels];
    return [
      { name: 'weight', shape, init: { kind: 'ones' }, regularize: false },
      { name: 'bias', shape, init: { kind: 'zeros' }, regularize: false },
    ];
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const w = this.affine ? this.param(0) : null;
    const b = this.affine ? this.param(1) : null;
    return groupNorm(t, this.numGroups, w, b, this.eps);
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    const { numGroups, numChannels, eps, affine } = this;
    return { numGroups, numChannels, eps, affine };
  }

  override describe(): string {
    return `GroupNorm(${this.numGroups}, ${this.numChannels}, eps=${this.eps}${this.affine ? '' : ', affine=false'})`;
  }
}
