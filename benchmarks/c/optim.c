/*
 * C references of descent's fused optimizer steps: one plain C loop per optimizer, mirroring
 * the arithmetic of crates/kernels/src/optim/<name>.rs element by element (same operations,
 * fmaf where the kernel fuses, the same f64 -> f32 scalars) and the per-step scalars of the
 * optimizer classes in src/optim/<name>.ts. Single-threaded. Compiled at benchmark time with
 * `cc -O3 -march=native -fno-math-errno` by benchmarks/lib/cref.mjs; what the compiler makes
 * of these loops (vectorised, unrolled) is the reference the native kernels are judged by.
 *
 * The program is a line-oriented server (one command per line on stdin, one JSON object per
 * line on stdout) so that the benchmark can interleave it with the other implementations:
 *   init <optimizer> <n> [key=value ...]   allocate and fill the arrays; options use the
 *                                          optimizer classes' names (betas -> betas1, betas2)
 *   run <iters>                            `iters` steps back to back: {"iters","sec"} (mean s)
 *   sum                                    {"sumAbs": sum |p|, "sumW": sum w_i p_i, "step"}
 *   list                                   the optimizers this file implements
 *   quit
 * Stand-alone: `optim <optimizer> <n> <warmupSteps> <reps> <iters> [key=value ...]` prints
 * every sample as one JSON object.
 *
 * Initial values (shared with benchmarks/lib/optimizers.mjs): h = i * 2654435761 (mod 2^32),
 * g_i = ±(0.01 + (h mod 991)/1000) (sign alternating), p_i = ((h >> 10) mod 2001)/1000 - 1;
 * states 0 unless the optimizer starts them elsewhere (Adagrad, Yogi, Rprop).
 */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R restrict
#define MAXOPT 48

/* ------------------------------------------------------------------------------------------ */
/* options */

static char OPT_KEY[MAXOPT][48];
static double OPT_VAL[MAXOPT];
static int NOPT;
static char ERR[256];

static double opt(const char *k, double d) {
  for (int i = 0; i < NOPT; i++)
    if (!strcmp(OPT_KEY[i], k)) return OPT_VAL[i];
  return d;
}

static int parse_opt(const char *tok) {
  const char *eq = strchr(tok, '=');
  if (!eq || eq == tok || (size_t)(eq - tok) >= sizeof OPT_KEY[0] || NOPT >= MAXOPT) return 0;
  memcpy(OPT_KEY[NOPT], tok, (size_t)(eq - tok));
  OPT_KEY[NOPT][eq - tok] = 0;
  char *end;
  OPT_VAL[NOPT] = strtod(eq + 1, &end);
  if (end == eq + 1) return 0;
  NOPT++;
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* element helpers, as crates/kernels/src/optim/{stream,lanes}.rs */

/* ±g + wd·p */
static inline float gradf(int maximize, float wd, float p, float g) {
  g = maximize ? -g : g;
  return wd != 0.0f ? fmaf(wd, p, g) : g;
}

/* torch.lerp: a + w(b−a) for |w| < 0.5, else b − (1−w)(b−a) */
static inline float lerpf(float a, float b, float w) {
  const float d = b - a;
  return fabsf(w) < 0.5f ? fmaf(w, d, a) : fmaf(-(1.0f - w), d, b);
}

/* x86 max/min: the second operand when either is NaN */
static inline float hmax(float a, float b) { return a > b ? a : b; }
static inline float hmin(float a, float b) { return a < b ? a : b; }

/* sign: ±1, 0 and NaN unchanged */
static inline float signf_(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x); }

/* ------------------------------------------------------------------------------------------ */
/* kernels: one per optimizer, over n elements */

/* sgd.rs: g = ±grad + wd·p; buf = first ? g : μ·buf + (1−τ)·g; d = nesterov ? g + μ·buf : buf */
__attribute__((noinline)) static void sgd_kernel(size_t n, float *R p, const float *R g,
    float *R buf, float nlr, float mu, float damp, float wd, int nesterov, int maximize,
    int first) {
  if (!buf) { /* momentum 0 */
    for (size_t i = 0; i < n; i++) p[i] = fmaf(nlr, gradf(maximize, wd, p[i], g[i]), p[i]);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float b = first ? gv : fmaf(mu, buf[i], damp * gv);
    const float d = nesterov ? fmaf(mu, b, gv) : b;
    p[i] = fmaf(nlr, d, p[i]);
    buf[i] = b;
  }
}

/* adam.rs: AdamW p *= 1 − lr·wd | Adam g += wd·p; m += (1−β1)(g − m); v = β2v + (1−β2)g²;
   p += −(lr/bc1) · m / (√v / √bc2 + ε) */
__attribute__((noinline)) static void adam_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float decay, float wd, float omb1, float b2, float omb2, float nss,
    float bc2s, float eps, int maximize) {
  const int has_decay = decay != 1.0f, has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    float gv = maximize ? -g[i] : g[i];
    float pv = has_decay ? p[i] * decay : p[i];
    gv = has_wd ? fmaf(wd, pv, gv) : gv;
    const float mv = fmaf(omb1, gv - m[i], m[i]);
    const float vv = fmaf(omb2, gv * gv, b2 * v[i]);
    const float denom = sqrtf(vv) / bc2s + eps;
    p[i] = fmaf(nss, mv / denom, pv);
    m[i] = mv;
    v[i] = vv;
  }
}

/* rmsprop.rs: v = αv + (1−α)g²; centered: ḡ = lerp(ḡ, g, 1−α), a = √(v − ḡ²) + ε, else √v + ε;
   momentum: b = μb + g/a, p −= lr·b; else p −= lr·g/a. One loop per variant, as the kernel. */
