/**
 * Transposed 2-D convolution on the tape (torch.nn.functional.conv_transpose2d: NCHW, stride,
 * padding, outputPadding, dilation, groups). It is the input gradient of conv2d with the same
 * weight, so it is lowered the other way round: forward, one image at a time, cols = Wᵀ·x_b
 * ([out·kh·kw, H·W], one GEMM per group) then y_b = col2im(cols) onto the [out, Ho, Wo]
 * output; backward, cols = im2col(dy_b), dW += x_b·colsᵀ (β = 1 straight into the weight's
 * gradient) and dx_b = W·cols (β = 1 when adding to an earlier gradient, so no scratch image);
 * db by one biasGrad. Weight [in, out/groups, kh, kw] as torch's. With createGraph the same
 * formulas (derivatives.yaml's convolution_backward with transposed = true) run as tape
 * operations over the whole batch: dW = x₂·im2col(dy)ᵀ, dx = W·im2col(dy), db = Σ dy, with x₂
 * the input as [G, in/G, N·H·W].
 */
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

export interface ConvTranspose2dOptions {
  /** Default 1. */
  stride?: Pair;
  /** Rows/columns trimmed from each side of the full output (default 0). */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right of the output, below the stride or the dilation (default 0). */
  outputPadding?: Pair;
  /** Default 1. */
  dilation?: Pair;
  /** Channel groups (default 1): must divide the input and output channels. */
  groups?: number;
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
  const xs = perImage(X._d, n * G, cg * hw);
  const ys = perImage(y._d, direct ? n * G : n, direct ? kg * hw : nOut * ohw);
  const cols = direct ? null : f32Pool.take(G * kg * hw);
  const cs = cols ? perImage(cols, G, kg * hw) : null;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < G; j++)
      k.gemm(true, false, kg, hw, cg, 1, ws[j], xs[i * G + j], 0, cs ? cs[j] : ys[i * G + j]);
    if (cols) k.col2im(ys[i], cols, g);
  }
  if (cols) f32Pool.put(cols);
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
        const c = direct ? null : f32Pool.take(G * kg * hw);
        const cb = c ? perImage(c, G, kg * hw) : null;
        const dys = perImage(dyd, direct ? n * G : n, direct ? kg * hw : nOut * ohw);
        const gws = gw ? perImage(gw.data, G, cg * kg) : null;
        const dxs = gx ? perImage(gx.data, n * G, cg * hw) : null;
        for (let i = 0; i < n; i++) {
          if (c) kb.im2col(c, dys[i], g);
          for (let j = 0; j < G; j++) {
            const colsJ = cb ? cb[j] : dys[i * G + j];
            if (gws && gw) {
              const beta = gw.accumulate || i > 0 ? 1 : 0;
              kb.gemm(false, true, cg, kg, hw, 1, xs[i * G + j], colsJ, beta, gws[j]);
            }
            if (dxs && gx)
              kb.gemm(
                false,
                false,
                cg,
                hw,
                kg,
                1,
                ws[j],
                colsJ,
                gx.accumulate ? 1 : 0,
                dxs[i * G + j],
              );
          }
        }
        if (c) f32Pool.put(c);
      },
    },
    [y],
  );
}
