/**
 * The native backend: loads the napi-rs addon (never throws here: a failure is kept as the
 * reason to report) and adapts it to the `Kernels` contract.
 */

import { envVar, nodeModule, nodeProcess } from '../host.js';
import {
  BINARY_CODES,
  type BinaryOp,
  type Kernels,
  OPTIM_KINDS,
  UNARY_CODES,
  type UnaryOp,
  type Window2d,
} from './kernels.js';
import { nativeEnvError } from './native-env.js';

/** What the addon exports (see crates/node). */
export interface NativeBinding {
  info(): {
    simd: string;
    detected: string;
    threads: number;
    version: string;
    flushDenormal: boolean;
  };
  setSimd(level: string): string;
  unary(op: number, out: Float32Array, x: Float32Array, alpha: number, beta: number): void;
  unaryBackward(
    op: number,
    dx: Float32Array,
    x: Float32Array,
    dy: Float32Array,
    alpha: number,
    beta: number,
  ): void;
  binary(op: number, out: Float32Array, a: Float32Array, b: Float32Array): void;
  binaryScalar(op: number, out: Float32Array, x: Float32Array, s: number): void;
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  fill(out: Float32Array, value: number): void;
  copy(dst: Float32Array, src: Float32Array): void;
  sum(x: Float32Array): number;
  sumSquares(x: Float32Array): number;
  sumAbs(x: Float32Array): number;
  biasAdd(x: Float32Array, b: Float32Array, outer: number, n: number, inner: number): void;
  biasGrad(
    out: Float32Array,
    x: Float32Array,
    outer: number,
    n: number,
    inner: number,
    accumulate: boolean,
  ): void;
  maxAbs(x: Float32Array): number;
  dot(a: Float32Array, b: Float32Array): number;
  lerp(a: Float32Array, b: Float32Array, w: number): void;
  clamp(out: Float32Array, x: Float32Array, lo: number, hi: number): void;
  max(x: Float32Array): number;
  argmaxRows(out: Int32Array, x: Float32Array, rows: number, cols: number): void;
  colSums(
    out: Float32Array,
    x: Float32Array,
    rows: number,
    cols: number,
    accumulate: boolean,
  ): void;
  // Normalisation and embedding kernels: same arguments as in `Kernels`.
  batchNormStats: Kernels['batchNormStats'];
  batchNormForward: Kernels['batchNormForward'];
  batchNormBackwardReduce: Kernels['batchNormBackwardReduce'];
  batchNormBackward: Kernels['batchNormBackward'];
  layerNormForward: Kernels['layerNormForward'];
  layerNormBackward: Kernels['layerNormBackward'];
  embeddingForward: Kernels['embeddingForward'];
  embeddingBackward: Kernels['embeddingBackward'];
  im2col(cols: Float32Array, x: Float32Array, geometry: Float64Array): void;
  col2im(dx: Float32Array, cols: Float32Array, geometry: Float64Array): void;
  conv2dImages?(
    y: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    outChannels: number,
    geometry: Float64Array,
  ): void;
  conv2dImagesBackward?(
    dWeight: Float32Array | null,
    accumulate: boolean,
    dx: Float32Array | null,
    x: Float32Array,
    weight: Float32Array,
    dy: Float32Array,
    outChannels: number,
    geometry: Float64Array,
  ): void;
  conv2dPoolImages?(
    out: Float32Array,
    indices: Int32Array,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    outChannels: number,
    geometry: Float64Array,
    poolGeometry: Float64Array,
    relu: boolean,
  ): void;
  conv2dPoolImagesBackward?(
    dWeight: Float32Array | null,
    accumulate: boolean,
    dx: Float32Array | null,
    dBias: Float32Array | null,
    accumulateBias: boolean,
    x: Float32Array,
    weight: Float32Array,
    out: Float32Array,
    indices: Int32Array,
    dOut: Float32Array,
    outChannels: number,
    geometry: Float64Array,
    poolGeometry: Float64Array,
    relu: boolean,
  ): void;
  maxPool2d(y: Float32Array, indices: Int32Array, x: Float32Array, geometry: Float64Array): void;
  maxPool2dBackward(
    dx: Float32Array,
    indices: Int32Array,
    dy: Float32Array,
    geometry: Float64Array,
  ): void;
  avgPool2d(
    y: Float32Array,
    x: Float32Array,
    geometry: Float64Array,
    countIncludePad: boolean,
  ): void;
  avgPool2dBackward(
    dx: Float32Array,
    dy: Float32Array,
    geometry: Float64Array,
    countIncludePad: boolean,
  ): void;
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackward(
    dx: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
    log: boolean,
  ): void;
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  softmaxCrossEntropy(
    logits: Float32Array,
    labels: Int32Array,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    gradScale: number,
  ): number;
  crossEntropyLabels(
    logits: Float32Array,
    labels: Int32Array,
    weight: Float32Array | null,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    smoothing: number,
    ignoreIndex: number,
    gradScale: number,
  ): number;
  crossEntropyProbs(
    logits: Float32Array,
    target: Float32Array,
    weight: Float32Array | null,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    smoothing: number,
    gradScale: number,
  ): number;
  bceWithLogits(
    x: Float32Array,
    target: Float32Array,
    weight: Float32Array | null,
    posWeight: Float32Array | null,
    grad: Float32Array | null,
    gradScale: number,
  ): number;
  rngUniform(state: Uint32Array, out: Float32Array, lo: number, hi: number): void;
  rngNormal(state: Uint32Array, out: Float32Array, mean: number, std: number): void;
  rngDropoutMask(state: Uint32Array, out: Float32Array, p: number): void;
  cacheLineOffset(a: Float32Array): number;
  /** Absent from an addon built before it. */
  adviseHugePages?(a: Float32Array): number;
  optimStep(
    kind: number,
    params: Float32Array,
    grads: Float32Array,
    s0: Float32Array | null,
    s1: Float32Array | null,
    s2: Float32Array | null,
    s3: Float32Array | null,
    hyper: Float64Array,
    segments: Uint32Array | null,
  ): void;
  rnnCellForward: Kernels['rnnCellForward'];
  rnnCellBackward: Kernels['rnnCellBackward'];
  lstmCellForward: Kernels['lstmCellForward'];
  lstmCellBackward: Kernels['lstmCellBackward'];
  gruCellForward: Kernels['gruCellForward'];
  gruCellBackward: Kernels['gruCellBackward'];
}