static inline __attribute__((always_inline)) void rmsprop_body(size_t n, float *R p,
    const float *R g, float *R sq, float *R ga, float *R buf, float alpha, float oma, float w,
    float eps, float nlr, float mu, float wd, int maximize, const int centered,
    const int momentum) {
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float qv = fmaf(oma * gv, gv, sq[i] * alpha);
    sq[i] = qv;
    float avg;
    if (centered) {
      const float av = lerpf(ga[i], gv, w);
      ga[i] = av;
      avg = sqrtf(fmaf(-av, av, qv)) + eps;
    } else {
      avg = sqrtf(qv) + eps;
    }
    if (momentum) {
      const float bv = buf[i] * mu + gv / avg;
      buf[i] = bv;
      p[i] = fmaf(nlr, bv, p[i]);
    } else {
      p[i] = p[i] + (nlr * gv) / avg;
    }
  }
}

__attribute__((noinline)) static void rmsprop_kernel(size_t n, float *R p, const float *R g,
    float *R sq, float *R ga, float *R buf, float alpha, float oma, float w, float eps,
    float nlr, float mu, float wd, int maximize) {
  if (ga && buf) rmsprop_body(n, p, g, sq, ga, buf, alpha, oma, w, eps, nlr, mu, wd, maximize, 1, 1);
  else if (ga) rmsprop_body(n, p, g, sq, ga, buf, alpha, oma, w, eps, nlr, mu, wd, maximize, 1, 0);
  else if (buf) rmsprop_body(n, p, g, sq, ga, buf, alpha, oma, w, eps, nlr, mu, wd, maximize, 0, 1);
  else rmsprop_body(n, p, g, sq, ga, buf, alpha, oma, w, eps, nlr, mu, wd, maximize, 0, 0);
}

/* adagrad.rs: sum += g²; p += (−clr·g) / (√sum + ε) */
__attribute__((noinline)) static void adagrad_kernel(size_t n, float *R p, const float *R g,
    float *R s, float nclr, float eps, float wd, int maximize) {
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float sv = fmaf(gv, gv, s[i]);
    p[i] = p[i] + (nclr * gv) / (sqrtf(sv) + eps);
    s[i] = sv;
  }
}

/* lion.rs: u = sign((1−β1)g + β1m) (+ wd·p); p −= lr·u; m = (1−β2)g + β2m */
__attribute__((noinline)) static void lion_kernel(size_t n, float *R p, const float *R g,
    float *R m, float nlr, float b1, float omb1, float b2, float omb2, float wd, int maximize) {
  const int has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    float u = signf_(fmaf(omb1, gv, b1 * m[i]));
    u = has_wd ? fmaf(wd, p[i], u) : u;
    const float mv = fmaf(omb2, gv, b2 * m[i]);
    p[i] = fmaf(nlr, u, p[i]);
    m[i] = mv;
  }
}

/* adadelta.rs: v = ρv + (1−ρ)g²; δ = √(u + ε)/√(v + ε)·g; u = ρu + (1−ρ)δ²; p −= lr·δ */
__attribute__((noinline)) static void adadelta_kernel(size_t n, float *R p, const float *R g,
    float *R sq, float *R acc, float rho, float omr, float eps, float nlr, float wd,
    int maximize) {
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float qv = fmaf(omr * gv, gv, sq[i] * rho);
    const float std = sqrtf(qv + eps);
    const float delta = (sqrtf(acc[i] + eps) / std) * gv;
    const float uv = fmaf(omr * delta, delta, acc[i] * rho);
    p[i] = fmaf(nlr, delta, p[i]);
    sq[i] = qv;
    acc[i] = uv;
  }
}

/* adamax.rs: m = lerp(m, g, 1−β1); u = max(β2u, |g| + ε) (NaN kept); p += (−clr·m)/u */
__attribute__((noinline)) static void adamax_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R u, float w, float b2, float eps, float nclr, float wd, int maximize) {
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float mv = lerpf(m[i], gv, w);
    const float a = u[i] * b2;
    const float uv = isnan(a) ? a : hmax(a, fabsf(gv) + eps);
    p[i] = p[i] + (nclr * mv) / uv;
    m[i] = mv;
    u[i] = uv;
  }
}

/* nadam.rs: m = lerp(m, g, 1−β1); v = β2v + (1−β2)g²; d = √(v/bc2) + ε; p += cg·g/d; p += cm·m/d */
__attribute__((noinline)) static void nadam_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float w, float b2, float omb2, float cg, float cm, float bc2,
    float eps, float scale, float wd, int maximize) {
  const int has_scale = scale != 1.0f;
  for (size_t i = 0; i < n; i++) {
    float pv = has_scale ? p[i] * scale : p[i];
    const float gv = gradf(maximize, wd, pv, g[i]);
    const float mv = lerpf(m[i], gv, w);
    const float vv = fmaf(omb2 * gv, gv, v[i] * b2);
    const float denom = sqrtf(vv / bc2) + eps;
    pv = pv + (cg * gv) / denom;
    p[i] = pv + (cm * mv) / denom;
    m[i] = mv;
    v[i] = vv;
  }
}

/* radam.rs: m = lerp(m, g, 1−β1); v = β2v + (1−β2)g²; u = m/bc1·lr (· √bc2/(√v + ε) · r when
   adaptive); p −= u */
