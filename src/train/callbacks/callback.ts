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

/** A flat record of logged values (`loss`, `valLoss`, `accuracy`, `lr`, …) passed to callback hooks. */
export type Logs = Record<string, number>;

/** What a scheduler must offer `fit`: torch's `step()` (ReduceLROnPlateau: `step(metric)`). */
export interface SchedulerLike {
  /** Advances the schedule one step (epoch or batch); ReduceLROnPlateau takes the monitored value. */
  step(metric?: number): void;
  /** The learning rate of each param group after the last step. PyTorch: `get_last_lr()`. */
  getLastLr(): number[];
  /** The scheduler's state as JSON, saved in checkpoints. PyTorch: `state_dict()`. */
  stateDict(): Record<string, unknown>;
  /** Restores a state from {@link SchedulerLike.stateDict}. PyTorch: `load_state_dict()`. */
  loadStateDict(sd: Record<string, unknown>): void;
}

/** The training run a callback belongs to, given to `setContext` before `onTrainBegin`. */
export interface TrainContext {
  /** The model being trained. */
  readonly model: Model;
  /** The optimizer of the run. */
  readonly optimizer: OptimizerLike;
  /** The scheduler of the run, or null. */
  readonly scheduler: SchedulerLike | null;
  /** Total epochs of the run (the last epoch index is `epochs - 1`). */
  readonly epochs: number;
  /** The first epoch this run trains (> 0 when resuming). */
  readonly initialEpoch: number;
  /** Batches per epoch, and samples per epoch (of the training part). */
  readonly steps: number;
  /** Training samples per epoch (after any validation split). */
  readonly samples: number;
  /** Samples per batch (the last batch of an epoch may be smaller). */
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

/**
 * A training callback (Keras's `tf.keras.callbacks.Callback`): `fit` calls whichever hooks it
 * implements, in the order the callbacks were given. Extend {@link BaseCallback} or pass a
 * plain object.
 */
export interface Callback {
  /** Set to true to stop training after the current batch. */
  stopTraining?: boolean;
  /** Receives the run's context, before `onTrainBegin`. */
  setContext?(ctx: TrainContext): void;
  /** Called once before the first epoch. */
  onTrainBegin?(logs: Logs): void;
  /** Called once after the last epoch (or a stop), with the last epoch's `loss` and `valLoss`. */
  onTrainEnd?(logs: Logs): void;
  /** Called before each epoch; `epoch` is 0-based. */
  onEpochBegin?(epoch: number, logs: Logs): void;
  /** Called after each epoch with its logs (loss, metrics, validation values, lr, time). */
  onEpochEnd?(epoch: number, logs: Logs): void;
  /** Called before each batch; `batch` is the 0-based index within the epoch. */
  onBatchBegin?(batch: number, logs: Logs): void;
  /** Called after each batch with the batch logs (`batch`, `size`, `loss`, running metrics); the object is reused. */
  onBatchEnd?(batch: number, logs: Logs): void;
  /** JSON-serialisable state saved in checkpoints (for an exact resume). */
  stateDict?(): unknown;
  /** Restores a state from `stateDict()` when a checkpoint is loaded. */
  loadStateDict?(state: unknown): void;
}

/** A base class with the context stored and every hook a no-op. */
export abstract class BaseCallback implements Callback {
  stopTraining = false;
  /** The run's context, set by `fit` through `setContext`; null outside `fit`. */
  protected context: TrainContext | null = null;

  /** Stores the run's context (read it with `ctx()` in subclasses). */
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
