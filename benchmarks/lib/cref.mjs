// C references: plain C loops compiled at benchmark time (`cc -O3 -march=native
// -fno-math-errno`) and run as a child process, so the native kernels can be compared with
// what a C compiler makes of the same update on the same machine.
//
// The child is persistent and line-oriented, so it can take part in the benchmark's
// interleaved rounds: the benchmark writes one command per line on its stdin, it answers with
// one JSON object per line on stdout. Every reference program understands
//   init <n>       allocate and fill its float32 arrays of n elements (frees the previous ones)
//   run <iters>    run `iters` steps back to back, answer {"iters", "sec"} (mean s per step)
//   sum            answer {"sum": Σ|params|} (double), to check it computes the same thing
//   quit
// and, given arguments `<n> <warmupSteps> <reps> <iters>` instead, runs stand-alone and prints
// all its samples as one JSON object.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const C_FLAGS = ['-O3', '-march=native', '-fno-math-errno'];

/**
 * The value every Adam benchmark array starts from, element i (JS and C use this same formula,
 * so both do exactly the same arithmetic): gradients in ±[0.01, 1), never 0 or subnormal.
 */
export function adamInit(i) {
  const h = Math.imul(i, 2654435761) >>> 0;
  const mag = 0.01 + (h % 991) / 1000;
  const g = i & 1 ? -mag : mag;
  const p = ((h >>> 10) % 2001) / 1000 - 1;
  return { p, g };
}

/** Fills Adam state arrays like the C reference does (m = v = 0). */
export function fillAdam(p, g, m, v) {
  for (let i = 0; i < p.length; i++) {
    const x = adamInit(i);
    p[i] = x.p;
    g[i] = x.g;
  }
  m.fill(0);
  v.fill(0);
}

/**
 * Adam (PyTorch semantics, weight decay 0, no amsgrad/maximize) as a plain C loop; the scalars
 * are computed per step in double like descent's kernel does. The arguments after the
 * program name in `main` select the stand-alone mode; see the file header for the protocol.
 */
