/**
 * Weight averaging over training, `torch.optim.swa_utils.AveragedModel` semantics on flat
 * parameters: SWA keeps the running mean a ← a + (θ − a)/(n + 1); EMA keeps
 * a ← decay·a + (1 − decay)·θ (`get_ema_multi_avg_fn`); the first update copies θ. Both are
 * one lerp kernel per parameter. `swap()` exchanges averaged and live weights for evaluation.
 */
import { getBackend } from '../backend/select.js';
import { describe, unused } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import type { Param } from './optimizer.js';
import { choice, interval, type OptionSpec, resolveOptions } from './options.js';
import { checkEncoded, decodeInto, type EncodedBuffer, encode } from './state-dict.js';

/** Options of {@link AveragedParams}. */
export interface AveragingOptions {
  /**
   * `'swa'`: equal-weight running mean (PyTorch's default `avg_fn`); `'ema'`: exponential
   * moving average (`get_ema_multi_avg_fn`). Default `'swa'`.
   */
  mode: 'swa' | 'ema';
  /** EMA decay in [0, 1]; only for `'ema'` (giving it with `'swa'` is refused). Default 0.999 (PyTorch's `decay`). */
  decay: number;
}

const SPEC: OptionSpec<AveragingOptions> = {
  defaults: { mode: 'swa', decay: 0.999 },
  checks: { mode: choice(['swa', 'ema']), decay: interval(0, 1, true) },
};

/** {@link AveragedParams}' state as JSON-serialisable data. */
export interface AveragingState {
  /** Number of updates folded in so far. */
  nAveraged: number;
  /** The averaged weights, one per parameter, in the constructor's order. */
  averages: EncodedBuffer[];
}

/**
 * Stochastic weight averaging (Izmailov et al. 2018) or an exponential moving average of the
 * weights, as `torch.optim.swa_utils.AveragedModel` on flat parameters: call `update()` after
 * optimizer steps, then `swap()` or `copyTo()` to evaluate with the averaged weights.
 * Batch-norm running statistics are not averaged (recompute them, as PyTorch's `update_bn`).
 */
export class AveragedParams {
  /** The resolved options. */
  readonly options: AveragingOptions;
  /** Number of updates so far (torch's `n_averaged`). */
  nAveraged = 0;
  /** The averaged weights, one per parameter. */
  readonly averages: Float32Array[];
  private readonly params: Param[];
  private readonly tmp: Float32Array[];

  constructor(params: readonly Param[], options: Partial<AveragingOptions> = {}) {
    const fn = 'AveragedParams';
    if (!Array.isArray(params) || params.length === 0) {
      throw new TypeError(
        `${fn}: params must be a non-empty array of {data, grad}, got ${describe(params)}`,
      );
    }
    params.forEach((p, i) => {
      if (!(p?.data instanceof Float32Array))
        throw new TypeError(
          `${fn}: params[${i}].data must be a Float32Array, got ${describe(p?.data)}`,
        );
    });
    this.options = resolveOptions(fn, SPEC, options);
    if (this.options.mode === 'swa')
      unused(fn, options, 'decay', "it weighs mode 'ema'; 'swa' is an equal-weight mean");
    this.params = [...params];
    this.averages = allocArena(this.params.map((p) => p.data.length));
    this.tmp = allocArena(this.params.map((p) => p.data.length));
  }

  /** Folds the current weights into the average. */
  update(): void {
    const b = getBackend();
    const w =
      this.nAveraged === 0
        ? 1
        : this.options.mode === 'ema'
          ? 1 - this.options.decay
          : 1 / (this.nAveraged + 1);
    this.params.forEach((p, i) => {
      const k = b.kernelsFor(p.data.length);
      if (this.nAveraged === 0) k.copy(this.averages[i], p.data);
      else k.lerp(this.averages[i], p.data, w);
    });
    this.nAveraged++;
  }

  /** Exchanges the live and the averaged weights (call again to undo). */
  swap(): void {
    const b = getBackend();
    this.params.forEach((p, i) => {
      const k = b.kernelsFor(p.data.length);
      k.copy(this.tmp[i], p.data);
      k.copy(p.data, this.averages[i]);
      k.copy(this.averages[i], this.tmp[i]);
    });
  }

  /** Copies the averaged weights into the live parameters. */
  copyTo(): void {
    const b = getBackend();
    this.params.forEach((p, i) => b.kernelsFor(p.data.length).copy(p.data, this.averages[i]));
  }

  /** The update count and the averaged weights, JSON-serialisable and lossless. */
  stateDict(): AveragingState {
    return { nAveraged: this.nAveraged, averages: this.averages.map(encode) };
  }

  /** Restores a state from `stateDict()` (validated before anything is written). */
  loadStateDict(sd: AveragingState): void {
    const fn = 'AveragedParams.loadStateDict';
    if (
      sd === null ||
      typeof sd !== 'object' ||
      !Number.isSafeInteger(sd.nAveraged) ||
      sd.nAveraged < 0 ||
      !Array.isArray(sd.averages)
    ) {
      throw new TypeError(`${fn}: expected {nAveraged, averages}, got ${describe(sd)}`);
    }
    if (sd.averages.length !== this.averages.length) {
      throw new RangeError(
        `${fn}: ${sd.averages.length} averages for ${this.averages.length} parameters`,
      );
    }
    sd.averages.forEach((a, i) =>
      checkEncoded(fn, `averages[${i}]`, a, 'float32', this.averages[i].length),
    );
    sd.averages.forEach((a, i) => decodeInto(fn, `averages[${i}]`, a, this.averages[i]));
    this.nAveraged = sd.nAveraged;
  }
}
