/**
 * Resampling of NCHW images on the tape (torch.nn.functional.interpolate, modes 'nearest' and
 * 'bilinear'): the output size is `size`, or floor(input·scaleFactor) per axis. Both modes are
 * separable, so each is a sparse map along the width then the height (pool-separable.ts) and
 * its backward is the transposed map.
 *
 * Source positions as torch's CPU kernels compute them (aten/src/ATen/native/UpSample.h):
 * - nearest: src = min(floor(dst·scale), in − 1) in float32 arithmetic, scale = 1/scaleFactor
 *   when a scale factor was given (and not recomputed), else in/out; out = in copies and
 *   out = 2·in takes dst/2, as torch special-cases them;
 * - bilinear: real = scale·dst with alignCorners (scale = (in − 1)/(out − 1), 0 when out = 1),
 *   else max(scale·(dst + ½) − ½, 0) with scale as for nearest; i0 = floor(real), i1 = i0 + 1
 *   (i0 at the last row: i1 = i0), λ1 = real − i0, λ0 = 1 − λ1, y = λ0·x[i0] + λ1·x[i1].
 */
import { describe, finite, oneOf } from '../../backend/validate.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { type AxisPair, axisMatrix, axisPair, separable } from './pool-separable.js';
import { asTensor } from './util.js';
import { checkOptions, flag, nchw, pair } from './window.js';

/** Resampling of {@link interpolate}: nearest neighbour, or bilinear (torch's `mode`). */
export type InterpolateMode = 'nearest' | 'bilinear';

/** Options of {@link interpolate} (torch.nn.functional.interpolate's keywords, camelCase). */
export interface InterpolateOptions {
  /** Output [height, width] (or one number for both); exactly one of size and scaleFactor. PyTorch: `size`. */
  size?: number | readonly [number, number];
  /** Output = floor(input·scaleFactor) per axis (one number or [height, width]). PyTorch: `scale_factor`. */
  scaleFactor?: number | readonly [number, number];
  /** 'nearest' (default) or 'bilinear'. PyTorch: `mode`. */
  mode?: InterpolateMode;
  /** Bilinear only: corner pixels' centres align (default false). PyTorch: `align_corners`. */
  alignCorners?: boolean;
  /** With scaleFactor: map positions by in/out instead of 1/scaleFactor (default false). PyTorch: `recompute_scale_factor`. */
  recomputeScaleFactor?: boolean;
}

export const INTERPOLATE_KEYS = [
  'size',
  'scaleFactor',
  'mode',
  'alignCorners',
  'recomputeScaleFactor',
] as const;

/** Options resolved, before an input size is known. */
export interface InterpolateSpec {
  /** Output [height, width], or null when given by `scaleFactor`. */
  readonly size: readonly [number, number] | null;
  /** Scale per axis [height, width], or null when `size` is given. */
  readonly scaleFactor: readonly [number, number] | null;
  /** The resampling mode. */
  readonly mode: InterpolateMode;
  /** Bilinear: align the corner pixels of input and output (torch's `align_corners`). */
  readonly alignCorners: boolean;
  /** Compute the sampling scale from the output size, not `scaleFactor` (torch's `recompute_scale_factor`). */
  readonly recompute: boolean;
}

/** Parses interpolate's options (also the Upsample layer's), with torch's rules. */
export function interpolateSpec(fn: string, o: unknown): InterpolateSpec {
  checkOptions(fn, o, INTERPOLATE_KEYS);
  const opts = (o ?? {}) as InterpolateOptions;
  const mode = opts.mode ?? 'nearest';
  oneOf(fn, 'mode', mode, ['nearest', 'bilinear'] as const);
  if ((opts.size === undefined) === (opts.scaleFactor === undefined))
    throw new TypeError(
      `${fn}: give exactly one of size and scaleFactor, got ${opts.size === undefined ? 'neither' : 'both'}`,
    );
  const size = opts.size === undefined ? null : pair(fn, 'size', opts.size, 1);
  let scaleFactor: [number, number] | null = null;
  if (opts.scaleFactor !== undefined) {
    const s = opts.scaleFactor;
    const both = Array.isArray(s) && s.length === 2 ? s : [s, s];
    if (!Array.isArray(s) && typeof s !== 'number')
      throw new TypeError(
        `${fn}: scaleFactor must be a positive number or a pair [height, width] of them, got ${describe(s)}`,
      );
    both.forEach((v, a) => {
      finite(fn, Array.isArray(s) ? `scaleFactor[${a}]` : 'scaleFactor', v);
      if (v <= 0) throw new RangeError(`${fn}: scaleFactor must be positive, got ${v}`);
    });
    scaleFactor = [both[0], both[1]];
  }
  if (opts.alignCorners !== undefined && mode === 'nearest')
    throw new TypeError(
      `${fn}: alignCorners applies to mode 'bilinear' only (as in torch), not 'nearest'`,
    );
  const alignCorners = flag(fn, 'alignCorners', opts.alignCorners, false);
  const recompute = flag(fn, 'recomputeScaleFactor', opts.recomputeScaleFactor, false);
  if (recompute && size)
    throw new TypeError(`${fn}: recomputeScaleFactor applies with scaleFactor only, not size`);
  return Object.freeze({ size, scaleFactor, mode, alignCorners, recompute });
}

