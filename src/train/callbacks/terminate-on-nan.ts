/** TerminateOnNaN (Keras): stops training after a batch whose loss is NaN or ±Infinity. */
import { noMoreArgs } from '../../backend/validate.js';
import { emitWarning } from '../../host.js';
import { BaseCallback, type Logs } from './callback.js';

/** Stops training after a batch whose loss is NaN or ±Infinity (Keras's `TerminateOnNaN`). */
export class TerminateOnNaN extends BaseCallback {
  /** The batch (and epoch) at which a non-finite loss was seen, or null. */
  terminatedAt: {
    /** The 0-based epoch. */
    epoch: number;
    /** The 0-based batch within the epoch. */
    batch: number;
  } | null = null;
  private epoch = 0;

  constructor(...extra: never[]) {
    noMoreArgs('TerminateOnNaN', extra, 'no arguments');
    super();
  }

  /** Clears `terminatedAt` and `stopTraining`. */
  onTrainBegin(): void {
    this.stopTraining = false;
    this.terminatedAt = null;
  }

  /** Records the epoch for `terminatedAt`. */
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  /** Stops training (and warns) when the batch loss is not finite. */
  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (typeof loss === 'number' && !Number.isFinite(loss)) {
      this.terminatedAt = { epoch: this.epoch, batch };
      this.stopTraining = true;
      emitWarning(
        `TerminateOnNaN: batch ${batch} of epoch ${this.epoch + 1} has loss ${loss}; terminating training`,
      );
    }
  }
}
