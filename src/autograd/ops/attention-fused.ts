/**
 * Multi-head attention as one node: the arithmetic of the tape composite in attention.ts with
 * its layout work done by kernels. Each projection is one GEMM over all rows ([rows, E]);
 * splitting it into heads — every (sample, head) block a dense [len, D] matrix for the score
 * and value GEMMs — is an im2col whose window picks column block h of each row (kernel width
 * H, dilation D), and merging heads back is its adjoint, col2im. For sequence-first input the
 * same window also steps over the batch (kernel height N, stride N), so neither layout is ever
 * permuted. Backward is the same GEMMs transposed (derivatives.yaml's mm rules) and one
 * softmaxBackward over all scores; weight and bias gradients go straight into the parameters'
 * gradient buffers (ctx.target). With createGraph the composite is recomputed (with this
 * call's dropout mask) and differentiated.
 *
 * Outputs: y (the query's layout, E features) and the attention weights [N, H, L, S] (after
 * dropout, as torch).
 */
import type { Kernels, Window2d } from '../../backend/kernels.js';
import type { Rng } from '../../random.js';
import { runBackward } from '../engine.js';
import { withGradMode } from '../grad-mode.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';
import { backendOf, kernels, out } from './util.js';

/** One projection: x [N, len, dIn] (or [len, N, dIn]) times rows rowOff … rowOff + E of w. */
export interface Projection {
  x: Tensor;
  w: Tensor;
  rowOff: number;
}

export interface FusedAttentionArgs {
  q: Projection;
  k: Projection;
  v: Projection;
  /** Inputs are [len, N, features] (else [N, len, features]). */
  seqFirst: boolean;
  /** Shape [3E]; the q, k, v biases back to back. */
  inBias: Tensor | null;
  outW: Tensor;
  outB: Tensor | null;
  /** A constant added to the scores, [bn, bh, bl, S] with bn ∈ {1, N}, bh ∈ {1, H}, bl ∈ {1, L} (bl = L when bh = H). */
  bias: Tensor | null;
  /** The bias is this call's own buffer (released with the node). */
  ownsBias?: boolean;
  heads: number;
  scale: number;
  drop: { p: number; rng: Rng } | null;
}

/** The composite it must equal (for createGraph), given this call's dropout mask. */
export type Composite = (
  args: FusedAttentionArgs,
  mask: Tensor | null,
) => { y: Tensor; weights: Tensor };

/** Block i of `size` elements of a flat buffer. */
const block = (a: Float32Array, i: number, size: number) => a.subarray(i * size, (i + 1) * size);

/**
 * The im2col window that splits [rows, E] (rows in the input's order) into head blocks:
 * batch-first, block h·N + n; sequence-first, block n·H + h; each [len, D].
 */
function headWindow(n: number, len: number, h: number, d: number, seqFirst: boolean): Window2d {
  const common = {
    n: 1,
    c: 1,
    w: h * d,
    kw: h,
    strideW: 1,
    padH: 0,
    padW: 0,
    dilationW: d,
    outW: d,
  };
  return seqFirst
    ? { ...common, h: len * n, kh: n, strideH: n, dilationH: 1, outH: len }
    : { ...common, h: n * len, kh: 1, strideH: 1, dilationH: 1, outH: n * len };
}

/**
 * Adds the bias (read as [bn, bh, bl, S], size-1 axes broadcast) to scores [N, H, L, S]:
 * biasAdd repeats a block over the rows it is shared by, so a causal or key-padding mask costs
 * one call (or one per sample), not one per (sample, head).
 */
function addBias(
  k: Kernels,
  scores: Float32Array,
  bias: Tensor,
  n: number,
  h: number,
  l: number,
  s: number,
) {
  const [bn, bh, bl] = [...Array(4 - bias.ndim).fill(1), ...bias.shape];
  const b = bias._d;
  if (bn === n && bh === h && bl === l) {
    k.binary('add', scores, scores, b);
    return;
  }
  if (bh === 1) {
    // One [bl, S] block per sample (or for all), repeated over heads (and over rows if bl = 1).
    const width = bl * s;
    const samples = bn === 1 ? 1 : n;
    const per = bn === 1 ? n * h * l * s : h * l * s;
    for (let i = 0; i < samples; i++)
      k.biasAdd(block(scores, i, per), block(b, i, width), per / width, width, 1);
    return;
  }
  // Per-head masks come as [N·H, L, S] (or [H, L, S] unbatched): full blocks.
  for (let i = 0; i < n; i++)
    for (let j = 0; j < h; j++) {
      const dst = block(scores, i * h + j, l * s);
      k.binary('add', dst, dst, block(b, (bn === 1 ? 0 : i) * bh + j, l * s));
    }
}

