/*
 * OpenBLAS cblas_sgemm harness for the suite: C = A·B, row-major, no transposes, fp32, with
 * the same operands as the other implementations (xorshift32 from seeds 1 and 2, mapped to
 * [-1, 1), as benchmarks/lib/gemm-data.mjs). Threads and kernel come from the environment the
 * suite starts it with (OPENBLAS_NUM_THREADS, OPENBLAS_CORETYPE). Line protocol on stdin:
 *   info              {"config","corename","threads"} as OpenBLAS reports them
 *   init <m> <k> <n>  allocate and fill
 *   run <iters>       {"iters","sec"}: mean seconds per call
 *   sum               {"sum","sumAbs"} of C
 *   quit
 */
#define _POSIX_C_SOURCE 200112L
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static float *A, *B, *C;
static int M, K, N;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *alloc(size_t n) {
  void *q = NULL;
  if (posix_memalign(&q, 64, (n ? n : 1) * sizeof(float)) != 0) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return (float *)q;
}

static void fill(float *a, size_t n, uint32_t seed) {
  uint32_t x = seed ? seed : 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    a[i] = (float)((double)x / 4294967296.0 * 2 - 1);
  }
}

static void gemm(void) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
}

static void json_str(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    if ((unsigned char)*s >= 0x20) putchar(*s);
  }
  putchar('"');
}

int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = {0};
    long a1 = 0, a2 = 0, a3 = 0;
    if (sscanf(line, "%31s %ld %ld %ld", cmd, &a1, &a2, &a3) < 1) continue;
    if (!strcmp(cmd, "info")) {
      printf("{\"config\":");
      json_str(openblas_get_config());
      printf(",\"corename\":");
      json_str(openblas_get_corename());
      printf(",\"threads\":%d}\n", openblas_get_num_threads());
    } else if (!strcmp(cmd, "init")) {
      free(A), free(B), free(C);
      M = (int)a1, K = (int)a2, N = (int)a3;
      A = alloc((size_t)M * K), B = alloc((size_t)K * N), C = alloc((size_t)M * N);
      fill(A, (size_t)M * K, 1);
      fill(B, (size_t)K * N, 2);
      memset(C, 0, sizeof(float) * (size_t)M * N);
      printf("{\"m\":%d,\"k\":%d,\"n\":%d}\n", M, K, N);
    } else if (!strcmp(cmd, "run")) {
      const long iters = a1 > 0 ? a1 : 1;
      if (!C) {
        printf("{\"error\":\"run before init\"}\n");
      } else {
        const double t0 = now();
        for (long i = 0; i < iters; i++) gemm();
        printf("{\"iters\":%ld,\"sec\":%.9e}\n", iters, (now() - t0) / (double)iters);
      }
    } else if (!strcmp(cmd, "sum")) {
      double s = 0, sa = 0;
      for (size_t i = 0; C && i < (size_t)M * N; i++) s += C[i], sa += fabs((double)C[i]);
      printf("{\"sum\":%.17g,\"sumAbs\":%.17g}\n", s, sa);
    } else if (!strcmp(cmd, "quit")) {
      break;
    } else {
      printf("{\"error\":\"unknown command %.31s\"}\n", cmd);
    }
    fflush(stdout);
  }
  return 0;
}
