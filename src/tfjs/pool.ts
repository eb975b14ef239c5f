/**
 * MaxPool, AvgPool and their gradients for NHWC tensors on descent's pooling kernels, which
 * pool planes (NCHW). The NHWC batch [n·h·w, c] is transposed to c·n planes ([c, n·h·w]) and
 * back by descent's im2col — a window of c elements at stride c over the flat array, resp. of
 * n·h·w elements at stride n·h·w — which copies exactly and runs natively; the planes then
 * take descent's pooling kernels unchanged (the 2×2/stride-2 max pool on its branch-free
 * path). Measured against pooling the NHWC layout directly as two separable passes of
 * descent's kernels and against a JS loop, it took about half the CPU time of either.
 *
 * Semantics are tfjs cpu's: the max's row-major first maximum receives the gradient (descent's
 * scan order); an average divides by the window's positions inside the input and its
 * gradient by filterH·filterW (tfjs cpu's, padding or not). tfjs's max pooling skips NaN
 * where descent's (like torch's) propagates it: when an output is NaN, tfjs cpu's kernel
 * computes the call instead.
 */
import { backend_util, engine, type TensorInfo } from '@tensorflow/tfjs-core';
import type { Kernels, Window2d } from '../backend/kernels.js';
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

const ONE = {
  n: 1,
  c: 1,
  h: 1,
  kh: 1,
  strideH: 1,
  padH: 0,
  padW: 0,
  dilationH: 1,
  dilationW: 1,
  outH: 1,
};

/** dst [c, pixels] = src [pixels, c] (NHWC to c·n planes). */
function toPlanes(k: Kernels, dst: Float32Array, src: Float32Array, pixels: number, c: number) {
  if (c === 1) k.copy(dst, src);
  else k.im2col(dst, src, { ...ONE, w: pixels * c, kw: c, strideW: c, outW: pixels });
}

/** dst [pixels, c] = src [c, pixels] (planes back to NHWC). */
function fromPlanes(k: Kernels, dst: Float32Array, src: Float32Array, pixels: number, c: number) {
  if (c === 1) k.copy(dst, src);
  else k.im2col(dst, src, { ...ONE, w: c * pixels, kw: pixels, strideW: pixels, outW: c });
}

/** The pooling window over the c·n planes. */
function planes(g: Info): Window2d {
  return {
    n: g.inChannels * g.batchSize,
    c: 1,
    h: g.inHeight,
    w: g.inWidth,
    kh: g.filterHeight,
    kw: g.filterWidth,
    strideH: g.strideHeight,
    strideW: g.strideWidth,
    padH: g.padInfo.top,
    padW: g.padInfo.left,
    dilationH: 1,
    dilationW: 1,
    outH: g.outHeight,
    outW: g.outWidth,
  };
}

const inPixels = (g: Info) => g.batchSize * g.inHeight * g.inWidth;
const outPixels = (g: Info) => g.batchSize * g.outHeight * g.outWidth;

/**
 * Max pooling of x (NHWC) as planes: the input planes (scratch 1), output planes (scratch 2)
 * and argmax indices; null when some window holds a NaN (tfjs skips NaN, descent would not).
 */
function maxPlanes(x: Float32Array, g: Info) {
  const c = g.inChannels;
  const xp = scratchOf(x.length, 1);
  const yp = scratchOf(outPixels(g) * c, 2);
  const idx = intScratchOf(yp.length);
  toPlanes(kernelsFor(x.length), xp, x, inPixels(g), c);
  const k = kernelsFor(x.length);
  k.maxPool2d(yp, idx, xp, planes(g));
  return Number.isNaN(k.max(yp)) ? null : { xp, yp, idx };
}

function inputOf(backend: DescentBackend, t: TensorInfo, attrs: KernelArgs['attrs']) {
  const v = f32(backend, t);
  const g = v && poolInfo(t.shape, attrs);
  return v && g ? { v, g } : null;
}

/** A max pool's argmax positions, kept with its output while gradients are recorded. */
interface Argmax {
  x: TensorInfo['dataId'];
  key: string;
  idx: Int32Array;
}

const keyOf = (g: Info) =>
  JSON.stringify([
    g.inShape,
    g.outShape,
    g.padInfo,
    g.strideHeight,
    g.strideWidth,
    g.filterHeight,
    g.filterWidth,
  ]);

