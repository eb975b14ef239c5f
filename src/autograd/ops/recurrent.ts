/**
 * One recurrent layer (Elman RNN, LSTM or GRU; one direction, or both of a bidirectional
 * layer) as one node of the tape, with torch.nn.RNN/LSTM/GRU semantics: inputs x, the optional
 * initial states h0 (and c0) [D, N, H] and each direction's weights; outputs the sequence y
 * [N, T, D·H] (directions side by side on the feature axis) and the final states h_n (c_n)
 * [D, N, H]. Both directions of a layer share the node because they write column blocks of
 * one y and their input gradients add into one dx.
 *
 * Forward: per direction one GEMM projects every step's input at once, then per step one GEMM
 * for the recurrent projection and one fused cell kernel, which leaves the gate activations in
 * the gates buffer; the node keeps them, the hidden (and cell) states and GRU's W_hn·h + b_hn.
 * Fast backward: backpropagation through time over those, per step one fused cell-backward
 * kernel and one GEMM for the gradient reaching h_{t−1}; dW_ih, dW_hh and the biases are GEMMs
 * and column sums over all steps written straight into `ctx.target(i)` (β = 1 when it
 * accumulates). With createGraph the cell equations are recomputed in tensor operations
 * (recurrent-formula.ts) and differentiated, which gives gradients of any order.
 *
 * Layout: x, y and the gates (and the input-side gradients dp) are sequence buffers, batch-first
 * [N, T, ·] (step t's rows strided by T·width) or time-major [T, N, ·]; the kernels take either
 * as (offset, stride). States are time-major [T + 1, N, H] in processing order (slot 0 the
 * initial state), so each step's recurrent GEMM reads a contiguous block.
 */
import type { Kernels } from '../../backend/kernels.js';
import { runBackward } from '../engine.js';
import { withGradMode } from '../grad-mode.js';
import { type BackwardCtx, record } from '../node.js';
import { f32Pool } from '../pool.js';
import type { Tensor } from '../tensor.js';
import { recurrentFormula } from './recurrent-formula.js';
import { backendOf, kernels, out } from './util.js';

/** The recurrent cell: Elman RNN with tanh or ReLU, LSTM or GRU (torch.nn.RNN's `nonlinearity`, LSTM, GRU). */
export type CellKind = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

/** One direction's parameters (torch's weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}). */
export interface DirectionWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
}

export interface RecurrentLayerOptions {
  /** x and y are [N, T, ·] (true) or [T, N, ·] (false). */
  batchFirst: boolean;
  /** Whether to output the sequence y (false: only the final states). */
  sequence: boolean;
}

export interface RecurrentLayerResult {
  /** [N, T, D·H] (or [T, N, D·H]); null unless `sequence`. */
  y: Tensor | null;
  /** Final hidden states [D, N, H]. */
  h: Tensor;
  /** Final cell states [D, N, H] (LSTM), else null. */
  c: Tensor | null;
}

/** What one step of a cell reads and writes; one per direction, updated in place per step. */
interface Step {
  n: number;
  H: number;
  gates: Float32Array;
  gOff: number;
  gStride: number;
  hp: Float32Array;
  bhh: Float32Array | null;
  hPrev: Float32Array;
  h: Float32Array;
  cPrev: Float32Array;
  c: Float32Array;
  hn: Float32Array;
  y: Float32Array | null;
  yOff: number;
  yStride: number;
  dh: Float32Array;
  dhPrev: Float32Array;
  dc: Float32Array;
  dpre: Float32Array;
}

/** A cell: its gate count and its fused step kernels, forward and backward. */
interface Cell {
  gates: number;
  /** Whether b_hh is added with the input projection (all but GRU: b_hn sits inside r ⊙ (·)). */
  foldsHiddenBias: boolean;
  /** Whether backward writes the direct part of dh_{t−1} to `dhPrev` (GRU: δ⊙z). */
  directPrev: boolean;
  forward(k: Kernels, s: Step): void;
  /** dpre = the step's hidden-side gradient, y/yOff/yStride its dy (null: none), dpreS = dp. */
  backward(k: Kernels, s: Step, dp: Float32Array): void;
}

