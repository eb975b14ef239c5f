/**
 * MaxPool, AvgPool and their gradients for NHWC tensors on descent's pooling kernels, as two
 * separable passes that need no transpose: first along the width — x[n, h, w, c] read as n·h
 * planes of w × c, pooled by a (filterW × 1) window over the rows of each plane — then along
 * the height — the result [n, h, outW, c] read as n planes of h × (outW·c), pooled by a
 * (filterH × 1) window. A 2-D window's maximum is the maximum of its rows' maxima, and the
 * width pass taking each row's first maximum, then the height pass the first row holding the
 * overall one, picks the row-major first maximum as tfjs's gradient does. An average's
 * divisor (the window's positions inside the input, as tfjs counts them) is the product of
 * the two passes' counts; the gradient's is filterH·filterW, as tfjs cpu's. tfjs's max pooling skips NaN where descent's (like torch's)
 * propagates it: when an output is NaN the call goes to tfjs cpu instead.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { Window2d } from '../backend/kernels.js';
import type { DescentBackend } from './backend.js';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { f32, intScratchOf, kernelsFor, output, scratchOf } from './util.js';

type Info = backend_util.Conv2DInfo;

function poolInfo(shape: readonly number[], attrs: KernelArgs['attrs']): Info | null {
  if (shape.length !== 4) return null;
  const g = backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs?.filterSize as number | [number, number],
    attrs?.strides as number | [number, number],
    1,
    attrs?.pad as 'same' | 'valid' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const identity =
    g.filterHeight === 1 &&
    g.filterWidth === 1 &&
    g.outHeight === g.inHeight &&
    g.outWidth === g.inWidth;
  const ok =
    !identity &&
    g.padInfo.top >= 0 &&
    g.padInfo.left >= 0 &&
    g.outHeight > 0 &&
    g.outWidth > 0 &&
    g.batchSize > 0 &&
    g.inChannels > 0;
  return ok ? g : null;
}

/** The width pass: n·h planes of w × c, window filterW × 1. */
function widthPass(g: Info): Window2d {
  return {
    n: g.batchSize * g.inHeight,
    c: 1,
    h: g.inWidth,
    w: g.inChannels,
    kh: g.filterWidth,
    kw: 1,
    strideH: g.strideWidth,
    strideW: 1,
    padH: g.padInfo.left,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    outH: g.outWidth,
    outW: g.inChannels,
  };
}

/** The height pass: n planes of h × (outW·c), window filterH × 1. */
function heightPass(g: Info): Window2d {
  return {
    n: g.batchSize,
    c: 1,
    h: g.inHeight,
    w: g.outWidth * g.inChannels,
    kh: g.filterHeight,
    kw: 1,
    strideH: g.strideHeight,
    strideW: 1,
    padH: g.padInfo.top,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    outH: g.outHeight,
    outW: g.outWidth * g.inChannels,
  };
}

const midLength = (g: Info) => g.batchSize * g.inHeight * g.outWidth * g.inChannels;
const outLength = (g: Info) => g.batchSize * g.outHeight * g.outWidth * g.inChannels;

/**
 * Max pooling of x into y with both passes' argmax indices (scratch), or false when some
 * window holds a NaN (tfjs skips NaN; descent would propagate it).
 */
function maxForward(x: Float32Array, y: Float32Array, g: Info) {
  const mid = scratchOf(midLength(g), 1);
  const idxW = intScratchOf(mid.length, 0);
  const idxH = intScratchOf(y.length, 1);
  kernelsFor(x.length).maxPool2d(mid, idxW, x, widthPass(g));
  const k = kernelsFor(mid.length);
  k.maxPool2d(y, idxH, mid, heightPass(g));
  return Number.isNaN(k.max(y)) ? null : { mid, idxW, idxH };
}

function inputOf(backend: DescentBackend, t: TensorInfo, attrs: KernelArgs['attrs']) {
  const v = f32(backend, t);
  const g = v && poolInfo(t.shape, attrs);
  return v && g ? { v, g } : null;
}

const maxPool: DescentKernel = {
  kernelName: 'MaxPool',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.x, attrs);
    if (r === null) return null;
    const y = new Float32Array(outLength(r.g));
    if (maxForward(r.v, y, r.g) === null) return null;
    return output(backend, r.g.outShape.slice(), y);
  },
};

const maxPoolGrad: DescentKernel = {
  kernelName: 'MaxPoolGrad',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.input, attrs);
    const dy = f32(backend, inputs.dy);
    if (r === null || dy === null || dy.length !== outLength(r.g)) return null;
    // the positions are recomputed from the input, as tfjs cpu does
    const s = maxForward(r.v, scratchOf(dy.length, 2), r.g);
    if (s === null) return null;
    const dx = new Float32Array(r.v.length);
    kernelsFor(s.mid.length).maxPool2dBackward(s.mid, s.idxH, dy, heightPass(r.g));
    kernelsFor(dx.length).maxPool2dBackward(dx, s.idxW, s.mid, widthPass(r.g));
    return output(backend, inputs.input.shape.slice(), dx);
  },
};

const avgPool: DescentKernel = {
  kernelName: 'AvgPool',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.x, attrs);
    if (r === null) return null;
    const mid = scratchOf(midLength(r.g), 1);
    const y = new Float32Array(outLength(r.g));
    kernelsFor(r.v.length).avgPool2d(mid, r.v, widthPass(r.g), false);
    kernelsFor(mid.length).avgPool2d(y, mid, heightPass(r.g), false);
    return output(backend, r.g.outShape.slice(), y);
  },
};

const avgPoolGrad: DescentKernel = {
  kernelName: 'AvgPoolGrad',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.input, attrs);
    const dy = f32(backend, inputs.dy);
    if (r === null || dy === null || dy.length !== outLength(r.g)) return null;
    // tfjs cpu divides every window's gradient by filterH·filterW, padding or not (its forward
    // divides by the positions inside): descent's countIncludePad divisor, when no window
    // reaches past the far padding it clips at (h + padTop, w + padLeft)
    const g = r.g;
    const reach = (out: number, s: number, pad: number, f: number, len: number) =>
      (out - 1) * s - pad + f <= len + pad;
    if (
      !reach(g.outHeight, g.strideHeight, g.padInfo.top, g.filterHeight, g.inHeight) ||
      !reach(g.outWidth, g.strideWidth, g.padInfo.left, g.filterWidth, g.inWidth)
    )
      return null;
    const mid = scratchOf(midLength(g), 1);
    const dx = new Float32Array(r.v.length);
    kernelsFor(mid.length).avgPool2dBackward(mid, dy, heightPass(g), true);
    kernelsFor(dx.length).avgPool2dBackward(dx, mid, widthPass(g), true);
    return output(backend, inputs.input.shape.slice(), dx);
  },
};

export const poolKernels: DescentKernel[] = [maxPool, maxPoolGrad, avgPool, avgPoolGrad];
