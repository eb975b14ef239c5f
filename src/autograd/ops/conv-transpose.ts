/**
 * Transposed 2-D convolution on the tape (torch.nn.functional.conv_transpose2d: NCHW, stride,
 * padding, outputPadding, dilation, groups). It is the input gradient of conv2d with the same
 * weight, so it is lowered the other way round. Forward, b images at a time: x_b as
 * [in, b·H·W] (a row permute on the embedding kernel; none for one image), cols = Wᵀ·x_b
 * ([out·kh·kw, b·H·W], one GEMM per group), y_b = col2im(cols) onto [b, out, Ho, Wo]. Backward:
 * cols = im2col(dy_b), dWᵀ += cols·x_bᵀ (then one transpose into the weight's gradient),
 * dx_b = W·cols (written or added in place for one image, through the inverse permute for
 * several); db by one biasGrad. b is chosen so each GEMM has about 1024 columns: a 7×7 input
 * (a DCGAN generator's first block) gives a per-image GEMM only 49, and 16–21 images per GEMM
 * ran its three GEMMs 1.3–1.5× faster than one (1 thread, interleaved). Weight
 * [in, out/groups, kh, kw] as torch's. With createGraph the same formulas (derivatives.yaml's
 * convolution_backward, transposed = true) run as tape operations over the whole batch:
 * dW = x₂·im2col(dy)ᵀ, dx = W·im2col(dy), db = Σ dy, with x₂ the input as [G, in/G, N·H·W].
 */
import type { Kernels } from '../../backend/kernels.js';
import { record } from '../node.js';
import { f32Pool } from '../pool.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { im2col, perImage } from './conv.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { permute, reshape } from './shape.js';
import { asTensor, backendOf, kernels, out } from './util.js';
import {
  type ConvGeometry,
  checkOptions,
  checkOutputPadding,
  convTransposeGeometry,
  groupsOf,
  nchw,
  type Pair,
  pair,
} from './window.js';

/** Options of {@link convTranspose2d} (torch.nn.functional.conv_transpose2d's keywords). */
export interface ConvTranspose2dOptions {
  /** Step of the window, in input rows and columns (one number or [h, w]) (default 1). PyTorch: `stride`. */
  stride?: Pair;
  /** Rows/columns trimmed from each side of the full output (default 0). PyTorch: `padding`. */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right of the output, below the stride or the dilation (default 0). PyTorch: `output_padding`. */
  outputPadding?: Pair;
  /** Spacing between kernel taps (default 1: dense). PyTorch: `dilation`. */
  dilation?: Pair;
  /** Channel groups (default 1): must divide the input and output channels. PyTorch: `groups`. */
  groups?: number;
}

/** Images per GEMM: enough for about GEMM_COLUMNS columns (b·H·W), at most the batch. */
const GEMM_COLUMNS = 1024;
function imagesPerGemm(n: number, hw: number): number {
  return Math.max(1, Math.min(n, Math.ceil(GEMM_COLUMNS / hw)));
}

/** `count` runs of `len` elements of buf from run `i` on (buf itself when that is all of it). */
function part(buf: Float32Array, i: number, count: number, len: number): Float32Array {
  const size = count * len;
  return size === buf.length && i === 0 ? buf : buf.subarray(i * len, i * len + size);
}

/** table(b, c)[ch·b + i] = i·c + ch: row ch·b + i of a [c, b, hw] layout is row i·c + ch of [b, c, hw]. */
const tables = new Map<string, Int32Array>();
function table(b: number, c: number): Int32Array {
  const key = `${b},${c}`;
  let t = tables.get(key);
  if (!t) {
    if (tables.size > 64) tables.clear();
    t = new Int32Array(b * c);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < b; i++) t[ch * b + i] = i * c + ch;
    tables.set(key, t);
  }
  return t;
}

/**
 * x [b, c, hw] as [c, b·hw] (channel-major, so each group's rows are one matrix), gathered
 * into `buf` by the embedding kernel (rows of hw); one image is already in that layout.
 */
function channelMajor(
  k: Kernels,
  x: Float32Array,
  b: number,
  c: number,
  hw: number,
  buf: Float32Array | null,
): Float32Array {
  if (b === 1 || !buf) return x;
  const dst = part(buf, 0, 1, c * b * hw);
  k.embeddingForward(dst, x, table(b, c), hw);
  return dst;
}

/** dst [b, c, hw] = (or += with `add`) src [c, b, hw]: the inverse of channelMajor. */
function imageMajor(
  k: Kernels,
  dst: Float32Array,
  src: Float32Array,
  b: number,
  c: number,
  hw: number,
  add: boolean,
): void {
  const s = part(src, 0, 1, c * b * hw);
  if (add) k.embeddingBackward(dst, s, table(b, c), hw, -1);
  else k.embeddingForward(dst, s, table(c, b), hw);
}

