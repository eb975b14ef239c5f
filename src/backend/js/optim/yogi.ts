/**
 * Yogi (Zaheer et al. 2018), `optax.scale_by_yogi` semantics: m ← β₁m + (1−β₁)g;
 * v ← v − (1−β₂)·sign(v − g²)·g²; p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * Hyper layout: OPTIM_KINDS.yogi.
 */
import { sign } from './lion.js';

export function yogiStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: Float64Array,
): void {
  const lr = h[0];
  const b1 = h[1];
  const b2 = h[2];
  const eps = h[3];
  const sg = h[4] !== 0 ? -1 : 1;
  const t = h[5];
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  const om1 = 1 - b1;
  const om2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = sg * g[i];
    const g2 = gi * gi;
    const mi = om1 * gi + b1 * m[i];
    const v0 = v[i];
    const vi = v0 - om2 * sign(v0 - g2) * g2;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
  }
}
