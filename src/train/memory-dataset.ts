/**
 * Data plumbing of the training loop: an in-memory dataset over {x, y} arrays (for `fit(model,
 * {x, y})` and for validation splits of datasets that cannot slice themselves), and the
 * Keras-style validation split (the last fraction of the samples, taken before shuffling).
 */
import { count, describe, f32, noMoreArgs } from '../backend/validate.js';
import { type Batch, type BatchOptions, batchOptions, type Dataset } from '../data/dataset.js';
import { gatherRowsUnchecked } from '../data/gather-rows.js';
import type { Target } from '../nn/loss.js';
import { numel, shapeStr, type Tensor } from '../nn/tensor.js';
import { Rng } from '../random.js';

/** Inputs and targets as arrays: x [N, ...], y class indices [N] or dense [N, ...]. */
export interface ArrayData {
  /** Inputs, shape [N, ...inputShape]. */
  x: Tensor;
  /** Targets: class indices (length N) or a dense tensor [N, ...]. */
  y: Target;
}

export function isDataset(v: unknown): v is Dataset {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as Dataset).batches === 'function' &&
    typeof (v as Dataset).length === 'number' &&
    Array.isArray((v as Dataset).inputShape)
  );
}

function isTensor(v: unknown): v is Tensor {
  return (
    v !== null &&
    typeof v === 'object' &&
    (v as Tensor).data instanceof Float32Array &&
    Array.isArray((v as Tensor).shape) &&
    numel((v as Tensor).shape) === (v as Tensor).data.length
  );
}

/** Samples held in memory; shuffled batches are gathered into reusable buffers. */
export class MemoryDataset implements Dataset {
  /** Number of samples. */
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly numClasses: number | null;
  private readonly sampleSize: number;
  private readonly targetShape: readonly number[] | null;
  private readonly targetSize: number;
  private xBuf = new Float32Array(0);
  private yBuf: Float32Array | Int32Array = new Int32Array(0);
  private order = new Int32Array(0);
  private draws = new Float32Array(0);

  constructor(
    /** All inputs back to back, `length × prod(inputShape)` values. */
    readonly x: Float32Array,
    /** Class indices (Int32Array, one per sample) or dense targets (Float32Array, `length × prod(targetShape)`). */
    readonly y: Float32Array | Int32Array,
    length: number,
    inputShape: readonly number[],
    targetShape: readonly number[] | null,
    numClasses: number | null,
    ...extra: never[]
  ) {
    const fn = 'MemoryDataset';
    noMoreArgs(fn, extra, 'six arguments (x, y, length, inputShape, targetShape, numClasses)');
    f32(fn, 'x', x);
    if (!(y instanceof Int32Array || y instanceof Float32Array))
      throw new TypeError(`${fn}: y must be an Int32Array or a Float32Array, got ${describe(y)}`);
    count(fn, 'length', length);
    for (const [k, s] of [
      ['inputShape', inputShape],
      ['targetShape', targetShape ?? []],
    ] as const)
      if (!Array.isArray(s) || s.some((d) => !Number.isSafeInteger(d) || d < 0))
        throw new TypeError(`${fn}: ${k} must be an array of sizes, got ${describe(s)}`);
    if ((targetShape === null) !== y instanceof Int32Array)
      throw new TypeError(
        `${fn}: targetShape must be null for class indices (an Int32Array y) and an array for dense targets`,
      );
    if (numClasses !== null) {
      count(fn, 'numClasses', numClasses);
      if (targetShape !== null)
        throw new TypeError(`${fn}: numClasses applies to class indices, not dense targets`);
    }
    const ts = targetShape ? numel(targetShape) : 1;
    if (x.length !== length * numel(inputShape) || y.length !== length * ts)
      throw new RangeError(
        `${fn}: ${length} samples of ${shapeStr(inputShape)} need x of ${length * numel(inputShape)} and y of ${length * ts} elements, got ${x.length} and ${y.length}`,
      );
    this.length = length;
    this.inputShape = [...inputShape];
    this.sampleSize = numel(inputShape);
    this.targetShape = targetShape ? [...targetShape] : null;
    this.targetSize = targetShape ? numel(targetShape) : 1;
    this.numClasses = numClasses;
  }

  /** A dataset over `{x, y}` arrays (checked: matching sample counts, typed arrays). */
  static fromArrays(fn: string, data: ArrayData): MemoryDataset {
    const { x, y } = data;
    if (!isTensor(x) || x.shape.length < 1) {
      throw new TypeError(
        `${fn}: data.x must be a Tensor {data: Float32Array, shape: [N, ...]}, got ${describe(x)}`,
      );
    }
    const n = x.shape[0];
    if (y instanceof Int32Array) {
      if (y.length !== n)
        throw new RangeError(`${fn}: data.y has ${y.length} labels, data.x ${n} samples`);
      let max = -1;
      for (const l of y) if (l > max) max = l;
      return new MemoryDataset(x.data, y, n, x.shape.slice(1), null, max + 1);
    }
    if (!isTensor(y) || y.shape.length < 1 || y.shape[0] !== n) {
      throw new TypeError(
        `${fn}: data.y must be an Int32Array of ${n} labels or a Tensor [${n}, ...], got ${isTensor(y) ? `shape ${shapeStr(y.shape)}` : describe(y)}`,
      );
    }
    return new MemoryDataset(x.data, y.data, n, x.shape.slice(1), y.shape.slice(1), null);
  }

