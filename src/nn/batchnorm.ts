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
 * - Backward: in batch-statistics mode the full batch-norm gradient through μ_B and σ²_B,
 *   dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)); in eval mode the affine map's, dx = γ·rstd·dy.
 *   dγ += Σ dy·x̂, dβ += Σ dy.
 *
 * Kernels (one pass each): `batchNormStats` (per-channel mean and variance), `batchNormForward`
 * (normalise + affine), `batchNormBackwardReduce` (Σdy, Σdy·(x − μ)) and `batchNormBackward`
 * (the dx formula). Per-channel coefficients are computed in JS (O(C) work).
 *
 * Parameters `weight` (γ, ones) and `bias` (β, zeros) when `affine`, both with
 * `regularize: false` (L1/L2 penalties do not apply to normalisation scales). Buffers, exposed
 * by `stateBuffers()` when `trackRunningStats`: `runningMean` (zeros), `runningVar` (ones),
 * `numBatchesTracked` (a float32 count, exact up to 2^24 batches).
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { type ForwardOptions, Layer, type ParamSpec, type StateBuffer } from './layer.js';
import { Scratch, shapeStr, type Tensor } from './tensor.js';

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Running-statistics factor (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learnable γ and β (default true). */
  affine?: boolean;
  /** Keep running statistics and use them in eval (default true). */
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Layer {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** Running mean per channel (null without `trackRunningStats`). */
  readonly runningMean: Float32Array | null;
  /** Running (unbiased) variance per channel. */
  readonly runningVar: Float32Array | null;
  /** Number of training batches seen (one element). */
  readonly numBatchesTracked: Float32Array | null;

  private readonly mean: Float32Array;
  private readonly rstd: Float32Array;
  private readonly var: Float32Array;
  private readonly scale: Float32Array;
  private readonly shift: Float32Array;
  private readonly s1: Float32Array;
  private readonly s2: Float32Array;
  private readonly q: Float32Array;
  private readonly r: Float32Array;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  /** Whether the last forward normalised with batch statistics. */
  private batchStats = false;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions,
    private readonly kind: string,
  ) {
    super();
    if (!Number.isSafeInteger(numFeatures) || numFeatures <= 0)
      throw new RangeError(
        `${kind}: numFeatures must be a positive integer, got ${describe(numFeatures)}`,
      );
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${kind}: options must be an object, got ${describe(options)}`);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
      throw new RangeError(`${kind}: eps must be a finite number ≥ 0, got ${describe(eps)}`);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !Number.isFinite(momentum)))
      throw new RangeError(
        `${kind}: momentum must be a finite number or null, got ${describe(momentum)}`,
      );
    for (const k of ['affine', 'trackRunningStats'] as const) {
      const v = options[k];
      if (v !== undefined && typeof v !== 'boolean')
        throw new TypeError(`${kind}: ${k} must be a boolean, got ${describe(v)}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const c = numFeatures;
    this.runningMean = this.trackRunningStats ? new Float32Array(c) : null;
    this.runningVar = this.trackRunningStats ? new Float32Array(c).fill(1) : null;
    this.numBatchesTracked = this.trackRunningStats ? new Float32Array(1) : null;
    [this.mean, this.rstd, this.var, this.scale, this.shift, this.s1, this.s2, this.q, this.r] =
      Array.from({ length: 9 }, () => new Float32Array(c));
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

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const training = opts.training ?? false;
    const c = this.numFeatures;
    const outer = x.shape[0];
    const inner = x.data.length / (outer * c) || 0;
    const m = outer * inner;
    const k = getBackend().kernelsFor(x.data.length);
    const [w, b] = this.bound;
    const batchStats = training || !this.trackRunningStats;
    if (batchStats) {
      if (training && m <= 1) {
        throw new RangeError(
          `${this.name}.forward: expected more than 1 value per channel when training, got input of shape ${shapeStr(x.shape)}`,
        );
      }
      k.batchNormStats(this.mean, this.var, x.data, outer, c, inner);
      for (let j = 0; j < c; j++) this.rstd[j] = 1 / Math.sqrt(this.var[j] + this.eps);
      const rm = this.runningMean;
      const rv = this.runningVar;
      const nbt = this.numBatchesTracked;
      if (training && rm && rv && nbt) {
        nbt[0] += 1;
        const f = this.momentum ?? 1 / nbt[0];
        const unbias = m / (m - 1);
        for (let j = 0; j < c; j++) {
          rm[j] = (1 - f) * rm[j] + f * this.mean[j];
          rv[j] = (1 - f) * rv[j] + f * this.var[j] * unbias;
        }
      }
    } else {
      const rm = this.runningMean as Float32Array;
      const rv = this.runningVar as Float32Array;
      this.mean.set(rm);
      for (let j = 0; j < c; j++) this.rstd[j] = 1 / Math.sqrt(rv[j] + this.eps);
    }
    for (let j = 0; j < c; j++) {
      this.scale[j] = w ? w.data[j] * this.rstd[j] : this.rstd[j];
      this.shift[j] = b ? b.data[j] : 0;
    }
    const y = this.yBuf.get(x.shape);
    k.batchNormForward(y.data, x.data, this.mean, this.scale, this.shift, outer, c, inner);
    this.x = x;
    this.out = y;
    this.batchStats = batchStats;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const c = this.numFeatures;
    const outer = x.shape[0];
    const inner = x.data.length / (outer * c) || 0;
    const m = outer * inner;
    const k = getBackend().kernelsFor(x.data.length);
    const [w, b] = this.bound;
    const { rstd, s1, s2, q, r } = this;
    if (this.affine || this.batchStats)
      k.batchNormBackwardReduce(s1, s2, dy.data, x.data, this.mean, outer, c, inner);
    if (w && b) {
      for (let j = 0; j < c; j++) {
        w.grad[j] += s2[j] * rstd[j];
        b.grad[j] += s1[j];
      }
    }
    // p = γ·rstd (kept in `scale` from the forward); q, r as in the kernel's contract.
    for (let j = 0; j < c; j++) {
      if (this.batchStats) {
        const p = this.scale[j];
        q[j] = (-p * rstd[j] * rstd[j] * s2[j]) / m;
        r[j] = (-p * s1[j]) / m;
      } else {
        q[j] = 0;
        r[j] = 0;
      }
    }
    const dx = this.dxBuf.get(x.shape);
    k.batchNormBackward(dx.data, dy.data, x.data, this.mean, this.scale, q, r, outer, c, inner);
    return dx;
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

/** `torch.nn.BatchNorm1d`: input [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [1, 2];
  protected readonly expected = '[batch, C] or [batch, C, L]';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm1d');
  }
}

/** `torch.nn.BatchNorm2d`: input [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [3];
  protected readonly expected = '[batch, C, H, W]';
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, 'BatchNorm2d');
  }
}
