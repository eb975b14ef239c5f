/**
 * 2-D pooling on the tape (torch.nn.functional.max_pool2d / avg_pool2d, NCHW), and global
 * average pooling ([N, C, H, W] → [N, C]). One kernel call each way over all N·C planes.
 *
 * Max pooling saves each window's argmax (its node owns the index buffer); its backward is a
 * linear scatter of dy to those positions, whose own adjoint is the gather at the same indices,
 * so with createGraph the backward is recorded as `maxPoolScatter` (backward: `maxPoolGather`,
 * backward: scatter…) and gradients of any order exist. Average pooling is linear, y = D⁻¹·S·x
 * (S sums each window, D the divisor map): its backward Sᵀ·D⁻¹ is recorded as
 * `avgPoolAdjoint`, whose adjoint is average pooling itself.
 */
import type { Window2d } from '../../backend/kernels.js';
import { type BackwardCtx, record } from '../node.js';
import { f32Pool } from '../pool.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { asTensor, backendOf, kernels, out } from './util.js';
import {
  checkOptions,
  checkPoolPadding,
  flag,
  nchw,
  type Pair,
  pair,
  poolGeometry,
} from './window.js';

/** Options of {@link maxPool2d} (torch.nn.functional.max_pool2d's keywords). */
export interface MaxPool2dOptions {
  /** Step of the window in rows and columns (default: the kernel size). PyTorch: `stride`. */
  stride?: Pair;
  /** Implicit −∞ padding per side, at most half the kernel (default 0). PyTorch: `padding`. */
  padding?: Pair;
  /** Spacing between kernel taps (default 1: dense). PyTorch: `dilation`. */
  dilation?: Pair;
  /** Add a last partial window when it starts inside the (left-padded) input (default false). PyTorch: `ceil_mode`. */
  ceilMode?: boolean;
}

/** Options of {@link avgPool2d} (torch.nn.functional.avg_pool2d's keywords). */
export interface AvgPool2dOptions {
  /** Step of the window in rows and columns (default: the kernel size). PyTorch: `stride`. */
  stride?: Pair;
  /** Zero padding per side, at most half the kernel (default 0). PyTorch: `padding`. */
  padding?: Pair;
  /** As in MaxPool2dOptions (default false). PyTorch: `ceil_mode`. */
  ceilMode?: boolean;
  /** Whether the zero padding counts in the divisor (default true, as torch). PyTorch: `count_include_pad`. */
  countIncludePad?: boolean;
}

/** `g` with the batch and channel counts of x [n, c, h, w]. */
function withBatch(fn: string, X: Tensor, g: Readonly<Window2d>): Readonly<Window2d> {
  nchw(fn, 'x', X.shape);
  const [n, c, h, w] = X.shape;
  if (h !== g.h || w !== g.w)
    throw new RangeError(
      `${fn}: x ${shapeStr(X.shape)} has planes ${h}×${w}, the geometry ${g.h}×${g.w}`,
    );
  return Object.freeze({ ...g, n, c });
}

/** The output of a kernel that writes (not adds) a gradient, delivered to input 0. */
function writeGrad(
  ctx: BackwardCtx,
  size: number,
  write: (into: Float32Array) => void,
  add: (src: Float32Array, into: Float32Array) => void,
): void {
  const t = ctx.target(0);
  if (!t.accumulate) {
    write(t.data);
    return;
  }
  const tmp = f32Pool.take(size);
  write(tmp);
  add(tmp, t.data);
  f32Pool.put(tmp);
}

/** Max pooling, torch's semantics (see the `maxPool2d` kernel: ties keep the first, NaN wins). */
export function maxPool2d(x: TensorLike, kernelSize: Pair, opts?: MaxPool2dOptions): Tensor {
  const fn = 'maxPool2d';
  checkOptions(fn, opts, ['stride', 'padding', 'dilation', 'ceilMode']);
  const kernel = pair(fn, 'kernelSize', kernelSize, 1);
  const stride = pair(fn, 'stride', opts?.stride ?? kernelSize, 1);
  const padding = pair(fn, 'padding', opts?.padding ?? 0, 0);
  const dilation = pair(fn, 'dilation', opts?.dilation ?? 1, 1);
  const ceil = flag(fn, 'ceilMode', opts?.ceilMode, false);
  checkPoolPadding(fn, kernel, padding, dilation);
  const X = asTensor(fn, 'x', x, 'float32');
  nchw(fn, 'x', X.shape);
  return maxPool2dWith(fn, X, poolGeometry(fn, X.shape, kernel, stride, padding, dilation, ceil));
}

/** @internal maxPool2d over x [n, c, g.h, g.w] with a resolved geometry (n, c from x). */
export function maxPool2dWith(fn: string, X: Tensor, geometry: Readonly<Window2d>): Tensor {
  const g = withBatch(fn, X, geometry);
  const be = backendOf(fn, X);
  const shape = [g.n, g.c, g.outH, g.outW];
  const y = out(be, shape);
  const idx = out(be, shape, 'int32') as unknown as Tensor<'int32'>;
  kernels(be, X.size).maxPool2d(y._d, idx._d, X._d, g);
  return record(
    {
      name: fn,
      inputs: [X],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, maxPoolScatter(dy, idx, g));
          return;
        }
        const k = kernels(be, X.size);
        writeGrad(
          ctx,
          X.size,
          (into) => k.maxPool2dBackward(into, idx._d, dy._d, g),
          (src, into) => k.axpy(1, src, into),
        );
      },
      free: () => idx._release(),
    },
    [y],
  );
}

