/**
 * RMSprop step (torch.optim.RMSprop, single-tensor path), f64 per element, rounded once on
 * store. hyper [lr, alpha, eps, weightDecay, momentum, centered, maximize]; states
 * [squareAvg, gradAvg (centered), momentumBuffer (momentum > 0)].
 */
export function rmspropStep(
  params: Float32Array,
  grads: Float32Array,
  squareAvg: Float32Array,
  gradAvg: Float32Array | null,
  momentumBuf: Float32Array | null,
  h: Float64Array,
): void {
  const n = params.length;
  const lr = h[0];
  const alpha = h[1];
  const eps = h[2];
  const wd = h[3];
  const mu = h[4];
  const sign = h[6] !== 0 ? -1 : 1;
  const oma = 1 - alpha;
  const hasWd = wd !== 0;
  for (let i = 0; i < n; i++) {
    const p = params[i];
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const v = alpha * squareAvg[i] + oma * g * g;
    squareAvg[i] = v;
    let avg: number;
    if (gradAvg !== null) {
      const a0 = gradAvg[i];
      const a = a0 + oma * (g - a0);
      gradAvg[i] = a;
      // v − ḡ² cancels when the gradient varies little: computed from the stored f32 v and ḡ
      // (as PyTorch does), exactly, so that both backends agree to rounding. Clamped at 0: it
      // cannot be negative but by rounding, where PyTorch's √ would give NaN.
      const af = Math.fround(a);
      avg = Math.sqrt(Math.max(0, Math.fround(v) - af * af)) + eps;
    } else {
      avg = Math.sqrt(v) + eps;
    }
    if (momentumBuf !== null) {
      const b = mu * momentumBuf[i] + g / avg;
      momentumBuf[i] = b;
      params[i] = p - lr * b;
    } else {
      params[i] = p - (lr * g) / avg;
    }
  }
}
