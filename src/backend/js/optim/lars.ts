/**
 * LARS (You et al. 2017), `optax.lars` semantics: u = g + λp; per tensor
 * r = c·‖p‖/(‖u‖ + ε) (1 when either norm is 0); u ← −lr·r·u; then optax.trace:
 * t ← u + μt, step = nesterov ? u + μt : t; p ← p + step. The trace holds −lr-scaled updates.
 * Hyper layout: OPTIM_KINDS.lars.
 */
import { checkSegments } from './lamb.js';

export function larsStep(
  p: Float32Array,
  g: Float32Array,
  trace: Float32Array | null,
  h: Float64Array,
  segments: Uint32Array | null,
): void {
  const lr = h[0];
  const mu = h[1];
  const wd = h[2];
  const tc = h[3];
  const eps = h[4];
  const nesterov = h[5] !== 0;
  const sg = h[6] !== 0 ? -1 : 1;
  const nseg = segments === null ? 1 : segments.length;
  checkSegments('lars', p.length, segments);
  let start = 0;
  for (let k = 0; k < nseg; k++) {
    const end = start + (segments === null ? p.length : segments[k]);
    let sp = 0;
    let su = 0;
    for (let i = start; i < end; i++) {
      const p0 = p[i];
      const u = wd !== 0 ? sg * g[i] + wd * p0 : sg * g[i];
      sp += p0 * p0;
      su += u * u;
    }
    const pn = Math.sqrt(sp);
    const un = Math.sqrt(su);
    const r = pn === 0 || un === 0 ? 1 : (tc * pn) / (un + eps);
    const a = -lr * r;
    if (trace === null || mu === 0) {
      for (let i = start; i < end; i++) {
        const p0 = p[i];
        const u = wd !== 0 ? sg * g[i] + wd * p0 : sg * g[i];
        p[i] = p0 + a * u;
      }
    } else {
      for (let i = start; i < end; i++) {
        const p0 = p[i];
        const u = a * (wd !== 0 ? sg * g[i] + wd * p0 : sg * g[i]);
        const ti = u + mu * trace[i];
        trace[i] = ti;
        p[i] = p0 + (nesterov ? u + mu * ti : ti);
      }
    }
    start = end;
  }
}
