/**
 * An in-memory dataset over one input tensor [N, ...inputShape] and its targets (class indices
 * or a dense tensor [N, ...]). Unshuffled batches are views into the stored buffers; shuffled
 * ones (and batches of a subset) are gathered into two reusable buffers, so a pass allocates
 * nothing per batch. The shuffle is a seeded Fisher–Yates whose draws come from `Rng`, so an
 * order is identical on both backends.
 *
 * The buffers belong to the dataset: run one pass over a given dataset at a time, and copy
 * what you keep from a batch (a split's parts are separate datasets with their own buffers).
 */
import { bool, count, describe, finite, optionsOf, unused } from '../backend/validate.js';
import type { Target } from '../nn/loss.js';
import { numel, shapeStr, type Tensor } from '../nn/tensor.js';
import { Rng } from '../random.js';
import { type Batch, type BatchOptions, batchOptions, type Dataset } from './dataset.js';
import { gatherRowsUnchecked } from './gather-rows.js';

/** Options of {@link TensorDataset}. */
export interface TensorDatasetOptions {
  /** Number of classes for class-index targets (default: largest label + 1). */
  numClasses?: number;
  /**
   * The stored samples this dataset consists of, in order (default: all of them). Subsets
   * share the stored buffers.
   */
  indices?: ArrayLike<number>;
}

/** Options of {@link TensorDataset.split}. */
export interface SplitOptions {
  /** Assign samples to the two parts at random (default true); false: validation = the last samples. */
  shuffle?: boolean;
  /** Seed of that assignment (default 0). */
  seed?: number;
}

/** Largest dataset the shuffle accepts (its integer draws are exact below this). */
const MAX_SHUFFLE = 2 ** 29;
const TWO24 = 16777216;

/**
 * A seeded Fisher–Yates shuffle of `order` in place. Each swap index j in [0, i] comes from
 * two 24-bit uniform draws (a 48-bit fraction r) as floor(r·(i+1)), computed exactly in
 * integers; `draws` is a scratch buffer of at least 2·(n−1) floats.
 */
