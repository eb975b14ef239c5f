/**
 * Rprop step (torch.optim.Rprop, single-tensor path), bit for bit as PyTorch: the sign test
 * uses the f32 product of the gradient and the previous one (an underflow to 0 means factor
 * 1; NaN counts as 0), the factors η∓ are f32, and the update uses the stored f32 step size.
 * hyper [etaMinus, etaPlus, stepSizeMin, stepSizeMax, maximize]; states [prev, stepSize].
 */
export function rpropStep(
  params: Float32Array,
  grads: Float32Array,
  prev: Float32Array,
  stepSize: Float32Array,
  h: Float64Array,
): void {
  const n = params.length;
  // PyTorch writes the factors into a float32 tensor before multiplying.
  const etaMinus = Math.fround(h[0]);
  const etaPlus = Math.fround(h[1]);
  const lo = h[2];
  const hi = h[3];
  const sign = h[4] !== 0 ? -1 : 1;
  for (let i = 0; i < n; i++) {
    let g = sign * grads[i];
    const x = Math.fround(g * prev[i]);
    const factor = x > 0 ? etaPlus : x < 0 ? etaMinus : 1;
    // clamp(min, max) propagating NaN, as torch.clamp.
    const d = Math.fround(Math.min(hi, Math.max(lo, stepSize[i] * factor)));
    if (x < 0) g = 0;
    stepSize[i] = d;
    prev[i] = g;
    params[i] = params[i] - (g > 0 ? d : g < 0 ? -d : 0 * d); // 0·NaN step size is NaN, as in torch
  }
}
