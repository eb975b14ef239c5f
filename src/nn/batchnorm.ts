/**
 * Batch normalisation (Ioffe & Szegedy, 2015) with `torch.nn.BatchNorm1d/2d` semantics, over
 * the (outer N, channels C, inner = spatial) layout: [N, C] and [N, C, L] (BatchNorm1d),
 * [N, C, H, W] (BatchNorm2d).
 *
 * - Training (or `trackRunningStats: false`): normalise with the batch's per-channel mean and
 *   BIASED variance, y = (x − μ_B)/√(σ²_B + ε)·γ + β. When tracking, the running statistics are
 *   updated with the batch's mean and UNBIASED variance σ²_B·M/(M − 1) (M = N·spatial):
 *   running ← (1 − f)·running + f·batch with f = momentum, or f = 1/numBatchesTracked when
 *   momentum is null (cumulative average), numBatchesTracked counting this batch. Training
 *   needs M > 1 per channel (as torch).
 * - Eval with tracked statistics: y = (x − running_mean)/√(running_var + ε)·γ + β.
 *
 * The computation and its backward are autograd's `batchNorm` (fused kernels; each call's
 * statistics belong to its node, so two training forwards then one backward are correct and
 * update the running statistics twice, as torch).
 *
 * Parameters `weight` (γ, ones) and `bias` (β, zeros) when `affine`, both with
 * `regularize: false` (L1/L2 penalties do not apply to normalisation scales). Buffers, exposed
 * by `stateBuffers()` when `trackRunningStats`: `runningMean` (zeros), `runningVar` (ones),
 * `numBatchesTracked` (a float32 count, exact up to 2^24 batches).
 */
import { batchNorm } from '../autograd/ops/norm.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { bool, finite, optionsOf, positiveInt, unused } from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec, type StateBuffer } from './layer.js';
import { numel, shapeStr } from './tensor.js';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). PyTorch: `eps`. */
  eps?: number;
  /** Running-statistics factor, running ← (1 − momentum)·running + momentum·batch (default 0.1); null for a cumulative average. PyTorch: `momentum`. */
  momentum?: number | null;
  /** Learnable per-channel γ (ones) and β (zeros) (default true). PyTorch: `affine`. */
  affine?: boolean;
  /** Keep running statistics and use them in eval (default true); false normalises with batch statistics in eval too. PyTorch: `track_running_stats`. */
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Layer {
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Running-statistics factor; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether the layer has learnable per-channel γ and β. */
  readonly affine: boolean;
  /** Whether running statistics are kept and used in eval. */
  readonly trackRunningStats: boolean;
  /** Running mean per channel (null without `trackRunningStats`). */
  readonly runningMean: Float32Array | null;
  /** Running (unbiased) variance per channel. */
  readonly runningVar: Float32Array | null;
  /** Number of training batches seen (one element). */
  readonly numBatchesTracked: Float32Array | null;

  constructor(
    /** Number of channels C. */
    readonly numFeatures: number,
    options: BatchNormOptions,
    private readonly kind: string,
  ) {
    super();
    positiveInt(kind, 'numFeatures', numFeatures);
    optionsOf(kind, options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    const eps = options.eps ?? 1e-5;
    finite(kind, 'eps', eps);
    if (eps < 0) throw new RangeError(`${kind}: eps must be a finite number ≥ 0, got ${eps}`);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null) finite(kind, 'momentum (a number or null)', momentum);
    for (const k of ['affine', 'trackRunningStats'] as const)
      if (options[k] !== undefined) bool(kind, k, options[k]);
    if (options.trackRunningStats === false)
      unused(
        kind,
        options,
        'momentum',
        'it weighs the running statistics, which trackRunningStats: false turns off',
      );
    this.eps = eps;
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const c = numFeatures;
    this.runningMean = this.trackRunningStats ? new Float32Array(c) : null;
    this.runningVar = this.trackRunningStats ? new Float32Array(c).fill(1) : null;
    this.numBatchesTracked = this.trackRunningStats ? new Float32Array(1) : null;
  }

  /** The per-sample ranks this layer accepts (channels first). */
  protected abstract readonly ranks: readonly number[];
  /** How the accepted shapes read in an error message. */
  protected abstract readonly expected: string;

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (!this.ranks.includes(input.length) || input[0] !== this.numFeatures) {
      throw new RangeError(
        `${this.name}: expected input of shape ${this.expected} with C = ${this.numFeatures}, got [batch, ${input.join(', ')}]`,
      );
    }
    return input;
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
    if (!this.runningMean || !this.runningVar || !this.numBatchesTracked) return [];
    return [
      { name: 'runningMean', data: this.runningMean },
      { name: 'runningVar', data: this.runningVar },
      { name: 'numBatchesTracked', data: this.numBatchesTracked },
    ];
  }

  /** [batch, C, ...] of an accepted rank; spatial sizes may differ from the built ones (as torch). */
  protected override acceptsShape(s: readonly number[]): boolean {
    return this.ranks.includes(s.length - 1) && s[1] === this.numFeatures;
  }

  forward(x: TensorLike, opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const training = this.isTraining(opts);
    // torch: batch statistics in training, and always without running statistics.
    const useBatch = training || !this.trackRunningStats;
    if (useBatch && numel(t.shape) / this.numFeatures <= 1)
      throw new RangeError(
        `${this.name}.forward: expected more than 1 value per channel when training, got input of shape ${shapeStr(t.shape)}`,
      );
    const nbt = this.numBatchesTracked;
    const update = training && nbt !== null;
    const momentum = this.momentum ?? (update ? 1 / ((nbt as Float32Array)[0] + 1) : 0);
    const c = [this.numFeatures];
    const stats = this.runningMean && this.runningVar;
    const y = batchNorm(
      t,
      stats ? { data: this.runningMean as Float32Array, shape: c } : null,
      stats ? { data: this.runningVar as Float32Array, shape: c } : null,
      this.affine ? this.param(0) : null,
      this.affine ? this.param(1) : null,
      { training: useBatch, momentum, eps: this.eps },
    );
    if (update) (nbt as Float32Array)[0] += 1;
    return y;
  }

  override describe(): string {
    const opts = [
      `eps=${this.eps}`,
      `momentum=${this.momentum}`,
      ...(this.affine ? [] : ['affine=false']),
      ...(this.trackRunningStats ? [] : ['trackRunningStats=false']),
    ];
    return `${this.kind}(${this.numFeatures}, ${opts.join(', ')})`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] (`torch.nn.BatchNorm1d`, Ioffe & Szegedy 2015):
 * batch statistics per channel in training, running statistics in eval.
 */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [1, 2];
  protected readonly expected = '[batch, C] or [batch, C, L]';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }
}

/**
 * Batch normalisation over [N, C, H, W] (`torch.nn.BatchNorm2d`, Ioffe & Szegedy 2015): batch
 * statistics per channel in training, running statistics in eval.
 */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [3];
  protected readonly expected = '[batch, C, H, W]';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }
}