const rnnCell = (relu: boolean): Cell => ({
  gates: 1,
  foldsHiddenBias: true,
  directPrev: false,
  forward: (k, s) =>
    k.rnnCellForward(relu, s.n, s.H, s.gates, s.gOff, s.gStride, s.hp, s.h, s.y, s.yOff, s.yStride),
  backward: (k, s, dp) =>
    k.rnnCellBackward(
      relu,
      s.n,
      s.H,
      s.gates,
      s.gOff,
      s.gStride,
      s.dh,
      s.y,
      s.yOff,
      s.yStride,
      s.dpre,
      dp,
    ),
});

const CELLS: Record<CellKind, Cell> = {
  rnnTanh: rnnCell(false),
  rnnRelu: rnnCell(true),
  lstm: {
    gates: 4,
    foldsHiddenBias: true,
    directPrev: false,
    forward: (k, s) =>
      k.lstmCellForward(
        s.n,
        s.H,
        s.gates,
        s.gOff,
        s.gStride,
        s.hp,
        s.cPrev,
        s.c,
        s.h,
        s.y,
        s.yOff,
        s.yStride,
      ),
    backward: (k, s, dp) =>
      k.lstmCellBackward(
        s.n,
        s.H,
        s.gates,
        s.gOff,
        s.gStride,
        s.cPrev,
        s.c,
        s.dh,
        s.y,
        s.yOff,
        s.yStride,
        s.dc,
        s.dpre,
        dp,
      ),
  },
  gru: {
    gates: 3,
    foldsHiddenBias: false,
    directPrev: true,
    forward: (k, s) =>
      k.gruCellForward(
        s.n,
        s.H,
        s.gates,
        s.gOff,
        s.gStride,
        s.hp,
        s.bhh,
        s.hPrev,
        s.hn,
        s.h,
        s.y,
        s.yOff,
        s.yStride,
      ),
    backward: (k, s, dp) =>
      k.gruCellBackward(
        s.n,
        s.H,
        s.gates,
        s.gOff,
        s.gStride,
        s.hn,
        s.hPrev,
        s.dh,
        s.y,
        s.yOff,
        s.yStride,
        s.dpre,
        dp,
        s.dhPrev,
      ),
  },
};

/** Gates per hidden unit: 1 (RNN), 4 (LSTM), 3 (GRU). */
export const gateCount = (cell: CellKind): number => CELLS[cell].gates;

const EMPTY = new Float32Array(0);

type Target = { data: Float32Array; accumulate: boolean };

/** Slot i (of `w` values) of a slotted buffer. */
const slot = (b: Float32Array, i: number, w: number) => b.subarray(i * w, (i + 1) * w);

const slotCache = new WeakMap<Float32Array, { w: number; views: Float32Array[] }>();

/**
 * Every slot of `b` as a view, cached per buffer: the buffers come from the pool and recur from
 * step to step, so a steady-state call creates no views (a subarray costs ~0.1 µs and garbage).
 */
function slots(b: Float32Array, w: number): Float32Array[] {
  let c = slotCache.get(b);
  if (!c || c.w !== w) {
    const views = Array.from({ length: Math.floor(b.length / w) }, (_, i) => slot(b, i, w));
    c = { w, views };
    slotCache.set(b, c);
  }
  return c.views;
}

/** What the forward keeps for backward, per direction (pooled arrays, given back in free). */
interface Saved {
  /** Gate activations, sequence layout [.., G·H]. */
  gates: Float32Array;
  /** Hidden states [T + 1, N, H] in processing order (slot 0 the initial state). */
  hs: Float32Array;
  /** LSTM cell states, same layout. */
  cs: Float32Array;
  /** GRU W_hn·h + b_hn per step [T, N, H]. */
  hn: Float32Array;
}

/**
 * The layer's outputs for input x ([N, T, in] batch-first, else [T, N, in]), the directions'
 * weights (one entry, or two for bidirectional: the second runs from t = T−1 down to 0) and the
 * initial states (null: zeros). Arguments are trusted: the nn layer validates them.
 */
