/**
 * Fused recurrent cell steps (vanilla RNN, LSTM, GRU), forward and backward: the JS
 * reference of the native kernels (crates/kernels/src/recurrent.rs). Each element is computed
 * in f64 from the f32 inputs and rounded once on store. Strided arrays address row r at
 * `off + r·stride`; the others are dense [rows, width] blocks. Semantics: see kernels.ts.
 *
 * The six kernels share one walk over the rows (`eachRow`), which hands each cell the row's
 * offsets; a cell's body is only its element formulas (signatures come from the contract).
 */
import type { Kernels } from '../kernels.js';

function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const r = 1 / (1 + e);
  return x < 0 ? e * r : r;
}

/** 1 − tanh²(x) without cancellation. */
function sech2(x: number): number {
  const e = Math.exp(-2 * Math.abs(x));
  const d = 1 + e;
  return (4 * e) / (d * d);
}

/**
 * Calls `body` for each of `rows` rows with the offsets of its gate row (strided `gates` and
 * `dpreS`), its dense [rows, gates·H] row (`hp`, `dpre`), its dense [rows, H] row (states) and
 * its `y`/`dy` row.
 */
function eachRow(
  rows: number,
  gates: number,
  hidden: number,
  gOff: number,
  gStride: number,
  yOff: number,
  yStride: number,
  body: (g0: number, p0: number, h0: number, y0: number) => void,
): void {
  for (let r = 0; r < rows; r++)
    body(gOff + r * gStride, r * gates * hidden, r * hidden, yOff + r * yStride);
}

/** δ = dh + dy of one element (dy optional). */
const delta = (dh: Float32Array, dy: Float32Array | null, h: number, y: number) =>
  dh[h] + (dy ? dy[y] : 0);

export const rnnCellForward: Kernels['rnnCellForward'] = (
  relu,
  rows,
  H,
  gates,
  gOff,
  gStride,
  hp,
  h,
  y,
  yOff,
  yStride,
) =>
  eachRow(rows, 1, H, gOff, gStride, yOff, yStride, (g0, _p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const pre = gates[g0 + j] + hp[h0 + j];
      // biome-ignore lint/complexity/useMathMinMax: as the relu kernel; keeps -0 as -0 (Math.max gives +0)
      const v = relu ? (pre < 0 ? 0 : pre) : Math.tanh(pre);
      gates[g0 + j] = v;
      h[h0 + j] = v;
      if (y) y[y0 + j] = v;
    }
  });

export const rnnCellBackward: Kernels['rnnCellBackward'] = (
  relu,
  rows,
  H,
  gates,
  gOff,
  gStride,
  dh,
  dy,
  dyOff,
  dyStride,
  dpre,
  dpreS,
) =>
  eachRow(rows, 1, H, gOff, gStride, dyOff, dyStride, (g0, _p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const d = delta(dh, dy, h0 + j, y0 + j);
      const a = gates[g0 + j];
      const v = relu ? (a > 0 ? d : 0) : d * ((1 - a) * (1 + a));
      dpre[h0 + j] = v;
      dpreS[g0 + j] = v;
    }
  });

export const lstmCellForward: Kernels['lstmCellForward'] = (
  rows,
  H,
  gates,
  gOff,
  gStride,
  hp,
  cPrev,
  c,
  h,
  y,
  yOff,
  yStride,
) =>
  eachRow(rows, 4, H, gOff, gStride, yOff, yStride, (g0, p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j] + hp[p0 + j]);
      const f = sigmoid(gates[g0 + H + j] + hp[p0 + H + j]);
      const g = Math.tanh(gates[g0 + 2 * H + j] + hp[p0 + 2 * H + j]);
      const o = sigmoid(gates[g0 + 3 * H + j] + hp[p0 + 3 * H + j]);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const cn = f * cPrev[h0 + j] + i * g;
      c[h0 + j] = cn;
      const hv = o * Math.tanh(cn);
      h[h0 + j] = hv;
      if (y) y[y0 + j] = hv;
    }
  });

