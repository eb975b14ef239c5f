/**
 * Adagrad step (torch.optim.Adagrad, dense single-tensor path), f64 per element, rounded once
 * on store. hyper [lr, lrDecay, weightDecay, eps, maximize, step]; state sum.
 */
export function adagradStep(
  params: Float32Array,
  grads: Float32Array,
  sum: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const lr = h[0];
  const lrDecay = h[1];
  const wd = h[2];
  const eps = h[3];
  const sign = h[4] !== 0 ? -1 : 1;
  const step = h[5];
  const clr = lr / (1 + (step - 1) * lrDecay);
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const s = sum[i] + g * g;
    sum[i] = s;
    params[i] = p - (clr * g) / (Math.sqrt(s) + eps);
  }
}
