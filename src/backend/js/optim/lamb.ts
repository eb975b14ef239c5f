/**
 * LAMB (You et al. 2019), `optax.lamb` semantics: Adam moments, u = m̂/(√(v̂ + ε_root) + ε) + λp,
 * then per tensor r = ‖p‖/‖u‖ (1 when either norm is 0) and p ← p − lr·r·u.
 * Two passes per tensor: moments and both sums of squares, then the update with u recomputed
 * from the stored (f32) moments, so both passes see the same u. Hyper layout: OPTIM_KINDS.lamb.
 */
/** Throws unless the tensor lengths sum to the group length (as the native kernels do). */
export function checkSegments(kind: string, n: number, segments: Uint32Array | null): void {
  if (segments === null) return;
  let total = 0;
  for (let k = 0; k < segments.length; k++) total += segments[k];
  if (total !== n)
    throw new RangeError(`${kind}: segments sum to ${total}, expected the group length ${n}`);
}

export function lambStep(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  h: Float64Array,
  segments: Uint32Array | null,
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
  const nseg = segments === null ? 1 : segments.length;
  checkSegments('lamb', p.length, segments);
  let start = 0;
  for (let k = 0; k < nseg; k++) {
    const end = start + (segments === null ? p.length : segments[k]);
    let sp = 0;
    let su = 0;
    for (let i = start; i < end; i++) {
      const gi = sg * g[i];
      m[i] = om1 * gi + b1 * m[i];
      v[i] = om2 * gi * gi + b2 * v[i];
      const p0 = p[i];
      let u = m[i] / bc1 / (Math.sqrt(v[i] / bc2 + epsRoot) + eps);
      if (wd !== 0) u += wd * p0;
      sp += p0 * p0;
      su += u * u;
    }
    const r = sp === 0 || su === 0 ? 1 : Math.sqrt(sp) / Math.sqrt(su);
    const a = lr * r;
    for (let i = start; i < end; i++) {
      const p0 = p[i];
      let u = m[i] / bc1 / (Math.sqrt(v[i] / bc2 + epsRoot) + eps);
      if (wd !== 0) u += wd * p0;
      p[i] = p0 - a * u;
    }
    start = end;
  }
}