/** @internal dx = dy scattered (added) to the argmax positions `idx` of each window: [n, c, h, w]. */
export function maxPoolScatter(dy: Tensor, idx: Tensor<'int32'>, g: Readonly<Window2d>): Tensor {
  const fn = 'maxPoolScatter';
  const be = backendOf(fn, dy);
  const x = out(be, [g.n, g.c, g.h, g.w]);
  kernels(be, x.size).maxPool2dBackward(x._d, idx._d, dy._d, g);
  return record(
    {
      name: fn,
      inputs: [dy],
      backward: (ctx) => ctx.give(0, maxPoolGather(ctx.dy() as Tensor, idx, g)),
    },
    [x],
  );
}

/** The adjoint of maxPoolScatter: y[p, o] = x[p, idx[p, o]] per plane p, [n, c, outH, outW]. */
function maxPoolGather(x: Tensor, idx: Tensor<'int32'>, g: Readonly<Window2d>): Tensor {
  const fn = 'maxPoolGather';
  const be = backendOf(fn, x);
  const y = out(be, [g.n, g.c, g.outH, g.outW]);
  const hw = g.h * g.w;
  const ohw = g.outH * g.outW;
  const src = x._d;
  const at = idx._d;
  const d = y._d;
  // No kernel gathers by per-plane index; this runs only when a graph is being created.
  for (let p = 0; p < g.n * g.c; p++)
    for (let o = p * ohw; o < (p + 1) * ohw; o++) d[o] = src[p * hw + at[o]];
  return record(
    {
      name: fn,
      inputs: [x],
      backward: (ctx) => ctx.give(0, maxPoolScatter(ctx.dy() as Tensor, idx, g)),
    },
    [y],
  );
}

/** Average pooling with torch's divisors (see the `avgPool2d` kernel). */
export function avgPool2d(x: TensorLike, kernelSize: Pair, opts?: AvgPool2dOptions): Tensor {
  const fn = 'avgPool2d';
  checkOptions(fn, opts, ['stride', 'padding', 'ceilMode', 'countIncludePad']);
  const kernel = pair(fn, 'kernelSize', kernelSize, 1);
  const stride = pair(fn, 'stride', opts?.stride ?? kernelSize, 1);
  const padding = pair(fn, 'padding', opts?.padding ?? 0, 0);
  const ceil = flag(fn, 'ceilMode', opts?.ceilMode, false);
  const cip = flag(fn, 'countIncludePad', opts?.countIncludePad, true);
  checkPoolPadding(fn, kernel, padding);
  const X = asTensor(fn, 'x', x, 'float32');
  nchw(fn, 'x', X.shape);
  const g = poolGeometry(fn, X.shape, kernel, stride, padding, null, ceil);
  return avgPool2dWith(fn, X, g, cip);
}

/** Mean over each H×W plane: [N, C, H, W] → [N, C] (AdaptiveAvgPool2d(1) then flatten(1)). */
export function globalAvgPool2d(x: TensorLike): Tensor {
  const fn = 'globalAvgPool2d';
  const X = asTensor(fn, 'x', x, 'float32');
  nchw(fn, 'x', X.shape);
  return avgPool2dWith(fn, X, globalGeometry(fn, X.shape), true, [X.shape[0], X.shape[1]]);
}

/** One window covering each whole plane of [.., h, w] (an empty plane is refused). */
export function globalGeometry(fn: string, input: readonly number[]): Readonly<Window2d> {
  const [h, w] = input.slice(-2);
  if (h < 1 || w < 1) throw new RangeError(`${fn}: input ${shapeStr(input)} has an empty plane`);
  return poolGeometry(fn, input, [h, w], [h, w], [0, 0], null, false);
}

/**
 * @internal avgPool2d over x [n, c, g.h, g.w] with a resolved geometry; the output is
 * [n, c, outH, outW] or `shape` (the same elements, e.g. [n, c] for global pooling).
 */
export function avgPool2dWith(
  fn: string,
  X: Tensor,
  geometry: Readonly<Window2d>,
  countIncludePad: boolean,
  shape?: readonly number[],
): Tensor {
  const g = withBatch(fn, X, geometry);
  const be = backendOf(fn, X);
  const y = out(be, shape ?? [g.n, g.c, g.outH, g.outW]);
  kernels(be, X.size).avgPool2d(y._d, X._d, g, countIncludePad);
  return record(
    {
      name: fn,
      inputs: [X],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, avgPoolAdjoint(dy, g, countIncludePad));
          return;
        }
        const k = kernels(be, X.size);
        writeGrad(
          ctx,
          X.size,
          (into) => k.avgPool2dBackward(into, dy._d, g, countIncludePad),
          (src, into) => k.axpy(1, src, into),
        );
      },
    },
    [y],
  );
}

/**
 * The adjoint of average pooling (its backward): each dy spread evenly, by its window's
 * divisor, over the window's input positions: [n, c, h, w].
 */
function avgPoolAdjoint(dy: Tensor, g: Readonly<Window2d>, countIncludePad: boolean): Tensor {
  const fn = 'avgPoolAdjoint';
  const be = backendOf(fn, dy);
  const x = out(be, [g.n, g.c, g.h, g.w]);
  kernels(be, x.size).avgPool2dBackward(x._d, dy._d, g, countIncludePad);
  return record(
    {
      name: fn,
      inputs: [dy],
      backward: (ctx) => {
        const dx = ctx.dy() as Tensor;
        ctx.give(0, avgPool2dWith('avgPool2d', dx, g, countIncludePad, dy.shape));
      },
    },
    [x],
  );
}
