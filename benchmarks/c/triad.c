/*
 * STREAM-style triad a[i] = b[i] + s·c[i] over doubles, to judge the optimizer numbers
 * against memory bandwidth. Built twice by the suite: plain (one thread) and with -fopenmp
 * (threads from OMP_NUM_THREADS). Arrays are first touched by the threads that later use
 * them. Bytes per element as STREAM counts them: 24 (two reads, one write); the write also
 * reads its line first (write-allocate), so the bus moves 32.
 * Also an in-place variant a[i] = a[i] + b[i] + s·c[i] (three reads, one write to a line
 * just read: 32 B per element, no write-allocate), the access pattern of the optimizer
 * steps, which update their buffers in place. Line protocol on stdin:
 *   info         {"threads"}
 *   init <n>     allocate three arrays of n doubles
 *   run <iters>  {"iters","sec"}: mean seconds per triad
 *   runi <iters> the same for the in-place variant
 *   sum          {"sum"} of a (keeps the work observable)
 *   quit
 */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double *A, *B, *C;
static long N;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double *alloc(long n) {
  void *q = NULL;
  if (posix_memalign(&q, 64, (size_t)(n > 0 ? n : 1) * sizeof(double)) != 0) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return (double *)q;
}

__attribute__((noinline)) static void triad(double s) {
  double *restrict a = A;
  const double *restrict b = B, *restrict c = C;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < N; i++) a[i] = b[i] + s * c[i];
}

__attribute__((noinline)) static void inplace(double s) {
  double *restrict a = A;
  const double *restrict b = B, *restrict c = C;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < N; i++) a[i] = a[i] + b[i] + s * c[i];
}

int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = {0};
    long arg = 0;
    if (sscanf(line, "%31s %ld", cmd, &arg) < 1) continue;
    if (!strcmp(cmd, "info")) {
#ifdef _OPENMP
      printf("{\"threads\":%d,\"openmp\":true}\n", omp_get_max_threads());
#else
      printf("{\"threads\":1,\"openmp\":false}\n");
#endif
    } else if (!strcmp(cmd, "init")) {
      free(A), free(B), free(C);
      N = arg;
      A = alloc(N), B = alloc(N), C = alloc(N);
      double *restrict a = A, *restrict b = B, *restrict c = C;
#pragma omp parallel for schedule(static)
      for (long i = 0; i < N; i++) a[i] = 0, b[i] = 1, c[i] = 2;
      printf("{\"n\":%ld}\n", N);
    } else if (!strcmp(cmd, "run") || !strcmp(cmd, "runi")) {
      const long iters = arg > 0 ? arg : 1;
      const int in_place = cmd[3] == 'i';
      if (!A) {
        printf("{\"error\":\"run before init\"}\n");
      } else {
        const double t0 = now();
        for (long i = 0; i < iters; i++) {
          /* alternating s: a grows by only 2 per two in-place passes */
          const double s = (i & 1) ? -1.0 : 1.0;
          if (in_place) inplace(s);
          else triad(3.0 + s);
        }
        printf("{\"iters\":%ld,\"sec\":%.9e}\n", iters, (now() - t0) / (double)iters);
      }
    } else if (!strcmp(cmd, "sum")) {
      double s = 0;
      for (long i = 0; i < N; i++) s += A[i];
      printf("{\"sum\":%.17g}\n", s);
    } else if (!strcmp(cmd, "quit")) {
      break;
    } else {
      printf("{\"error\":\"unknown command %.31s\"}\n", cmd);
    }
    fflush(stdout);
  }
  return 0;
}