export function shuffleInPlace(order: Int32Array, rng: Rng, draws?: Float32Array): void {
  const n = order.length;
  if (n < 2) return;
  if (n > MAX_SHUFFLE)
    throw new RangeError(`shuffle: at most 2^29 elements are supported, got ${n}`);
  const m = 2 * (n - 1);
  const u = draws && draws.length >= m ? draws.subarray(0, m) : new Float32Array(m);
  rng.uniform(u, 0, 1);
  for (let i = n - 1, k = 0; i > 0; i--, k += 2) {
    const a = u[k] * TWO24; // exact 24-bit integers: uniform() returns k·2^-24
    const b = u[k + 1] * TWO24;
    const span = i + 1;
    // floor((a·2^24 + b)·span / 2^48), exact: every intermediate stays below 2^53.
    const j = Math.floor((a * span + Math.floor((b * span) / TWO24)) / TWO24);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, seed = 0): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`permutation: n must be an integer ≥ 0, got ${describe(n)}`);
  if (!Number.isFinite(seed))
    throw new TypeError(`permutation: seed must be a finite number, got ${describe(seed)}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, new Rng(seed));
  return order;
}

/**
 * An in-memory dataset over an input tensor [N, ...] and its targets (torch.utils.data.TensorDataset
 * with a built-in loader): unshuffled batches are views, shuffled ones are gathered into reused
 * buffers, and the seeded shuffle gives the same order on every backend.
 *
 * @example
 * ```ts
 * import { data } from 'descent-ml';
 *
 * const x = { data: new Float32Array(100 * 3), shape: [100, 3] };
 * const y = new Int32Array(100).map((_, i) => i % 2);
 * const [trainSet, valSet] = new data.TensorDataset(x, y).split(0.2, { seed: 1 });
 * for (const batch of trainSet.batches({ batchSize: 16, shuffle: true, seed: 0 })) {
 *   console.log(batch.size, batch.x.shape); // 16 [16, 3]
 * }
 * console.log(valSet.length); // 20
 * ```
 */
export class TensorDataset implements Dataset {
  /** The stored inputs [N, ...inputShape] (shared by subsets). */
  readonly x: Tensor;
  /** The stored targets: class indices [N], or a dense tensor [N, ...targetShape]. */
  readonly y: Int32Array | Tensor;
  /** The stored samples this dataset consists of, or null for all of them in order. */
  readonly indices: Int32Array | null;
  /** Number of samples. */
  readonly length: number;
  /** Per-sample input shape (without the batch axis). */
  readonly inputShape: readonly number[];
  /** Per-sample shape of dense targets, or null for class indices. */
  readonly targetShape: readonly number[] | null;
  /** Number of classes for class-index targets, or null for dense targets. */
  readonly numClasses: number | null;
  private readonly sampleSize: number;
  private readonly targetSize: number;
  // Reusable buffers of the gathered batches and of the shuffle.
  private xBuf = new Float32Array(0);
  private yBuf: Int32Array | Float32Array = new Int32Array(0);
  private order = new Int32Array(0);
  private draws = new Float32Array(0);

  constructor(x: Tensor, y: Int32Array | Tensor, options: TensorDatasetOptions = {}) {
    const fn = 'TensorDataset';
    optionsOf(fn, options, ['numClasses', 'indices']);
    if (options.numClasses !== undefined) count(fn, 'numClasses', options.numClasses);
    const given = options.indices;
    if (
      given !== undefined &&
      !Array.isArray(given) &&
      !(ArrayBuffer.isView(given) && 'length' in given)
    )
      throw new TypeError(
        `${fn}: indices must be an array of sample indices, got ${describe(options.indices)}`,
      );
    if (
      !x ||
      !(x.data instanceof Float32Array) ||
      !Array.isArray(x.shape) ||
      x.shape.length < 1 ||
      numel(x.shape) !== x.data.length
    ) {
      throw new TypeError(
        `${fn}: x must be a Tensor {data: Float32Array, shape: [N, ...]} whose shape matches its data, got ${x && Array.isArray(x.shape) ? `shape ${shapeStr(x.shape)} with ${describe(x.data)}` : describe(x)}`,
      );
    }
    const n = x.shape[0];
    this.x = x;
    this.inputShape = Object.freeze(x.shape.slice(1));
    this.sampleSize = numel(this.inputShape);
    if (y instanceof Int32Array) {
      if (y.length !== n) {
        throw new RangeError(
          `${fn}: y has ${y.length} labels, x has ${n} samples (shape ${shapeStr(x.shape)})`,
        );
      }
      let max = -1;
      for (let i = 0; i < n; i++) {
        if (y[i] < 0) throw new RangeError(`${fn}: y[${i}] = ${y[i]} is a negative class index`);
        if (y[i] > max) max = y[i];
      }
      const k = options.numClasses ?? max + 1;
      if (!Number.isSafeInteger(k) || k < 0)
        throw new RangeError(`${fn}: numClasses must be a non-negative integer, got ${k}`);
      if (max >= k) {
        throw new RangeError(
          `${fn}: labels must be in [0, numClasses = ${k}), the largest is ${max}`,
        );
      }
      this.numClasses = k;
      this.targetShape = null;
      this.targetSize = 1;
    } else if (
      y &&
      y.data instanceof Float32Array &&
      Array.isArray(y.shape) &&
      numel(y.shape) === y.data.length
    ) {
      if (y.shape.length < 1 || y.shape[0] !== n) {
        throw new RangeError(
          `${fn}: y has shape ${shapeStr(y.shape)}, x has ${n} samples (shape ${shapeStr(x.shape)})`,
        );
      }
      if (options.numClasses !== undefined)
        throw new TypeError(`${fn}: numClasses applies to class-index targets (an Int32Array)`);
      this.numClasses = null;
      this.targetShape = Object.freeze(y.shape.slice(1));
      this.targetSize = numel(this.targetShape);
    } else {
      throw new TypeError(
        `${fn}: y must be an Int32Array of class indices or a Tensor of dense targets, got ${describe(y)}`,
      );
    }
    this.y = y;
    if (options.indices !== undefined) {
      const idx = Int32Array.from(options.indices);
      for (let i = 0; i < idx.length; i++) {
        if (!(idx[i] >= 0 && idx[i] < n) || idx[i] !== options.indices[i]) {
          throw new RangeError(
            `${fn}: indices[${i}] = ${options.indices[i]} is not a sample index in [0, ${n})`,
          );
        }
      }
      this.indices = idx;
      this.length = idx.length;
    } else {
      this.indices = null;
      this.length = n;
    }
  }

  /** A dataset of some of this one's samples (positions in this dataset), sharing storage. */
  subset(positions: ArrayLike<number>): TensorDataset {
    const idx = new Int32Array(positions.length);
    for (let i = 0; i < idx.length; i++) {
      const p = positions[i];
      if (!Number.isInteger(p) || p < 0 || p >= this.length) {
        throw new RangeError(
          `TensorDataset.subset: positions[${i}] = ${p} is not in [0, ${this.length})`,
        );
      }
      idx[i] = this.indices ? this.indices[p] : p;
    }
    return new TensorDataset(this.x, this.y, {
      numClasses: this.numClasses ?? undefined,
      indices: idx,
    });
  }

  /** Samples [start, end) as a dataset over views of the stored buffers (no copy when contiguous). */
  slice(start: number, end = this.length): TensorDataset {
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > this.length ||
      start > end
    ) {
      throw new RangeError(
        `TensorDataset.slice: need 0 <= start <= end <= ${this.length}, got [${start}, ${end})`,
      );
    }
    const opts = { numClasses: this.numClasses ?? undefined };
    if (this.indices)
      return new TensorDataset(this.x, this.y, {
        ...opts,
        indices: this.indices.subarray(start, end),
      });
    const d = this.sampleSize;
    const x = {
      data: this.x.data.subarray(start * d, end * d),
      shape: [end - start, ...this.inputShape],
    };
    const y =
      this.y instanceof Int32Array
        ? this.y.subarray(start, end)
        : {
            data: this.y.data.subarray(start * this.targetSize, end * this.targetSize),
            shape: [end - start, ...this.targetShape!],
          };
    return new TensorDataset(x, y, opts);
  }

  /** The same samples seen with another per-sample input shape of equal size (shares storage). */
  reshape(inputShape: readonly number[]): TensorDataset {
    if (
      numel(inputShape) !== this.sampleSize ||
      inputShape.some((d) => !Number.isSafeInteger(d) || d < 0)
    ) {
      throw new RangeError(
        `TensorDataset.reshape: shape ${shapeStr(inputShape)} does not have the ${this.sampleSize} elements of ${shapeStr(this.inputShape)}`,
      );
    }
    const x = { data: this.x.data, shape: [this.x.shape[0], ...inputShape] };
    return new TensorDataset(x, this.y, {
      numClasses: this.numClasses ?? undefined,
      indices: this.indices ?? undefined,
    });
  }

  /** Stored sample index of position `i`. */
  storedIndex(i: number): number {
    return this.indices ? this.indices[i] : i;
  }

  /** Sample `i`'s input (a view) and target (a class index or a view). */
  get(i: number): {
    /** The input, a view of [...inputShape] values. */
    x: Float32Array;
    /** The class index, or a view of the dense target. */
    y: number | Float32Array;
  } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new RangeError(`TensorDataset.get: index ${i} is not in [0, ${this.length})`);
    const s = this.storedIndex(i);
    const d = this.sampleSize;
    const t = this.targetSize;
    return {
      x: this.x.data.subarray(s * d, (s + 1) * d),
      y: this.y instanceof Int32Array ? this.y[s] : this.y.data.subarray(s * t, (s + 1) * t),
    };
  }

  /**
   * Splits into [train, validation]. `spec`: the validation fraction in [0, 1] (rounded to a
   * whole number of samples) or `{ validation: n }`. With `shuffle` (default) the validation
   * samples are drawn by a seeded permutation and both parts are index sets over the same
   * storage (each kept in storage order); without, validation is the last samples and both
   * parts are views.
   */
  split(
    spec: number | { validation: number },
    options: SplitOptions = {},
  ): [TensorDataset, TensorDataset] {
    const fn = 'TensorDataset.split';
    optionsOf(fn, options, ['shuffle', 'seed']);
    if (options.shuffle !== undefined) bool(fn, 'shuffle', options.shuffle);
    if (options.seed !== undefined) count(fn, 'seed', options.seed);
    if (options.shuffle === false)
      unused(fn, options, 'seed', 'it seeds the random assignment, and shuffle is false');
    let nVal: number;
    if (typeof spec === 'number') {
      if (!(spec >= 0 && spec <= 1))
        throw new RangeError(`${fn}: the validation fraction must be in [0, 1], got ${spec}`);
      nVal = Math.round(this.length * spec);
    } else if (spec && typeof spec === 'object' && 'validation' in spec) {
      nVal = spec.validation;
      if (!Number.isInteger(nVal) || nVal < 0 || nVal > this.length) {
        throw new RangeError(
          `${fn}: validation must be an integer in [0, ${this.length}], got ${nVal}`,
        );
      }
    } else {
      throw new TypeError(
        `${fn}: spec must be a fraction or { validation: n }, got ${describe(spec)}`,
      );
    }
    const nTrain = this.length - nVal;
    if (!(options.shuffle ?? true)) return [this.slice(0, nTrain), this.slice(nTrain)];
    const perm = permutation(this.length, options.seed ?? 0);
    const train = perm.subarray(0, nTrain).sort();
    const val = perm.subarray(nTrain).sort();
    return [this.subset(train), this.subset(val)];
  }

  /** One pass over the data in batches (see the Dataset contract). */
  batches(options: BatchOptions): Iterable<Batch> {
    const fn = 'TensorDataset.batches';
    const { batchSize: bs, seed, shuffle, dropLast } = batchOptions(fn, options);
    if (!shuffle && !this.indices) return this.viewBatches(bs, dropLast);
    const n = this.length;
    if (this.order.length !== n) this.order = new Int32Array(n);
    const order = this.order;
    if (this.indices) order.set(this.indices);
    else for (let i = 0; i < n; i++) order[i] = i;
    if (shuffle) {
      if (this.draws.length < 2 * n) this.draws = new Float32Array(2 * n);
      shuffleInPlace(order, new Rng(seed), this.draws);
    }
    return this.gatherBatches(order, bs, dropLast);
  }

  private *viewBatches(bs: number, dropLast: boolean): Generator<Batch> {
    const n = this.length;
    const d = this.sampleSize;
    const t = this.targetSize;
    for (let start = 0; start < n; start += bs) {
      const size = Math.min(bs, n - start);
      if (size < bs && dropLast) return;
      const end = start + size;
      const x: Tensor = {
        data: this.x.data.subarray(start * d, end * d),
        shape: [size, ...this.inputShape],
      };
      const y: Target =
        this.y instanceof Int32Array
          ? this.y.subarray(start, end)
          : { data: this.y.data.subarray(start * t, end * t), shape: [size, ...this.targetShape!] };
      yield { x, y, size };
    }
  }

  private *gatherBatches(order: Int32Array, bs: number, dropLast: boolean): Generator<Batch> {
    const n = order.length;
    const d = this.sampleSize;
    const t = this.targetSize;
    const full = Math.min(bs, n);
    if (this.xBuf.length < full * d) this.xBuf = new Float32Array(full * d);
    const classes = this.y instanceof Int32Array;
    if (this.yBuf.length < full * t || classes !== this.yBuf instanceof Int32Array)
      this.yBuf = classes ? new Int32Array(full) : new Float32Array(full * t);
    const xBuf = this.xBuf;
    const yBuf = this.yBuf;
    const src = this.x.data;
    let views: Batch | null = null;
    for (let start = 0; start < n; start += bs) {
      const size = Math.min(bs, n - start);
      if (size < bs && dropLast) return;
      const rows = order.subarray(start, start + size);
      if (d > 0) gatherRowsUnchecked(src, d, rows, xBuf.subarray(0, size * d));
      for (let b = 0; b < size; b++) {
        const s = rows[b];
        if (classes) yBuf[b] = (this.y as Int32Array)[s];
        else yBuf.set((this.y as Tensor).data.subarray(s * t, (s + 1) * t), b * t);
      }
      // Views of the buffers are made once for full batches (and once for a short last one).
      if (!views || views.size !== size) views = this.bufferViews(size);
      yield views;
    }
  }

  private bufferViews(size: number): Batch {
    const x: Tensor = {
      data: this.xBuf.subarray(0, size * this.sampleSize),
      shape: [size, ...this.inputShape],
    };
    const y: Target =
      this.yBuf instanceof Int32Array
        ? this.yBuf.subarray(0, size)
        : {
            data: this.yBuf.subarray(0, size * this.targetSize),
            shape: [size, ...this.targetShape!],
          };
    return { x, y, size };
  }
}

// ---------------------------------------------------------------------------------------------
// Transforms applied once, producing Float32 storage (never per batch).

/** Per-channel (or global) input statistics from {@link computeStats}. */
export interface Stats {
  /** One mean per channel (the first per-sample axis), or a single one. */
  mean: number[];
  /** One population standard deviation per channel, or a single one (1 where it is 0). */
  std: number[];
}

/**
 * Mean and (population) standard deviation of a dataset's inputs, per channel (the first
 * per-sample axis: C of [C, H, W], every feature of a flat [D]) or over everything
 * (`perChannel: false`), accumulated in float64. A zero deviation is reported as 1 so that
 * normalising leaves a constant channel at 0 instead of dividing by zero.
 */
export function computeStats(
  dataset: TensorDataset,
  options: { perChannel?: boolean } = {},
): Stats {
  optionsOf('computeStats', options, ['perChannel']);
  const perChannel = options.perChannel ?? true;
  bool('computeStats', 'perChannel', perChannel);
  const d = numel(dataset.inputShape);
  const c = perChannel && dataset.inputShape.length > 0 ? dataset.inputShape[0] : 1;
  const per = c === 0 ? 0 : d / c;
  const sum = new Float64Array(c);
  const data = dataset.x.data;
  for (let i = 0; i < dataset.length; i++) {
    const base = dataset.storedIndex(i) * d;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const o = base + ch * per;
      for (let k = 0; k < per; k++) s += data[o + k];
      sum[ch] += s;
    }
  }
  const count = dataset.length * per;
  const mean = Array.from(sum, (s) => (count ? s / count : 0));
  const sq = new Float64Array(c);
  for (let i = 0; i < dataset.length; i++) {
    const base = dataset.storedIndex(i) * d;
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const o = base + ch * per;
      const m = mean[ch];
      for (let k = 0; k < per; k++) {
        const v = data[o + k] - m;
        s += v * v;
      }
      sq[ch] += s;
    }
  }
  const std = Array.from(sq, (s) => {
    const v = count ? Math.sqrt(s / count) : 0;
    return v > 0 ? v : 1;
  });
  return { mean, std };
}

function channelParams(
  fn: string,
  name: string,
  v: number | readonly number[],
  channels: number,
): number[] {
  const arr = typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : null;
  if (!arr || arr.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
    throw new TypeError(
      `${fn}: ${name} must be a finite number or an array of them, got ${describe(v)}`,
    );
  if (arr.length !== 1 && arr.length !== channels) {
    throw new RangeError(
      `${fn}: ${name} has ${arr.length} values; need 1 or one per channel (${channels})`,
    );
  }
  return arr;
}

/**
 * A new dataset whose inputs are (x − mean) / std, written once into new float32 storage
 * (only this dataset's samples, compacted in order; targets are shared or gathered). `mean`
 * and `std`: one number, or one per channel (the first per-sample axis). Omitted: computed
 * from this dataset with `computeStats` (compute them on the training set and pass them when
 * normalising a test set).
 */
export function normalize(
  dataset: TensorDataset,
  mean?: number | readonly number[],
  std?: number | readonly number[],
): TensorDataset {
  const fn = 'normalize';
  if (!(dataset instanceof TensorDataset))
    throw new TypeError(`${fn}: dataset must be a TensorDataset, got ${describe(dataset)}`);
  if ((mean === undefined) !== (std === undefined))
    throw new TypeError(`${fn}: give both mean and std, or neither (to compute them)`);
  const c = dataset.inputShape.length > 0 ? dataset.inputShape[0] : 1;
  let m: number[];
  let s: number[];
  if (mean === undefined) ({ mean: m, std: s } = computeStats(dataset));
  else {
    m = channelParams(fn, 'mean', mean, c);
    s = channelParams(fn, 'std', std!, c);
    if (s.some((v) => v === 0)) throw new RangeError(`${fn}: std must not be zero`);
  }
  const d = numel(dataset.inputShape);
  const per = c === 0 ? 0 : d / c;
  return mapInputs(dataset, (src, dst) => {
    for (let ch = 0; ch < c; ch++) {
      const mu = m.length === 1 ? m[0] : m[ch];
      const sd = s.length === 1 ? s[0] : s[ch];
      const o = ch * per;
      for (let k = 0; k < per; k++) dst[o + k] = (src[o + k] - mu) / sd;
    }
  });
}

/**
 * A new dataset whose inputs are `fn(sample, out, i)` for each sample, computed once into new
 * float32 storage of per-sample shape `inputShape` (default: unchanged). Targets are shared
 * (or gathered for a subset).
 */
export function mapInputs(
  dataset: TensorDataset,
  fn: (sample: Float32Array, out: Float32Array, index: number) => void,
  inputShape: readonly number[] = dataset.inputShape,
): TensorDataset {
  const n = dataset.length;
  const d = numel(dataset.inputShape);
  const e = numel(inputShape);
  const out = new Float32Array(n * e);
  const src = dataset.x.data;
  for (let i = 0; i < n; i++) {
    const s = dataset.storedIndex(i);
    fn(src.subarray(s * d, (s + 1) * d), out.subarray(i * e, (i + 1) * e), i);
  }
  return new TensorDataset({ data: out, shape: [n, ...inputShape] }, compactTargets(dataset), {
    numClasses: dataset.numClasses ?? undefined,
  });
}

function compactTargets(ds: TensorDataset): Int32Array | Tensor {
  const idx = ds.indices;
  if (!idx) return ds.y;
  if (ds.y instanceof Int32Array) {
    const y = ds.y;
    return Int32Array.from(idx, (s) => y[s]);
  }
  const t = numel(ds.targetShape!);
  const out = new Float32Array(idx.length * t);
  for (let i = 0; i < idx.length; i++)
    out.set(ds.y.data.subarray(idx[i] * t, (idx[i] + 1) * t), i * t);
  return { data: out, shape: [idx.length, ...ds.targetShape!] };
}

/**
 * Float32 inputs from bytes (e.g. image pixels), in one pass: (b · scale − mean) / std.
 * Defaults: scale 1/255 (computed as b / 255, like torchvision's ToTensor), mean 0, std 1.
 */
export function fromBytes(
  bytes: Uint8Array,
  shape: readonly number[],
  options: { scale?: number; mean?: number; std?: number } = {},
): Tensor {
  const fn = 'fromBytes';
  optionsOf(fn, options, ['scale', 'mean', 'std']);
  for (const k of ['scale', 'mean', 'std'] as const)
    if (options[k] !== undefined) finite(fn, k, options[k]);
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${fn}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (numel(shape) !== bytes.length) {
    throw new RangeError(
      `${fn}: shape ${shapeStr(shape)} has ${numel(shape)} elements, bytes has ${bytes.length}`,
    );
  }
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(std) || std === 0)
    throw new RangeError(`${fn}: std must be finite and non-zero`);
  // A lookup table: 256 values computed in float64, rounded once to float32.
  const lut = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const v = options.scale === undefined ? b / 255 : b * options.scale;
    lut[b] = (v - mean) / std;
  }
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = lut[bytes[i]];
  return { data: out, shape: [...shape] };
}
