/**
 * Shared pieces of the 2-D window layers (Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d):
 * `number | [h, w]` argument parsing, the NCHW input check, PyTorch's output-size arithmetic,
 * and small reusable buffers.
 */
import type { Window2d } from '../backend/kernels.js';
import { describe } from '../backend/validate.js';
import { shapeStr } from './tensor.js';

/** A size given once for both axes or as [height, width]. */
export type Pair = number | readonly [number, number];

/** Parses a `Pair` argument whose entries must be integers ≥ `min`. */
export function pair(layer: string, arg: string, v: unknown, min: 0 | 1): [number, number] {
  const ok = (d: unknown) => typeof d === 'number' && Number.isSafeInteger(d) && d >= min;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[1]];
  const numeric =
    typeof v === 'number' ||
    (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number'));
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  const shown = Array.isArray(v) && numeric ? `[${v.join(', ')}]` : describe(v);
  throw new (numeric ? RangeError : TypeError)(
    `${layer}: ${arg} must be ${what} or a pair [height, width] of them, got ${shown}`,
  );
}

/** A boolean option (default when undefined). */
export function flag(layer: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    throw new TypeError(`${layer}: ${arg} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Checks a per-sample input shape [channels, height, width] (and the channel count). */
export function chw(
  layer: string,
  input: readonly number[],
  channels?: number,
): [number, number, number] {
  if (input.length !== 3) {
    throw new RangeError(
      `${layer}: expected input of shape [channels, height, width] (NCHW without the batch axis), got ${shapeStr(input)}`,
    );
  }
  if (channels !== undefined && input[0] !== channels) {
    throw new RangeError(
      `${layer}: expected ${channels} input channels, got ${input[0]} (input shape ${shapeStr(input)})`,
    );
  }
  return [input[0], input[1], input[2]];
}

/** PyTorch's `pooling_output_shape` (floor or ceil mode; the last window starts inside). */
export function poolOut(
  len: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const num = len + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let o = Math.floor(num / s) + 1;
  if (ceil && (o - 1) * s >= len + p) o--;
  return o;
}

/** torch pooling's constraint: padding at most half the kernel, per axis. */
export function checkPoolPadding(
  layer: string,
  k: readonly number[],
  p: readonly number[],
  d: readonly number[] = [1, 1],
): void {
  for (let a = 0; a < 2; a++) {
    const eff = (k[a] - 1) * d[a] + 1;
    if (p[a] > Math.floor(k[a] / 2) || p[a] > Math.floor(eff / 2)) {
      throw new RangeError(
        `${layer}: padding must be at most half the kernel size, got padding ${p.join('×')} for kernel ${k.join('×')}`,
      );
    }
  }
}

/** A window geometry with every field zero (filled in by `build`). */
export function emptyWindow(): Window2d {
  return {
    n: 0,
    c: 0,
    h: 0,
    w: 0,
    kh: 0,
    kw: 0,
    strideH: 1,
    strideW: 1,
    padH: 0,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    outH: 0,
    outW: 0,
  };
}

/** A reusable Int32Array that grows to the largest size seen and hands out exact-size views. */
export class IntScratch {
  private store = new Int32Array(0);
  private view = new Int32Array(0);

  get(n: number): Int32Array {
    if (this.view.length === n && this.view.buffer === this.store.buffer) return this.view;
    if (this.store.length < n) this.store = new Int32Array(n);
    this.view = this.store.subarray(0, n);
    return this.view;
  }
}

/**
 * Per-image views of a batch buffer, rebuilt only when the buffer or the image size changes
 * (so a layer that loops over images allocates nothing per batch in the steady state).
 */
export class ImageViews {
  private src: Float32Array | null = null;
  private len = -1;
  private list: Float32Array[] = [];

  of(src: Float32Array, len: number): Float32Array[] {
    if (src !== this.src || len !== this.len) {
      const n = len > 0 ? Math.floor(src.length / len) : 0;
      this.list = Array.from({ length: n }, (_, i) => src.subarray(i * len, (i + 1) * len));
      this.src = src;
      this.len = len;
    }
    return this.list;
  }
}