__attribute__((noinline)) static void radam_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float w, float b2, float omb2, float lr, float eps, float bc1,
    float bc2s, float rect, float scale, float wd, int maximize, int adaptive) {
  const int has_scale = scale != 1.0f;
  for (size_t i = 0; i < n; i++) {
    const float pv = has_scale ? p[i] * scale : p[i];
    const float gv = gradf(maximize, wd, pv, g[i]);
    const float mv = lerpf(m[i], gv, w);
    const float vv = fmaf(omb2 * gv, gv, v[i] * b2);
    float upd = (mv / bc1) * lr;
    if (adaptive) upd = (upd * (bc2s / (sqrtf(vv) + eps))) * rect;
    p[i] = pv - upd;
    m[i] = mv;
    v[i] = vv;
  }
}

/* rprop.rs: s = g·prev; Δ = clamp(Δ·(s > 0 ? η+ : s < 0 ? η− : 1)); g = 0 where s < 0;
   p −= sign(g)·Δ; prev = g */
__attribute__((noinline)) static void rprop_kernel(size_t n, float *R p, const float *R g,
    float *R prev, float *R step, float em, float ep, float lo, float hi, int maximize) {
  for (size_t i = 0; i < n; i++) {
    float gv = maximize ? -g[i] : g[i];
    const float x = gv * prev[i];
    const int neg = x < 0.0f;
    const float factor = x > 0.0f ? ep : (neg ? em : 1.0f);
    const float dv = hmin(hi, hmax(lo, step[i] * factor));
    gv = neg ? 0.0f : gv;
    const float sign = gv > 0.0f ? 1.0f : (gv < 0.0f ? -1.0f : 0.0f);
    p[i] = p[i] + (-sign) * dv;
    prev[i] = gv;
    step[i] = dv;
  }
}

/* asgd.rs: p = p·(1 − λη) − η·g; ax = μ = 1 ? p : ax + (p − ax)·μ */
__attribute__((noinline)) static void asgd_kernel(size_t n, float *R p, const float *R g,
    float *R ax, float decay, float neta, float mu, float wd, int maximize) {
  const int copy = mu == 1.0f;
  for (size_t i = 0; i < n; i++) {
    const float gv = gradf(maximize, wd, p[i], g[i]);
    const float pv = fmaf(neta, gv, p[i] * decay);
    p[i] = pv;
    ax[i] = copy ? pv : ax[i] + (pv - ax[i]) * mu;
  }
}

/* adabelief.rs: m = (1−β1)g + β1m; s = (1−β2)(g − m)² + β2s + ε_root;
   u = (m/bc1) / (√(s/bc2) + ε) (+ wd·p); p −= lr·u */
__attribute__((noinline)) static void adabelief_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float nlr, float b1, float omb1, float b2, float omb2, float eps,
    float eps_root, float ibc1, float ibc2, float wd, int maximize) {
  const int has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float mv = fmaf(omb1, gv, b1 * m[i]);
    const float e = gv - mv;
    const float vv = fmaf(omb2, e * e, b2 * v[i]) + eps_root;
    float u = (mv * ibc1) / (sqrtf(vv * ibc2) + eps);
    u = has_wd ? fmaf(wd, p[i], u) : u;
    p[i] = fmaf(nlr, u, p[i]);
    m[i] = mv;
    v[i] = vv;
  }
}

/* yogi.rs: m = (1−β1)g + β1m; v = v − (1−β2)·sign(v − g²)·g²; p −= lr·(m/bc1)/(√(v/bc2) + ε) */
__attribute__((noinline)) static void yogi_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float nlr, float b1, float omb1, float omb2, float eps, float ibc1,
    float ibc2, int maximize) {
  for (size_t i = 0; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float g2 = gv * gv;
    const float mv = fmaf(omb1, gv, b1 * m[i]);
    const float vv = v[i] - (omb2 * signf_(v[i] - g2)) * g2;
    const float u = (mv * ibc1) / (sqrtf(vv * ibc2) + eps);
    p[i] = fmaf(nlr, u, p[i]);
    m[i] = mv;
    v[i] = vv;
  }
}

/* adan.rs: d = g − g_prev (0 at step 1); m = (1−β1)g + β1m; v = (1−β2)d + β2v;
   n = (1−β3)(g + (1−β2)d)² + β3n; u = (m̂ + (1−β2)v̂)/(√(n̂ + ε_root) + ε) (+ wd·p); p −= lr·u */
__attribute__((noinline)) static void adan_kernel(size_t n, float *R p, const float *R g,
    float *R m, float *R v, float *R nn, float *R prev, float nlr, float b1, float omb1,
    float b2, float omb2, float b3, float omb3, float eps, float eps_root, float ibc1,
    float ibc2, float ibc3, float wd, int maximize, int first) {
  const int has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float d = first ? 0.0f : gv - prev[i];
    const float mv = fmaf(omb1, gv, b1 * m[i]);
    const float vv = fmaf(omb2, d, b2 * v[i]);
    const float q = fmaf(omb2, d, gv);
    const float nv = fmaf(omb3, q * q, b3 * nn[i]);
    const float num = fmaf(omb2, vv * ibc2, mv * ibc1);
    float u = num / (sqrtf(fmaf(nv, ibc3, eps_root)) + eps);
    u = has_wd ? fmaf(wd, p[i], u) : u;
    p[i] = fmaf(nlr, u, p[i]);
    m[i] = mv;
    v[i] = vv;
    nn[i] = nv;
    prev[i] = gv;
  }
}

/* Sums of squares as the Rust kernels take them: 16 f32 lanes (one AVX-512 vector), flushed
   to f64 every 64 lane blocks. */
#define LANES 16

