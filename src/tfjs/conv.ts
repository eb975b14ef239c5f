/**
 * Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter for NHWC tensors on
 * descent's im2col/col2im and GEMM, without transposing any activation.
 *
 * The lowering: an NHWC batch x[n, h, w, c] is read as n single-channel planes of h × (w·c),
 * and a kh × kw window over it as a kh × (kw·c) window with column stride strideW·c and left
 * padding padLeft·c — element (i, j·c + ci) of that window is x[y + i, x + j, ci]. descent's
 * NCHW im2col over this view writes cols[(i·kw + j)·c + ci, (b·outH + oy)·outW + ox], whose
 * rows are ordered as tfjs's filter [kh, kw, c, outC] and whose columns as the NHWC output's
 * positions. So y = colsᵀ·W, dW = cols·dy and dcols = W·dyᵀ (then col2im) are plain GEMMs on
 * tfjs's own layouts. A dilated width does not fit the view (such convolutions, NCHW data and
 * other dtypes go to tfjs cpu); 1×1 convolutions with stride 1 and no padding skip im2col.
 * The columns live in one reused scratch buffer, the batch split so that it stays ≤ 64 MiB.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { Window2d } from '../backend/kernels.js';
import type { DescentBackend } from './backend.js';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { addBias, biasFits } from './matmul.js';
import { applyActivation, fusedActivationSupported } from './unary.js';
import { chunkOf, f32, kernelsFor, output, scratchOf, sizeOf } from './util.js';

type Info = backend_util.Conv2DInfo;
type Shape4 = [number, number, number, number];

/** The convolution's geometry, or null when the NHWC lowering does not apply. */
function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Record<string, unknown> | undefined,
  dilations: unknown,
): Info | null {
  if (xShape.length !== 4 || filterShape.length !== 4) return null;
  if ((attrs?.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  if (filterShape[2] !== xShape[3]) return null; // tfjs's error, from the cpu kernel
  const info = backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs?.strides as number | [number, number],
    dilations as number | [number, number],
    attrs?.pad as 'same' | 'valid' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  const ok =
    info.dilationWidth === 1 &&
    info.padInfo.top >= 0 &&
    info.padInfo.left >= 0 &&
    info.outHeight > 0 &&
    info.outWidth > 0 &&
    info.batchSize > 0 &&
    info.outChannels > 0 &&
    info.inChannels > 0;
  return ok ? info : null;
}

/** The window over `n` images of the (h, w·c) view (see the file header). */
function viewWindow(g: Info, n: number): Window2d {
  const c = g.inChannels;
  return {
    n,
    c: 1,
    h: g.inHeight,
    w: g.inWidth * c,
    kh: g.filterHeight,
    kw: g.filterWidth * c,
    strideH: g.strideHeight,
    strideW: g.strideWidth * c,
    padH: g.padInfo.top,
    padW: g.padInfo.left * c,
    dilationH: g.dilationHeight,
    dilationW: 1,
    outH: g.outHeight,
    outW: g.outWidth,
  };
}

/** A 1×1, stride-1, unpadded convolution: the input is already the column matrix. */
function pointwise(g: Info): boolean {
  return (
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.padInfo.top === 0 &&
    g.padInfo.left === 0 &&
    g.outHeight === g.inHeight &&
    g.outWidth === g.inWidth
  );
}

/** Sizes of the lowering: R rows of cols (kh·kw·c), P columns per image (outH·outW), input per image. */
function sizes(g: Info) {
  return {
    R: g.filterHeight * g.filterWidth * g.inChannels,
    P: g.outHeight * g.outWidth,
    X: g.inHeight * g.inWidth * g.inChannels,
    co: g.outChannels,
  };
}

/** y [n, outH, outW, co] = conv(x, w). */
function forward(backend: DescentBackend, x: Float32Array, w: Float32Array, g: Info) {
  const { R, P, X, co } = sizes(g);
  const n = g.batchSize;
  const y = backend.alloc(n * P * co);
  if (pointwise(g)) {
    kernelsFor(n * P * R * co).gemm(false, false, n * P, co, R, 1, x, w, 0, y);
    return y;
  }
  const chunk = chunkOf(n, R * P);
  for (let b = 0; b < n; b += chunk) {
    const nb = Math.min(chunk, n - b);
    const cols = scratchOf(R * nb * P);
    kernelsFor(cols.length).im2col(cols, x.subarray(b * X, (b + nb) * X), viewWindow(g, nb));
    kernelsFor(nb * P * R * co).gemm(
      true,
      false,
      nb * P,
      co,
      R,
      1,
      cols,
      w,
      0,
      y.subarray(b * P * co, (b + nb) * P * co),
    );
  }
  return y;
}

/** dW [kh, kw, c, co] = Σ over the batch of cols·dy. */
function backpropFilter(backend: DescentBackend, x: Float32Array, dy: Float32Array, g: Info) {
  const { R, P, X, co } = sizes(g);
  const n = g.batchSize;
  const dw = backend.alloc(R * co);
  if (pointwise(g)) {
    kernelsFor(n * P * R * co).gemm(true, false, R, co, n * P, 1, x, dy, 0, dw);
    return dw;
  }
  const chunk = chunkOf(n, R * P);
  for (let b = 0; b < n; b += chunk) {
    const nb = Math.min(chunk, n - b);
    const cols = scratchOf(R * nb * P);
    kernelsFor(cols.length).im2col(cols, x.subarray(b * X, (b + nb) * X), viewWindow(g, nb));
    const dyb = dy.subarray(b * P * co, (b + nb) * P * co);
    kernelsFor(nb * P * R * co).gemm(
      false,
      false,
      R,
      co,
      nb * P,
      1,
      cols,
      dyb,
      b === 0 ? 0 : 1,
      dw,
    );
  }
  return dw;
}

/** dx [n, h, w, c] = col2im(W·dyᵀ). */
function backpropInput(backend: DescentBackend, dy: Float32Array, w: Float32Array, g: Info) {
  const { R, P, X, co } = sizes(g);
  const n = g.batchSize;
  const dx = backend.alloc(n * X);
  if (pointwise(g)) {
    kernelsFor(n * P * R * co).gemm(false, true, n * P, R, co, 1, dy, w, 0, dx);
    return dx;
  }
  const chunk = chunkOf(n, R * P);
  for (let b = 0; b < n; b += chunk) {
    const nb = Math.min(chunk, n - b);
    const cols = scratchOf(R * nb * P);
    const dyb = dy.subarray(b * P * co, (b + nb) * P * co);
    kernelsFor(nb * P * R * co).gemm(false, true, R, nb * P, co, 1, w, dyb, 0, cols);
    kernelsFor(cols.length).col2im(dx.subarray(b * X, (b + nb) * X), cols, viewWindow(g, nb));
  }
  return dx;
}

function conv(
  backend: DescentBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: KernelArgs['attrs'],
) {
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (xv === null || wv === null) return null;
  const g = convInfo(x.shape, filter.shape, attrs, attrs?.dilations ?? 1);
  return g && { g, y: forward(backend, xv, wv, g) };
}

const conv2d: DescentKernel = {
  kernelName: 'Conv2D',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = conv(backend, inputs.x, inputs.filter, attrs);
    return r && output(backend, r.g.outShape.slice(), r.y);
  },
};

const fusedConv2d: DescentKernel = {
  kernelName: 'FusedConv2D',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { x, filter, bias } = inputs;
    if (!fusedActivationSupported(attrs?.activation)) return null;
    const g = convInfo(x.shape, filter.shape, attrs, attrs?.dilations ?? 1);
    if (g === null || !biasFits(backend, bias, g.outShape)) return null;
    const r = conv(backend, x, filter, attrs);
    if (r === null) return null;
    const shape = r.g.outShape.slice();
    addBias(backend, r.y, shape, bias);
    applyActivation(r.y, attrs?.activation, attrs?.leakyreluAlpha);
    return output(backend, shape, r.y);
  },
};

