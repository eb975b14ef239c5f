/**
 * Row-wise softmax / log-softmax, their backward passes, and fused softmax cross-entropy.
 * Everything per row is computed in f64 (a module-level f64 row scratch holds exp(x - max)),
 * and each output is rounded once.
 */

let rowScratch = new Float64Array(256);

function scratch(cols: number): Float64Array {
  if (rowScratch.length < cols)
    rowScratch = new Float64Array(Math.max(cols, rowScratch.length * 2));
  return rowScratch;
}

/** Max of a row; NaN if the row holds a NaN; -Infinity for an empty row. */
function rowMax(x: Float32Array, off: number, cols: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < cols; c++) {
    const v = x[off + c];
    if (v > m) m = v;
    else if (Number.isNaN(v)) return Number.NaN;
  }
  return m;
}

/** Row-wise softmax (or log-softmax); `out` may be `x` itself. */
export function softmax(
  out: Float32Array,
  x: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
): void {
  const e = scratch(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const m = rowMax(x, off, cols);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = Math.exp(x[off + c] - m);
      e[c] = v;
      s += v;
    }
    if (log) {
      const ls = Math.log(s);
      for (let c = 0; c < cols; c++) out[off + c] = x[off + c] - m - ls;
    } else {
      for (let c = 0; c < cols; c++) out[off + c] = e[c] / s;
    }
  }
}

/**
 * softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
 * `dx` may be `dy`: the row's sum is computed before anything in the row is written.
 */
export function softmaxBackward(
  dx: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  log: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    if (log) {
      for (let c = 0; c < cols; c++) s += dy[off + c];
      for (let c = 0; c < cols; c++) dx[off + c] = dy[off + c] - Math.exp(y[off + c]) * s;
    } else {
      for (let c = 0; c < cols; c++) s += dy[off + c] * y[off + c];
      for (let c = 0; c < cols; c++) {
        const yv = y[off + c];
        dx[off + c] = yv * (dy[off + c] - s);
      }
    }
  }
}

/**
 * Summed cross-entropy of softmax(logits) against integer labels:
 * loss_r = log(sum_c exp(x_rc - max_r)) - (x_r,label - max_r).
 * With `grad`, writes gradScale * (softmax - onehot). `grad` may be `logits` itself.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  grad: Float32Array | null,
  rows: number,
  cols: number,
  gradScale: number,
): number {
  const e = scratch(cols);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const label = labels[r];
    const m = rowMax(logits, off, cols);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = Math.exp(logits[off + c] - m);
      e[c] = v;
      s += v;
    }
    loss += Math.log(s) - (logits[off + label] - m);
    if (grad !== null) {
      for (let c = 0; c < cols; c++) {
        const p = e[c] / s;
        grad[off + c] = gradScale * (c === label ? p - 1 : p);
      }
    }
  }
  return loss;
}
