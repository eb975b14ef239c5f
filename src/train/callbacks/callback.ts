/**
 * The callback contract of `fit` (Keras semantics, camelCase names). A callback implements any
 * of the hooks; `fit` calls them in the order the callbacks were given. Setting
 * `stopTraining = true` in any hook ends training after the current batch (the epoch's logs
 * and `onEpochEnd` still run for the batches done, as in Keras).
 *
 * Logs are flat `{ name: number }` records: `loss`, `valLoss`, each metric by its name
 * (`accuracy`, `mae`, `topK:5`) and with a `val` prefix for validation (`valAccuracy`), `lr`, `time`
 * (seconds) and `samplesPerSec`. Batch logs (`batch`, `size`, `loss` and the running
 * metrics) are one object reused for every batch: copy what you keep.
 */

import type { Model } from '../../nn/model.js';
import type { OptimizerLike } from '../../optim/optimizer.js';

export type Logs = Record<string, number>;

/** What a scheduler must offer `fit`: torch's `step()` (ReduceLROnPlateau: `step(metric)`). */
export interface SchedulerLike {
  step(metric?: number): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}

/** The training run a callback belongs to, given to `setContext` before `onTrainBegin`. */
export interface TrainContext {
  readonly model: Model;
  readonly optimizer: OptimizerLike;
  readonly scheduler: SchedulerLike | null;
  /** Total epochs of the run (the last epoch index is `epochs - 1`). */
  readonly epochs: number;
  /** The first epoch this run trains (> 0 when resuming). */
  readonly initialEpoch: number;
  /** Batches per epoch, and samples per epoch (of the training part). */
  readonly steps: number;
  readonly samples: number;
  readonly batchSize: number;
  /** Seed of the data shuffle (epoch e shuffles with seed + e). */
  readonly seed: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  readonly verbose: 0 | 1 | 2;
  /** Metric names, as given to fit. */
  readonly metrics: readonly string[];
  /** Every callback of the run (ModelCheckpoint saves their state). */
  readonly callbacks: readonly Callback[];
}

export interface Callback {
  /** Set to true to stop training after the current batch. */
  stopTraining?: boolean;
  setContext?(ctx: TrainContext): void;
  onTrainBegin?(logs: Logs): void;
  onTrainEnd?(logs: Logs): void;
  onEpochBegin?(epoch: number, logs: Logs): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
  onBatchBegin?(batch: number, logs: Logs): void;
  onBatchEnd?(batch: number, logs: Logs): void;
  /** JSON-serialisable state saved in checkpoints (for an exact resume). */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** A base class with the context stored and every hook a no-op. */
export abstract class BaseCallback implements Callback {
  stopTraining = false;
  protected context: TrainContext | null = null;

  setContext(ctx: TrainContext): void {
    this.context = ctx;
  }

  /** The context, or an error naming the callback when used outside `fit`. */
  protected ctx(): TrainContext {
    if (!this.context) {
      throw new Error(`${this.constructor.name}: used outside fit (no training context)`);
    }
    return this.context;
  }
}
