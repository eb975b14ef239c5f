/**
 * The dataset contract used by training: samples with a fixed per-sample input shape, and
 * batches that are views into one buffer where possible (a shuffled batch is gathered into a
 * reusable buffer).
 */
import { bool, describe, knownKeys, options, positiveInt } from '../backend/validate.js';
import type { Target } from '../nn/loss.js';
import type { Tensor } from '../nn/tensor.js';

/** One batch of a {@link Dataset} pass. Its buffers are reused by the next batch: copy what you keep. */
export interface Batch {
  /** Inputs [size, ...inputShape]. */
  x: Tensor;
  /** Class indices or dense targets for the batch's samples. */
  y: Target;
  /** Number of samples in this batch (the last one may be short). */
  size: number;
}

/** Options of {@link Dataset.batches} (the `DataLoader` arguments that matter here). */
export interface BatchOptions {
  /** Samples per batch (an integer ≥ 1). PyTorch: `batch_size`. */
  batchSize: number;
  /** Visit the samples in a seeded random order (default false). PyTorch: `shuffle`. */
  shuffle?: boolean;
  /** Seed of the shuffle for this pass (the training loop passes seed + epoch). */
  seed?: number;
  /** Drop a last, shorter batch (default false). PyTorch: `drop_last`. */
  dropLast?: boolean;
}

/**
 * The dataset contract `fit`, `evaluate` and `predict` read (a map-style dataset with a built-in
 * loader): a fixed per-sample input shape and passes in batches.
 */
export interface Dataset {
  /** Number of samples. */
  readonly length: number;
  /** Per-sample input shape (without the batch axis). */
  readonly inputShape: readonly number[];
  /** Number of classes for labelled data, or null for dense targets. */
  readonly numClasses: number | null;
  /** One pass over the data in batches. Batch buffers are reused: copy what you keep. */
  batches(options: BatchOptions): Iterable<Batch>;
}

const BATCH_KEYS = ['batchSize', 'shuffle', 'seed', 'dropLast'];

/** `BatchOptions` checked (known keys, types, ranges) with their defaults filled in. */
export function batchOptions(fn: string, o: unknown): Required<BatchOptions> {
  options(fn, 'options', o);
  knownKeys(fn, 'option', o, BATCH_KEYS);
  const { batchSize, shuffle = false, seed = 0, dropLast = false } = o as BatchOptions;
  positiveInt(fn, 'batchSize', batchSize);
  bool(fn, 'shuffle', shuffle);
  bool(fn, 'dropLast', dropLast);
  const what = `${fn}: seed must be an integer in [0, 2^53), got ${describe(seed)}`;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(what);
  if (seed < 0 || !Number.isSafeInteger(seed)) throw new RangeError(what);
  return { batchSize, shuffle, seed, dropLast };
}