export function adamSource({ lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = {}) {
  return String.raw`#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double LR = ${lr}, BETA1 = ${beta1}, BETA2 = ${beta2}, EPS = ${eps};

static float *P, *G, *M, *V;
static size_t N;
static double STEP;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* m += (1-b1)(g-m); v = b2 v + (1-b2) g^2; p -= (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps) */
__attribute__((noinline)) static void adam_step(size_t n, float *restrict p,
    const float *restrict g, float *restrict m, float *restrict v, double step) {
  const double bc1 = 1.0 - pow(BETA1, step), bc2 = 1.0 - pow(BETA2, step);
  const float omb1 = (float)(1.0 - BETA1), b2 = (float)BETA2, omb2 = (float)(1.0 - BETA2);
  const float nss = (float)(-(LR / bc1)), bc2s = (float)sqrt(bc2), eps = (float)EPS;
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] + omb1 * (gi - m[i]);
    const float vi = b2 * v[i] + omb2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] + nss * (mi / (sqrtf(vi) / bc2s + eps));
  }
}

static float *alloc(size_t n) {
  void *q = NULL;
  if (posix_memalign(&q, 64, (n ? n : 1) * sizeof(float)) != 0) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  return (float *)q;
}

static void init(size_t n) {
  free(P); free(G); free(M); free(V);
  N = n; STEP = 0;
  P = alloc(n); G = alloc(n); M = alloc(n); V = alloc(n);
  for (size_t i = 0; i < n; i++) {
    const uint32_t h = (uint32_t)i * 2654435761u;
    const double mag = 0.01 + (double)(h % 991) / 1000;
    G[i] = (float)((i & 1) ? -mag : mag);
    P[i] = (float)((double)((h >> 10) % 2001) / 1000 - 1);
    M[i] = 0;
    V[i] = 0;
  }
}

static double run(long iters) {
  const double t0 = now();
  for (long k = 0; k < iters; k++) adam_step(N, P, G, M, V, ++STEP);
  return (now() - t0) / (double)iters;
}

static double sum(void) {
  double s = 0;
  for (size_t i = 0; i < N; i++) s += fabs((double)P[i]);
  return s;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc == 5) { /* stand-alone: n warmupSteps reps iters */
    const size_t n = strtoull(argv[1], 0, 10);
    const long warm = atol(argv[2]), reps = atol(argv[3]), iters = atol(argv[4]);
    init(n);
    if (warm > 0) run(warm);
    double *s = malloc(sizeof(double) * (reps > 0 ? reps : 1));
    printf("{\"n\":%zu,\"iters\":%ld,\"samples\":[", n, iters);
    for (long r = 0; r < reps; r++) {
      s[r] = run(iters);
      printf("%s%.9e", r ? "," : "", s[r]);
    }
    qsort(s, reps, sizeof(double), cmp);
    printf("],\"median\":%.9e,\"sum\":%.9e}\n", reps ? (reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2) : 0.0, sum());
    return 0;
  }
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32] = {0};
    unsigned long long arg = 0;
    if (sscanf(line, "%31s %llu", cmd, &arg) < 1) continue;
    if (!strcmp(cmd, "init")) {
      init((size_t)arg);
      printf("{\"n\":%zu}\n", N);
    } else if (!strcmp(cmd, "run")) {
      const double sec = run((long)arg);
      printf("{\"iters\":%llu,\"sec\":%.9e}\n", arg, sec);
    } else if (!strcmp(cmd, "sum")) {
      printf("{\"sum\":%.17g,\"step\":%.0f}\n", sum(), STEP);
    } else if (!strcmp(cmd, "quit")) {
      break;
    } else {
      printf("{\"error\":\"unknown command %s\"}\n", cmd);
    }
    fflush(stdout);
  }
  return 0;
}
`;
}

let tmpDirs = [];
function cleanup() {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  tmpDirs = [];
}
process.once('exit', cleanup);

/**
 * Writes `source` to a fresh temp dir and compiles it. Never throws: returns
 * { ok: true, bin, cmd } or { ok: false, cmd, error }. `cmd` is the command line used.
 */
export function compileC(
  source,
  { name = 'ref', cc = process.env.CC || 'cc', flags = C_FLAGS } = {},
) {
  let dir;
  try {
    dir = mkdtempSync(join(os.tmpdir(), 'descent-cref-'));
    tmpDirs.push(dir);
  } catch (e) {
    return { ok: false, cmd: null, error: `cannot create a temp dir: ${e.message}` };
  }
  const src = join(dir, `${name}.c`);
  const bin = join(dir, name);
  const args = [...flags, '-o', bin, src, '-lm'];
  const cmd = [cc, ...args].join(' ');
  try {
    writeFileSync(src, source);
    const r = spawnSync(cc, args, { encoding: 'utf8', timeout: 120_000 });
    if (r.error) return { ok: false, cmd, error: r.error.message };
    if (r.status !== 0) {
      const msg = (r.stderr || r.stdout || '').trim().split('\n').slice(0, 5).join(' | ');
      return { ok: false, cmd, error: `exit ${r.status}: ${msg}` };
    }
    return { ok: true, bin, cmd, source: src };
  } catch (e) {
    return { ok: false, cmd, error: e.message };
  }
}

/** A running reference program speaking the line protocol above. */
export class CProcess {
  constructor(bin, args = []) {
    this.bin = bin;
    this.child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.pending = [];
    this.stderr = '';
    this.exited = null;
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.child.stdin.on('error', () => {}); // reported through 'exit'
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      try {
        const v = JSON.parse(line);
        if (v.error) p.reject(new Error(`${bin}: ${v.error}`));
        else p.resolve(v);
      } catch {
        p.reject(new Error(`${bin}: bad answer ${JSON.stringify(line)}`));
      }
    });
    const fail = (why) => {
      this.exited = why;
      for (const p of this.pending.splice(0))
        p.reject(new Error(`${bin} ${why}: ${this.stderr.trim()}`));
    };
    this.child.on('error', (e) => fail(`failed (${e.message})`));
    this.child.on('exit', (code, sig) => fail(`exited (${sig ?? code})`));
  }

  /** Sends one command line; resolves with the parsed JSON answer. */
  request(line) {
    if (this.exited) return Promise.reject(new Error(`${this.bin} ${this.exited}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  close() {
    if (!this.exited) {
      this.child.stdin.end('quit\n');
    }
  }
}

/** Runs a reference program stand-alone with `args`, returning its parsed JSON (or throwing). */
export function runOnce(bin, args) {
  const r = spawnSync(bin, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${bin} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
