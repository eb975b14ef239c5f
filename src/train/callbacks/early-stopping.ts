/**
 * EarlyStopping, Keras 3 semantics: stops when the monitored quantity has not improved by more
 * than `minDelta` for `patience` epochs. An improvement resets the wait only when it also
 * beats `baseline` (if given). With `restoreBestWeights`, a snapshot of the parameter arena
 * (and state buffers) is taken at each best epoch (and after the first monitored epoch, if
 * nothing ever improves) and copied back at the end of training.
 */
import { count, describe, finite, knownKeys } from '../../backend/validate.js';
import { restoreSnapshot, takeSnapshot } from '../snapshot.js';
import { BaseCallback, type Logs } from './callback.js';
import { type MonitorMode, monitorKey, monitorValue, resolveMode } from './monitor.js';

/** Options of {@link EarlyStopping} (Keras's `EarlyStopping` arguments, camelCase). */
export interface EarlyStoppingOptions {
  /** Quantity to watch (default 'valLoss'; Keras's 'val_loss' is accepted). */
  monitor?: string;
  /** Smallest change that counts as an improvement (absolute; default 0). Keras: `min_delta`. */
  minDelta?: number;
  /** Epochs without improvement after which training stops (default 0). Keras: `patience`. */
  patience?: number;
  /** Whether lower (`'min'`) or higher (`'max'`) is better; `'auto'` (default) picks max for accuracy-like names, else min. Keras: `mode`. */
  mode?: MonitorMode;
  /** A value the quantity must beat for the wait to reset. Keras: `baseline`. */
  baseline?: number;
  /** Copy the best epoch's weights back at the end (default false). Keras: `restore_best_weights`. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (default 0). Keras: `start_from_epoch`. */
  startFromEpoch?: number;
}

const KEYS = [
  'monitor',
  'minDelta',
  'patience',
  'mode',
  'baseline',
  'restoreBestWeights',
  'startFromEpoch',
];

/**
 * Stops training when a monitored quantity has stopped improving (Keras 3's `EarlyStopping`),
 * optionally restoring the best epoch's weights at the end.
 */
export class EarlyStopping extends BaseCallback {
  /** The log key watched (camelCase; `val_loss` is read as `valLoss`). */
  readonly monitor: string;
  /** The resolved direction: `'min'` when lower is better. */
  readonly mode: 'min' | 'max';
  /** Epochs without improvement after which training stops. */
  readonly patience: number;
  /** The value an improvement must also beat to reset the wait, if any. */
  readonly baseline: number | undefined;
  /** Whether the best epoch's parameters are copied back when training ends. */
  readonly restoreBestWeights: boolean;
  /** Epochs (0-based index) before which the quantity is not monitored. */
  readonly startFromEpoch: number;
  /** Signed as in Keras: negative in 'min' mode. */
  private readonly minDelta: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The 0-based epoch at which training was stopped, or 0 when it was not. */
  stoppedEpoch = 0;
  /** The best monitored value so far, or null before the first monitored epoch. */
  best: number | null = null;
  /** The 0-based epoch of `best`. */
  bestEpoch = 0;
  private bestWeights: Float32Array | null = null;
  private snapshot: Float32Array | null = null;
  /** Set once the monitored key was missing from the logs (warned once per callback). */
  warned = false;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const fn = 'EarlyStopping';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    knownKeys(fn, 'option', options, KEYS);
    this.monitor = monitorKey(fn, options.monitor ?? 'valLoss');
    this.mode = resolveMode(fn, options.mode ?? 'auto', this.monitor);
    const minDelta = options.minDelta ?? 0;
    finite(fn, 'option minDelta', minDelta);
    this.minDelta = this.mode === 'max' ? Math.abs(minDelta) : -Math.abs(minDelta);
    this.patience = options.patience ?? 0;
    count(fn, 'option patience', this.patience);
    this.startFromEpoch = options.startFromEpoch ?? 0;
    count(fn, 'option startFromEpoch', this.startFromEpoch);
    if (
      options.baseline !== undefined &&
      (typeof options.baseline !== 'number' || Number.isNaN(options.baseline))
    )
      throw new TypeError(
        `${fn}: option baseline must be a number, got ${describe(options.baseline)}`,
      );
    this.baseline = options.baseline;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    if (typeof this.restoreBestWeights !== 'boolean')
      throw new TypeError(
        `${fn}: option restoreBestWeights must be a boolean, got ${describe(options.restoreBestWeights)}`,
      );
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.mode === 'max'
      ? value - this.minDelta > reference
      : value - this.minDelta < reference;
  }

  /** Resets the counters and the best value. */
  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
    this.stopTraining = false;
  }

  private snap(): void {
    this.snapshot = takeSnapshot(this.ctx().model, this.snapshot ?? undefined);
    this.bestWeights = this.snapshot;
  }

  /** Compares the monitored value with the best and sets `stopTraining` after `patience` epochs without improvement. */
  onEpochEnd(epoch: number, logs: Logs): void {
    const current = monitorValue(this, this.monitor, logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.snap();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.snap();
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.stopTraining = true;
    }
  }

  /** With `restoreBestWeights`, copies the best epoch's parameters and state buffers back. */
  onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights !== null)
      restoreSnapshot(this.ctx().model, this.bestWeights);
  }

  /** Counters and best value (not the snapshot: a resumed run starts a new one). */
  stateDict(): unknown {
    return {
      wait: this.wait,
      best: this.best === null ? null : String(this.best),
      bestEpoch: this.bestEpoch,
    };
  }

  /** Restores the counters and best value saved by `stateDict()`. */
  loadStateDict(state: unknown): void {
    const fn = 'EarlyStopping.loadStateDict';
    const s = state as { wait?: unknown; best?: unknown; bestEpoch?: unknown };
    if (
      s === null ||
      typeof s !== 'object' ||
      !Number.isSafeInteger(s.wait) ||
      !Number.isSafeInteger(s.bestEpoch) ||
      !(s.best === null || typeof s.best === 'string')
    )
      throw new TypeError(`${fn}: expected {wait, best, bestEpoch}, got ${describe(state)}`);
    this.wait = s.wait as number;
    this.best = s.best === null ? null : Number(s.best);
    this.bestEpoch = s.bestEpoch as number;
  }
}
