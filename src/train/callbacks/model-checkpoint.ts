/**
 * ModelCheckpoint (Keras): saves a full checkpoint (model, optimizer, scheduler, generators,
 * epoch, callback state; see checkpoint.ts) at the end of each epoch, or with `saveBestOnly`
 * only when the monitored quantity is better than every earlier epoch's. `dir` may contain
 * `{epoch}` (replaced by the 1-based epoch number) to keep one checkpoint per epoch;
 * otherwise the one directory is replaced atomically each time.
 */
import { describe, knownKeys, unused } from '../../backend/validate.js';
import { saveCheckpoint } from '../checkpoint.js';
import { BaseCallback, type Logs } from './callback.js';
import { type MonitorMode, monitorKey, monitorValue, resolveMode } from './monitor.js';

/** Options of {@link ModelCheckpoint}. */
export interface ModelCheckpointOptions {
  /** Checkpoint directory; `{epoch}` is replaced by the epoch number (1-based). Keras: `filepath`. */
  dir: string;
  /** Save only when the monitored quantity improves (default false). Keras: `save_best_only`. */
  saveBestOnly?: boolean;
  /** Quantity compared with `saveBestOnly` (default 'valLoss'). Keras: `monitor`. */
  monitor?: string;
  /** Whether lower or higher is better; `'auto'` (default) picks max for accuracy-like names, else min. Keras: `mode`. */
  mode?: MonitorMode;
  /** JSON data saved with every checkpoint (its manifest's `extra`), e.g. the run's settings. */
  extra?: unknown;
}

/**
 * Saves a full checkpoint (model, optimizer, scheduler, generators, epoch, callback state) at
 * the end of each epoch, or only on improvement with `saveBestOnly` (Keras's `ModelCheckpoint`).
 * Resume with `fit(..., { resumeFrom: dir })`.
 */
export class ModelCheckpoint extends BaseCallback {
  /** The checkpoint directory pattern (`{epoch}` is replaced by the 1-based epoch). */
  readonly dir: string;
  /** Whether only improving epochs are saved. */
  readonly saveBestOnly: boolean;
  /** The log key compared with `saveBestOnly`. */
  readonly monitor: string;
  /** The resolved direction: `'min'` when lower is better. */
  readonly mode: 'min' | 'max';
  /** Best monitored value so far (±Infinity before the first). */
  best: number;
  /** Directories written, in order. */
  readonly saved: string[] = [];
  /** Set once the monitored key was missing from the logs (warned once per callback). */
  warned = false;
  private readonly extra: unknown;

  constructor(options: ModelCheckpointOptions) {
    super();
    const fn = 'ModelCheckpoint';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object with a dir, got ${describe(options)}`);
    knownKeys(fn, 'option', options, ['dir', 'saveBestOnly', 'monitor', 'mode', 'extra']);
    this.extra = options.extra;
    if (typeof options.dir !== 'string' || options.dir.length === 0)
      throw new TypeError(
        `${fn}: option dir must be a non-empty path, got ${describe(options.dir)}`,
      );
    this.dir = options.dir;
    this.saveBestOnly = options.saveBestOnly ?? false;
    if (typeof this.saveBestOnly !== 'boolean')
      throw new TypeError(
        `${fn}: option saveBestOnly must be a boolean, got ${describe(options.saveBestOnly)}`,
      );
    if (!this.saveBestOnly)
      for (const k of ['monitor', 'mode'])
        unused(
          fn,
          options,
          k,
          'it picks the best epoch, and saveBestOnly is false (every epoch is saved)',
        );
    this.monitor = monitorKey(fn, options.monitor ?? 'valLoss');
    this.mode = resolveMode(fn, options.mode ?? 'auto', this.monitor);
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** The directory for an epoch (0-based index). */
  pathFor(epoch: number): string {
    return this.dir.replaceAll('{epoch}', String(epoch + 1));
  }

  /** Saves the checkpoint for this epoch (when it improves, with `saveBestOnly`). */
  onEpochEnd(epoch: number, logs: Logs): void {
    if (this.saveBestOnly) {
      const v = monitorValue(this, this.monitor, logs);
      if (v === undefined) return;
      const better = this.mode === 'min' ? v < this.best : v > this.best;
      if (!better) return;
      this.best = v;
    }
    const ctx = this.ctx();
    const dir = this.pathFor(epoch);
    saveCheckpoint(dir, {
      model: ctx.model,
      optimizer: ctx.optimizer,
      scheduler: ctx.scheduler ?? undefined,
      epoch: epoch + 1,
      seed: ctx.seed,
      callbacks: ctx.callbacks,
      extra: this.extra,
    });
    this.saved.push(dir);
  }

  /** The best value so far, saved in checkpoints. */
  stateDict(): unknown {
    return { best: String(this.best) };
  }

  /** Restores the best value saved by `stateDict()`. */
  loadStateDict(state: unknown): void {
    const s = state as { best?: unknown };
    if (s === null || typeof s !== 'object' || typeof s.best !== 'string')
      throw new TypeError(`ModelCheckpoint.loadStateDict: expected {best}, got ${describe(state)}`);
    this.best = Number(s.best);
  }
}
