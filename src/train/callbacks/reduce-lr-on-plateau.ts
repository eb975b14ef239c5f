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

export interface ReduceLROnPlateauCallbackOptions {
  monitor?: string;
  /** new lr = lr × factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the lr is reduced (Keras semantics; default 10). */
  patience?: number;
  mode?: MonitorMode;
  /** Absolute improvement needed (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (default 0). */
  minLr?: number;
}

const KEYS = ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr'];

export class ReduceLROnPlateau extends BaseCallback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  private readonly options: Required<Omit<ReduceLROnPlateauCallbackOptions, 'monitor' | 'mode'>>;
  /** The wrapped scheduler (created when training begins). */
  scheduler: PlateauScheduler | null = null;
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

  override setContext(ctx: TrainContext): void {
    super.setContext(ctx);
    this.scheduler = this.build(ctx.optimizer);
  }

  onEpochEnd(_epoch: number, logs: Logs): void {
    const v = monitorValue(this, this.monitor, logs);
    if (v === undefined || !this.scheduler) return;
    this.scheduler.step(v);
  }

  stateDict(): unknown {
    return this.scheduler ? this.scheduler.stateDict() : null;
  }

  loadStateDict(state: unknown): void {
    if (state === null) return;
    if (!this.scheduler)
      throw new Error('ReduceLROnPlateau.loadStateDict: called before training began');
    this.scheduler.loadStateDict(state as Record<string, unknown>);
  }
}
