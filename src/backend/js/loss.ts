/**
 * Fused loss kernels (JS reference): softmax cross-entropy with class weights, label
 * smoothing and ignored rows or probability targets, and binary cross-entropy on logits.
 * Per row in f64; each written value is rounded once.
 */

/** Max of a row (NaN if the row holds NaN) and ln Σ exp(x − max). */
function rowLse(x: Float32Array, off: number, cols: number): [number, number] {
  let m = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < cols; c++) {
    const v = x[off + c];
    if (v > m) m = v;
    else if (Number.isNaN(v)) {
      m = Number.NaN;
      break;
    }
  }
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(x[off + c] - m);
  return [m, Math.log(s)];
}

/** See `Kernels.crossEntropyLabels`. */
export function crossEntropyLabels(
  logits: Float32Array,
  labels: Int32Array,
  weight: Float32Array | null,
  grad: Float32Array | null,
  rows: number,
  cols: number,
  smoothing: number,
  ignoreIndex: number,
  gradScale: number,
): number {
  const keep = 1 - smoothing;
  const spread = smoothing / cols;
  let wsum = cols;
  if (weight !== null) {
    wsum = 0;
    for (let c = 0; c < cols; c++) wsum += weight[c];
  }
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const y = labels[r];
    if (y === ignoreIndex) {
      if (grad !== null) grad.fill(0, off, off + cols);
      continue;
    }
    const [m, l] = rowLse(logits, off, cols);
    const wy = weight === null ? 1 : weight[y];
    let loss = keep * wy * (m - logits[off + y] + l);
    if (spread !== 0) {
      let smooth = 0;
      for (let c = 0; c < cols; c++)
        smooth += (weight === null ? 1 : weight[c]) * (m - logits[off + c] + l);
      loss += spread * smooth;
    }
    total += loss;
    if (grad !== null) {
      const a = keep * wy + spread * wsum;
      for (let c = 0; c < cols; c++) {
        const p = Math.exp(logits[off + c] - m - l);
        const ac = spread * (weight === null ? 1 : weight[c]) + (c === y ? keep * wy : 0);
        grad[off + c] = gradScale * (p * a - ac);
      }
    }
  }
  return total;
}

/** See `Kernels.crossEntropyProbs`. */
export function crossEntropyProbs(
  logits: Float32Array,
  target: Float32Array,
  weight: Float32Array | null,
  grad: Float32Array | null,
  rows: number,
  cols: number,
  smoothing: number,
  gradScale: number,
): number {
  const keep = 1 - smoothing;
  const spread = smoothing / cols;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const [m, l] = rowLse(logits, off, cols);
    let a = 0;
    let loss = 0;
    for (let c = 0; c < cols; c++) {
      const ac = (weight === null ? 1 : weight[c]) * (keep * target[off + c] + spread);
      a += ac;
      loss += ac * (m - logits[off + c] + l);
    }
    total += loss;
    if (grad !== null) {
      for (let c = 0; c < cols; c++) {
        const ac = (weight === null ? 1 : weight[c]) * (keep * target[off + c] + spread);
        grad[off + c] = gradScale * (Math.exp(logits[off + c] - m - l) * a - ac);
      }
    }
  }
  return total;
}

/** See `Kernels.bceWithLogits`. */
export function bceWithLogits(
  x: Float32Array,
  target: Float32Array,
  weight: Float32Array | null,
  posWeight: Float32Array | null,
  grad: Float32Array | null,
  gradScale: number,
): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const y = target[i];
    const w = weight === null ? 1 : weight[i];
    const py = (posWeight === null ? 1 : posWeight[i]) * y;
    const e = Math.exp(-Math.abs(v));
    const lp = Math.log1p(e);
    // (1 − y)·softplus(x) + pw·y·softplus(−x): torch's formula without its cancellations.
    total += w * ((1 - y) * (Math.max(v, 0) + lp) + py * (Math.max(-v, 0) + lp));
    if (grad !== null) {
      const r = 1 / (1 + e);
      const sig = v > 0 ? r : e * r; // σ(x)
      const sigNeg = v > 0 ? e * r : r; // σ(−x)
      grad[i] = gradScale * w * ((1 - y) * sig - py * sigNeg);
    }
  }
  return total;
}
