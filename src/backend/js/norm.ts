/**
 * Normalisation and embedding kernels, the f64 reference: batch norm over (outer, channels,
 * inner), layer norm over rows × cols (two-pass mean/variance in f64), embedding gather and
 * scatter-add. Each output element is computed in f64 and rounded once on store.
 */

/** Per-channel mean and biased variance (two-pass, f64); NaN for a channel without data. */
export function batchNormStats(
  mean: Float32Array,
  variance: Float32Array,
  x: Float32Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  const m = outer * inner;
  for (let c = 0; c < channels; c++) {
    if (m === 0) {
      mean[c] = Number.NaN;
      variance[c] = Number.NaN;
      continue;
    }
    let s = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      for (let i = start; i < start + inner; i++) s += x[i];
    }
    const mu = s / m;
    let s2 = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      for (let i = start; i < start + inner; i++) {
        const d = x[i] - mu;
        s2 += d * d;
      }
    }
    mean[c] = mu;
    variance[c] = s2 / m;
  }
}

/** `y = (x − mean[c])·scale[c] + shift[c]`. */
export function batchNormForward(
  y: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const start = (o * channels + c) * inner;
      const mu = mean[c];
      const a = scale[c];
      const b = shift[c];
      for (let i = start; i < start + inner; i++) y[i] = (x[i] - mu) * a + b;
    }
  }
}

/** `sumDy[c] = Σ dy`, `sumDyXmu[c] = Σ dy·(x − mean[c])` over the outer and inner axes. */
export function batchNormBackwardReduce(
  sumDy: Float32Array,
  sumDyXmu: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  for (let c = 0; c < channels; c++) {
    const mu = mean[c];
    let s1 = 0;
    let s2 = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * channels + c) * inner;
      for (let i = start; i < start + inner; i++) {
        s1 += dy[i];
        s2 += dy[i] * (x[i] - mu);
      }
    }
    sumDy[c] = s1;
    sumDyXmu[c] = s2;
  }
}

/** `dx = p[c]·dy + q[c]·(x − mean[c]) + r[c]`. */
export function batchNormBackward(
  dx: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  p: Float32Array,
  q: Float32Array,
  r: Float32Array,
  outer: number,
  channels: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const start = (o * channels + c) * inner;
      const mu = mean[c];
      const pc = p[c];
      const qc = q[c];
      const rc = r[c];
      for (let i = start; i < start + inner; i++) dx[i] = pc * dy[i] + qc * (x[i] - mu) + rc;
    }
  }
}

/**
 * Layer norm per row: mean and rstd (stored as f32), then y from the stored statistics:
 * y = (x − mean)·rstd·γ + β.
 */
export function layerNormForward(
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    if (cols === 0) {
      mean[r] = Number.NaN;
      rstd[r] = Number.NaN;
      continue;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[off + j];
    const mu = s / cols;
    let s2 = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[off + j] - mu;
      s2 += d * d;
    }
    mean[r] = mu;
    rstd[r] = 1 / Math.sqrt(s2 / cols + eps);
    const m = mean[r];
    const rs = rstd[r];
    for (let j = 0; j < cols; j++) {
      let v = (x[off + j] - m) * rs;
      if (gamma) v *= gamma[j];
      if (beta) v += beta[j];
      y[off + j] = v;
    }
  }
}

/** Layer-norm backward; adds dγ = Σ dy·x̂ and dβ = Σ dy (accumulated in f64 per column). */
export function layerNormBackward(
  dx: Float32Array,
  dgamma: Float32Array | null,
  dbeta: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  gamma: Float32Array | null,
  rows: number,
  cols: number,
): void {
  const accG = dgamma ? new Float64Array(cols) : null;
  const accB = dbeta ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const m = mean[r];
    const rs = rstd[r];
    let a = 0;
    let b = 0;
    for (let j = 0; j < cols; j++) {
      const g = gamma ? dy[off + j] * gamma[j] : dy[off + j];
      a += g;
      b += g * ((x[off + j] - m) * rs);
    }
    a /= cols;
    b /= cols;
    for (let j = 0; j < cols; j++) {
      const xh = (x[off + j] - m) * rs;
      const g = gamma ? dy[off + j] * gamma[j] : dy[off + j];
      dx[off + j] = rs * (g - a - xh * b);
      if (accG) accG[j] += dy[off + j] * xh;
      if (accB) accB[j] += dy[off + j];
    }
  }
  if (dgamma && accG) for (let j = 0; j < cols; j++) dgamma[j] += accG[j];
  if (dbeta && accB) for (let j = 0; j < cols; j++) dbeta[j] += accB[j];
}

/** `out[r, :] = weight[indices[r], :]`. */
export function embeddingForward(
  out: Float32Array,
  weight: Float32Array,
  indices: Int32Array,
  dim: number,
): void {
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    out.set(weight.subarray(i * dim, (i + 1) * dim), r * dim);
  }
}

/** `grad[indices[r], :] += dy[r, :]`, skipping rows indexed `paddingIdx` (−1: none). */
export function embeddingBackward(
  grad: Float32Array,
  dy: Float32Array,
  indices: Int32Array,
  dim: number,
  paddingIdx: number,
): void {
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (i === paddingIdx) continue;
    const g = i * dim;
    const d = r * dim;
    for (let j = 0; j < dim; j++) grad[g + j] += dy[d + j];
  }
}
