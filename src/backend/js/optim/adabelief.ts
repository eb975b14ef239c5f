/**
 * AdaBelief (Zhuang et al. 2020), `optax.scale_by_belief` semantics: m ← β₁m + (1−β₁)g;
 * s ← β₂s + (1−β₂)(g−m)² + ε_root; u = (m/(1−β₁ᵗ)) / (√(s/(1−β₂ᵗ)) + ε) + λp; p ← p − lr·u.
 * Hyper layout: OPTIM_KINDS.adabelief.
 */
export function adabeliefStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  s: Float32Array,
  h: Float64Array,
): void {
  const lr = h[0];
  const b1 = h[1];
  const b2 = h[2];
  const eps = h[3];
  const epsRoot = h[4];
  const wd = h[5];
  const sg = h[6] !== 0 ? -1 : 1;
  const t = h[7];
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  const om1 = 1 - b1;
  const om2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sg * g[i];
    const mi = om1 * gi + b1 * m[i];
    const e = gi - mi;
    const si = om2 * e * e + b2 * s[i] + epsRoot;
    m[i] = mi;
    s[i] = si;
    const p0 = p[i];
    let u = mi / bc1 / (Math.sqrt(si / bc2) + eps);
    if (wd !== 0) u += wd * p0;
    p[i] = p0 - lr * u;
  }
}
