/**
 * Image augmentation per batch, in a reusable buffer: a random shift of up to ±`shift` pixels
 * on each axis (vacated pixels are 0) and a random horizontal flip, drawn per sample from a
 * seeded `Rng` (identical on both backends). Inputs are [N, C, H, W] (or [N, H, W]).
 */
import { describe, optionsOf } from '../backend/validate.js';
import { shapeStr, type Tensor } from '../nn/tensor.js';
import { Rng } from '../random.js';
import type { Batch, BatchOptions, Dataset } from './dataset.js';

export interface AugmentOptions {
  /** Largest shift in pixels, on each axis independently (default 0: none). */
  shift?: number;
  /** Flip each sample horizontally with probability 1/2 (default false). */
  flip?: boolean;
  /** Seed of the augmentation stream, combined with each pass's BatchOptions.seed (default 0). */
  seed?: number;
}

/**
 * Writes one [C, H, W] image `src` into `dst`, flipped horizontally first if `flip`, then
 * moved by `dx` pixels right and `dy` pixels down; pixels shifted in from outside are 0:
 * dst[c, y, x] = src'[c, y − dy, x − dx] where src'[c, y, x] = src[c, y, flip ? W−1−x : x].
 */
export function shiftFlip(
  src: Float32Array,
  dst: Float32Array,
  channels: number,
  height: number,
  width: number,
  dx: number,
  dy: number,
  flip: boolean,
): void {
  const dims = { channels, height, width };
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`shiftFlip: ${k} must be an integer ≥ 1, got ${describe(v)}`);
  }
  for (const [k, v] of Object.entries({ dx, dy })) {
    if (!Number.isSafeInteger(v))
      throw new RangeError(`shiftFlip: ${k} must be an integer, got ${describe(v)}`);
  }
  const plane = height * width;
  for (const [k, a] of Object.entries({ src, dst })) {
    if (!(a instanceof Float32Array) || a.length < channels * plane)
      throw new TypeError(
        `shiftFlip: ${k} must be a Float32Array of at least ${channels * plane} elements, got ${describe(a)}`,
      );
  }
  if (
    src.buffer === dst.buffer &&
    src.byteOffset < dst.byteOffset + 4 * channels * plane &&
    dst.byteOffset < src.byteOffset + 4 * channels * plane
  )
    throw new RangeError('shiftFlip: src and dst overlap; give separate buffers');
  shiftFlipUnchecked(src, dst, channels, height, width, dx, dy, flip);
}

/** shiftFlip without the argument checks: the per-sample call of `augmented`. */
function shiftFlipUnchecked(
  src: Float32Array,
  dst: Float32Array,
  channels: number,
  height: number,
  width: number,
  dx: number,
  dy: number,
  flip: boolean,
): void {
  const plane = height * width;
  dst.fill(0, 0, channels * plane);
  const x0 = Math.max(0, dx);
  const x1 = Math.min(width, width + dx);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(height, height + dy);
  if (x0 >= x1 || y0 >= y1) return;
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    for (let y = y0; y < y1; y++) {
      const so = base + (y - dy) * width;
      const o = base + y * width;
      if (!flip) {
        dst.set(src.subarray(so + x0 - dx, so + x1 - dx), o + x0);
      } else {
        for (let x = x0; x < x1; x++) dst[o + x] = src[so + width - 1 - (x - dx)];
      }
    }
  }
}

/** MurmurHash3 32-bit finalizer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed in [0, 2^53) derived from two seeds (so the augmentation and the shuffle streams differ). */
export function mixSeeds(a: number, b: number): number {
  const ah = fmix32((a >>> 0) ^ fmix32(Math.floor(a / 4294967296) >>> 0) ^ 0x6a09e667);
  const bl = fmix32((b >>> 0) ^ fmix32((Math.floor(b / 4294967296) >>> 0) ^ ah) ^ 0xbb67ae85);
  return (ah & 0x1fffff) * 4294967296 + bl;
}

class Augmented implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly numClasses: number | null;
  private readonly c: number;
  private readonly h: number;
  private readonly w: number;
  private buf = new Float32Array(0);
  private draws = new Float32Array(0);

  constructor(
    private readonly inner: Dataset,
    private readonly shift: number,
    private readonly flip: boolean,
    private readonly seed: number,
  ) {
    this.length = inner.length;
    this.inputShape = inner.inputShape;
    this.numClasses = inner.numClasses;
    const s = inner.inputShape;
    if (s.length === 3) [this.c, this.h, this.w] = s;
    else if (s.length === 2) [this.c, this.h, this.w] = [1, s[0], s[1]];
    else {
      throw new RangeError(
        `augmented: samples must be images [C, H, W] or [H, W], got per-sample shape ${shapeStr(s)} (reshape flat data first)`,
      );
    }
  }

  batches(options: BatchOptions): Iterable<Batch> {
    const it = this.inner.batches(options);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(
        `augmented: seed must be an integer in [0, 2^53), got ${describe(seed)}`,
      );
    return this.run(it, new Rng(mixSeeds(this.seed, seed)));
  }

  private *run(it: Iterable<Batch>, rng: Rng): Generator<Batch> {
    const { c, h, w } = this;
    const d = c * h * w;
    const k = this.shift;
    const span = 2 * k + 1;
    let view: Tensor | null = null;
    for (const batch of it) {
      const n = batch.size;
      if (this.buf.length < n * d) this.buf = new Float32Array(n * d);
      if (this.draws.length < 3 * n) this.draws = new Float32Array(3 * n);
      const u = this.draws.subarray(0, 3 * n);
      rng.uniform(u, 0, 1);
      const src = batch.x.data;
      for (let i = 0; i < n; i++) {
        const dx = Math.floor(u[3 * i] * span) - k;
        const dy = Math.floor(u[3 * i + 1] * span) - k;
        const flip = this.flip && u[3 * i + 2] < 0.5;
        shiftFlipUnchecked(
          src.subarray(i * d, (i + 1) * d),
          this.buf.subarray(i * d, (i + 1) * d),
          c,
          h,
          w,
          dx,
          dy,
          flip,
        );
      }
      if (!view || view.shape[0] !== n)
        view = { data: this.buf.subarray(0, n * d), shape: batch.x.shape };
      yield { x: view, y: batch.y, size: n };
    }
  }
}

/**
 * A dataset whose batches are `dataset`'s, augmented: each sample shifted by a random whole
 * number of pixels in [−shift, shift] on each axis and, with `flip`, flipped horizontally with
 * probability 1/2 (flip first, then shift). The draws are seeded by `seed` combined with the
 * pass's `BatchOptions.seed`, so each epoch sees different augmentations and a rerun the same.
 * Augmented batches live in a reusable buffer.
 */
export function augmented(dataset: Dataset, options: AugmentOptions = {}): Dataset {
  const fn = 'augmented';
  if (!dataset || typeof dataset.batches !== 'function')
    throw new TypeError(`${fn}: dataset must be a Dataset, got ${describe(dataset)}`);
  optionsOf(fn, options, ['shift', 'flip', 'seed']);
  const shift = options.shift ?? 0;
  if (!Number.isSafeInteger(shift) || shift < 0)
    throw new RangeError(`${fn}: shift must be a non-negative integer, got ${describe(shift)}`);
  const flip = options.flip ?? false;
  if (typeof flip !== 'boolean')
    throw new TypeError(`${fn}: flip must be a boolean, got ${describe(flip)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`${fn}: seed must be an integer in [0, 2^53), got ${describe(seed)}`);
  return new Augmented(dataset, shift, flip, seed);
}
