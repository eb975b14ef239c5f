/**
 * The dataset contract used by training: samples with a fixed per-sample input shape, and
 * batches that are views into one buffer where possible (a shuffled batch is gathered into a
 * reusable buffer).
 */
import type { Target } from '../nn/loss.js';
import type { Tensor } from '../nn/tensor.js';

export interface Batch {
  x: Tensor;
  /** Class indices or dense targets for the batch's samples. */
  y: Target;
  /** Number of samples in this batch (the last one may be short). */
  size: number;
}

export interface BatchOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Seed of the shuffle for this pass (the training loop passes seed + epoch). */
  seed?: number;
  /** Drop a last, shorter batch (default false). */
  dropLast?: boolean;
}

export interface Dataset {
  readonly length: number;
  /** Per-sample input shape (without the batch axis). */
  readonly inputShape: readonly number[];
  /** Number of classes for labelled data, or null for dense targets. */
  readonly numClasses: number | null;
  /** One pass over the data in batches. Batch buffers are reused: copy what you keep. */
  batches(options: BatchOptions): Iterable<Batch>;
}
