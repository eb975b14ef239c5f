/**
 * ReduceLROnPlateau as a callback (Keras-style convenience around the library's
 * `lr_scheduler.ReduceLROnPlateau`): at each epoch end the monitored quantity steps the
 * scheduler. Keras counts patience differently from torch — Keras reduces after `patience`
 * epochs without improvement, torch after more than `patience` — so the scheduler is built
 * with torch patience `max(0, patience − 1)`; an improvement is a change of more than
 * `minDelta` (absolute, Keras's `min_delta`).
 */
import { count, describe, knownKeys } from '../../backend/validate.js';
import { ReduceLROnPlateau as PlateauScheduler } from '../../lr_scheduler/reduce-lr-on-plateau.js';
import { BaseCallback, type Logs, type TrainContext } from './callback.js';
import { type MonitorMode, monitorKey, monitorValue, resolveMode } from './monitor.js';

/** Options of the {@link ReduceLROnPlateau} callback (Keras's arguments, camelCase). */
export interface ReduceLROnPlateauCallbackOptions {
  /** Quantity to watch (default 'valLoss'; Keras's 'val_loss' is accepted). */
  monitor?: string;
  /** new lr = lr × factor (default 0.1). Keras: `factor`. */
  factor?: number;
  /** Epochs without improvement before the lr is reduced (Keras semantics; default 10). */
  patience?: number;
  /** Whether lower or higher is better; `'auto'` (default) picks max for accuracy-like names, else min. Keras: `mode`. */
  mode?: MonitorMode;
  /** Absolute improvement needed (default 1e-4). Keras: `min_delta`. */
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). Keras: `cooldown`. */
  cooldown?: number;
  /** Lower bound on the lr (default 0). Keras: `min_lr`. */
  minLr?: number;
}

const KEYS = ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr'];

/**
 * Multiplies the learning rate by `factor` when a monitored quantity has not improved for
 * `patience` epochs (Keras's `ReduceLROnPlateau` callback, built on `lrScheduler.ReduceLROnPlateau`).
 */
export class ReduceLROnPlateau extends BaseCallback {
  /** The log key watched. */
  readonly monitor: string;
  /** The resolved direction: `'min'` when lower is better. */
  readonly mode: 'min' | 'max';
  private readonly options: Required<Omit<ReduceLROnPlateauCallbackOptions, 'monitor' | 'mode'>>;
  /** The wrapped scheduler (created when training begins). */
  scheduler: PlateauScheduler | null = null;
  /** Set once the monitored key was missing from the logs (warned once per callback). */
  warned = false;

  constructor(options: ReduceLROnPlateauCallbackOptions = {}) {
    super();
    const fn = 'ReduceLROnPlateau';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    knownKeys(fn, 'option', options, KEYS);
    this.monitor = monitorKey(fn, options.monitor ?? 'valLoss');
    this.mode = resolveMode(fn, options.mode ?? 'auto', this.monitor);
    const patience = options.patience ?? 10;
    count(fn, 'option patience', patience);
    this.options = {
      factor: options.factor ?? 0.1,
      patience,
      minDelta: options.minDelta ?? 1e-4,
      cooldown: options.cooldown ?? 0,
      minLr: options.minLr ?? 0,
    };
    // The scheduler's own checks, on a throwaway optimizer, so bad options fail here.
    this.build({ paramGroups: [{ lr: 1 }] });
  }

  private build(optimizer: { paramGroups: ReadonlyArray<{ lr: number }> }): PlateauScheduler {
    const o = this.options;
    return new PlateauScheduler(optimizer, {
      mode: this.mode,
      factor: o.factor,
      patience: Math.max(0, o.patience - 1),
      threshold: o.minDelta,
      thresholdMode: 'abs',
      cooldown: o.cooldown,
      minLr: o.minLr,
    });
  }

  /** Stores the context and builds the scheduler over the run's optimizer. */
  override setContext(ctx: TrainContext): void {
    super.setContext(ctx);
    this.scheduler = this.build(ctx.optimizer);
  }

  /** Steps the scheduler with the monitored value. */
  onEpochEnd(_epoch: number, logs: Logs): void {
    const v = monitorValue(this, this.monitor, logs);
    if (v === undefined || !this.scheduler) return;
    this.scheduler.step(v);
  }

  /** The wrapped scheduler's state, or null before training began. */
  stateDict(): unknown {
    return this.scheduler ? this.scheduler.stateDict() : null;
  }

  /** Restores the wrapped scheduler's state (after `setContext`). */
  loadStateDict(state: unknown): void {
    if (state === null) return;
    if (!this.scheduler)
      throw new Error('ReduceLROnPlateau.loadStateDict: called before training began');
    this.scheduler.loadStateDict(state as Record<string, unknown>);
  }
}
