/**
 * 2-D convolution on the tape (torch.nn.functional.conv2d: NCHW, zero padding, groups) and
 * the two linear maps it is lowered to, `im2col` and `col2im` (each the adjoint of the other).
 *
 * Forward, one image at a time (see src/nn/conv2d.ts for why per image): im2col(x_b) →
 * cols [c·kh·kw, Ho·Wo], y_b = W·cols (one GEMM into the NCHW output), then one biasAdd over
 * the batch. With G groups the rows of cols, of W and of y_b split into G contiguous blocks
 * and each block is its own GEMM (depthwise: G = c). The fast backward is fused per image:
 * im2col again, dW += dy_b·colsᵀ (GEMM with β = 1 straight into the weight's gradient),
 * cols = Wᵀ·dy_b, dx_b = col2im(cols); db by one biasGrad. A 1×1 kernel with stride 1 and no
 * padding skips im2col/col2im. With createGraph the same formulas (derivatives.yaml's
 * convolution_backward) run as tape operations over the whole batch, batched over groups:
 * dW = dy₂·im2col(x)ᵀ, dx = col2im(Wᵀ·dy₂), db = Σ dy, where dy₂ is dy as [G, out/G, N·Ho·Wo].
 */
import type { Window2d } from '../../backend/kernels.js';
import { type BackwardCtx, record } from '../node.js';
import { f32Pool } from '../pool.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { permute, reshape } from './shape.js';
import { asTensor, backendOf, kernels, out } from './util.js';
import {
  type ConvGeometry,
  type ConvPadding,
  checkOptions,
  convGeometry,
  convPadding,
  groupsOf,
  nchw,
  type Pair,
  pair,
} from './window.js';