/* lamb.rs pass 1: moments, and the sums of p² and u² */
__attribute__((noinline)) static void lamb_pass1(size_t n, const float *R p, const float *R g,
    float *R m, float *R v, float b1, float omb1, float b2, float omb2, float eps,
    float eps_root, float ibc1, float ibc2, float wd, int maximize, double *sp, double *su) {
  const int has_wd = wd != 0.0f;
  float ap[LANES] = {0}, au[LANES] = {0};
  double dp = 0, du = 0;
  size_t i = 0;
  int count = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) {
      const size_t k = i + j;
      const float gv = maximize ? -g[k] : g[k];
      const float mv = fmaf(omb1, gv, b1 * m[k]);
      const float vv = fmaf(omb2, gv * gv, b2 * v[k]);
      float u = (mv * ibc1) / (sqrtf(fmaf(vv, ibc2, eps_root)) + eps);
      u = has_wd ? fmaf(wd, p[k], u) : u;
      m[k] = mv;
      v[k] = vv;
      ap[j] = fmaf(p[k], p[k], ap[j]);
      au[j] = fmaf(u, u, au[j]);
    }
    if (++count == 64) {
      for (int j = 0; j < LANES; j++) dp += ap[j], du += au[j], ap[j] = au[j] = 0;
      count = 0;
    }
  }
  for (; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float mv = fmaf(omb1, gv, b1 * m[i]);
    const float vv = fmaf(omb2, gv * gv, b2 * v[i]);
    float u = (mv * ibc1) / (sqrtf(fmaf(vv, ibc2, eps_root)) + eps);
    u = has_wd ? fmaf(wd, p[i], u) : u;
    m[i] = mv;
    v[i] = vv;
    ap[0] = fmaf(p[i], p[i], ap[0]);
    au[0] = fmaf(u, u, au[0]);
  }
  for (int j = 0; j < LANES; j++) dp += ap[j], du += au[j];
  *sp = dp;
  *su = du;
}

/* lamb.rs pass 2: u again from the stored moments, p += −lr·r·u */
__attribute__((noinline)) static void lamb_pass2(size_t n, float *R p, const float *R m,
    const float *R v, float a, float eps, float eps_root, float ibc1, float ibc2, float wd) {
  const int has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    float u = (m[i] * ibc1) / (sqrtf(fmaf(v[i], ibc2, eps_root)) + eps);
    u = has_wd ? fmaf(wd, p[i], u) : u;
    p[i] = fmaf(a, u, p[i]);
  }
}

/* lars.rs pass 1: sums of p² and u² with u = ±g + wd·p */
__attribute__((noinline)) static void lars_pass1(size_t n, const float *R p, const float *R g,
    float wd, int maximize, double *sp, double *su) {
  const int has_wd = wd != 0.0f;
  float ap[LANES] = {0}, au[LANES] = {0};
  double dp = 0, du = 0;
  size_t i = 0;
  int count = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int j = 0; j < LANES; j++) {
      const size_t k = i + j;
      const float gv = maximize ? -g[k] : g[k];
      const float u = has_wd ? fmaf(wd, p[k], gv) : gv;
      ap[j] = fmaf(p[k], p[k], ap[j]);
      au[j] = fmaf(u, u, au[j]);
    }
    if (++count == 64) {
      for (int j = 0; j < LANES; j++) dp += ap[j], du += au[j], ap[j] = au[j] = 0;
      count = 0;
    }
  }
  for (; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float u = has_wd ? fmaf(wd, p[i], gv) : gv;
    ap[0] = fmaf(p[i], p[i], ap[0]);
    au[0] = fmaf(u, u, au[0]);
  }
  for (int j = 0; j < LANES; j++) dp += ap[j], du += au[j];
  *sp = dp;
  *su = du;
}

/* lars.rs pass 2: u = a·(±g + wd·p); t = u + μt; p += nesterov ? u + μt : t */
__attribute__((noinline)) static void lars_pass2(size_t n, float *R p, const float *R g,
    float *R t, float a, float mu, float wd, int nesterov, int maximize) {
  const int has_wd = wd != 0.0f;
  if (!t) { /* momentum 0 */
    for (size_t i = 0; i < n; i++) {
      const float gv = maximize ? -g[i] : g[i];
      p[i] = fmaf(a, has_wd ? fmaf(wd, p[i], gv) : gv, p[i]);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const float gv = maximize ? -g[i] : g[i];
    const float u = a * (has_wd ? fmaf(wd, p[i], gv) : gv);
    const float tv = fmaf(mu, t[i], u);
    const float d = nesterov ? fmaf(mu, tv, u) : tv;
    p[i] = p[i] + d;
    t[i] = tv;
  }
}

/* schedule_free.rs lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w) */
static inline float sf_lerp(float a, float b, int small, float w, float omw) {
  const float d = b - a;
  return small ? fmaf(w, d, a) : fmaf(-d, omw, b);
}

/* schedule_free.rs SGD: z = first ? y : z; g += wd·y; y = lerp(y, z, c) + coef·g; z −= lr·g */
__attribute__((noinline)) static void sf_sgd_kernel(size_t n, float *R y, const float *R g,
    float *R z, float nlr, float c, float omc, float coef, float wd, int first) {
  const int small = fabsf(c) < 0.5f, has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float zv = first ? y[i] : z[i];
    const float gv = has_wd ? fmaf(wd, y[i], g[i]) : g[i];
    const float yl = sf_lerp(y[i], zv, small, c, omc);
    y[i] = fmaf(coef, gv, yl);
    z[i] = fmaf(nlr, gv, zv);
  }
}