/** dst [G, r, c] = (or += with `add`) src [G, c, r] transposed per group, in 32×32 tiles. */
function transposeInto(
  dst: Float32Array,
  src: Float32Array,
  G: number,
  c: number,
  r: number,
  add: boolean,
): void {
  const T = 32;
  for (let g = 0; g < G; g++) {
    const o = g * r * c;
    for (let i0 = 0; i0 < r; i0 += T)
      for (let j0 = 0; j0 < c; j0 += T) {
        const i1 = Math.min(r, i0 + T);
        const j1 = Math.min(c, j0 + T);
        for (let i = i0; i < i1; i++) {
          const d = o + i * c;
          if (add) for (let j = j0; j < j1; j++) dst[d + j] += src[o + j * r + i];
          else for (let j = j0; j < j1; j++) dst[d + j] = src[o + j * r + i];
        }
      }
  }
}

/**
 * y = conv_transpose(x, weight) + bias: x [N, C, H, W], weight [C, O/groups, kh, kw], bias
 * [O] or none; y [N, O, Ho, Wo], Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) +
 * outputPadding + 1 (likewise Wo).
 */
export function convTranspose2d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  opts?: ConvTranspose2dOptions,
): Tensor {
  const fn = 'convTranspose2d';
  checkOptions(fn, opts, ['stride', 'padding', 'outputPadding', 'dilation', 'groups']);
  const stride = pair(fn, 'stride', opts?.stride ?? 1, 1);
  const padding = pair(fn, 'padding', opts?.padding ?? 0, 0);
  const outputPadding = pair(fn, 'outputPadding', opts?.outputPadding ?? 0, 0);
  const dilation = pair(fn, 'dilation', opts?.dilation ?? 1, 1);
  checkOutputPadding(fn, outputPadding, stride, dilation);
  const X = asTensor(fn, 'x', x, 'float32');
  const W = asTensor(fn, 'weight', weight, 'float32');
  nchw(fn, 'x', X.shape);
  if (W.ndim !== 4)
    throw new RangeError(
      `${fn}: weight must be 4-D [in, out/groups, kh, kw], got ${shapeStr(W.shape)}`,
    );
  if (W.shape[0] !== X.shape[1])
    throw new RangeError(
      `${fn}: x has ${X.shape[1]} channels but weight ${shapeStr(W.shape)} expects ${W.shape[0]} (x ${shapeStr(X.shape)})`,
    );
  if (W.shape[1] < 1 || W.shape[2] < 1 || W.shape[3] < 1)
    throw new RangeError(`${fn}: weight ${shapeStr(W.shape)} has an empty axis`);
  const groups = groupsOf(fn, opts?.groups, X.shape[1]);
  const geo = convTransposeGeometry(
    fn,
    X.shape,
    [W.shape[2], W.shape[3]],
    stride,
    padding,
    outputPadding,
    dilation,
    W.shape[1] * groups,
  );
  return convTranspose2dWith(fn, X, W, bias ?? null, geo, groups);
}

/**
 * @internal convTranspose2d with the geometry resolved (`convTransposeGeometry`; the layer
 * caches it per input size): x [N, C, g.outH, g.outW], weight [C, g.c/groups, g.kh, g.kw].
 */