let loaded: { binding: NativeBinding } | { error: string } | undefined;

/** Loads the addon once: `DESCENT_NATIVE_PATH` if set, else the napi-rs loader in `native/`. */
export function loadNative(): { binding: NativeBinding } | { error: string } {
  if (loaded) return loaded;
  const mod = nodeModule();
  if (!mod) return (loaded = { error: 'the native addon loads only in Node' });
  const envError = nativeEnvError();
  if (envError) return (loaded = { error: envError });
  // Not named `require`: bundlers would take a call to it for a CommonJS import.
  const requireAddon = mod.createRequire(import.meta.url);
  const path = envVar('DESCENT_NATIVE_PATH') || '../../native/binding.cjs';
  try {
    const binding = requireAddon(path) as NativeBinding;
    if (typeof binding?.info !== 'function' || typeof binding.optimStep !== 'function') {
      throw new Error(`${path} does not export the descent kernels`);
    }
    binding.info();
    loaded = { binding };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    // The napi-rs loader's own wording blames npm; say what actually happened.
    loaded = {
      error: msg.startsWith('Cannot find native binding')
        ? `no addon for ${nodeProcess()?.platform}-${nodeProcess()?.arch}: it was not built at install (no Rust toolchain) and no prebuilt package is installed`
        : msg,
    };
  }
  return loaded;
}

/** The window geometry as the addon reads it (one reused array: no allocation per call). */
const WINDOW = new Float64Array(14);
/** A second one, for calls that take two geometries. */
const WINDOW2 = new Float64Array(14);
function window2d(g: Window2d, v = WINDOW): Float64Array {
  v[0] = g.n;
  v[1] = g.c;
  v[2] = g.h;
  v[3] = g.w;
  v[4] = g.kh;
  v[5] = g.kw;
  v[6] = g.strideH;
  v[7] = g.strideW;
  v[8] = g.padH;
  v[9] = g.padW;
  v[10] = g.dilationH;
  v[11] = g.dilationW;
  v[12] = g.outH;
  v[13] = g.outW;
  return v;
}

