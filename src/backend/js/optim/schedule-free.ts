/**
 * Schedule-free SGD and AdamW (Defazio et al. 2024), `schedulefree.SGDScheduleFree` /
 * `AdamWScheduleFree` semantics for one step at interpolation weight c = ckp1:
 * AdamW: v ← β₂v + (1−β₂)g², g ← g/(√(v/(1−β₂ᵏ⁺¹)) + ε); then g ← g + λy;
 * y ← lerp(y, z, c) + lr·(β₁(1−c) − 1)·g; z ← z − lr·g. z starts as y (the `first` flag).
 * lerp is torch.lerp's formula. Hyper layouts: OPTIM_KINDS.scheduleFree / scheduleFreeSwap.
 */

/** torch.lerp: a + w(b − a) when |w| < 0.5, else b − (b − a)(1 − w). */
export function lerp(a: number, b: number, w: number): number {
  return Math.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}

export function scheduleFreeStep(
  y: Float32Array,
  g: Float32Array,
  z: Float32Array,
  v: Float32Array | null,
  h: Float64Array,
): void {
  const lr = h[0];
  const c = h[1];
  const beta1 = h[2];
  const wd = h[3];
  const adam = h[4] !== 0 && v !== null;
  const beta2 = h[5];
  const eps = h[6];
  const bc2 = h[7];
  const first = h[8] !== 0;
  const coef = lr * (beta1 * (1 - c) - 1);
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const y0 = y[i];
    const z0 = first ? y0 : z[i];
    let gi = g[i];
    if (adam) {
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      v[i] = vi;
      gi = gi / (Math.sqrt(vi / bc2) + eps);
    }
    if (wd !== 0) gi += wd * y0;
    y[i] = lerp(y0, z0, c) + coef * gi;
    z[i] = z0 - lr * gi;
  }
}

/** p ← lerp(p, z, w) (train/eval switch). */
export function scheduleFreeSwap(p: Float32Array, z: Float32Array, h: Float64Array): void {
  const w = h[0];
  const n = p.length;
  for (let i = 0; i < n; i++) p[i] = lerp(p[i], z[i], w);
}
