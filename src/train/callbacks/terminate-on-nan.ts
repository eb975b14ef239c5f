/** TerminateOnNaN (Keras): stops training after a batch whose loss is NaN or ±Infinity. */
import { noMoreArgs } from '../../backend/validate.js';
import { BaseCallback, type Logs } from './callback.js';

export class TerminateOnNaN extends BaseCallback {
  /** The batch (and epoch) at which a non-finite loss was seen, or null. */
  terminatedAt: { epoch: number; batch: number } | null = null;
  private epoch = 0;

  constructor(...extra: never[]) {
    noMoreArgs('TerminateOnNaN', extra, 'no arguments');
    super();
  }

  onTrainBegin(): void {
    this.stopTraining = false;
    this.terminatedAt = null;
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (typeof loss === 'number' && !Number.isFinite(loss)) {
      this.terminatedAt = { epoch: this.epoch, batch };
      this.stopTraining = true;
      process.emitWarning(
        `TerminateOnNaN: batch ${batch} of epoch ${this.epoch + 1} has loss ${loss}; terminating training`,
      );
    }
  }
}