/** Options of {@link conv2d} (torch.nn.functional.conv2d's keywords). */
export interface Conv2dOptions {
  /** Step of the window, in input rows and columns (one number or [h, w]) (default 1). PyTorch: `stride`. */
  stride?: Pair;
  /** Zero padding per side, 'same' (output size = input size, stride 1) or 'valid' (default 0). PyTorch: `padding`. */
  padding?: ConvPadding;
  /** Spacing between kernel taps (default 1: dense). PyTorch: `dilation`. */
  dilation?: Pair;
  /** Channel groups (default 1): must divide the input and output channels; weight [out, in/groups, kh, kw]. PyTorch: `groups`. */
  groups?: number;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The im2col matrix shape [c·kh·kw, n·outH·outW] of a geometry. */
const colsShape = (g: Window2d) => [g.c * g.kh * g.kw, g.n * g.outH * g.outW];

/**
 * @internal (`g` is trusted, so not in the public index) The receptive fields of x
 * [n, c, h, w] as columns [c·kh·kw, n·outH·outW], laid out as the `im2col` kernel documents
 * (geometry `g`, whose n is the batch). Linear; its adjoint is col2im.
 */
export function im2col(x: TensorLike, g: Readonly<Window2d>): Tensor {
  const fn = 'im2col';
  const X = asTensor(fn, 'x', x, 'float32');
  const want = [g.n, g.c, g.h, g.w];
  if (!sameShape(X.shape, want))
    throw new RangeError(
      `${fn}: x must be ${shapeStr(want)} for this geometry, got ${shapeStr(X.shape)}`,
    );
  const geo = Object.freeze({ ...g });
  const be = backendOf(fn, X);
  const y = out(be, colsShape(geo));
  kernels(be, y.size).im2col(y._d, X._d, geo);
  return record(
    {
      name: fn,
      inputs: [X],
      backward: (ctx) => ctx.give(0, col2im(ctx.dy() as Tensor, geo)),
    },
    [y],
  );
}

/**
 * @internal (as im2col) The adjoint of im2col: cols [c·kh·kw, n·outH·outW] summed back
 * onto the image positions they were copied from, giving [n, c, h, w]. Linear; its adjoint
 * is im2col.
 */
export function col2im(cols: TensorLike, g: Readonly<Window2d>): Tensor {
  const fn = 'col2im';
  const C = asTensor(fn, 'cols', cols, 'float32');
  const want = colsShape(g);
  if (!sameShape(C.shape, want))
    throw new RangeError(
      `${fn}: cols must be ${shapeStr(want)} for this geometry, got ${shapeStr(C.shape)}`,
    );
  const geo = Object.freeze({ ...g });
  const be = backendOf(fn, C);
  const y = out(be, [geo.n, geo.c, geo.h, geo.w]);
  kernels(be, C.size).col2im(y._d, C._d, geo);
  return record(
    {
      name: fn,
      inputs: [C],
      backward: (ctx) => ctx.give(0, im2col(ctx.dy() as Tensor, geo)),
    },
    [y],
  );
}

/**
 * The `n` consecutive views of length `len` of `buf` (per image, or per image and group),
 * kept per buffer: the tape's pooled buffers and a model's input buffer come back every step,
 * so a steady-state step makes no new views (a subarray is an allocation, and a step needs a
 * few per image).
 */
const viewCache = new WeakMap<Float32Array, Float32Array[]>();
/** @internal */
export function perImage(buf: Float32Array, n: number, len: number): Float32Array[] {
  let v = viewCache.get(buf);
  if (!v || v.length !== n || (n > 0 && v[0].length !== len)) {
    v = Array.from({ length: n }, (_, i) => buf.subarray(i * len, (i + 1) * len));
    viewCache.set(buf, v);
  }
  return v;
}

/**
 * y = conv(x, weight) + bias: x [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] or none;
 * y [N, O, Ho, Wo] with torch's output size.
 */
export function conv2d(
  x: TensorLike,
  weight: TensorLike,
  bias?: TensorLike | null,
  opts?: Conv2dOptions,
): Tensor {
  const fn = 'conv2d';
  checkOptions(fn, opts, ['stride', 'padding', 'dilation', 'groups']);
  const stride = pair(fn, 'stride', opts?.stride ?? 1, 1);
  const dilation = pair(fn, 'dilation', opts?.dilation ?? 1, 1);
  const padding = convPadding(fn, opts?.padding ?? 0, stride);
  const X = asTensor(fn, 'x', x, 'float32');
  const W = asTensor(fn, 'weight', weight, 'float32');
  nchw(fn, 'x', X.shape);
  if (W.ndim !== 4)
    throw new RangeError(
      `${fn}: weight must be 4-D [out, in/groups, kh, kw], got ${shapeStr(W.shape)}`,
    );
  const groups = groupsOf(fn, opts?.groups, X.shape[1], W.shape[0]);
  if (W.shape[1] * groups !== X.shape[1])
    throw new RangeError(
      `${fn}: x has ${X.shape[1]} channels but weight ${shapeStr(W.shape)} with groups ${groups} expects ${W.shape[1] * groups} (x ${shapeStr(X.shape)})`,
    );
  if (W.shape[2] < 1 || W.shape[3] < 1 || W.shape[0] < 1)
    throw new RangeError(`${fn}: weight ${shapeStr(W.shape)} has an empty axis`);
  const geo = convGeometry(fn, X.shape, [W.shape[2], W.shape[3]], stride, padding, dilation);
  return conv2dWith(fn, X, W, bias ?? null, geo, groups);
}

/**
 * @internal conv2d with the geometry already resolved (the Conv2d layer caches it per input
 * size): x must be [N, g.c, g.h, g.w] and weight [O, g.c/groups, g.kh, g.kw], groups dividing
 * g.c and O; `fn` names the caller in errors.
 */
export function conv2dWith(
  fn: string,
  X: Tensor,
  W: Tensor,
  bias: TensorLike | null,
  geo: ConvGeometry,
  groups = 1,
): Tensor {
  const { g, direct } = geo;
  const B = bias === null ? null : asTensor(fn, 'bias', bias, 'float32');
  const nOut = W.shape[0];
  if (B && (B.ndim !== 1 || B.shape[0] !== nOut))
    throw new RangeError(`${fn}: bias must be [${nOut}], got ${shapeStr(B.shape)}`);
  const G = groups;
  const n = X.shape[0];
  const hw = g.outH * g.outW;
  const og = nOut / G; // output channels per group
  const kg = (g.c / G) * g.kh * g.kw; // column rows per group
  const img = g.c * g.h * g.w;
  const be = backendOf(fn, X, W, B);
  const y = out(be, [n, nOut, g.outH, g.outW]);
  const work = nOut * kg * hw;
  const k = kernels(be, work);
  const ws = perImage(W._d, G, og * kg);
  const xs = perImage(X._d, n, img);
  const xg = direct ? perImage(X._d, n * G, kg * hw) : null;
  const ys = perImage(y._d, n * G, og * hw);
  // One group through im2col: the whole batch in one native call, images over threads.
  const batched = G === 1 && !direct && n > 0 && k.conv2dImages !== undefined;
  // The bias goes in with each image while it is in cache.
  if (batched) k.conv2dImages?.(y._d, X._d, W._d, B ? B._d : null, nOut, { ...g, n });
  const cols = direct || batched ? null : f32Pool.take(g.c * g.kh * g.kw * hw);
  const cs = cols ? perImage(cols, G, kg * hw) : null;
  for (let i = 0; i < (batched ? 0 : n); i++) {
    if (cols) k.im2col(cols, xs[i], g);
    for (let j = 0; j < G; j++)
      k.gemm(
        false,
        false,
        og,
        hw,
        kg,
        1,
        ws[j],
        cs ? cs[j] : (xg as Float32Array[])[i * G + j],
        0,
        ys[i * G + j],
      );
  }
  if (cols) f32Pool.put(cols);
  if (B && n > 0 && !batched) k.biasAdd(y._d, B._d, n, nOut, hw);
  return record(
    {
      name: fn,
      inputs: B ? [X, W, B] : [X, W],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          convGradsOnTape(ctx, X, W, B !== null, dy, g, G);
          return;
        }
        const kb = kernels(be, work);
        const dyd = dy._d;
        if (B && ctx.needs(2)) {
          const gb = ctx.target(2);
          if (n > 0) kb.biasGrad(gb.data, dyd, n, nOut, hw, gb.accumulate);
          else if (!gb.accumulate) kb.fill(gb.data, 0);
        }
        const gw = ctx.needs(1) ? ctx.target(1) : null;
        const gx = ctx.needs(0) ? ctx.target(0) : null;
        if (gw && n === 0 && !gw.accumulate) kb.fill(gw.data, 0);
        if (!gw && !gx) return;
        if (G === 1 && !direct && n > 0 && kb.conv2dImagesBackward !== undefined) {
          // dx is written: adding into an earlier gradient goes through a scratch batch.
          const tmpX = gx?.accumulate ? f32Pool.take(n * img) : null;
          kb.conv2dImagesBackward(
            gw ? gw.data : null,
            gw ? gw.accumulate : false,
            gx ? (tmpX ?? gx.data) : null,
            X._d,
            W._d,
            dyd,
            nOut,
            { ...g, n },
          );
          if (gx && tmpX) {
            kb.axpy(1, tmpX, gx.data);
            f32Pool.put(tmpX);
          }
          return;
        }
        const c = direct ? null : f32Pool.take(g.c * g.kh * g.kw * hw);
        const cb = c ? perImage(c, G, kg * hw) : null;
        // col2im writes; adding into an earlier gradient of x goes through a scratch image.
        const tmp = gx?.accumulate && !direct ? f32Pool.take(img) : null;
        const dys = perImage(dyd, n * G, og * hw);
        const gws = gw ? perImage(gw.data, G, og * kg) : null;
        const dxs = gx ? perImage(gx.data, n, img) : null;
        const dxg = gx && direct ? perImage(gx.data, n * G, kg * hw) : null;
        for (let i = 0; i < n; i++) {
          if (gw && gws) {
            if (c) kb.im2col(c, xs[i], g);
            const beta = gw.accumulate || i > 0 ? 1 : 0;
            for (let j = 0; j < G; j++) {
              const colsJ = cb ? cb[j] : (xg as Float32Array[])[i * G + j];
              kb.gemm(false, true, og, kg, hw, 1, dys[i * G + j], colsJ, beta, gws[j]);
            }
          }
          if (gx && dxs) {
            if (!cb) {
              const beta = gx.accumulate ? 1 : 0;
              for (let j = 0; j < G; j++)
                kb.gemm(
                  true,
                  false,
                  kg,
                  hw,
                  og,
                  1,
                  ws[j],
                  dys[i * G + j],
                  beta,
                  (dxg as Float32Array[])[i * G + j],
                );
              continue;
            }
            for (let j = 0; j < G; j++)
              kb.gemm(true, false, kg, hw, og, 1, ws[j], dys[i * G + j], 0, cb[j]);
            if (tmp) {
              kb.col2im(tmp, c as Float32Array, g);
              kb.axpy(1, tmp, dxs[i]);
            } else {
              kb.col2im(dxs[i], c as Float32Array, g);
            }
          }
        }
        if (c) f32Pool.put(c);
        if (tmp) f32Pool.put(tmp);
      },
    },
    [y],
  );
}

