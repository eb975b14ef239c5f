/**
 * Adamax step (torch.optim.Adamax, single-tensor path), f64 per element, rounded once on
 * store; the infinity norm is `torch.maximum` (NaN-propagating). hyper [lr, beta1, beta2, eps,
 * weightDecay, maximize, step]; states [expAvg, expInf].
 */
export function adamaxStep(
  params: Float32Array,
  grads: Float32Array,
  expAvg: Float32Array,
  expInf: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const lr = h[0];
  const beta1 = h[1];
  const beta2 = h[2];
  const eps = h[3];
  const wd = h[4];
  const sign = h[5] !== 0 ? -1 : 1;
  const step = h[6];
  const clr = lr / (1 - beta1 ** step);
  const om1 = 1 - beta1;
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const m0 = expAvg[i];
    const m = m0 + om1 * (g - m0);
    const u = Math.max(beta2 * expInf[i], Math.abs(g) + eps);
    expAvg[i] = m;
    expInf[i] = u;
    params[i] = p - (clr * m) / u;
  }
}
