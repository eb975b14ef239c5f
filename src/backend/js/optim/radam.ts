/**
 * RAdam step (torch.optim.RAdam, single-tensor path), f64 per element, rounded once on store.
 * hyper [lr, beta1, beta2, eps, weightDecay, paramScale, maximize, biasCorrection1,
 * biasCorrection2Sqrt, adaptive, rect]; states [expAvg, expAvgSq].
 */
export function radamStep(
  params: Float32Array,
  grads: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const lr = h[0];
  const beta1 = h[1];
  const beta2 = h[2];
  const eps = h[3];
  const wd = h[4];
  const scale = h[5];
  const sign = h[6] !== 0 ? -1 : 1;
  const bc1 = h[7];
  const bc2s = h[8];
  const adaptive = h[9] !== 0;
  const rect = h[10];
  const om1 = 1 - beta1;
  const om2 = 1 - beta2;
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = scale === 1 ? params[i] : params[i] * scale;
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const m0 = expAvg[i];
    const m = m0 + om1 * (g - m0);
    const v = beta2 * expAvgSq[i] + om2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    const upd = (m / bc1) * lr;
    params[i] = p - (adaptive ? upd * (bc2s / (Math.sqrt(v) + eps)) * rect : upd);
  }
}
