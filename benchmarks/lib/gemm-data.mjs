// GEMM operands shared by every implementation (the OpenBLAS harness in c/gemm_openblas.c
// computes the same xorshift32 sequence): values uniform in [-1, 1).

/** Fills `a` with xorshift32 values from `seed`, mapped to [-1, 1). Returns `a`. */
export function fillRandom(a, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    a[i] = (x / 2 ** 32) * 2 - 1;
  }
  return a;
}

/** Σc and Σ|c| in double. */
export function gemmSums(c) {
  let s = 0;
  let sa = 0;
  for (let i = 0; i < c.length; i++) {
    s += c[i];
    sa += Math.abs(c[i]);
  }
  return { sum: s, sumAbs: sa };
}
