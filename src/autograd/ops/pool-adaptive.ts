/**
 * Adaptive average pooling on the tape (torch.nn.functional.adaptive_avg_pool2d): any input
 * plane H×W to an output of oh×ow, output row i averaging input rows floor(i·H/oh) …
 * ceil((i + 1)·H/oh) − 1 (torch's start/end index formula; likewise columns), so windows may
 * differ in size and overlap, and oh may exceed H. When both axes divide evenly the windows
 * are a regular grid (kernel = stride = H/oh × W/ow) and the average-pooling kernels run;
 * otherwise the pooling is separable (a window's mean is the mean over its rows of the means
 * over its columns) and runs as two sparse axis maps (pool-separable.ts).
 */
import type { Window2d } from '../../backend/kernels.js';
import { describe } from '../../backend/validate.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { avgPool2dWith } from './pool.js';
import { type AxisPair, axisMatrix, axisPair, separable } from './pool-separable.js';
import { asTensor } from './util.js';
import { nchw, poolGeometry } from './window.js';

/** An output size: one for both axes, or [height, width] where null keeps the input's. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** The resolved pooling: a regular grid (the avgPool2d kernels) or two axis maps. */
export type AdaptiveGeometry =
  | { readonly kind: 'grid'; readonly g: Readonly<Window2d> }
  | { readonly kind: 'separable'; readonly h: AxisPair; readonly w: AxisPair };

/** Parses an `AdaptiveSize` (entries positive integers, or null for the input's size). */
export function adaptiveSize(fn: string, arg: string, v: unknown): [number | null, number | null] {
  const ok = (d: unknown) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 1;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => d === null || ok(d)))
    return [v[0], v[1]];
  const numeric =
    typeof v === 'number' ||
    (Array.isArray(v) && v.length === 2 && v.every((d) => d === null || typeof d === 'number'));
  const shown = Array.isArray(v) && numeric ? `[${v.join(', ')}]` : describe(v);
  throw new (numeric ? RangeError : TypeError)(
    `${fn}: ${arg} must be a positive integer or a pair [height, width] of positive integers or null, got ${shown}`,
  );
}

/** torch's windows of an axis of `len` pooled to `out`, as a [out, len] averaging matrix. */
function windows(len: number, out: number): AxisPair {
  return axisPair(
    axisMatrix(out, len, (i) => {
      const start = Math.floor((i * len) / out);
      const end = Math.ceil(((i + 1) * len) / out);
      return Array.from({ length: end - start }, (_, k) => [start + k, 1 / (end - start)] as const);
    }),
  );
}

/** The pooling of planes [.., h, w] (the last two axes of `input`, shown in messages). */
export function adaptiveGeometry(
  fn: string,
  input: readonly number[],
  size: readonly [number | null, number | null],
): AdaptiveGeometry {
  const [h, w] = input.slice(-2);
  if (h < 1 || w < 1) throw new RangeError(`${fn}: input ${shapeStr(input)} has an empty plane`);
  const oh = size[0] ?? h;
  const ow = size[1] ?? w;
  if (h % oh === 0 && w % ow === 0) {
    const k: [number, number] = [h / oh, w / ow];
    return { kind: 'grid', g: poolGeometry(fn, input, k, k, [0, 0], null, false) };
  }
  return { kind: 'separable', h: windows(h, oh), w: windows(w, ow) };
}

/** x [N, C, H, W] averaged over torch's adaptive windows → [N, C, oh, ow]. */
export function adaptiveAvgPool2d(x: TensorLike, outputSize: AdaptiveSize): Tensor {
  const fn = 'adaptiveAvgPool2d';
  const size = adaptiveSize(fn, 'outputSize', outputSize);
  const X = asTensor(fn, 'x', x, 'float32');
  nchw(fn, 'x', X.shape);
  return adaptiveAvgPool2dWith(fn, X, adaptiveGeometry(fn, X.shape, size));
}

/** @internal adaptiveAvgPool2d over x [n, c, h, w] with its geometry resolved. */
export function adaptiveAvgPool2dWith(fn: string, X: Tensor, geo: AdaptiveGeometry): Tensor {
  if (geo.kind === 'grid') return avgPool2dWith(fn, X, geo.g, true);
  return separable(fn, X, geo.h, geo.w);
}