export function fusedAttention(
  a: FusedAttentionArgs,
  composite: Composite,
): {
  y: Tensor;
  weights: Tensor;
} {
  const fn = 'multiHeadAttention';
  const sf = a.seqFirst;
  const n = a.q.x.shape[sf ? 1 : 0];
  const l = a.q.x.shape[sf ? 0 : 1];
  const s = a.k.x.shape[sf ? 0 : 1];
  const e = a.outW.shape[0];
  const H = a.heads;
  const d = e / H;
  const projs = [a.q, a.k, a.v];
  const lens = [l, s, s];
  const windows = lens.map((len) => headWindow(n, len, H, d, sf));
  /** Head block (sample i, head j) of a split tensor. */
  const hb = (i: number, j: number) => (sf ? i * H + j : j * n + i);
  // Unique inputs (self-attention passes one x three times; packed weights one w).
  const uniq: Tensor[] = [];
  const idx = (t: Tensor) => {
    const i = uniq.indexOf(t);
    return i >= 0 ? i : uniq.push(t) - 1;
  };
  const xi = projs.map((p) => idx(p.x));
  const wi = projs.map((p) => idx(p.w));
  const bi = a.inBias ? idx(a.inBias) : -1;
  const owi = idx(a.outW);
  const obi = a.outB ? idx(a.outB) : -1;
  const be = backendOf(fn, ...uniq, a.bias);
  const K = (work: number) => kernels(be, work);
  const rowsOf = (j: number) => n * lens[j];
  const wRows = (j: number, buf: Float32Array) => {
    const dIn = projs[j].x.shape[2];
    return buf.subarray(projs[j].rowOff * dIn, (projs[j].rowOff + e) * dIn);
  };

  // Projections, split into heads.
  const [Q, Kh, V] = projs.map((p, j) => {
    const rows = rowsOf(j);
    const dIn = p.x.shape[2];
    const flat = out(be, [rows, e]);
    K(rows * e * dIn).gemm(false, true, rows, e, dIn, 1, p.x._d, wRows(j, p.w._d), 0, flat._d);
    if (a.inBias) K(flat.size).biasAdd(flat._d, block(a.inBias._d, j, e), rows, e, 1);
    const heads = out(be, [n * H, lens[j], d]);
    K(flat.size).im2col(heads._d, flat._d, windows[j]);
    flat._release();
    return heads;
  });
  // Scores, softmax, dropout: [N, H, L, S].
  const soft = out(be, [n, H, l, s]);
  const work = l * s * d;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < H; j++) {
      const qb = block(Q._d, hb(i, j), l * d);
      const kb = block(Kh._d, hb(i, j), s * d);
      K(work).gemm(false, true, l, s, d, a.scale, qb, kb, 0, block(soft._d, i * H + j, l * s));
    }
  if (a.bias) addBias(K(soft.size), soft._d, a.bias, n, H, l, s);
  K(8 * soft.size).softmax(soft._d, soft._d, n * H * l, s, false);
  let mask: Tensor | null = null;
  let weights = soft;
  if (a.drop) {
    mask = out(be, soft.shape);
    K(8 * soft.size).rngDropoutMask(a.drop.rng.state, mask._d, a.drop.p);
    weights = out(be, soft.shape);
    K(soft.size).binary('mul', weights._d, soft._d, mask._d);
  }
  // Values, heads merged, out-projection.
  const O = out(be, Q.shape);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < H; j++) {
      const pb = block(weights._d, i * H + j, l * s);
      K(work).gemm(
        false,
        false,
        l,
        d,
        s,
        1,
        pb,
        block(V._d, hb(i, j), s * d),
        0,
        block(O._d, hb(i, j), l * d),
      );
    }
  const rowsL = n * l;
  const merged = out(be, [rowsL, e]);
  K(merged.size).col2im(merged._d, O._d, windows[0]);
  O._release();
  const y = out(be, [...a.q.x.shape.slice(0, 2), e]);
  K(rowsL * e * e).gemm(false, true, rowsL, e, e, 1, merged._d, a.outW._d, 0, y._d);
  if (a.outB) K(y.size).biasAdd(y._d, a.outB._d, rowsL, e, 1);

  record(
    {
      name: fn,
      inputs: uniq,
      backward: (ctx) => {
        const dy = ctx.dy(0);
        const dw = ctx.dy(1);
        if (ctx.createGraph) {
          const grads = withGradMode(true, () => {
            const c = composite(a, mask);
            const roots = [...(dy ? [c.y] : []), ...(dw ? [c.weights] : [])];
            return runBackward(roots, [...(dy ? [dy] : []), ...(dw ? [dw] : [])], {
              fn,
              retainGraph: true,
              createGraph: true,
              accumulate: false,
              inputs: uniq,
            });
          });
          grads.forEach((g, i) => {
            if (g && ctx.needs(i)) ctx.give(i, g);
          });
          return;
        }
        const targets = new Map<number, { data: Float32Array; accumulate: boolean }>();
        const written = new Map<number, Set<string>>();
        /**
         * Input i's gradient buffer, and whether a write to its part `part` ('all', or a row
         * block) must add to what is there: the buffer accumulates, or that part (or the
         * whole) was written already (one tensor may serve several roles).
         */
        const tgt = (i: number, part = 'all') => {
          let g = targets.get(i);
          if (!g) targets.set(i, (g = ctx.target(i)));
          let w = written.get(i);
          if (!w) written.set(i, (w = new Set()));
          const add = g.accumulate || w.has(part) || w.has('all') || (part === 'all' && w.size > 0);
          w.add(part);
          return { data: g.data, add };
        };
        // Out-projection: db = Σ dy, dW = dyᵀ·merged, d(merged) = dy·W, split into heads.
        const dO = out(be, Q.shape);
        if (dy) {
          if (obi >= 0 && ctx.needs(obi)) {
            const g = tgt(obi);
            K(dy.size).colSums(g.data, dy._d, rowsL, e, g.add);
          }
          if (ctx.needs(owi)) {
            const g = tgt(owi);
            K(rowsL * e * e).gemm(
              true,
              false,
              e,
              e,
              rowsL,
              1,
              dy._d,
              merged._d,
              g.add ? 1 : 0,
              g.data,
            );
          }
          const dm = out(be, [rowsL, e]);
          K(rowsL * e * e).gemm(false, false, rowsL, e, e, 1, dy._d, a.outW._d, 0, dm._d);
          K(dm.size).im2col(dO._d, dm._d, windows[0]);
        } else K(dO.size).fill(dO._d, 0);
        // Attention: dP = dO·Vᵀ (+ the weights' own gradient), dV = Pᵀ·dO, then the softmax.
        const dP = out(be, soft.shape);
        const dV = out(be, V.shape);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < H; j++) {
            const dOb = block(dO._d, hb(i, j), l * d);
            const pb = i * H + j;
            K(work).gemm(
              false,
              true,
              l,
              s,
              d,
              1,
              dOb,
              block(V._d, hb(i, j), s * d),
              0,
              block(dP._d, pb, l * s),
            );
            K(work).gemm(
              true,
              false,
              s,
              d,
              l,
              1,
              block(weights._d, pb, l * s),
              dOb,
              0,
              block(dV._d, hb(i, j), s * d),
            );
          }
        if (dw) K(dP.size).axpy(1, dw._d, dP._d);
        if (mask) K(dP.size).binary('mul', dP._d, dP._d, mask._d);
        K(8 * dP.size).softmaxBackward(dP._d, soft._d, dP._d, n * H * l, s, false);
        // Scores: dQ = scale·dS·K, dK = scale·dSᵀ·Q.
        const dQ = out(be, Q.shape);
        const dK = out(be, Kh.shape);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < H; j++) {
            const dS = block(dP._d, i * H + j, l * s);
            const b = hb(i, j);
            K(work).gemm(
              false,
              false,
              l,
              d,
              s,
              a.scale,
              dS,
              block(Kh._d, b, s * d),
              0,
              block(dQ._d, b, l * d),
            );
            K(work).gemm(
              true,
              false,
              s,
              d,
              l,
              a.scale,
              dS,
              block(Q._d, b, l * d),
              0,
              block(dK._d, b, s * d),
            );
          }
        // In-projections, heads merged: dW rows = Gᵀ·x, db = Σ G, dx += G·W.
        [dQ, dK, dV].forEach((G, j) => {
          const p = projs[j];
          const rows = rowsOf(j);
          const dIn = p.x.shape[2];
          const gm = out(be, [rows, e]);
          K(gm.size).col2im(gm._d, G._d, windows[j]);
          if (ctx.needs(wi[j])) {
            const g = tgt(wi[j], `rows ${p.rowOff}`);
            K(rows * e * dIn).gemm(
              true,
              false,
              e,
              dIn,
              rows,
              1,
              gm._d,
              p.x._d,
              g.add ? 1 : 0,
              wRows(j, g.data),
            );
          }
          if (bi >= 0 && ctx.needs(bi)) {
            const g = tgt(bi, `segment ${j}`);
            K(gm.size).colSums(block(g.data, j, e), gm._d, rows, e, g.add);
          }
          if (ctx.needs(xi[j])) {
            const g = tgt(xi[j]);
            K(rows * e * dIn).gemm(
              false,
              false,
              rows,
              dIn,
              e,
              1,
              gm._d,
              wRows(j, p.w._d),
              g.add ? 1 : 0,
              g.data,
            );
          }
        });
      },
      free: () => {
        for (const t of [Q, Kh, V, merged]) t._release();
        if (a.ownsBias) a.bias?._release();
        // Without dropout the softmax is the weights output, released with the graph's outputs.
        if (mask) {
          soft._release();
          mask._release();
        }
      },
    },
    [y, weights],
  );
  return { y, weights };
}