const maxPool: DescentKernel = {
  kernelName: 'MaxPool',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.x, attrs);
    const p = r && maxPlanes(r.v, r.g);
    if (r === null || p === null) return null;
    const y = backend.alloc(p.yp.length);
    fromPlanes(kernelsFor(y.length), y, p.yp, outPixels(r.g), r.g.inChannels);
    const out = output(backend, r.g.outShape.slice(), y);
    // under a gradient tape, MaxPoolGrad will ask for these positions: keep them
    if (engine().state.gradientDepth > 0) {
      const idx = backend.allocInt(p.idx.length);
      idx.set(p.idx);
      const a: Argmax = { x: inputs.x.dataId, key: keyOf(r.g), idx };
      backend.attach(out.dataId, a, idx);
    }
    return out;
  },
};

const maxPoolGrad: DescentKernel = {
  kernelName: 'MaxPoolGrad',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.input, attrs);
    const dy = f32(backend, inputs.dy);
    if (r === null || dy === null || dy.length !== outPixels(r.g) * r.g.inChannels) return null;
    const kept = backend.attachment(inputs.output.dataId) as Argmax | undefined;
    let idx: Int32Array;
    if (kept !== undefined && kept.x === inputs.input.dataId && kept.key === keyOf(r.g))
      idx = kept.idx;
    else {
      // recomputed from the input, as tfjs cpu does
      const p = maxPlanes(r.v, r.g);
      if (p === null) return null;
      idx = p.idx;
    }
    const c = r.g.inChannels;
    const dyp = scratchOf(dy.length, 3);
    const dxp = scratchOf(r.v.length, 1);
    const k = kernelsFor(r.v.length);
    toPlanes(k, dyp, dy, outPixels(r.g), c);
    k.maxPool2dBackward(dxp, idx, dyp, planes(r.g));
    const dx = backend.alloc(r.v.length);
    fromPlanes(k, dx, dxp, inPixels(r.g), c);
    return output(backend, inputs.input.shape.slice(), dx);
  },
};

const avgPool: DescentKernel = {
  kernelName: 'AvgPool',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.x, attrs);
    if (r === null) return null;
    const c = r.g.inChannels;
    const xp = scratchOf(r.v.length, 1);
    const yp = scratchOf(outPixels(r.g) * c, 2);
    const k = kernelsFor(r.v.length);
    toPlanes(k, xp, r.v, inPixels(r.g), c);
    k.avgPool2d(yp, xp, planes(r.g), false);
    const y = backend.alloc(yp.length);
    fromPlanes(k, y, yp, outPixels(r.g), c);
    return output(backend, r.g.outShape.slice(), y);
  },
};

const avgPoolGrad: DescentKernel = {
  kernelName: 'AvgPoolGrad',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = inputOf(backend, inputs.input, attrs);
    const dy = f32(backend, inputs.dy);
    if (r === null || dy === null || dy.length !== outPixels(r.g) * r.g.inChannels) return null;
    // tfjs cpu divides every window's gradient by filterH·filterW, padding or not (its forward
    // divides by the positions inside): descent's countIncludePad divisor when no window
    // reaches past the far padding it clips at (h + padTop, w + padLeft); otherwise col2im of
    // dy / (filterH·filterW) copied to every window position (the adjoint of a window sum)
    const g = r.g;
    const reach = (out: number, s: number, pad: number, f: number, len: number) =>
      (out - 1) * s - pad + f <= len + pad;
    const c = g.inChannels;
    const dyp = scratchOf(dy.length, 2);
    const dxp = scratchOf(r.v.length, 1);
    const k = kernelsFor(r.v.length);
    toPlanes(k, dyp, dy, outPixels(g), c);
    if (
      reach(g.outHeight, g.strideHeight, g.padInfo.top, g.filterHeight, g.inHeight) &&
      reach(g.outWidth, g.strideWidth, g.padInfo.left, g.filterWidth, g.inWidth)
    )
      k.avgPool2dBackward(dxp, dyp, planes(g), true);
    else {
      const taps = g.filterHeight * g.filterWidth;
      const cols = scratchOf(taps * dyp.length, 4);
      const first = cols.subarray(0, dyp.length);
      k.binaryScalar('mul', first, dyp, 1 / taps);
      for (let t = 1; t < taps; t++)
        k.copy(cols.subarray(t * dyp.length, (t + 1) * dyp.length), first);
      k.col2im(dxp, cols, planes(g));
    }
    const dx = backend.alloc(r.v.length);
    fromPlanes(k, dx, dxp, inPixels(g), c);
    return output(backend, inputs.input.shape.slice(), dx);
  },
};

export const poolKernels: DescentKernel[] = [maxPool, maxPoolGrad, avgPool, avgPoolGrad];
