/**
 * Row-major GEMM: C = alpha * op(A) op(B) + beta * C.
 *
 * Both operands are brought into "dot" layout — op(A) as m×k rows and op(B)ᵀ as n×k rows —
 * so every C element is a contiguous dot product. Operands already in that layout (A not
 * transposed, B transposed) are used in place; the others are transposed once into
 * module-level scratch buffers that grow on demand. A 4×4 register tile accumulates
 * 16 dot products in f64 (so the result is the f64 dot product rounded once to f32), and
 * columns are processed in panels sized to keep op(B)ᵀ's panel in cache.
 */

let packA: Float32Array = new Float32Array(0);
let packB: Float32Array = new Float32Array(0);

function grow(buf: Float32Array, len: number): Float32Array {
  return buf.length >= len ? buf : new Float32Array(Math.max(len, Math.ceil(buf.length * 1.5)));
}

/** dst (cols×rows) = transpose of src (rows×cols), cache-blocked. */
function transpose(dst: Float32Array, src: Float32Array, rows: number, cols: number): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const so = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[so + c];
      }
    }
  }
}

/** Below this many rows of C (with B not transposed) transposing B costs more than it saves. */
const SMALL_M = 2;
let rowAcc = new Float64Array(0);

/**
 * Few rows of C, B stored k×n: for each row, stream B's rows into an f64 accumulator row
 * (C[i,:] = sum_p A[i,p] * B[p,:]), without packing anything.
 */
function gemmRows(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): void {
  if (rowAcc.length < n) rowAcc = new Float64Array(n);
  const acc = rowAcc;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    for (let p = 0; p < k; p++) {
      const y = transA ? a[p * m + i] : a[i * k + p];
      const bo = p * n;
      for (let j = 0; j < n; j++) acc[j] += y * b[bo + j];
    }
    const o = i * n;
    for (let j = 0; j < n; j++) store(c, o + j, acc[j], alpha, beta);
  }
}

/** Panel width (columns of C) so that op(B)ᵀ's panel is about 128 KiB. */
function panelWidth(k: number, n: number): number {
  const w = Math.max(4, Math.floor(32768 / Math.max(k, 1)) & ~3);
  return Math.min(w, n);
}

export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0 || alpha === 0) {
    // The product term vanishes (and, as in BLAS, A and B are not read).
    const len = m * n;
    if (beta === 0) c.fill(0, 0, len);
    else for (let i = 0; i < len; i++) c[i] = beta * c[i];
    return;
  }
  if (m < SMALL_M && !transB) {
    gemmRows(transA, m, n, k, alpha, a, b, beta, c);
    return;
  }
  let A: Float32Array = a;
  if (transA) {
    packA = grow(packA, m * k);
    A = packA;
    transpose(A, a, k, m);
  }
  let BT: Float32Array = b;
  if (!transB) {
    packB = grow(packB, n * k);
    BT = packB;
    transpose(BT, b, k, n);
  }
  const m4 = m - (m % 4);
  const pw = panelWidth(k, n);
  for (let j0 = 0; j0 < n; j0 += pw) {
    const j1 = Math.min(j0 + pw, n);
    const j4 = j0 + ((j1 - j0) & ~3);
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      for (let j = j0; j < j4; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let c00 = 0;
        let c01 = 0;
        let c02 = 0;
        let c03 = 0;
        let c10 = 0;
        let c11 = 0;
        let c12 = 0;
        let c13 = 0;
        let c20 = 0;
        let c21 = 0;
        let c22 = 0;
        let c23 = 0;
        let c30 = 0;
        let c31 = 0;
        let c32 = 0;
        let c33 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = BT[b0 + p];
          const x1 = BT[b1 + p];
          const x2 = BT[b2 + p];
          const x3 = BT[b3 + p];
          let y = A[a0 + p];
          c00 += y * x0;
          c01 += y * x1;
          c02 += y * x2;
          c03 += y * x3;
          y = A[a1 + p];
          c10 += y * x0;
          c11 += y * x1;
          c12 += y * x2;
          c13 += y * x3;
          y = A[a2 + p];
          c20 += y * x0;
          c21 += y * x1;
          c22 += y * x2;
          c23 += y * x3;
          y = A[a3 + p];
          c30 += y * x0;
          c31 += y * x1;
          c32 += y * x2;
          c33 += y * x3;
        }
        let o = i * n + j;
        if (beta === 0) {
          c[o] = alpha * c00;
          c[o + 1] = alpha * c01;
          c[o + 2] = alpha * c02;
          c[o + 3] = alpha * c03;
          o += n;
          c[o] = alpha * c10;
          c[o + 1] = alpha * c11;
          c[o + 2] = alpha * c12;
          c[o + 3] = alpha * c13;
          o += n;
          c[o] = alpha * c20;
          c[o + 1] = alpha * c21;
          c[o + 2] = alpha * c22;
          c[o + 3] = alpha * c23;
          o += n;
          c[o] = alpha * c30;
          c[o + 1] = alpha * c31;
          c[o + 2] = alpha * c32;
          c[o + 3] = alpha * c33;
        } else {
          c[o] = alpha * c00 + beta * c[o];
          c[o + 1] = alpha * c01 + beta * c[o + 1];
          c[o + 2] = alpha * c02 + beta * c[o + 2];
          c[o + 3] = alpha * c03 + beta * c[o + 3];
          o += n;
          c[o] = alpha * c10 + beta * c[o];
          c[o + 1] = alpha * c11 + beta * c[o + 1];
          c[o + 2] = alpha * c12 + beta * c[o + 2];
          c[o + 3] = alpha * c13 + beta * c[o + 3];
          o += n;
          c[o] = alpha * c20 + beta * c[o];
          c[o + 1] = alpha * c21 + beta * c[o + 1];
          c[o + 2] = alpha * c22 + beta * c[o + 2];
          c[o + 3] = alpha * c23 + beta * c[o + 3];
          o += n;
          c[o] = alpha * c30 + beta * c[o];
          c[o + 1] = alpha * c31 + beta * c[o + 1];
          c[o + 2] = alpha * c32 + beta * c[o + 2];
          c[o + 3] = alpha * c33 + beta * c[o + 3];
        }
      }
      // Leftover columns of this panel (fewer than 4): a 4×1 tile each.
      for (let j = j4; j < j1; j++) dot4x1(A, BT, c, i, j, n, k, alpha, beta);
    }
    // Leftover rows (fewer than 4): 1×4 tiles, then single dot products.
    for (let i = m4; i < m; i++) {
      let j = j0;
      for (; j < j4; j += 4) dot1x4(A, BT, c, i, j, n, k, alpha, beta);
      for (; j < j1; j++) dotStore(A, BT, c, i, j, n, k, alpha, beta);
    }
  }
}

