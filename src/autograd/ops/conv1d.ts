/**
 * 1-D convolution on the tape (torch.nn.functional.conv1d: x [N, C, L], weight
 * [O, C/groups, k], stride, zero padding or 'same'/'valid', dilation, groups). It is conv2d on
 * images of height 1: x and the weight are reshaped (views, no copy) to [N, C, 1, L] and
 * [O, C/groups, 1, k], and the output back to [N, O, Lo], so the forward, the fused backward
 * and the createGraph path are conv2d's. An im2col of a height-1 image with a 1×k kernel is
 * exactly the 1-D lowering, so this costs three view nodes per call: forward + backward of
 * [32, 64, 500], k 5, padding 2, native, took 1.01× conv2d's on the same data as [32, 64, 1,
 * 500] (median of 15 paired rounds), so no separate 1-D lowering.
 */
import { describe } from '../../backend/validate.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { conv2dWith } from './conv.js';
import { reshape } from './shape.js';
import { asTensor } from './util.js';
import { type ConvGeometry, checkOptions, convGeometry, groupsOf } from './window.js';

/** Options of {@link conv1d} (torch.nn.functional.conv1d's keywords). */
export interface Conv1dOptions {
  /** Step of the window, in input positions (default 1). PyTorch: `stride`. */
  stride?: number;
  /** Zero padding per side, 'same' (output length = input length, stride 1) or 'valid' (default 0). PyTorch: `padding`. */
  padding?: number | 'same' | 'valid';
  /** Spacing between kernel taps (default 1: dense). PyTorch: `dilation`. */
  dilation?: number;
  /** Channel groups (default 1): must divide the input and output channels; weight [out, in/groups, k]. PyTorch: `groups`. */
  groups?: number;
}

/** An integer argument ≥ `min` (1-D sizes are single numbers). */
export function single(fn: string, arg: string, v: unknown, min: 0 | 1): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  throw new (typeof v === 'number' ? RangeError : TypeError)(
    `${fn}: ${arg} must be ${what}, got ${describe(v)}`,
  );
}

/** Conv1d padding parsed: a count, 'same' (needs stride 1, as torch) or 'valid'. */
export function padding1d(fn: string, p: unknown, stride: number): number | 'same' | 'valid' {
  if (p === 'same' && stride !== 1)
    throw new RangeError(
      `${fn}: padding 'same' needs stride 1 (as in torch), got stride ${stride}`,
    );
  if (p === 'same' || p === 'valid') return p;
  if (typeof p === 'number' && Number.isSafeInteger(p) && p >= 0) return p;
  throw new (typeof p === 'number' || typeof p === 'string' ? RangeError : TypeError)(
    `${fn}: padding must be a non-negative integer, 'same' or 'valid', got ${describe(p)}`,
  );
}

/**
 * The geometry of a 1-D convolution of [.., c, len] (the last two axes of `input`, shown in
 * messages), as conv2d's over [c, 1, len].
 */
export function conv1dGeometry(
  fn: string,
  input: readonly number[],
  k: number,
  stride: number,
  padding: number | 'same' | 'valid',
  dilation: number,
): ConvGeometry {
  const [c, len] = input.slice(-2);
  const total = padding === 'same' ? dilation * (k - 1) : padding === 'valid' ? 0 : 2 * padding;
  const extent = dilation * (k - 1) + 1;
  if (len + total < extent)
    throw new RangeError(
      `${fn}: input ${shapeStr(input)} is too small for the kernel: padded length ${len + total} < kernel extent ${extent} (kernel ${k}, dilation ${dilation})`,
    );
  const pad = typeof padding === 'number' ? ([0, padding] as const) : padding;
  return convGeometry(fn, [c, 1, len], [1, k], [1, stride], pad, [1, dilation]);
}

/** y = conv1d(x, weight) + bias: x [N, C, L], weight [O, C/groups, k], bias [O] or none → [N, O, Lo]. */
export function conv1d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  opts?: Conv1dOptions,
): Tensor {
  const fn = 'conv1d';
  checkOptions(fn, opts, ['stride', 'padding', 'dilation', 'groups']);
  const stride = single(fn, 'stride', opts?.stride ?? 1, 1);
  const dilation = single(fn, 'dilation', opts?.dilation ?? 1, 1);
  const padding = padding1d(fn, opts?.padding ?? 0, stride);
  const X = asTensor(fn, 'x', x, 'float32');
  const W = asTensor(fn, 'weight', weight, 'float32');
  if (X.ndim !== 3)
    throw new RangeError(
      `${fn}: x must be 3-D [batch, channels, length], got ${shapeStr(X.shape)}`,
    );
  if (W.ndim !== 3)
    throw new RangeError(`${fn}: weight must be 3-D [out, in/groups, k], got ${shapeStr(W.shape)}`);
  const groups = groupsOf(fn, opts?.groups, X.shape[1], W.shape[0]);
  if (W.shape[1] * groups !== X.shape[1])
    throw new RangeError(
      `${fn}: x has ${X.shape[1]} channels but weight ${shapeStr(W.shape)} with groups ${groups} expects ${W.shape[1] * groups} (x ${shapeStr(X.shape)})`,
    );
  if (W.shape[0] < 1 || W.shape[2] < 1)
    throw new RangeError(`${fn}: weight ${shapeStr(W.shape)} has an empty axis`);
  const geo = conv1dGeometry(fn, X.shape, W.shape[2], stride, padding, dilation);
  return conv1dWith(fn, X, W, bias ?? null, geo, groups);
}

/** @internal conv1d with a resolved geometry (`conv1dGeometry`): the height-1 conv2d. */
export function conv1dWith(
  fn: string,
  X: Tensor,
  W: Tensor,
  bias: TensorLike | null,
  geo: ConvGeometry,
  groups = 1,
): Tensor {
  const [n, c, len] = X.shape;
  const [o, ci, k] = W.shape;
  const y = conv2dWith(
    fn,
    reshape(X, [n, c, 1, len]),
    reshape(W, [o, ci, 1, k]),
    bias,
    geo,
    groups,
  );
  return reshape(y, [n, o, geo.g.outW]);
}