/**
 * @internal The gradients of conv2d (inputs [x, weight, bias?]) from `dy` [n, O, outH, outW],
 * over the whole batch in tape operations (so they are differentiable), batched over the
 * `G` groups: derivatives.yaml's convolution_backward.
 */
export function convGradsOnTape(
  ctx: BackwardCtx,
  X: Tensor,
  W: Tensor,
  bias: boolean,
  dy: Tensor,
  g: Readonly<Window2d>,
  G: number,
): void {
  const n = X.shape[0];
  const nOut = W.shape[0];
  const hw = g.outH * g.outW;
  const og = nOut / G;
  const kg = (g.c / G) * g.kh * g.kw;
  const gb = { ...g, n };
  const dy2 = reshape(permute(dy, [1, 0, 2, 3]), [G, og, n * hw]);
  if (ctx.needs(1)) {
    const cols2 = reshape(im2col(X, gb), [G, kg, n * hw]);
    ctx.give(1, reshape(matmul(dy2, cols2, { transB: true }), W.shape));
  }
  if (ctx.needs(0)) {
    const c2 = matmul(reshape(W, [G, og, kg]), dy2, { transA: true });
    ctx.give(0, col2im(reshape(c2, [G * kg, n * hw]), gb));
  }
  if (bias && ctx.needs(2)) ctx.give(2, sum(dy, [0, 2, 3]));
}