/** `c[o] = alpha * s + beta * c[o]`, ignoring c's old value when beta is 0. */
function store(c: Float32Array, o: number, s: number, alpha: number, beta: number): void {
  c[o] = beta === 0 ? alpha * s : alpha * s + beta * c[o];
}

/** Rows i..i+3 of C at column j. */
function dot4x1(
  A: Float32Array,
  BT: Float32Array,
  c: Float32Array,
  i: number,
  j: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
): void {
  const a0 = i * k;
  const a1 = a0 + k;
  const a2 = a1 + k;
  const a3 = a2 + k;
  const bo = j * k;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let p = 0; p < k; p++) {
    const x = BT[bo + p];
    s0 += A[a0 + p] * x;
    s1 += A[a1 + p] * x;
    s2 += A[a2 + p] * x;
    s3 += A[a3 + p] * x;
  }
  const o = i * n + j;
  store(c, o, s0, alpha, beta);
  store(c, o + n, s1, alpha, beta);
  store(c, o + 2 * n, s2, alpha, beta);
  store(c, o + 3 * n, s3, alpha, beta);
}

/** Row i of C at columns j..j+3. */
function dot1x4(
  A: Float32Array,
  BT: Float32Array,
  c: Float32Array,
  i: number,
  j: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
): void {
  const ao = i * k;
  const b0 = j * k;
  const b1 = b0 + k;
  const b2 = b1 + k;
  const b3 = b2 + k;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let p = 0; p < k; p++) {
    const y = A[ao + p];
    s0 += y * BT[b0 + p];
    s1 += y * BT[b1 + p];
    s2 += y * BT[b2 + p];
    s3 += y * BT[b3 + p];
  }
  const o = i * n + j;
  store(c, o, s0, alpha, beta);
  store(c, o + 1, s1, alpha, beta);
  store(c, o + 2, s2, alpha, beta);
  store(c, o + 3, s3, alpha, beta);
}

function dotStore(
  A: Float32Array,
  BT: Float32Array,
  c: Float32Array,
  i: number,
  j: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
): void {
  const ao = i * k;
  const bo = j * k;
  let s0 = 0;
  let s1 = 0;
  const k2 = k & ~1;
  let p = 0;
  for (; p < k2; p += 2) {
    s0 += A[ao + p] * BT[bo + p];
    s1 += A[ao + p + 1] * BT[bo + p + 1];
  }
  if (p < k) s0 += A[ao + p] * BT[bo + p];
  store(c, i * n + j, s0 + s1, alpha, beta);
}
