/**
 * Reductions. Sums accumulate in f64 (four interleaved accumulators, so the result is exact
 * to well under one f32 ulp for any realistic length).
 */

let colScratch = new Float64Array(64);

function colAccumulator(cols: number): Float64Array {
  if (colScratch.length < cols)
    colScratch = new Float64Array(Math.max(cols, colScratch.length * 2));
  return colScratch;
}

export function sum(x: Float32Array): number {
  const n = x.length;
  const n4 = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < n; i++) s0 += x[i];
  return s0 + s1 + (s2 + s3);
}

export function sumSquares(x: Float32Array): number {
  const n = x.length;
  const n4 = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < n4; i += 4) {
    const a = x[i];
    const b = x[i + 1];
    const c = x[i + 2];
    const d = x[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++) {
    const a = x[i];
    s0 += a * a;
  }
  return s0 + s1 + (s2 + s3);
}

/** Maximum element; NaN if any element is NaN; -Infinity for an empty array. */
export function max(x: Float32Array): number {
  const n = x.length;
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v > m) m = v;
    else if (Number.isNaN(v)) return Number.NaN;
  }
  return m;
}

/** Index of the first maximum of each row; a NaN counts as the maximum (first NaN wins). */
export function argmaxRows(out: Int32Array, x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    if (cols === 0) {
      out[r] = -1;
      continue;
    }
    let best = x[off];
    let idx = 0;
    if (!Number.isNaN(best)) {
      for (let c = 1; c < cols; c++) {
        const v = x[off + c];
        if (v > best) {
          best = v;
          idx = c;
        } else if (Number.isNaN(v)) {
          idx = c;
          break;
        }
      }
    }
    out[r] = idx;
  }
}

/** `out[c] = (accumulate ? out[c] : 0) + sum_r x[r, c]`, each column accumulated in f64. */
export function colSums(
  out: Float32Array,
  x: Float32Array,
  rows: number,
  cols: number,
  accumulate: boolean,
): void {
  const acc = colAccumulator(cols);
  acc.fill(0, 0, cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += x[off + c];
  }
  if (accumulate) for (let c = 0; c < cols; c++) out[c] += acc[c];
  else for (let c = 0; c < cols; c++) out[c] = acc[c];
}

/** Σ|x| in f64. */
export function sumAbs(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

/** max |x|: NaN if any element is NaN, 0 when empty. */
export function maxAbs(x: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > m) m = v;
    else if (Number.isNaN(v)) return Number.NaN;
  }
  return m;
}

/** Σ a·b in f64. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** `out[j] (+)= Σ_{o,i} x[o, j, i]` in f64. */
export function biasGrad(
  out: Float32Array,
  x: Float32Array,
  outer: number,
  n: number,
  inner: number,
  accumulate: boolean,
): void {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let o = 0; o < outer; o++) {
      const start = (o * n + j) * inner;
      for (let i = start; i < start + inner; i++) s += x[i];
    }
    out[j] = (accumulate ? out[j] : 0) + s;
  }
}