/** Adapts the binding to `Kernels` (op names to the numeric codes the addon uses). */
export function nativeKernels(b: NativeBinding): Kernels {
  const u = (op: UnaryOp) => UNARY_CODES[op];
  const bin = (op: BinaryOp) => BINARY_CODES[op];
  return {
    unary: (op, out, x, alpha, beta) => b.unary(u(op), out, x, alpha, beta),
    unaryBackward: (op, dx, x, dy, alpha, beta) => b.unaryBackward(u(op), dx, x, dy, alpha, beta),
    binary: (op, out, x, y) => b.binary(bin(op), out, x, y),
    binaryScalar: (op, out, x, s) => b.binaryScalar(bin(op), out, x, s),
    axpy: (alpha, x, y) => b.axpy(alpha, x, y),
    fill: (out, v) => b.fill(out, v),
    copy: (dst, src) => b.copy(dst, src),
    sum: (x) => b.sum(x),
    sumSquares: (x) => b.sumSquares(x),
    sumAbs: (x) => b.sumAbs(x),
    biasAdd: (x, v, o, n, i) => b.biasAdd(x, v, o, n, i),
    biasGrad: (out, x, o, n, i, acc) => b.biasGrad(out, x, o, n, i, acc),
    maxAbs: (x) => b.maxAbs(x),
    dot: (x, y) => b.dot(x, y),
    lerp: (x, y, w) => b.lerp(x, y, w),
    clamp: (out, x, lo, hi) => b.clamp(out, x, lo, hi),
    max: (x) => b.max(x),
    argmaxRows: (out, x, rows, cols) => b.argmaxRows(out, x, rows, cols),
    colSums: (out, x, rows, cols, acc) => b.colSums(out, x, rows, cols, acc),
    batchNormStats: (m, v, x, o, c, i) => b.batchNormStats(m, v, x, o, c, i),
    batchNormForward: (y, x, m, sc, sh, o, c, i) => b.batchNormForward(y, x, m, sc, sh, o, c, i),
    batchNormBackwardReduce: (s1, s2, dy, x, m, o, c, i) =>
      b.batchNormBackwardReduce(s1, s2, dy, x, m, o, c, i),
    batchNormBackward: (dx, dy, x, m, p, q, r, o, c, i) =>
      b.batchNormBackward(dx, dy, x, m, p, q, r, o, c, i),
    layerNormForward: (y, m, rs, x, g, bt, rows, cols, eps) =>
      b.layerNormForward(y, m, rs, x, g, bt, rows, cols, eps),
    layerNormBackward: (dx, dg, db, dy, x, m, rs, g, rows, cols) =>
      b.layerNormBackward(dx, dg, db, dy, x, m, rs, g, rows, cols),
    embeddingForward: (out, w, idx, dim) => b.embeddingForward(out, w, idx, dim),
    embeddingBackward: (g, dy, idx, dim, pad) => b.embeddingBackward(g, dy, idx, dim, pad),
    im2col: (cols, x, g) => b.im2col(cols, x, window2d(g)),
    col2im: (dx, cols, g) => b.col2im(dx, cols, window2d(g)),
    // absent from an addon built before these kernels: conv2d then goes image by image
    ...(b.conv2dImages && b.conv2dImagesBackward
      ? {
          conv2dImages: (y, x, w, bias, og, g) => b.conv2dImages?.(y, x, w, bias, og, window2d(g)),
          conv2dImagesBackward: (dw, acc, dx, x, w, dy, og, g) =>
            b.conv2dImagesBackward?.(dw, acc, dx, x, w, dy, og, window2d(g)),
        }
      : {}),
    ...(b.conv2dPoolImages && b.conv2dPoolImagesBackward
      ? {
          conv2dPoolImages: (o, idx, x, w, bias, og, g, pg, relu) =>
            b.conv2dPoolImages?.(o, idx, x, w, bias, og, window2d(g), window2d(pg, WINDOW2), relu),
          conv2dPoolImagesBackward: (dw, acc, dx, db, accB, x, w, o, idx, dOut, og, g, pg, relu) =>
            b.conv2dPoolImagesBackward?.(
              dw,
              acc,
              dx,
              db,
              accB,
              x,
              w,
              o,
              idx,
              dOut,
              og,
              window2d(g),
              window2d(pg, WINDOW2),
              relu,
            ),
        }
      : {}),
    maxPool2d: (y, idx, x, g) => b.maxPool2d(y, idx, x, window2d(g)),
    maxPool2dBackward: (dx, idx, dy, g) => b.maxPool2dBackward(dx, idx, dy, window2d(g)),
    avgPool2d: (y, x, g, cip) => b.avgPool2d(y, x, window2d(g), cip),
    avgPool2dBackward: (dx, dy, g, cip) => b.avgPool2dBackward(dx, dy, window2d(g), cip),
    softmax: (out, x, rows, cols, log) => b.softmax(out, x, rows, cols, log),
    softmaxBackward: (dx, y, dy, rows, cols, log) => b.softmaxBackward(dx, y, dy, rows, cols, log),
    gemm: (ta, tb, m, n, k, alpha, a, bb, beta, c) =>
      b.gemm(ta, tb, m, n, k, alpha, a, bb, beta, c),
    softmaxCrossEntropy: (logits, labels, grad, rows, cols, scale) =>
      b.softmaxCrossEntropy(logits, labels, grad, rows, cols, scale),
    crossEntropyLabels: (x, l, w, g, rows, cols, eps, ignore, scale) =>
      b.crossEntropyLabels(x, l, w, g, rows, cols, eps, ignore, scale),
    crossEntropyProbs: (x, t, w, g, rows, cols, eps, scale) =>
      b.crossEntropyProbs(x, t, w, g, rows, cols, eps, scale),
    bceWithLogits: (x, t, w, pw, g, scale) => b.bceWithLogits(x, t, w, pw, g, scale),
    rngUniform: (s, out, lo, hi) => b.rngUniform(s, out, lo, hi),
    rngNormal: (s, out, mean, std) => b.rngNormal(s, out, mean, std),
    rngDropoutMask: (s, out, p) => b.rngDropoutMask(s, out, p),
    rnnCellForward: (...a) => b.rnnCellForward(...a),
    rnnCellBackward: (...a) => b.rnnCellBackward(...a),
    lstmCellForward: (...a) => b.lstmCellForward(...a),
    lstmCellBackward: (...a) => b.lstmCellBackward(...a),
    gruCellForward: (...a) => b.gruCellForward(...a),
    gruCellBackward: (...a) => b.gruCellBackward(...a),
    optimStep: (kind, p, g, s, h, seg) =>
      b.optimStep(
        OPTIM_KINDS[kind],
        p,
        g,
        s[0] ?? null,
        s[1] ?? null,
        s[2] ?? null,
        s[3] ?? null,
        h,
        seg,
      ),
  };
}