const conv2dBackpropInput: DescentKernel = {
  kernelName: 'Conv2DBackpropInput',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { dy, filter } = inputs;
    const dyv = f32(backend, dy);
    const wv = f32(backend, filter);
    const inputShape = attrs?.inputShape as number[] | undefined;
    if (dyv === null || wv === null || inputShape === undefined) return null;
    const g = convInfo(inputShape, filter.shape, attrs, 1);
    if (g === null || sizeOf(g.outShape) !== dyv.length) return null;
    return output(backend, inputShape.slice(), backpropInput(backend, dyv, wv, g));
  },
};

const conv2dBackpropFilter: DescentKernel = {
  kernelName: 'Conv2DBackpropFilter',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { x, dy } = inputs;
    const xv = f32(backend, x);
    const dyv = f32(backend, dy);
    const filterShape = attrs?.filterShape as number[] | undefined;
    if (xv === null || dyv === null || filterShape === undefined) return null;
    const g = convInfo(x.shape, filterShape, attrs, 1);
    if (g === null || sizeOf(g.outShape) !== dyv.length) return null;
    return output(backend, filterShape.slice(), backpropFilter(backend, xv, dyv, g));
  },
};

export const convKernels: DescentKernel[] = [
  conv2d,
  fusedConv2d,
  conv2dBackpropInput,
  conv2dBackpropFilter,
];
