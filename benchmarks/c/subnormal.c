/* What a subnormal operand costs each AVX-512 operation Adam's kernel uses (IEEE mode: no
 * FTZ/DAZ, as descent and PyTorch run by default). In training, the moments of weights whose
 * gradient stays 0 decay through the subnormal range; an operation with a subnormal lane takes
 * a microcode assist. This loop measures each operation on 16-lane vectors of a subnormal
 * value against the same operation on a normal one, and the operations the kernel's exact
 * route for those lanes uses instead (optim/adam.rs): conversions to and from f64, compares,
 * and an fma whose product is tiny but whose sum is normal.
 *
 *   cc -O2 -mavx512f -o /tmp/subnormal benchmarks/c/subnormal.c && /tmp/subnormal
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define N 4096
static float a[N] __attribute__((aligned(64)));
static float b[N] __attribute__((aligned(64)));
static float o[N] __attribute__((aligned(64)));

typedef __m512 (*op_t)(__m512, __m512);
static __m512 op_sub(__m512 x, __m512 y) { return _mm512_sub_ps(y, x); }
static __m512 op_mul(__m512 x, __m512 y) { return _mm512_mul_ps(x, y); }
static __m512 op_fma(__m512 x, __m512 y) {
  (void)y;
  return _mm512_fmadd_ps(_mm512_set1_ps(-0.1f), x, x); /* m + (1-β1)(0 - m) */
}
static __m512 op_sqrt(__m512 x, __m512 y) {
  (void)y;
  return _mm512_sqrt_ps(x);
}
static __m512 op_div(__m512 x, __m512 y) { return _mm512_div_ps(x, y); }
/* p + nss·q with q/nss so small that the exact product is below the normal range while the
   sum is normal: an assist here would rule out the fast path's last fma. */
static __m512 op_fma_tiny(__m512 x, __m512 y) {
  return _mm512_fmadd_ps(_mm512_set1_ps(-1e-3f), x, y);
}
/* A subnormal fp32 lane to fp64 and back (subnormal in, subnormal out). */
static __m512 op_cvt_up(__m512 x, __m512 y) {
  (void)y;
  const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
  return _mm512_castps256_ps512(_mm512_cvtpd_ps(_mm512_add_pd(lo, lo)));
}
/* Finding the subnormal lanes by comparing |x| with the smallest normal. */
static __m512 op_cmp(__m512 x, __m512 y) {
  const __mmask16 k = _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(1.17549435e-38f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(k, y, x);
}
/* max with a subnormal operand (AMSGrad's running max). */
static __m512 op_max(__m512 x, __m512 y) { return _mm512_max_ps(x, y); }

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Best of 20 passes, ns per 16-lane vector. */
static double time_op(op_t f, float av, float bv) {
  for (int i = 0; i < N; i++) {
    a[i] = av;
    b[i] = bv;
  }
  double best = 1e9;
  for (int r = 0; r < 20; r++) {
    const double t0 = now();
    for (int it = 0; it < 100; it++)
      for (int i = 0; i < N; i += 16)
        _mm512_store_ps(o + i, f(_mm512_load_ps(a + i), _mm512_load_ps(b + i)));
    const double t = (now() - t0) / (100.0 * N / 16) * 1e9;
    if (t < best) best = t;
  }
  return best;
}

int main(void) {
  const struct {
    const char *name;
    op_t f;
    float other;
  } ops[] = {
      {"sub (0 - x)", op_sub, 0.0f},          {"mul (x * 0.999)", op_mul, 0.999f},
      {"fma (x - 0.1x)", op_fma, 0.0f},       {"sqrt (x)", op_sqrt, 0.0f},
      {"div (x / 1e-8)", op_div, 1e-8f},      {"fma (y - 1e-3x), x = 1e-37", op_fma_tiny, 0.01f},
      {"cvtps2pd, cvtpd2ps", op_cvt_up, 0.0f}, {"cmp |x| < min normal", op_cmp, 0.0f}, {"max (x, 0)", op_max, 0.0f},
  };
  printf("%-18s %14s %14s\n", "op", "x = 1e-40 ns", "x = 1e-3 ns");
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const float tiny = ops[i].f == op_fma_tiny ? 1e-37f : 1e-40f;
    printf("%-18s %14.2f %14.2f\n", ops[i].name, time_op(ops[i].f, tiny, ops[i].other),
           time_op(ops[i].f, 1e-3f, ops[i].other));
  }
  return 0;
}
