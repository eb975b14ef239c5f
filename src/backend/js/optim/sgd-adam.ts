/**
 * Optimizer steps (torch.optim single-tensor semantics, see kernels.ts). One pass per
 * element, computed in f64 from the stored f32 state and rounded once on store. Intermediate
 * values inside one element's update (e.g. the new momentum used by Nesterov, the new moments
 * used by Adam's update) are the unrounded f64 values.
 */
import type { AdamStepOptions, SgdStepOptions } from '../../kernels.js';

export function sgdStep(
  params: Float32Array,
  grads: Float32Array,
  momentumBuf: Float32Array | null,
  o: SgdStepOptions,
): void {
  const n = params.length;
  const lr = o.lr;
  const wd = o.weightDecay;
  const sign = o.maximize ? -1 : 1;
  const hasWd = wd !== 0;
  const mu = o.momentum;
  if (mu === 0 || momentumBuf === null) {
    for (let i = 0; i < n; i++) {
      const p = params[i];
      const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
      params[i] = p - lr * g;
    }
    return;
  }
  const buf = momentumBuf;
  const damp = 1 - o.dampening;
  const nesterov = o.nesterov;
  if (o.firstStep) {
    for (let i = 0; i < n; i++) {
      const p = params[i];
      const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
      buf[i] = g;
      params[i] = p - lr * (nesterov ? g + mu * g : g);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const p = params[i];
    const g = hasWd ? sign * grads[i] + wd * p : sign * grads[i];
    const b = mu * buf[i] + damp * g;
    buf[i] = b;
    params[i] = p - lr * (nesterov ? g + mu * b : b);
  }
}

export function adamStep(
  params: Float32Array,
  grads: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  maxExpAvgSq: Float32Array | null,
  o: AdamStepOptions,
): void {
  const n = params.length;
  const { lr, beta1, beta2, eps, weightDecay: wd } = o;
  const bc1 = 1 - beta1 ** o.step;
  const bc2 = 1 - beta2 ** o.step;
  const stepSize = lr / bc1;
  // denom = sqrt(v) / sqrt(bc2) + eps, computed as sqrt(v) * (1 / sqrt(bc2)) + eps: a division
  // is much slower than a multiply here and the difference is ~1 f64 ulp.
  const invBc2sqrt = 1 / Math.sqrt(bc2);
  const sign = o.maximize ? -1 : 1;
  const om1 = 1 - beta1;
  const om2 = 1 - beta2;
  // Decoupled (AdamW): p *= 1 - lr * wd; coupled (Adam): g += wd * p (only when wd != 0, so
  // an infinite parameter does not turn g into NaN through 0 * inf).
  const pScale = o.decoupled ? 1 - lr * wd : 1;
  const gDecay = o.decoupled ? 0 : wd;
  if (o.amsgrad && maxExpAvgSq !== null) {
    const vmaxArr = maxExpAvgSq;
    if (gDecay !== 0) {
      for (let i = 0; i < n; i++) {
        const p0 = params[i];
        const g = sign * grads[i] + gDecay * p0;
        const m0 = expAvg[i];
        const m = m0 + om1 * (g - m0);
        const v = beta2 * expAvgSq[i] + om2 * g * g;
        const vm0 = vmaxArr[i];
        const vmax = vm0 > v || Number.isNaN(vm0) ? vm0 : v; // max, propagating NaN
        expAvg[i] = m;
        expAvgSq[i] = v;
        vmaxArr[i] = vmax;
        params[i] = p0 * pScale - (stepSize * m) / (Math.sqrt(vmax) * invBc2sqrt + eps);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const p0 = params[i];
        const g = sign * grads[i];
        const m0 = expAvg[i];
        const m = m0 + om1 * (g - m0);
        const v = beta2 * expAvgSq[i] + om2 * g * g;
        const vm0 = vmaxArr[i];
        const vmax = vm0 > v || Number.isNaN(vm0) ? vm0 : v; // max, propagating NaN
        expAvg[i] = m;
        expAvgSq[i] = v;
        vmaxArr[i] = vmax;
        params[i] = p0 * pScale - (stepSize * m) / (Math.sqrt(vmax) * invBc2sqrt + eps);
      }
    }
    return;
  }
  if (gDecay !== 0) {
    for (let i = 0; i < n; i++) {
      const p0 = params[i];
      const g = sign * grads[i] + gDecay * p0;
      const m0 = expAvg[i];
      const m = m0 + om1 * (g - m0);
      const v = beta2 * expAvgSq[i] + om2 * g * g;
      expAvg[i] = m;
      expAvgSq[i] = v;
      params[i] = p0 * pScale - (stepSize * m) / (Math.sqrt(v) * invBc2sqrt + eps);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p0 = params[i];
      const g = sign * grads[i];
      const m0 = expAvg[i];
      const m = m0 + om1 * (g - m0);
      const v = beta2 * expAvgSq[i] + om2 * g * g;
      expAvg[i] = m;
      expAvgSq[i] = v;
      params[i] = p0 * pScale - (stepSize * m) / (Math.sqrt(v) * invBc2sqrt + eps);
    }
  }
}
