/**
 * Lion (Chen et al. 2023), `optax.lion` semantics: c = β₁m + (1−β₁)g;
 * p ← p − lr·(sign(c) + λp); m ← β₂m + (1−β₂)g. sign(0) = 0, sign(NaN) = NaN.
 * Hyper layout: OPTIM_KINDS.lion.
 */

/** jnp.sign: ±1, and 0 / NaN unchanged. */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

export function lionStep(p: Float32Array, g: Float32Array, m: Float32Array, h: Float64Array): void {
  const lr = h[0];
  const b1 = h[1];
  const b2 = h[2];
  const wd = h[3];
  const sg = h[4] !== 0 ? -1 : 1;
  const om1 = 1 - b1;
  const om2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sg * g[i];
    const m0 = m[i];
    const p0 = p[i];
    // optax adds λp only when the weight decay is not zero (so an infinite p stays finite·0-free).
    const u = wd !== 0 ? sign(om1 * gi + b1 * m0) + wd * p0 : sign(om1 * gi + b1 * m0);
    p[i] = p0 - lr * u;
    m[i] = om2 * gi + b2 * m0;
  }
}