/** The two axis maps resampling planes [.., h, w] (the last two axes of `input`). */
export interface InterpolateGeometry {
  readonly outH: number;
  readonly outW: number;
  readonly h: AxisPair;
  readonly w: AxisPair;
}

/** torch's nearest source index (float32 arithmetic, the exact-copy and ×2 cases first). */
function nearest(dst: number, len: number, out: number, scale: number | null): number {
  if (out === len) return dst;
  if (out === 2 * len) return dst >> 1;
  const s = Math.fround(scale !== null ? 1 / scale : len / out);
  return Math.min(Math.floor(Math.fround(dst * s)), len - 1);
}

/** One axis of `len` resampled to `out` (scale: the given scale factor, or null). */
function axis(spec: InterpolateSpec, len: number, out: number, scale: number | null): AxisPair {
  if (spec.mode === 'nearest')
    return axisPair(axisMatrix(out, len, (j) => [[nearest(j, len, out, scale), 1]]));
  const s = spec.alignCorners
    ? out > 1
      ? (len - 1) / (out - 1)
      : 0
    : scale !== null
      ? 1 / scale
      : len / out;
  return axisPair(
    axisMatrix(out, len, (j) => {
      const real = spec.alignCorners ? s * j : Math.max(s * (j + 0.5) - 0.5, 0);
      const i0 = Math.min(Math.floor(real), len - 1);
      const i1 = i0 < len - 1 ? i0 + 1 : i0;
      const l1 = Math.min(Math.max(real - i0, 0), 1);
      return [
        [i0, 1 - l1],
        [i1, l1],
      ];
    }),
  );
}

/** The resampling of planes [.., h, w] (the last two axes of `input`, shown in messages). */
export function interpolateGeometry(
  fn: string,
  input: readonly number[],
  spec: InterpolateSpec,
): InterpolateGeometry {
  const [h, w] = input.slice(-2);
  if (h < 1 || w < 1) throw new RangeError(`${fn}: input ${shapeStr(input)} has an empty plane`);
  const sf = spec.scaleFactor;
  const [outH, outW] = spec.size ?? [
    Math.floor(h * (sf?.[0] ?? 1)),
    Math.floor(w * (sf?.[1] ?? 1)),
  ];
  if (outH < 1 || outW < 1)
    throw new RangeError(
      `${fn}: input ${shapeStr(input)} is too small for scaleFactor ${sf?.join('×')}: the output would be ${outH}×${outW}`,
    );
  const scale = (a: 0 | 1) => (sf && !spec.recompute ? sf[a] : null);
  return Object.freeze({
    outH,
    outW,
    h: axis(spec, h, outH, scale(0)),
    w: axis(spec, w, outW, scale(1)),
  });
}

/** x [N, C, H, W] resampled to [N, C, outH, outW] (torch.nn.functional.interpolate). */
export function interpolate(x: TensorLike, opts: InterpolateOptions): Tensor {
  const fn = 'interpolate';
  const spec = interpolateSpec(fn, opts);
  const X = asTensor(fn, 'x', x, 'float32');
  nchw(fn, 'x', X.shape);
  return interpolateWith(fn, X, interpolateGeometry(fn, X.shape, spec));
}

/** @internal interpolate with its geometry resolved for x's plane size. */
export function interpolateWith(fn: string, X: Tensor, geo: InterpolateGeometry): Tensor {
  return separable(fn, X, geo.h, geo.w);
}
