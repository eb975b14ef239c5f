/**
 * ASGD step (torch.optim.ASGD, single-tensor path), f64 per element, rounded once on store.
 * hyper [decay (1 − λη), eta, mu, weightDecay, maximize]; state ax (= p when mu is 1).
 */
export function asgdStep(
  params: Float32Array,
  grads: Float32Array,
  ax: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const decay = h[0];
  const eta = h[1];
  const mu = h[2];
  const wd = h[3];
  const sign = h[4] !== 0 ? -1 : 1;
  const hasWd = wd !== 0;
  const copy = mu === 1;
  for (let i = 0; i < n; i++) {
    const p0 = params[i];
    const g = hasWd ? sign * grads[i] + wd * p0 : sign * grads[i];
    const p = p0 * decay - eta * g;
    params[i] = p;
    if (copy) ax[i] = p;
    else {
      const a = ax[i];
      ax[i] = a + (p - a) * mu;
    }
  }
}