export const lstmCellBackward: Kernels['lstmCellBackward'] = (
  rows,
  H,
  gates,
  gOff,
  gStride,
  cPrev,
  c,
  dh,
  dy,
  dyOff,
  dyStride,
  dc,
  dpre,
  dpreS,
) =>
  eachRow(rows, 4, H, gOff, gStride, dyOff, dyStride, (g0, p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const d = delta(dh, dy, h0 + j, y0 + j);
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      const o = gates[g0 + 3 * H + j];
      const cn = c[h0 + j];
      const dpo = d * Math.tanh(cn) * (o * (1 - o));
      const dct = dc[h0 + j] + d * o * sech2(cn);
      const dpi = dct * g * (i * (1 - i));
      const dpf = dct * cPrev[h0 + j] * (f * (1 - f));
      const dpg = dct * i * ((1 - g) * (1 + g));
      dc[h0 + j] = dct * f;
      dpre[p0 + j] = dpi;
      dpre[p0 + H + j] = dpf;
      dpre[p0 + 2 * H + j] = dpg;
      dpre[p0 + 3 * H + j] = dpo;
      dpreS[g0 + j] = dpi;
      dpreS[g0 + H + j] = dpf;
      dpreS[g0 + 2 * H + j] = dpg;
      dpreS[g0 + 3 * H + j] = dpo;
    }
  });

export const gruCellForward: Kernels['gruCellForward'] = (
  rows,
  H,
  gates,
  gOff,
  gStride,
  hp,
  bhh,
  hPrev,
  hn,
  h,
  y,
  yOff,
  yStride,
) =>
  eachRow(rows, 3, H, gOff, gStride, yOff, yStride, (g0, p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const br = bhh ? bhh[j] : 0;
      const bz = bhh ? bhh[H + j] : 0;
      const bn = bhh ? bhh[2 * H + j] : 0;
      const rv = sigmoid(gates[g0 + j] + hp[p0 + j] + br);
      const zv = sigmoid(gates[g0 + H + j] + hp[p0 + H + j] + bz);
      const hnv = hp[p0 + 2 * H + j] + bn;
      const nv = Math.tanh(gates[g0 + 2 * H + j] + rv * hnv);
      gates[g0 + j] = rv;
      gates[g0 + H + j] = zv;
      gates[g0 + 2 * H + j] = nv;
      hn[h0 + j] = hnv;
      const hv = nv + zv * (hPrev[h0 + j] - nv);
      h[h0 + j] = hv;
      if (y) y[y0 + j] = hv;
    }
  });

export const gruCellBackward: Kernels['gruCellBackward'] = (
  rows,
  H,
  gates,
  gOff,
  gStride,
  hn,
  hPrev,
  dh,
  dy,
  dyOff,
  dyStride,
  dpre,
  dpreS,
  dhPrev,
) =>
  eachRow(rows, 3, H, gOff, gStride, dyOff, dyStride, (g0, p0, h0, y0) => {
    for (let j = 0; j < H; j++) {
      const d = delta(dh, dy, h0 + j, y0 + j);
      const rv = gates[g0 + j];
      const zv = gates[g0 + H + j];
      const nv = gates[g0 + 2 * H + j];
      const dpn = d * (1 - zv) * ((1 - nv) * (1 + nv));
      const dpz = d * (hPrev[h0 + j] - nv) * (zv * (1 - zv));
      const dpr = dpn * hn[h0 + j] * (rv * (1 - rv));
      dpre[p0 + j] = dpr;
      dpre[p0 + H + j] = dpz;
      dpre[p0 + 2 * H + j] = dpn * rv;
      dpreS[g0 + j] = dpr;
      dpreS[g0 + H + j] = dpz;
      dpreS[g0 + 2 * H + j] = dpn;
      dhPrev[h0 + j] = d * zv;
    }
  });