  /** Copies any dataset into memory (one unshuffled pass). */
  static materialize(data: Dataset): MemoryDataset {
    const n = data.length;
    const sampleSize = numel(data.inputShape);
    const x = new Float32Array(n * sampleSize);
    let y: Float32Array | Int32Array | null = null;
    let targetShape: number[] | null = null;
    let o = 0;
    for (const b of data.batches({ batchSize: Math.max(1, Math.min(n, 1024)), shuffle: false })) {
      const rows = b.x.shape[0];
      x.set(b.x.data, o * sampleSize);
      if (b.y instanceof Int32Array) {
        y ??= new Int32Array(n);
        y.set(b.y, o);
      } else {
        targetShape ??= b.y.shape.slice(1);
        const ts = numel(targetShape);
        y ??= new Float32Array(n * ts);
        y.set(b.y.data, o * ts);
      }
      o += rows;
    }
    return new MemoryDataset(
      x,
      y ?? new Int32Array(0),
      n,
      data.inputShape,
      targetShape,
      data.numClasses,
    );
  }

  /** Samples [start, end) as a dataset sharing this one's storage. */
  slice(start: number, end: number): MemoryDataset {
    const ts = this.targetSize;
    return new MemoryDataset(
      this.x.subarray(start * this.sampleSize, end * this.sampleSize),
      this.y.subarray(start * ts, end * ts),
      end - start,
      this.inputShape,
      this.targetShape,
      this.numClasses,
    );
  }

  *batches(options: BatchOptions): Iterable<Batch> {
    const { batchSize, shuffle, seed, dropLast } = batchOptions('MemoryDataset.batches', options);
    const n = this.length;
    const ss = this.sampleSize;
    const ts = this.targetSize;
    let order: Int32Array | null = null;
    if (shuffle) {
      if (this.order.length !== n) {
        this.order = new Int32Array(n);
        this.draws = new Float32Array(n);
      }
      order = this.order;
      for (let i = 0; i < n; i++) order[i] = i;
      // Fisher–Yates from one batch of uniform draws (deterministic for a seed).
      new Rng(seed).uniform(this.draws, 0, 1);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.min(i, Math.floor(this.draws[i] * (i + 1)));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    const want = Math.min(batchSize, n);
    if (this.xBuf.length < want * ss) this.xBuf = new Float32Array(want * ss);
    if (this.yBuf.length < want * ts)
      this.yBuf =
        this.y instanceof Int32Array ? new Int32Array(want * ts) : new Float32Array(want * ts);
    const cache = new Map<number, Batch>();
    for (let start = 0; start < n; start += batchSize) {
      const rows = Math.min(batchSize, n - start);
      if (rows < batchSize && dropLast) break;
      let b = cache.get(rows);
      if (!b) {
        const xs = this.xBuf.subarray(0, rows * ss);
        const y: Target =
          this.targetShape === null
            ? (this.yBuf as Int32Array).subarray(0, rows)
            : {
                data: (this.yBuf as Float32Array).subarray(0, rows * ts),
                shape: [rows, ...this.targetShape],
              };
        b = { x: { data: xs, shape: [rows, ...this.inputShape] }, y, size: rows };
        cache.set(rows, b);
      }
      const picked = order?.subarray(start, start + rows);
      if (picked && ss > 0) gatherRowsUnchecked(this.x, ss, picked, b.x.data);
      else b.x.data.set(this.x.subarray(start * ss, (start + rows) * ss));
      for (let r = 0; r < rows; r++) {
        const s = picked ? picked[r] : start + r;
        if (ts === 1) this.yBuf[r] = this.y[s];
        else this.yBuf.set(this.y.subarray(s * ts, (s + 1) * ts), r * ts);
      }
      yield b;
    }
  }
}

/** A dataset, or `{x, y}` arrays wrapped into one. */
export function asDataset(fn: string, data: unknown): Dataset {
  if (isDataset(data)) return data;
  if (data !== null && typeof data === 'object' && 'x' in data && 'y' in data)
    return MemoryDataset.fromArrays(fn, data as ArrayData);
  throw new TypeError(
    `${fn}: data must be a Dataset (length, inputShape, batches()) or {x, y} arrays, got ${describe(data)}`,
  );
}

/**
 * Keras's `validation_split`: the last ⌊N·split⌋… samples (N − ⌊N·(1 − split)⌋) validate, the
 * rest train. Datasets with `slice(start, end)` are sliced; others are copied into memory.
 */
export function splitValidation(fn: string, data: Dataset, split: number): [Dataset, Dataset] {
  const n = data.length;
  const at = Math.floor(n * (1 - split));
  if (at <= 0 || at >= n) {
    throw new RangeError(
      `${fn}: validationSplit ${split} of ${n} samples leaves ${at} to train and ${n - at} to validate; both must be non-empty`,
    );
  }
  const sliceable = data as Dataset & { slice?: (s: number, e: number) => Dataset };
  if (typeof sliceable.slice === 'function')
    return [sliceable.slice(0, at), sliceable.slice(at, n)];
  const m = MemoryDataset.materialize(data);
  return [m.slice(0, at), m.slice(at, n)];
}
