/**
 * NAdam step (torch.optim.NAdam, single-tensor path), f64 per element, rounded once on store.
 * hyper [gradCoef, avgCoef, beta1, beta2, biasCorrection2, eps, weightDecay, paramScale,
 * maximize] (the momentum-schedule coefficients come from the caller); states [expAvg,
 * expAvgSq].
 */
export function nadamStep(
  params: Float32Array,
  grads: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const cg = h[0];
  const cm = h[1];
  const beta1 = h[2];
  const beta2 = h[3];
  const bc2 = h[4];
  const eps = h[5];
  const wd = h[6];
  const scale = h[7];
  const sign = h[8] !== 0 ? -1 : 1;
  const om1 = 1 - beta1;
  const om2 = 1 - beta2;
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = scale === 1 ? params[i] : params[i] * scale;
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const m0 = expAvg[i];
    const m = m0 + om1 * (g - m0);
    const v = beta2 * expAvgSq[i] + om2 * g * g;
    const denom = Math.sqrt(v / bc2) + eps;
    expAvg[i] = m;
    expAvgSq[i] = v;
    params[i] = p + (cg * g) / denom + (cm * m) / denom;
  }
}
