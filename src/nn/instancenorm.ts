/**
 * Instance normalisation (Ulyanov et al., 2016), `torch.nn.InstanceNorm2d`: each channel of
 * each sample ([batch, C, H, W]) normalised by its own mean and biased variance over H×W.
 * Defaults as torch: no affine, no running statistics. With `affine`, per-channel γ (ones)
 * and β (zeros), `regularize: false`. With `trackRunningStats`, training updates
 * `runningMean`/`runningVar` (zeros/ones) from the instances' means and unbiased variances
 * averaged over the batch (factor `momentum`), and eval normalises with them; without it,
 * eval uses each instance's statistics too. Autograd's `instanceNorm`.
 */
import { instanceNorm } from '../autograd/ops/group-norm.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import {
  bool,
  finite,
  knownKeys,
  options as optionsCheck,
  positiveInt,
} from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec, type StateBuffer } from './layer.js';
import { shapeStr } from './tensor.js';

/** Options of {@link InstanceNorm2d}. */
export interface InstanceNormOptions {
  /** Added to the variance (default 1e-5). PyTorch: `eps`. */
  eps?: number;
  /** Running-statistics factor, with `trackRunningStats` (default 0.1). PyTorch: `momentum`. */
  momentum?: number;
  /** Learnable per-channel γ and β (default false, as torch). PyTorch: `affine`. */
  affine?: boolean;
  /** Keep running statistics and use them in eval (default false, as torch). PyTorch: `track_running_stats`. */
  trackRunningStats?: boolean;
}

/**
 * Instance normalisation over [N, C, H, W] (`torch.nn.InstanceNorm2d`, Ulyanov et al. 2016):
 * each channel of each sample normalised by its own mean and variance over H×W.
 */
export class InstanceNorm2d extends Layer {
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Running-statistics factor. */
  readonly momentum: number;
  /** Whether the layer has learnable per-channel γ and β. */
  readonly affine: boolean;
  /** Whether running statistics are kept and used in eval. */
  readonly trackRunningStats: boolean;
  /** Running mean per channel (null without `trackRunningStats`). */
  readonly runningMean: Float32Array | null;
  /** Running (unbiased) variance per channel. */
  readonly runningVar: Float32Array | null;

  constructor(
    /** Number of channels C. */
    readonly numFeatures: number,
    options: InstanceNormOptions = {},
  ) {
    super();
    const fn = 'InstanceNorm2d';
    positiveInt(fn, 'numFeatures', numFeatures);
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    const eps = options.eps ?? 1e-5;
    finite(fn, 'eps', eps);
    if (eps < 0) throw new RangeError(`${fn}: eps must be a finite number ≥ 0, got ${eps}`);
    const momentum = options.momentum ?? 0.1;
    finite(fn, 'momentum', momentum);
    for (const k of ['affine', 'trackRunningStats'] as const)
      if (options[k] !== undefined) bool(fn, k, options[k]);
    this.eps = eps;
    this.momentum = momentum;
    this.affine = options.affine ?? false;
    this.trackRunningStats = options.trackRunningStats ?? false;
    this.runningMean = this.trackRunningStats ? new Float32Array(numFeatures) : null;
    this.runningVar = this.trackRunningStats ? new Float32Array(numFeatures).fill(1) : null;
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length !== 3 || input[0] !== this.numFeatures)
      throw new RangeError(
        `${this.name}: expected input of shape [batch, ${this.numFeatures}, H, W], got [batch, ${input.join(', ')}]`,
      );
    return input;
  }

  /** [batch, C, H, W]; H and W may differ from the built ones (as torch). */
  protected override acceptsShape(s: readonly number[]): boolean {
    return s.length === 4 && s[1] === this.numFeatures;
  }

  override paramSpecs(): ParamSpec[] {
    if (!this.affine) return [];
    const shape = [this.numFeatures];
    return [
      { name: 'weight', shape, init: { kind: 'ones' }, regularize: false },
      { name: 'bias', shape, init: { kind: 'zeros' }, regularize: false },
    ];
  }

  override stateBuffers(): StateBuffer[] {
    if (!this.runningMean || !this.runningVar) return [];
    return [
      { name: 'runningMean', data: this.runningMean },
      { name: 'runningVar', data: this.runningVar },
    ];
  }

  forward(x: TensorLike, opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const useInputStats = this.isTraining(opts) || !this.trackRunningStats;
    if (useInputStats && t.shape[2] * t.shape[3] <= 1)
      throw new RangeError(
        `${this.name}.forward: expected more than 1 spatial element per channel, got input of shape ${shapeStr(t.shape)}`,
      );
    const c = [this.numFeatures];
    const stats = this.runningMean && this.runningVar;
    return instanceNorm(
      t,
      stats ? { data: this.runningMean as Float32Array, shape: c } : null,
      stats ? { data: this.runningVar as Float32Array, shape: c } : null,
      this.affine ? this.param(0) : null,
      this.affine ? this.param(1) : null,
      { useInputStats, momentum: this.momentum, eps: this.eps },
    );
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    const { numFeatures, eps, momentum, affine, trackRunningStats } = this;
    return { numFeatures, eps, momentum, affine, trackRunningStats };
  }

  override describe(): string {
    const opts = [
      `eps=${this.eps}`,
      `momentum=${this.momentum}`,
      ...(this.affine ? ['affine=true'] : []),
      ...(this.trackRunningStats ? ['trackRunningStats=true'] : []),
    ];
    return `InstanceNorm2d(${this.numFeatures}, ${opts.join(', ')})`;
  }
}