export function convTranspose2dWith(
  fn: string,
  X: Tensor,
  W: Tensor,
  bias: TensorLike | null,
  geo: ConvGeometry,
  groups = 1,
): Tensor {
  const { g, direct } = geo;
  const B = bias === null ? null : asTensor(fn, 'bias', bias, 'float32');
  const nOut = g.c;
  if (B && (B.ndim !== 1 || B.shape[0] !== nOut))
    throw new RangeError(`${fn}: bias must be [${nOut}], got ${shapeStr(B.shape)}`);
  const G = groups;
  const n = X.shape[0];
  const nIn = X.shape[1];
  const cg = nIn / G; // input channels per group
  const kg = (nOut / G) * g.kh * g.kw; // column rows per group
  const hw = g.outH * g.outW; // input plane (one window per input position)
  const ohw = g.h * g.w; // output plane
  const be = backendOf(fn, X, W, B);
  const y = out(be, [n, nOut, g.h, g.w]);
  const work = nIn * kg * hw;
  const k = kernels(be, work);
  const ws = perImage(W._d, G, cg * kg);
  const chunk = direct ? 1 : imagesPerGemm(n, hw);
  const cols = direct ? null : f32Pool.take(G * kg * chunk * hw);
  const xbuf = chunk > 1 ? f32Pool.take(nIn * chunk * hw) : null;
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const b = Math.min(chunk, n - i0);
    const m = b * hw;
    const src = channelMajor(k, part(X._d, i0, b, nIn * hw), b, nIn, hw, xbuf);
    const yc = part(y._d, i0, b, nOut * ohw);
    const c = cols ? part(cols, 0, 1, G * kg * m) : yc;
    for (let j = 0; j < G; j++)
      k.gemm(true, false, kg, m, cg, 1, ws[j], part(src, j, 1, cg * m), 0, part(c, j, 1, kg * m));
    if (cols) k.col2im(yc, c, b === 1 ? g : { ...g, n: b });
  }
  if (cols) f32Pool.put(cols);
  if (xbuf) f32Pool.put(xbuf);
  if (B && n > 0) k.biasAdd(y._d, B._d, n, nOut, ohw);
  return record(
    {
      name: fn,
      inputs: B ? [X, W, B] : [X, W],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const gb = { ...g, n };
          const cols2 = direct
            ? reshape(permute(dy, [1, 0, 2, 3]), [G, kg, n * hw])
            : reshape(im2col(dy, gb), [G, kg, n * hw]);
          if (ctx.needs(1)) {
            const x2 = reshape(permute(X, [1, 0, 2, 3]), [G, cg, n * hw]);
            ctx.give(1, reshape(matmul(x2, cols2, { transB: true }), W.shape));
          }
          if (ctx.needs(0)) {
            const dx2 = matmul(reshape(W, [G, cg, kg]), cols2);
            ctx.give(0, permute(reshape(dx2, [nIn, n, g.outH, g.outW]), [1, 0, 2, 3]));
          }
          if (B && ctx.needs(2)) ctx.give(2, sum(dy, [0, 2, 3]));
          return;
        }
        const kb = kernels(be, work);
        const dyd = dy._d;
        if (B && ctx.needs(2)) {
          const gb = ctx.target(2);
          if (n > 0) kb.biasGrad(gb.data, dyd, n, nOut, ohw, gb.accumulate);
          else if (!gb.accumulate) kb.fill(gb.data, 0);
        }
        const gw = ctx.needs(1) ? ctx.target(1) : null;
        const gx = ctx.needs(0) ? ctx.target(0) : null;
        if (gw && n === 0 && !gw.accumulate) kb.fill(gw.data, 0);
        if (!gw && !gx) return;
        const chunk = direct ? 1 : imagesPerGemm(n, hw);
        const cols = direct ? null : f32Pool.take(G * kg * chunk * hw);
        const xbuf = chunk > 1 && gw ? f32Pool.take(nIn * chunk * hw) : null;
        const dxbuf = chunk > 1 && gx ? f32Pool.take(nIn * chunk * hw) : null;
        // dWᵀ [kg, cg] per group, accumulated over the chunks and transposed into dW at the
        // end: cols·xᵀ ran 1.3–1.5× faster than x·colsᵀ on the GEMM kernel (128×1024 output,
        // k = 1029, 1 thread, interleaved), and the transpose is one pass over the weight.
        const dwt = gw ? f32Pool.take(G * kg * cg) : null;
        for (let i0 = 0; i0 < n; i0 += chunk) {
          const b = Math.min(chunk, n - i0);
          const m = b * hw;
          const dyc = part(dyd, i0, b, nOut * ohw);
          const c = cols ? part(cols, 0, 1, G * kg * m) : dyc;
          if (cols) kb.im2col(c, dyc, b === 1 ? g : { ...g, n: b });
          const src = gw ? channelMajor(kb, part(X._d, i0, b, nIn * hw), b, nIn, hw, xbuf) : null;
          const dxc = gx ? part(gx.data, i0, b, nIn * hw) : null;
          // One image: dx is written (or added) in place; several: via [in, b·H·W] and a permute.
          const dst = dxbuf && b > 1 ? dxbuf : dxc;
          for (let j = 0; j < G; j++) {
            const cj = part(c, j, 1, kg * m);
            if (dwt && src) {
              const dj = part(dwt, j, 1, kg * cg);
              kb.gemm(false, true, kg, cg, m, 1, cj, part(src, j, 1, cg * m), i0 > 0 ? 1 : 0, dj);
            }
            if (gx && dst) {
              const beta = gx.accumulate && dst === dxc ? 1 : 0;
              kb.gemm(false, false, cg, m, kg, 1, ws[j], cj, beta, part(dst, j, 1, cg * m));
            }
          }
          if (gx && dxc && dst !== dxc)
            imageMajor(kb, dxc, dst as Float32Array, b, nIn, hw, gx.accumulate);
        }
        if (gw && dwt && n > 0) transposeInto(gw.data, dwt, G, kg, cg, gw.accumulate);
        if (dwt) f32Pool.put(dwt);
        if (cols) f32Pool.put(cols);
        if (xbuf) f32Pool.put(xbuf);
        if (dxbuf) f32Pool.put(dxbuf);
      },
    },
    [y],
  );
}