export function recurrentLayer(
  cellKind: CellKind,
  x: Tensor,
  dirs: readonly DirectionWeights[],
  h0: Tensor | null,
  c0: Tensor | null,
  o: RecurrentLayerOptions,
): RecurrentLayerResult {
  const fn = cellKind === 'lstm' ? 'lstm' : cellKind === 'gru' ? 'gru' : 'rnn';
  const cell = CELLS[cellKind];
  const lstm = cellKind === 'lstm';
  const gru = cellKind === 'gru';
  const bf = o.batchFirst;
  const D = dirs.length;
  const [n, T, inl] = bf ? x.shape : [x.shape[1], x.shape[0], x.shape[2]];
  const H = dirs[0].whh.shape[1];
  const GH = cell.gates * H;
  const DH = D * H;
  const nh = n * H;
  const bias = dirs[0].bih !== null;
  const weights = dirs.flatMap((w) => (bias ? [w.wih, w.whh, w.bih, w.bhh] : [w.wih, w.whh]));
  const be = backendOf(fn, x, h0, c0, ...weights);
  /** Offset of step t's first row in a sequence buffer of row width w, and the row stride. */
  const off = (t: number, w: number) => (bf ? t * w : t * n * w);
  const stride = (w: number) => (bf ? T * w : w);
  const kIn = kernels(be, n * T * inl * GH);
  const kRec = kernels(be, nh * GH);
  const kCell = kernels(be, 8 * n * GH);

  const y = o.sequence ? out(be, bf ? [n, T, DH] : [T, n, DH]) : null;
  const hN = out(be, [D, n, H]);
  const cN = lstm ? out(be, [D, n, H]) : null;
  const hp = f32Pool.take(n * GH);
  const step = (): Step => ({
    n,
    H,
    gates: EMPTY,
    gOff: 0,
    gStride: stride(GH),
    hp,
    bhh: null,
    hPrev: EMPTY,
    h: EMPTY,
    cPrev: EMPTY,
    c: EMPTY,
    hn: EMPTY,
    y: null,
    yOff: 0,
    yStride: stride(DH),
    dh: EMPTY,
    dhPrev: EMPTY,
    dc: EMPTY,
    dpre: EMPTY,
  });

  const saved: Saved[] = dirs.map((w, d) => {
    const sv: Saved = {
      gates: f32Pool.take(n * T * GH),
      hs: f32Pool.take((T + 1) * nh),
      cs: lstm ? f32Pool.take((T + 1) * nh) : EMPTY,
      hn: gru ? f32Pool.take(T * nh) : EMPTY,
    };
    // Every step's input projection at once: gates = x·W_ihᵀ + b_ih (+ b_hh but for GRU).
    kIn.gemm(false, true, n * T, GH, inl, 1, x._d, w.wih._d, 0, sv.gates);
    if (w.bih && w.bhh) {
      const kb = kernels(be, n * T * GH);
      kb.biasAdd(sv.gates, w.bih._d, n * T, GH, 1);
      if (cell.foldsHiddenBias) kb.biasAdd(sv.gates, w.bhh._d, n * T, GH, 1);
    }
    const first = slot(sv.hs, 0, nh);
    if (h0) first.set(slot(h0._d, d, nh));
    else first.fill(0);
    if (lstm) {
      const c = slot(sv.cs, 0, nh);
      if (c0) c.set(slot(c0._d, d, nh));
      else c.fill(0);
    }
    const s = step();
    s.gates = sv.gates;
    s.bhh = w.bhh && !cell.foldsHiddenBias ? w.bhh._d : null;
    s.y = y ? y._d : null;
    const hs = slots(sv.hs, nh);
    const cs = lstm ? slots(sv.cs, nh) : [];
    const hn = gru ? slots(sv.hn, nh) : [];
    const whh = w.whh._d;
    for (let i = 0; i < T; i++) {
      const t = d === 0 ? i : T - 1 - i;
      s.hPrev = hs[i];
      // Without an initial state h_{−1} = 0 and so is its recurrent projection.
      if (i === 0 && !h0) hp.fill(0);
      else kRec.gemm(false, true, n, GH, H, 1, s.hPrev, whh, 0, hp);
      s.gOff = off(t, GH);
      s.h = hs[i + 1];
      if (lstm) {
        s.cPrev = cs[i];
        s.c = cs[i + 1];
      }
      if (gru) s.hn = hn[i];
      s.yOff = off(t, DH) + d * H;
      cell.forward(kCell, s);
    }
    hN._d.set(hs[T], d * nh);
    if (cN) cN._d.set(cs[T], d * nh);
    return sv;
  });
  f32Pool.put(hp);

  const inputs = [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...(weights as Tensor[])];
  const ih0 = h0 ? 1 : -1;
  const ic0 = c0 ? (h0 ? 2 : 1) : -1;
  const wBase = 1 + (h0 ? 1 : 0) + (c0 ? 1 : 0);
  const per = bias ? 4 : 2;
  const outputs = [...(y ? [y] : []), hN, ...(cN ? [cN] : [])];
  const iy = y ? 0 : -1;
  const ih = y ? 1 : 0;

  /**
   * BPTT through direction d. dx accumulates into `gx` (β = 1 once something is in it); the
   * initial states' gradients go to slot d of `gh0`/`gc0`.
   */
  const backDirection = (
    ctx: BackwardCtx,
    d: number,
    gx: Target | null,
    gh0: Target | null,
    gc0: Target | null,
  ): void => {
    const w = dirs[d];
    const sv = saved[d];
    const dy = iy >= 0 ? ctx.dy(iy) : null;
    const dhN = ctx.dy(ih);
    const dcN = cN ? ctx.dy(ih + 1) : null;
    const dp = f32Pool.take(n * T * GH);
    const dpt = f32Pool.take(T * n * GH);
    let dh = f32Pool.take(nh);
    let dhPrev = cell.directPrev ? f32Pool.take(nh) : EMPTY;
    const dc = lstm ? f32Pool.take(nh) : EMPTY;
    if (dhN) dh.set(slot(dhN._d, d, nh));
    else dh.fill(0);
    if (lstm) {
      if (dcN) dc.set(slot(dcN._d, d, nh));
      else dc.fill(0);
    }
    const s = step();
    s.gates = sv.gates;
    s.y = dy ? dy._d : null;
    s.dc = dc;
    const hs = slots(sv.hs, nh);
    const cs = lstm ? slots(sv.cs, nh) : [];
    const hn = gru ? slots(sv.hn, nh) : [];
    const dpre = slots(dpt, n * GH);
    const whh = w.whh._d;
    for (let i = T - 1; i >= 0; i--) {
      const t = d === 0 ? i : T - 1 - i;
      s.gOff = off(t, GH);
      s.yOff = off(t, DH) + d * H;
      s.hPrev = hs[i];
      if (lstm) {
        s.cPrev = cs[i];
        s.c = cs[i + 1];
      }
      if (gru) s.hn = hn[i];
      s.dh = dh;
      s.dhPrev = dhPrev;
      s.dpre = dpre[i];
      cell.backward(kCell, s, dp);
      // dh_{t−1} = dpre_t·W_hh (+ δ⊙z for GRU); at the first step only if h0 wants it.
      if (i > 0 || gh0) {
        if (cell.directPrev) {
          kRec.gemm(false, false, n, H, GH, 1, s.dpre, whh, 1, dhPrev);
          [dh, dhPrev] = [dhPrev, dh];
        } else {
          kRec.gemm(false, false, n, H, GH, 1, s.dpre, whh, 0, dh);
        }
      }
    }
    const kS = kernels(be, nh);
    if (gh0) intoSlot(kS, gh0, d, dh);
    if (gc0) intoSlot(kS, gc0, d, dc);
    // Weight gradients over all steps: dW_ih += dpᵀ·x, dW_hh += Σ_t dpre_tᵀ·h_{t−1} (slot 0
    // is zero without h0, so skipped), biases: column sums of the two pre-activation gradients.
    const kW = kernels(be, n * T * GH * Math.max(inl, H));
    const wi = wBase + d * per;
    if (ctx.needs(wi)) {
      const g = ctx.target(wi);
      kW.gemm(true, false, GH, inl, n * T, 1, dp, x._d, g.accumulate ? 1 : 0, g.data);
    }
    if (ctx.needs(wi + 1)) {
      const g = ctx.target(wi + 1);
      const from = h0 ? 0 : 1;
      const rows = n * (T - from);
      if (rows > 0)
        kW.gemm(
          true,
          false,
          GH,
          H,
          rows,
          1,
          dpt.subarray(from * n * GH, T * n * GH),
          sv.hs.subarray(from * nh, T * nh),
          g.accumulate ? 1 : 0,
          g.data,
        );
      else if (!g.accumulate) g.data.fill(0);
    }
    if (bias) {
      const kb = kernels(be, n * T * GH);
      if (ctx.needs(wi + 2)) {
        const g = ctx.target(wi + 2);
        kb.colSums(g.data, dp, n * T, GH, g.accumulate);
      }
      if (ctx.needs(wi + 3)) {
        const g = ctx.target(wi + 3);
        kb.colSums(g.data, dpt, n * T, GH, g.accumulate);
      }
    }
    if (gx) {
      kW.gemm(false, false, n * T, inl, GH, 1, dp, w.wih._d, gx.accumulate ? 1 : 0, gx.data);
      gx.accumulate = true;
    }
    for (const b of [dp, dpt, dh, dhPrev, dc]) f32Pool.put(b);
  };

  /** createGraph: the cell equations in tensor operations, differentiated. */
  const backGraph = (ctx: BackwardCtx): void => {
    const dys = outputs.map((_, k) => ctx.dy(k));
    // A tensor passed twice (h0 as c0) is one target: its gradient already sums both uses.
    const want = inputs.filter((t, i) => ctx.needs(i) && inputs.indexOf(t) === i);
    const gs = withGradMode(true, () => {
      const f = recurrentFormula(cellKind, x, dirs, h0, c0, o);
      const outs = [...(f.y ? [f.y] : []), f.h, ...(f.c ? [f.c] : [])];
      const roots: Tensor[] = [];
      const seeds: Tensor[] = [];
      outs.forEach((t, k) => {
        const g = dys[k];
        if (g) {
          roots.push(t);
          seeds.push(g);
        }
      });
      return runBackward(roots, seeds, {
        fn,
        retainGraph: true,
        createGraph: true,
        accumulate: false,
        inputs: want,
      });
    });
    want.forEach((t, j) => {
      const g = gs[j];
      if (g) ctx.give(inputs.indexOf(t), g);
    });
  };

  record(
    {
      name: fn,
      inputs,
      backward: (ctx) => {
        if (ctx.createGraph) {
          backGraph(ctx);
          return;
        }
        // Each target is taken once: its directions fill their own slots (or columns of dx).
        const gx = ctx.needs(0) ? { ...ctx.target(0) } : null;
        const gh0 = h0 && ctx.needs(ih0) ? ctx.target(ih0) : null;
        const gc0 = c0 && ctx.needs(ic0) ? ctx.target(ic0) : null;
        for (let d = 0; d < D; d++) backDirection(ctx, d, gx, gh0, gc0);
      },
      free: () => {
        for (const sv of saved) for (const b of [sv.gates, sv.hs, sv.cs, sv.hn]) f32Pool.put(b);
        saved.length = 0;
      },
    },
    outputs,
  );
  return { y, h: hN, c: cN };
}

/** Writes (or adds, when the target accumulates) `g` into slot d of a [D, N, H] gradient. */
function intoSlot(k: Kernels, target: Target, d: number, g: Float32Array): void {
  const dst = slot(target.data, d, g.length);
  if (target.accumulate) k.axpy(1, g, dst);
  else dst.set(g);
}
