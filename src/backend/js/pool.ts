/**
 * 2-D max and average pooling over NCHW planes, the reference of
 * `crates/kernels/src/pool.rs` (PyTorch's CPU window arithmetic). Sums in f64, one rounding.
 */
import type { Window2d } from '../kernels.js';

export function maxPool2d(
  y: Float32Array,
  indices: Int32Array,
  x: Float32Array,
  g: Window2d,
): void {
  const { h, w, outH, outW, dilationH: dh, dilationW: dw } = g;
  const planes = g.n * g.c;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const startY = oy * g.strideH - g.padH;
      const ih1 = Math.min(startY + (g.kh - 1) * dh + 1, h);
      const ih0 = startY >= 0 ? startY : startY + Math.ceil(-startY / dh) * dh;
      for (let ox = 0; ox < outW; ox++, o++) {
        const startX = ox * g.strideW - g.padW;
        const iw1 = Math.min(startX + (g.kw - 1) * dw + 1, w);
        const iw0 = startX >= 0 ? startX : startX + Math.ceil(-startX / dw) * dw;
        let best = ih0 * w + iw0;
        let max = Number.NEGATIVE_INFINITY;
        for (let ih = ih0; ih < ih1; ih += dh) {
          for (let iw = iw0; iw < iw1; iw += dw) {
            const v = x[base + ih * w + iw];
            if (v > max || Number.isNaN(v)) {
              max = v;
              best = ih * w + iw;
            }
          }
        }
        y[o] = max;
        indices[o] = Math.min(best, 0x7fffffff);
      }
    }
  }
}

let acc = new Float64Array(0);

export function maxPool2dBackward(
  dx: Float32Array,
  indices: Int32Array,
  dy: Float32Array,
  g: Window2d,
): void {
  const hw = g.h * g.w;
  const ohw = g.outH * g.outW;
  if (acc.length < hw) acc = new Float64Array(hw);
  for (let p = 0; p < g.n * g.c; p++) {
    acc.fill(0, 0, hw);
    for (let t = p * ohw; t < (p + 1) * ohw; t++) acc[indices[t]] += dy[t];
    for (let t = 0; t < hw; t++) dx[p * hw + t] = acc[t];
  }
}

/**
 * Windows along one axis (PyTorch's avg-pool arithmetic): for output o, the clipped input
 * range [lo[o], hi[o]) and the pool_size count cnt[o] (window clipped at len + pad).
 */
let lo = new Int32Array(0);
let hi = new Int32Array(0);
let cnt = new Int32Array(0);
let lo2 = new Int32Array(0);
let hi2 = new Int32Array(0);
let cnt2 = new Int32Array(0);

function windows(
  a: Int32Array,
  b: Int32Array,
  c: Int32Array,
  out: number,
  s: number,
  pad: number,
  k: number,
  len: number,
): void {
  for (let o = 0; o < out; o++) {
    const start = o * s - pad;
    const end = Math.min(start + k, len + pad);
    a[o] = Math.max(start, 0);
    b[o] = Math.max(a[o], Math.min(Math.max(end, 0), len));
    c[o] = Math.max(end - start, 0);
  }
}

/** Fills the window tables for `g` (rows in lo/hi/cnt, columns in lo2/hi2/cnt2). */
function tables(g: Window2d): void {
  if (lo.length < g.outH) {
    lo = new Int32Array(g.outH);
    hi = new Int32Array(g.outH);
    cnt = new Int32Array(g.outH);
  }
  if (lo2.length < g.outW) {
    lo2 = new Int32Array(g.outW);
    hi2 = new Int32Array(g.outW);
    cnt2 = new Int32Array(g.outW);
  }
  windows(lo, hi, cnt, g.outH, g.strideH, g.padH, g.kh, g.h);
  windows(lo2, hi2, cnt2, g.outW, g.strideW, g.padW, g.kw, g.w);
}

export function avgPool2d(
  y: Float32Array,
  x: Float32Array,
  g: Window2d,
  countIncludePad: boolean,
): void {
  const { h, w, outH, outW } = g;
  tables(g);
  let o = 0;
  for (let p = 0; p < g.n * g.c; p++) {
    const base = p * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = lo[oy];
      const y1 = hi[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = lo2[ox];
        const x1 = hi2[ox];
        const nIn = (y1 - y0) * (x1 - x0);
        if (nIn === 0) {
          y[o] = 0;
          continue;
        }
        let s = 0;
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) s += x[base + iy * w + ix];
        }
        y[o] = s / (countIncludePad ? cnt[oy] * cnt2[ox] : nIn);
      }
    }
  }
}

export function avgPool2dBackward(
  dx: Float32Array,
  dy: Float32Array,
  g: Window2d,
  countIncludePad: boolean,
): void {
  const { h, w, outH, outW } = g;
  const hw = h * w;
  if (acc.length < hw) acc = new Float64Array(hw);
  tables(g);
  let o = 0;
  for (let p = 0; p < g.n * g.c; p++) {
    acc.fill(0, 0, hw);
    for (let oy = 0; oy < outH; oy++) {
      const y0 = lo[oy];
      const y1 = hi[oy];
      for (let ox = 0; ox < outW; ox++, o++) {
        const x0 = lo2[ox];
        const x1 = hi2[ox];
        const nIn = (y1 - y0) * (x1 - x0);
        if (nIn === 0) continue;
        const v = dy[o] / (countIncludePad ? cnt[oy] * cnt2[ox] : nIn);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) acc[iy * w + ix] += v;
        }
      }
    }
    for (let t = 0; t < hw; t++) dx[p * hw + t] = acc[t];
  }
}