/* schedule_free.rs AdamW: v = β2v + (1−β2)g²; g = g/(√(v/bc2) + ε) (+ wd·y); then as SGD */
__attribute__((noinline)) static void sf_adamw_kernel(size_t n, float *R y, const float *R g,
    float *R z, float *R v, float nlr, float c, float omc, float coef, float wd, float b2,
    float omb2, float eps, float ibc2, int first) {
  const int small = fabsf(c) < 0.5f, has_wd = wd != 0.0f;
  for (size_t i = 0; i < n; i++) {
    const float zv = first ? y[i] : z[i];
    float gv = g[i];
    const float vv = fmaf(omb2, gv * gv, b2 * v[i]);
    gv = gv / (sqrtf(vv * ibc2) + eps);
    gv = has_wd ? fmaf(wd, y[i], gv) : gv;
    const float yl = sf_lerp(y[i], zv, small, c, omc);
    y[i] = fmaf(coef, gv, yl);
    z[i] = fmaf(nlr, gv, zv);
    v[i] = vv;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* the benchmark state and the per-step drivers (scalars as src/optim/<name>.ts computes them) */

static size_t N;
static float *P, *G, *S[4];
static double STEP; /* steps taken (PyTorch's state['step']) */

/* optimizer options, read at init */
static double LR, B1, B2, B3, EPS, EPS_ROOT, WD, MOM, DAMP, ALPHA, LR_DECAY, RHO, MD, LAMBD,
    T0, TC, WARMUP, RR, WLP, ETA_M, ETA_P, SMIN, SMAX;
static int MAXIMIZE, NESTEROV, DECOUPLED, CENTERED;
/* per-step scalars carried between steps */
static double MU_PRODUCT, ASGD_ETA, ASGD_MU, SF_WEIGHT_SUM, SF_LR_MAX;

static void step_sgd(void) {
  const double step = ++STEP;
  sgd_kernel(N, P, G, MOM != 0 ? S[0] : NULL, (float)-LR, (float)MOM, 1.0f - (float)DAMP,
      (float)WD, NESTEROV, MAXIMIZE, step == 1);
}

static void step_adam(void) {
  const double step = ++STEP;
  const double bc1 = 1.0 - pow(B1, step), bc2 = 1.0 - pow(B2, step);
  adam_kernel(N, P, G, S[0], S[1], DECOUPLED ? (float)(1.0 - LR * WD) : 1.0f,
      DECOUPLED ? 0.0f : (float)WD, (float)(1.0 - B1), (float)B2, (float)(1.0 - B2),
      (float)(-(LR / bc1)), (float)sqrt(bc2), (float)EPS, MAXIMIZE);
}

static void step_rmsprop(void) {
  ++STEP;
  rmsprop_kernel(N, P, G, S[0], CENTERED ? S[1] : NULL, MOM > 0 ? S[2] : NULL, (float)ALPHA,
      (float)(1.0 - ALPHA), (float)(1.0 - ALPHA), (float)EPS, (float)-LR, (float)MOM,
      (float)WD, MAXIMIZE);
}

static void step_adagrad(void) {
  const double step = ++STEP;
  adagrad_kernel(N, P, G, S[0], (float)(-(LR / (1.0 + (step - 1.0) * LR_DECAY))), (float)EPS,
      (float)WD, MAXIMIZE);
}

static void step_lion(void) {
  ++STEP;
  lion_kernel(N, P, G, S[0], (float)-LR, (float)B1, (float)(1.0 - B1), (float)B2,
      (float)(1.0 - B2), (float)WD, MAXIMIZE);
}

static void step_adadelta(void) {
  ++STEP;
  adadelta_kernel(N, P, G, S[0], S[1], (float)RHO, (float)(1.0 - RHO), (float)EPS, (float)-LR,
      (float)WD, MAXIMIZE);
}

static void step_adamax(void) {
  const double step = ++STEP;
  adamax_kernel(N, P, G, S[0], S[1], (float)(1.0 - B1), (float)B2, (float)EPS,
      (float)(-(LR / (1.0 - pow(B1, step)))), (float)WD, MAXIMIZE);
}

static void step_nadam(void) {
  const double step = ++STEP;
  const double mu = B1 * (1 - 0.5 * pow(0.96, step * MD));
  const double mu_next = B1 * (1 - 0.5 * pow(0.96, (step + 1) * MD));
  /* PyTorch keeps the product in a float32 tensor */
  MU_PRODUCT = (float)((step == 1 ? 1.0 : MU_PRODUCT) * (double)(float)mu);
  const double prod = MU_PRODUCT;
  const double gc = (-LR * (1 - mu)) / (1 - prod), ac = (-LR * mu_next) / (1 - prod * mu_next);
  nadam_kernel(N, P, G, S[0], S[1], (float)(1.0 - B1), (float)B2, (float)(1.0 - B2), (float)gc,
      (float)ac, (float)(1 - pow(B2, step)), (float)EPS,
      DECOUPLED && WD != 0 ? (float)(1 - LR * WD) : 1.0f, DECOUPLED ? 0.0f : (float)WD,
      MAXIMIZE);
}

static void step_radam(void) {
  const double step = ++STEP;
  const double bc1 = 1 - pow(B1, step), bc2 = 1 - pow(B2, step);
  const double rho_inf = 2 / (1 - B2) - 1;
  const double rho_t = rho_inf - (2 * step * pow(B2, step)) / bc2;
  const int adaptive = rho_t > 5;
  const double rect =
      adaptive ? sqrt(((rho_t - 4) * (rho_t - 2) * rho_inf) /
                      ((rho_inf - 4) * (rho_inf - 2) * rho_t))
               : 0;
  radam_kernel(N, P, G, S[0], S[1], (float)(1.0 - B1), (float)B2, (float)(1.0 - B2), (float)LR,
      (float)EPS, (float)bc1, (float)sqrt(bc2), (float)rect,
      DECOUPLED && WD != 0 ? (float)(1 - LR * WD) : 1.0f, DECOUPLED ? 0.0f : (float)WD,
      MAXIMIZE, adaptive);
}

static void step_rprop(void) {
  ++STEP;
  rprop_kernel(N, P, G, S[0], S[1], (float)ETA_M, (float)ETA_P, (float)SMIN, (float)SMAX,
      MAXIMIZE);
}

static void step_asgd(void) {
  const double step = ++STEP;
  const double eta = step == 1 ? (double)(float)LR : ASGD_ETA;
  const double mu = step == 1 ? 1.0 : ASGD_MU;
  asgd_kernel(N, P, G, S[0], (float)(1 - LAMBD * eta), (float)-eta, (float)mu, (float)WD,
      MAXIMIZE);
  ASGD_ETA = (float)(LR / pow(1 + LAMBD * LR * step, ALPHA));
  ASGD_MU = (float)(1 / fmax(1, step - T0));
}

static void step_adabelief(void) {
  const double t = ++STEP;
  adabelief_kernel(N, P, G, S[0], S[1], (float)-LR, (float)B1, (float)(1.0 - B1), (float)B2,
      (float)(1.0 - B2), (float)EPS, (float)EPS_ROOT, (float)(1.0 / (1.0 - pow(B1, t))),
      (float)(1.0 / (1.0 - pow(B2, t))), (float)WD, MAXIMIZE);
}

static void step_yogi(void) {
  const double t = ++STEP;
  yogi_kernel(N, P, G, S[0], S[1], (float)-LR, (float)B1, (float)(1.0 - B1), (float)(1.0 - B2),
      (float)EPS, (float)(1.0 / (1.0 - pow(B1, t))), (float)(1.0 / (1.0 - pow(B2, t))),
      MAXIMIZE);
}

static void step_adan(void) {
  const double t = ++STEP;
  adan_kernel(N, P, G, S[0], S[1], S[2], S[3], (float)-LR, (float)B1, (float)(1.0 - B1),
      (float)B2, (float)(1.0 - B2), (float)B3, (float)(1.0 - B3), (float)EPS, (float)EPS_ROOT,
      (float)(1.0 / (1.0 - pow(B1, t))), (float)(1.0 / (1.0 - pow(B2, t))),
      (float)(1.0 / (1.0 - pow(B3, t))), (float)WD, MAXIMIZE, t == 1.0);
}

static void step_lamb(void) {
  const double t = ++STEP;
  const float ibc1 = (float)(1.0 / (1.0 - pow(B1, t))), ibc2 = (float)(1.0 / (1.0 - pow(B2, t)));
  double sp, su;
  lamb_pass1(N, P, G, S[0], S[1], (float)B1, (float)(1.0 - B1), (float)B2, (float)(1.0 - B2),
      (float)EPS, (float)EPS_ROOT, ibc1, ibc2, (float)WD, MAXIMIZE, &sp, &su);
  const double ratio = sp == 0 || su == 0 ? 1.0 : sqrt(sp) / sqrt(su);
  lamb_pass2(N, P, S[0], S[1], (float)(-LR * ratio), (float)EPS, (float)EPS_ROOT, ibc1, ibc2,
      (float)WD);
}

static void step_lars(void) {
  ++STEP;
  double sp, su;
  lars_pass1(N, P, G, (float)WD, MAXIMIZE, &sp, &su);
  const double pn = sqrt(sp), un = sqrt(su);
  const double ratio = pn == 0 || un == 0 ? 1.0 : TC * pn / (un + EPS);
  lars_pass2(N, P, G, MOM != 0 ? S[0] : NULL, (float)(-LR * ratio), (float)MOM, (float)WD,
      NESTEROV, MAXIMIZE);
}

/* schedule-free.ts updateGroup/hyper, then schedule_free.rs step */
static void step_sf(int adam) {
  const double k = STEP++;
  const double sched = k < WARMUP ? (k + 1) / WARMUP : 1;
  const double lr = LR * sched;
  SF_LR_MAX = fmax(lr, SF_LR_MAX);
  const double weight = pow(k + 1, RR) * pow(SF_LR_MAX, WLP);
  SF_WEIGHT_SUM += weight;
  const double ckp1 = SF_WEIGHT_SUM == 0 ? 0 : weight / SF_WEIGHT_SUM;
  const double beta1 = adam ? B1 : MOM;
  const float c = (float)ckp1;
  const float coef = (float)(lr * (beta1 * (1.0 - ckp1) - 1.0));
  if (adam) {
    const double bc2 = 1 - pow(B2, k + 1);
    sf_adamw_kernel(N, P, G, S[0], S[1], (float)-lr, c, 1.0f - c, coef, (float)WD, (float)B2,
        (float)(1.0 - B2), (float)EPS, (float)(1.0 / bc2), k == 0);
  } else {
    sf_sgd_kernel(N, P, G, S[0], (float)-lr, c, 1.0f - c, coef, (float)WD, k == 0);
  }
}
static void step_sgd_sf(void) { step_sf(0); }
static void step_adamw_sf(void) { step_sf(1); }

/* ------------------------------------------------------------------------------------------ */
/* the optimizer table: name, state buffers, option defaults (the classes' defaults) */

typedef struct {
  const char *name;
  int nstates;
  void (*step)(void);
  int (*setup)(void); /* reads the options, fills the states; 0 on an unsupported option */
} Optim;

static void fill_state(int i, float v) {
  for (size_t k = 0; k < N; k++) S[i][k] = v;
}

static void common(double lr, double b1, double b2, double eps, double wd) {
  LR = opt("lr", lr);
  B1 = opt("betas1", b1);
  B2 = opt("betas2", b2);
  EPS = opt("eps", eps);
  WD = opt("weightDecay", wd);
  MAXIMIZE = opt("maximize", 0) != 0;
}

static int setup_sgd(void) {
  common(1e-3, 0, 0, 0, 0);
  MOM = opt("momentum", 0);
  DAMP = opt("dampening", 0);
  NESTEROV = opt("nesterov", 0) != 0;
  return 1;
}
static int setup_adam_like(double wd, int decoupled) {
  common(1e-3, 0.9, 0.999, 1e-8, wd);
  DECOUPLED = opt("decoupledWeightDecay", decoupled) != 0;
  if (opt("amsgrad", 0) != 0) return snprintf(ERR, sizeof ERR, "amsgrad is not mirrored"), 0;
  return 1;
}
static int setup_adam(void) { return setup_adam_like(0, 0); }
static int setup_adamw(void) { return setup_adam_like(1e-2, 1); }
static int setup_rmsprop(void) {
  common(1e-2, 0, 0, 1e-8, 0);
  ALPHA = opt("alpha", 0.99);
  MOM = opt("momentum", 0);
  CENTERED = opt("centered", 0) != 0;
  return 1;
}
static int setup_adagrad(void) {
  common(1e-2, 0, 0, 1e-10, 0);
  LR_DECAY = opt("lrDecay", 0);
  fill_state(0, (float)opt("initialAccumulatorValue", 0));
  return 1;
}
static int setup_lion(void) { return common(1e-4, 0.9, 0.99, 0, 0), 1; }
static int setup_adadelta(void) {
  common(1, 0, 0, 1e-6, 0);
  RHO = opt("rho", 0.9);
  return 1;
}
static int setup_adamax(void) { return common(2e-3, 0.9, 0.999, 1e-8, 0), 1; }
static int setup_nadam(void) {
  common(2e-3, 0.9, 0.999, 1e-8, 0);
  MD = opt("momentumDecay", 4e-3);
  DECOUPLED = opt("decoupledWeightDecay", 0) != 0;
  MU_PRODUCT = 1;
  return 1;
}
static int setup_radam(void) {
  common(1e-3, 0.9, 0.999, 1e-8, 0);
  DECOUPLED = opt("decoupledWeightDecay", 0) != 0;
  return 1;
}
static int setup_rprop(void) {
  common(1e-2, 0, 0, 0, 0);
  ETA_M = opt("etas1", 0.5);
  ETA_P = opt("etas2", 1.2);
  SMIN = opt("stepSizes1", 1e-6);
  SMAX = opt("stepSizes2", 50);
  fill_state(1, (float)LR);
  return 1;
}
static int setup_asgd(void) {
  common(1e-2, 0, 0, 0, 0);
  LAMBD = opt("lambd", 1e-4);
  ALPHA = opt("alpha", 0.75);
  T0 = opt("t0", 1e6);
  return 1;
}
static int setup_adabelief(void) {
  common(1e-3, 0.9, 0.999, 1e-16, 0);
  EPS_ROOT = opt("epsRoot", 1e-16);
  return 1;
}
static int setup_yogi(void) {
  common(1e-2, 0.9, 0.999, 1e-3, 0);
  const float init = (float)opt("initialAccumulatorValue", 1e-6);
  fill_state(0, init);
  fill_state(1, init);
  return 1;
}
static int setup_adan(void) {
  common(1e-3, 0.98, 0.92, 1e-8, 0);
  B3 = opt("betas3", 0.99);
  EPS_ROOT = opt("epsRoot", 1e-8);
  return 1;
}
static int setup_lamb(void) {
  common(1e-3, 0.9, 0.999, 1e-6, 0);
  EPS_ROOT = opt("epsRoot", 0);
  return 1;
}
static int setup_lars(void) {
  common(1e-3, 0, 0, 0, 0);
  MOM = opt("momentum", 0.9);
  TC = opt("trustCoefficient", 1e-3);
  NESTEROV = opt("nesterov", 0) != 0;
  return 1;
}
static int setup_sf(double lr) {
  common(lr, 0.9, 0.999, 1e-8, 0);
  MOM = opt("momentum", 0.9);
  WARMUP = opt("warmupSteps", 0);
  RR = opt("r", 0);
  WLP = opt("weightLrPower", 2);
  SF_WEIGHT_SUM = 0;
  SF_LR_MAX = -1;
  return 1;
}
static int setup_sgd_sf(void) { return setup_sf(1); }
static int setup_adamw_sf(void) { return setup_sf(0.0025); }

static const Optim OPTIMS[] = {
    {"sgd", 1, step_sgd, setup_sgd},
    {"adam", 2, step_adam, setup_adam},
    {"adamw", 2, step_adam, setup_adamw},
    {"rmsprop", 3, step_rmsprop, setup_rmsprop},
    {"adagrad", 1, step_adagrad, setup_adagrad},
    {"lion", 1, step_lion, setup_lion},
    {"adadelta", 2, step_adadelta, setup_adadelta},
    {"adamax", 2, step_adamax, setup_adamax},
    {"nadam", 2, step_nadam, setup_nadam},
    {"radam", 2, step_radam, setup_radam},
    {"rprop", 2, step_rprop, setup_rprop},
    {"asgd", 1, step_asgd, setup_asgd},
    {"adabelief", 2, step_adabelief, setup_adabelief},
    {"yogi", 2, step_yogi, setup_yogi},
    {"adan", 4, step_adan, setup_adan},
    {"lamb", 2, step_lamb, setup_lamb},
    {"lars", 1, step_lars, setup_lars},
    {"sgd-sf", 1, step_sgd_sf, setup_sgd_sf},
    {"adamw-sf", 2, step_adamw_sf, setup_adamw_sf},
};
#define NOPTIMS (sizeof OPTIMS / sizeof OPTIMS[0])

static const Optim *CUR;

/* ------------------------------------------------------------------------------------------ */
/* plumbing */

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

/* init <name> <n> [key=value ...] as tokens; 1 on success, else ERR says why */
static int init(int argc, char **argv) {
  if (argc < 2) return snprintf(ERR, sizeof ERR, "init: expected <optimizer> <n>"), 0;
  const Optim *o = NULL;
  for (size_t i = 0; i < NOPTIMS; i++)
    if (!strcmp(OPTIMS[i].name, argv[0])) o = &OPTIMS[i];
  if (!o) return snprintf(ERR, sizeof ERR, "unknown optimizer %.64s", argv[0]), 0;
  NOPT = 0;
  for (int i = 2; i < argc; i++)
    if (!parse_opt(argv[i])) return snprintf(ERR, sizeof ERR, "bad option %.64s", argv[i]), 0;
  free(P), free(G);
  for (int i = 0; i < 4; i++) free(S[i]), S[i] = NULL;
  CUR = NULL;
  N = strtoull(argv[1], 0, 10);
  STEP = 0;
  P = alloc(N), G = alloc(N);
  for (int i = 0; i < o->nstates; i++) S[i] = alloc(N);
  for (size_t i = 0; i < N; i++) {
    const uint32_t h = (uint32_t)i * 2654435761u;
    const double mag = 0.01 + (double)(h % 991) / 1000;
    G[i] = (float)((i & 1) ? -mag : mag);
    P[i] = (float)((double)((h >> 10) % 2001) / 1000 - 1);
  }
  for (int i = 0; i < o->nstates; i++) fill_state(i, 0);
  if (!o->setup()) return 0;
  CUR = o;
  return 1;
}

static double run(long iters) {
  const double t0 = now();
  for (long k = 0; k < iters; k++) CUR->step();
  return (now() - t0) / (double)(iters > 0 ? iters : 1);
}

static void sums(double *abs_sum, double *w_sum) {
  double a = 0, w = 0;
  for (size_t i = 0; i < N; i++) {
    a += fabs((double)P[i]);
    w += (double)((long)(i % 7) - 3) * (double)P[i];
  }
  *abs_sum = a;
  *w_sum = w;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int split(char *line, char **tok, int max) {
  int n = 0;
  for (char *t = strtok(line, " \t\r\n"); t && n < max; t = strtok(NULL, " \t\r\n")) tok[n++] = t;
  return n;
}

int main(int argc, char **argv) {
  if (argc >= 6) { /* stand-alone: optimizer n warmupSteps reps iters [key=value ...] */
    char *targs[MAXOPT + 2];
    int tn = 0;
    targs[tn++] = argv[1];
    targs[tn++] = argv[2];
    for (int i = 6; i < argc && tn < MAXOPT + 2; i++) targs[tn++] = argv[i];
    if (!init(tn, targs)) return fprintf(stderr, "%s\n", ERR), 2;
    const long warm = atol(argv[3]), reps = atol(argv[4]), iters = atol(argv[5]);
    if (warm > 0) run(warm);
    double *s = malloc(sizeof(double) * (size_t)(reps > 0 ? reps : 1));
    printf("{\"optimizer\":\"%s\",\"n\":%zu,\"iters\":%ld,\"samples\":[", CUR->name, N, iters);
    for (long r = 0; r < reps; r++) printf("%s%.9e", r ? "," : "", s[r] = run(iters));
    qsort(s, (size_t)reps, sizeof(double), cmp);
    const double med = reps ? (reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2) : 0;
    double a, w;
    sums(&a, &w);
    printf("],\"median\":%.9e,\"sumAbs\":%.17g}\n", med, a);
    return 0;
  }
  char line[4096];
  char *tok[MAXOPT + 4];
  while (fgets(line, sizeof line, stdin)) {
    const int nt = split(line, tok, MAXOPT + 4);
    if (nt == 0) continue;
    if (!strcmp(tok[0], "init")) {
      if (init(nt - 1, tok + 1)) printf("{\"optimizer\":\"%s\",\"n\":%zu}\n", CUR->name, N);
      else printf("{\"error\":\"%s\"}\n", ERR);
    } else if (!strcmp(tok[0], "run")) {
      const long iters = nt > 1 ? atol(tok[1]) : 1;
      if (!CUR) printf("{\"error\":\"run before init\"}\n");
      else printf("{\"iters\":%ld,\"sec\":%.9e}\n", iters, run(iters));
    } else if (!strcmp(tok[0], "sum")) {
      double a, w;
      sums(&a, &w);
      printf("{\"sumAbs\":%.17g,\"sumW\":%.17g,\"step\":%.0f}\n", a, w, STEP);
    } else if (!strcmp(tok[0], "list")) {
      printf("{\"optimizers\":[");
      for (size_t i = 0; i < NOPTIMS; i++) printf("%s\"%s\"", i ? "," : "", OPTIMS[i].name);
      printf("]}\n");
    } else if (!strcmp(tok[0], "quit")) {
      break;
    } else {
      printf("{\"error\":\"unknown command %.64s\"}\n", tok[0]);
    }
    fflush(stdout);
  }
  return 0;
}
