/**
 * Adadelta step (torch.optim.Adadelta, single-tensor path), f64 per element, rounded once on
 * store. hyper [lr, rho, eps, weightDecay, maximize]; states [squareAvg, accDelta].
 */
export function adadeltaStep(
  params: Float32Array,
  grads: Float32Array,
  squareAvg: Float32Array,
  accDelta: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  const lr = h[0];
  const rho = h[1];
  const eps = h[2];
  const wd = h[3];
  const sign = h[4] !== 0 ? -1 : 1;
  const omr = 1 - rho;
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const v = rho * squareAvg[i] + omr * g * g;
    const u0 = accDelta[i];
    const delta = (Math.sqrt(u0 + eps) / Math.sqrt(v + eps)) * g;
    squareAvg[i] = v;
    accDelta[i] = rho * u0 + omr * delta * delta;
    params[i] = p - lr * delta;
  }
}
