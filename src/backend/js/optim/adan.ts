/**
 * Adan (Xie et al. 2022), `optax.adan` semantics: d = g − g_prev (0 at the first step);
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)d; n ← β₃n + (1−β₃)(g + (1−β₂)d)²;
 * u = (m̂ + (1−β₂)v̂) / (√(n̂ + ε_root) + ε) + λp (hats: bias-corrected); p ← p − lr·u.
 * Hyper layout: OPTIM_KINDS.adan.
 */
export function adanStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  nn: Float32Array,
  prev: Float32Array,
  h: Float64Array,
): void {
  const lr = h[0];
  const b1 = h[1];
  const b2 = h[2];
  const b3 = h[3];
  const eps = h[4];
  const epsRoot = h[5];
  const wd = h[6];
  const sg = h[7] !== 0 ? -1 : 1;
  const t = h[8];
  const first = t === 1;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  const bc3 = 1 - b3 ** t;
  const om1 = 1 - b1;
  const om2 = 1 - b2;
  const om3 = 1 - b3;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sg * g[i];
    const d = first ? 0 : gi - prev[i];
    const mi = om1 * gi + b1 * m[i];
    const vi = om2 * d + b2 * v[i];
    const q = gi + om2 * d;
    const ni = om3 * q * q + b3 * nn[i];
    m[i] = mi;
    v[i] = vi;
    nn[i] = ni;
    prev[i] = gi;
    const p0 = p[i];
    let u = (mi / bc1 + om2 * (vi / bc2)) / (Math.sqrt(ni / bc3 + epsRoot) + eps);
    if (wd !== 0) u += wd * p0;
    p[i] = p0 - lr * u;
  }
}
