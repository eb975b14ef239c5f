/**
 * Convolution lowering over NCHW tensors, the reference of `crates/kernels/src/conv.rs`:
 * `im2col` gathers receptive fields into the columns of a [c·kh·kw, n·oh·ow] matrix, `col2im`
 * is its adjoint (sums in f64 per input element, rounded once).
 */
import type { Window2d } from '../kernels.js';

/**
 * Outputs o in [0, out) whose input position o·s + off lies in [0, len), as [lo, hi)
 * (lo = hi when none do).
 */
export function validRange(off: number, s: number, len: number, out: number): [number, number] {
  const lo = off >= 0 ? 0 : Math.ceil(-off / s);
  const lim = len - off; // o·s < lim
  const hi = Math.min(lim <= 0 ? 0 : Math.ceil(lim / s), out);
  return [Math.min(lo, hi), hi];
}

export function im2col(cols: Float32Array, x: Float32Array, g: Window2d): void {
  const { n, c, h, w, kh, kw, outH, outW } = g;
  const rowLen = n * outH * outW;
  const plane = h * w;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      const offY = i * g.dilationH - g.padH;
      const [ylo, yhi] = validRange(offY, g.strideH, h, outH);
      for (let j = 0; j < kw; j++) {
        const offX = j * g.dilationW - g.padW;
        const [xlo, xhi] = validRange(offX, g.strideW, w, outW);
        let d = ((ci * kh + i) * kw + j) * rowLen;
        for (let b = 0; b < n; b++) {
          const src = (b * c + ci) * plane;
          for (let oy = 0; oy < outH; oy++, d += outW) {
            if (oy < ylo || oy >= yhi) {
              cols.fill(0, d, d + outW);
              continue;
            }
            const row = src + (oy * g.strideH + offY) * w + offX;
            cols.fill(0, d, d + xlo);
            for (let ox = xlo; ox < xhi; ox++) cols[d + ox] = x[row + ox * g.strideW];
            cols.fill(0, d + xhi, d + outW);
          }
        }
      }
    }
  }
}

let acc = new Float64Array(0);

export function col2im(dx: Float32Array, cols: Float32Array, g: Window2d): void {
  const { n, c, h, w, kh, kw, outH, outW } = g;
  const rowLen = n * outH * outW;
  const plane = h * w;
  if (acc.length < plane) acc = new Float64Array(plane);
  for (let b = 0; b < n; b++) {
    for (let ci = 0; ci < c; ci++) {
      acc.fill(0, 0, plane);
      for (let i = 0; i < kh; i++) {
        const offY = i * g.dilationH - g.padH;
        const [ylo, yhi] = validRange(offY, g.strideH, h, outH);
        for (let j = 0; j < kw; j++) {
          const offX = j * g.dilationW - g.padW;
          const [xlo, xhi] = validRange(offX, g.strideW, w, outW);
          const src = ((ci * kh + i) * kw + j) * rowLen + b * outH * outW;
          for (let oy = ylo; oy < yhi; oy++) {
            const row = (oy * g.strideH + offY) * w + offX;
            const s = src + oy * outW;
            for (let ox = xlo; ox < xhi; ox++) acc[row + ox * g.strideW] += cols[s + ox];
          }
        }
      }
      const o = (b * c + ci) * plane;
      for (let t = 0; t < plane; t++) dx[o + t] = acc[t];
    }
  }
}
