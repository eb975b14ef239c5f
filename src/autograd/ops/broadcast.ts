/**
 * Broadcasting (NumPy/PyTorch rules: shapes aligned at the right, a dimension of 1 stretches)
 * and its two kernels: expanding a small operand into a large buffer, and summing a large
 * gradient back onto a small shape. Both first merge neighbouring axes that are all kept or
 * all broadcast, so the common cases (a bias over rows, a per-channel scale over NCHW) become
 * one kernel call: colSums, biasGrad, a GEMM against ones, or block copies and fills.
 */
import type { Kernels } from '../../backend/kernels.js';
import { shapeStr } from '../tensor.js';

/** The broadcast shape of `a` and `b`, or an error naming the operation and both shapes. */
export function broadcastShapes(fn: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const s: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new RangeError(
        `${fn}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (dimension ${i - n} is ${da} vs ${db})`,
      );
    s[i] = da === 1 ? db : da;
  }
  return s;
}

/** Axis runs of the large shape: kept (the small shape has them) or broadcast (size 1 there). */
type Run = { bcast: boolean; size: number };

function runs(small: readonly number[], big: readonly number[]): Run[] {
  const out: Run[] = [];
  const off = big.length - small.length;
  for (let i = 0; i < big.length; i++) {
    const d = big[i];
    if (d === 1) continue;
    const bcast = i < off || small[i - off] === 1;
    const last = out[out.length - 1];
    if (last && last.bcast === bcast) last.size *= d;
    else out.push({ bcast, size: d });
  }
  return out;
}

/** Writes `src` (shape `small`) broadcast to shape `big` into `dst`. */
export function expandInto(
  dst: Float32Array | Int32Array,
  src: Float32Array | Int32Array,
  small: readonly number[],
  big: readonly number[],
): void {
  const r = runs(small, big);
  if (r.length === 0) {
    dst.fill(src[0] ?? 0);
    return;
  }
  const last = r[r.length - 1];
  // Recursive walk over the outer runs; the innermost is one copy or one fill.
  const walk = (level: number, si: number, di: number): void => {
    const { bcast, size } = r[level];
    if (level === r.length - 1) {
      if (bcast) dst.fill(src[si], di, di + size);
      else (dst as Float32Array).set((src as Float32Array).subarray(si, si + size), di);
      return;
    }
    let inner = 1;
    let innerSrc = 1;
    for (let j = level + 1; j < r.length; j++) {
      inner *= r[j].size;
      if (!r[j].bcast) innerSrc *= r[j].size;
    }
    for (let i = 0; i < size; i++) walk(level + 1, bcast ? si : si + i * innerSrc, di + i * inner);
  };
  if (r.length === 1 && !last.bcast) (dst as Float32Array).set(src as Float32Array);
  else walk(0, 0, 0);
}

/** Writes into `dst` (shape `small`) the sum of `src` (shape `big`) over the broadcast axes. */
export function sumInto(
  k: Kernels,
  dst: Float32Array,
  src: Float32Array,
  small: readonly number[],
  big: readonly number[],
): void {
  const r = runs(small, big);
  const pattern = r.map((x) => (x.bcast ? 'b' : 'k')).join('');
  const sz = r.map((x) => x.size);
  switch (pattern) {
    case '':
      dst[0] = src[0] ?? 0;
      return;
    case 'k':
      k.copy(dst, src);
      return;
    case 'b':
      dst[0] = k.sum(src);
      return;
    case 'bk':
      k.colSums(dst, src, sz[0], sz[1], false);
      return;
    case 'kb':
      k.biasGrad(dst, src, 1, sz[0], sz[1], false);
      return;
    case 'bkb':
      k.biasGrad(dst, src, sz[0], sz[1], sz[2], false);
      return;
  }
  // General case: f64 accumulation over every element, then one rounding.
  const acc = new Float64Array(dst.length);
  const walk = (level: number, si: number, di: number, dStride: number): number => {
    const { bcast, size } = r[level];
    if (level === r.length - 1) {
      for (let i = 0; i < size; i++) acc[bcast ? di : di + i] += src[si + i];
      return size;
    }
    let inner = 1;
    let innerDst = 1;
    for (let j = level + 1; j < r.length; j++) {
      inner *= r[j].size;
      if (!r[j].bcast) innerDst *= r[j].size;
    }
    for (let i = 0; i < size; i++)
      walk(level + 1, si + i * inner, bcast ? di : di + i * innerDst, dStride);
    return size * inner;
  };
  walk(0, 0, 0, 1);
  for (let i = 0; i < dst.length; i++) dst[i] = acc[i];
}
