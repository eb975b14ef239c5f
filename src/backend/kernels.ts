/**
 * The raw kernel contract both backends implement. Nothing here validates: callers (the
 * checked ops in `ops.ts`) have already checked types, lengths, ranges and aliasing.
 *
 * Conventions: matrices are dense row-major; `out` arguments are written, others only read;
 * an `out` may be the very same view as an input only where a method says so. Scalar
 * operands of elementwise kernels (binaryScalar's s, axpy's alpha, fill's value) are rounded
 * to f32 first, as the native kernels hold them.
 *
 * Unary parameters (`alpha`, `beta`): leakyRelu alpha = negative slope; elu alpha = alpha;
 * softplus alpha = PyTorch's beta, beta = PyTorch's threshold; other ops ignore them.
 */

/** Unary elementwise ops; the numeric codes are shared with the native addon. */
export const UNARY_CODES = {
  neg: 0,
  abs: 1,
  square: 2,
  sqrt: 3,
  exp: 4,
  log: 5,
  reciprocal: 6,
  sigmoid: 16,
  tanh: 17,
  relu: 18,
  leakyRelu: 19,
  elu: 20,
  selu: 21,
  gelu: 22,
  geluTanh: 23,
  silu: 24,
  mish: 25,
  softplus: 26,
  hardSigmoid: 27,
} as const;
export type UnaryOp = keyof typeof UNARY_CODES;

/** Binary elementwise ops (`out = a op b`); `max`/`min` propagate NaN like `torch.maximum`. */
export const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;
export type BinaryOp = keyof typeof BINARY_CODES;

/**
 * SGD step options, `torch.optim.SGD` semantics (single-tensor path):
 * g = maximize ? -grad : grad; if weightDecay: g += weightDecay * p;
 * if momentum: buf = firstStep ? g : momentum * buf + (1 - dampening) * g;
 *              g = nesterov ? g + momentum * buf : buf;
 * p -= lr * g.
 */
export interface SgdStepOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** True on the first step, when the momentum buffer is initialised to g. */
  firstStep: boolean;
}

/**
 * Adam/AdamW step options, `torch.optim.Adam`/`AdamW` semantics (single-tensor path):
 * g = maximize ? -grad : grad;
 * decoupled ? p *= 1 - lr * weightDecay : g += weightDecay * p;
 * m += (1 - beta1) * (g - m); v = beta2 * v + (1 - beta2) * g * g;
 * amsgrad: vmax = max(vmax, v), use vmax in place of v below;
 * p -= (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
 * `step` is the 1-based count after incrementing.
 */
export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
  step: number;
}

/**
 * Optimizer kinds of `optimStep`, with their codes (shared with the native addon), the
 * layout of `hyper` and the state buffers, in order.
 */
export const OPTIM_KINDS = {
  /** hyper [lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep]; states [momentumBuffer]. */
  sgd: 0,
  /** hyper [lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, maximize, step]; states [expAvg, expAvgSq, maxExpAvgSq]. */
  adam: 1,
  /** Lion (optax.lion): hyper [lr, beta1, beta2, weightDecay, maximize]; states [expAvg]. */
  lion: 2,
  /** AdaBelief (optax.adabelief): hyper [lr, beta1, beta2, eps, epsRoot, weightDecay, maximize, step]; states [expAvg, expAvgVar]. */
  adabelief: 3,
  /** Yogi (optax.yogi): hyper [lr, beta1, beta2, eps, maximize, step]; states [expAvg, expAvgSq]. */
  yogi: 4,
  /** Adan (optax.adan): hyper [lr, beta1, beta2, beta3, eps, epsRoot, weightDecay, maximize, step]; states [expAvg, expAvgDiff, expAvgSq, prevGrad]. */
  adan: 5,
  /** LAMB (optax.lamb), per-tensor trust ratio over `segments`: hyper [lr, beta1, beta2, eps, epsRoot, weightDecay, maximize, step]; states [expAvg, expAvgSq]. */
  lamb: 6,
  /** LARS (optax.lars), per-tensor trust ratio over `segments`: hyper [lr, momentum, weightDecay, trustCoefficient, eps, nesterov, maximize]; states [trace] (momentum ≠ 0). */
  lars: 7,
  /** Schedule-free SGD/AdamW step (schedulefree): hyper [lr, ckp1, beta1, weightDecay, adam, beta2, eps, biasCorrection2, first]; states [z, expAvgSq (adam)]. */
  scheduleFree: 8,
  /** Schedule-free train/eval swap p ← lerp(p, z, w) (torch.lerp formula); `grads` carries z (read only): hyper [w]; no states. */
  scheduleFreeSwap: 9,
  /** Adagrad (torch.optim): hyper [lr, lrDecay, weightDecay, eps, maximize, step]; states [sum]. */
  adagrad: 10,
  /** Adadelta (torch.optim): hyper [lr, rho, eps, weightDecay, maximize]; states [squareAvg, accDelta]. */
  adadelta: 11,
  /** RMSprop (torch.optim): hyper [lr, alpha, eps, weightDecay, momentum, centered, maximize]; states [squareAvg, gradAvg (centered), momentumBuffer (momentum > 0)]. */
  rmsprop: 12,
  /** Adamax (torch.optim): hyper [lr, beta1, beta2, eps, weightDecay, maximize, step]; states [expAvg, expInf]. */
  adamax: 13,
  /** NAdam (torch.optim): hyper [gradCoef −lr(1−μₜ)/(1−Πμ), avgCoef −lr·μₜ₊₁/(1−Πμ·μₜ₊₁), beta1, beta2, biasCorrection2, eps, weightDecay (coupled; 0 when decoupled), paramScale (1 − lr·wd when decoupled, else 1), maximize]; states [expAvg, expAvgSq]. */
  nadam: 14,
  /** RAdam (torch.optim): hyper [lr, beta1, beta2, eps, weightDecay (coupled), paramScale (decoupled), maximize, biasCorrection1, √biasCorrection2, adaptive (ρₜ > 5), rect]; states [expAvg, expAvgSq]. */
  radam: 15,
  /** Rprop (torch.optim): hyper [etaMinus, etaPlus, stepSizeMin, stepSizeMax, maximize]; states [prev, stepSize (starts at lr)]. */
  rprop: 16,
  /** ASGD (torch.optim): hyper [decay 1 − λη, eta, mu, weightDecay, maximize]; states [ax]. */
  asgd: 17,
} as const;
export type OptimKind = keyof typeof OPTIM_KINDS;

export interface Kernels {
  /** `out[i] = op(x[i])`; `out` may be `x` itself (in place). `alpha`/`beta`: see the file header. */
  unary(op: UnaryOp, out: Float32Array, x: Float32Array, alpha: number, beta: number): void;
  /** `dx[i] = dy[i] * op'(x[i])`; `dx` may be `dy` itself. */
  unaryBackward(
    op: UnaryOp,
    dx: Float32Array,
    x: Float32Array,
    dy: Float32Array,
    alpha: number,
    beta: number,
  ): void;
  /** `out[i] = a[i] op b[i]`; `out` may be `a` or `b` itself. */
  binary(op: BinaryOp, out: Float32Array, a: Float32Array, b: Float32Array): void;
  /** `out[i] = x[i] op s`; `out` may be `x` itself. */
  binaryScalar(op: BinaryOp, out: Float32Array, x: Float32Array, s: number): void;
  /** `y[i] += alpha * x[i]`. */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  fill(out: Float32Array, value: number): void;
  /** `a[i] += w·(b[i] − a[i])` with torch.lerp's formula (b − (b − a)(1 − w) when |w| ≥ 0.5). */
  lerp(a: Float32Array, b: Float32Array, w: number): void;
  /** `out[i] = min(max(x[i], lo), hi)`, NaN kept; `out` may be `x` itself. */
  clamp(out: Float32Array, x: Float32Array, lo: number, hi: number): void;
  copy(dst: Float32Array, src: Float32Array): void;

  /**
   * Sum of elements. JS accumulates in f64; native sums 64-vector blocks in f32 lanes and the
   * block sums in f64, so |native - exact| ≤ ~2e-6 · Σ|x|.
   */
  sum(x: Float32Array): number;
  /** Sum of squares (for L2 norms). */
  sumSquares(x: Float32Array): number;
  /** Σ|x| (L1 norm). */
  sumAbs(x: Float32Array): number;
  /** max |x| (infinity norm): NaN if any element is NaN, 0 when empty. */
  maxAbs(x: Float32Array): number;
  /** Σ a·b, blocked like `sum`. */
  dot(a: Float32Array, b: Float32Array): number;
  /** Maximum element; NaN if any element is NaN; -Infinity for an empty array. */
  max(x: Float32Array): number;
  /** `out[r]` = index of the first maximum of row `r` (first NaN wins). */
  argmaxRows(out: Int32Array, x: Float32Array, rows: number, cols: number): void;
  /** `x[o, j, i] += b[j]` for x of shape (outer, n, inner): a broadcast bias (Linear: inner 1; NCHW conv: inner H·W). */
  biasAdd(x: Float32Array, b: Float32Array, outer: number, n: number, inner: number): void;
  /** `out[j] = (accumulate ? out[j] : 0) + Σ_{o,i} x[o, j, i]`: the bias gradient of `biasAdd`. */
  biasGrad(
    out: Float32Array,
    x: Float32Array,
    outer: number,
    n: number,
    inner: number,
    accumulate: boolean,
  ): void;
  /** `out[c] = (accumulate ? out[c] : 0) + sum_r x[r, c]` (bias gradients). */
  colSums(
    out: Float32Array,
    x: Float32Array,
    rows: number,
    cols: number,
    accumulate: boolean,
  ): void;

  /** Row-wise softmax (or log-softmax) over the last axis; `out` may be `x` itself. */
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number, log: boolean): void;
  /**
   * Backward of softmax given its output `y`: dx = y * (dy - sum(dy * y));
   * of log-softmax: dx = dy - exp(y) * sum(dy). `dx` may be `dy` itself.
   */
  softmaxBackward(
    dx: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
    log: boolean,
  ): void;

  /**
   * C = alpha * op(A) op(B) + beta * C, row-major; op(A) is m×k, op(B) is k×n, C is m×n.
   * A is stored m×k (k×m if transA), B k×n (n×k if transB). beta = 0 ignores C's contents;
   * alpha = 0 or k = 0 does not read A and B (BLAS semantics).
   */
  gemm(
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
  ): void;

  /**
   * Fused softmax + cross-entropy over `rows` rows of `cols` logits with integer labels.
   * Returns the summed (not averaged) loss; if `grad` is given, writes
   * grad = gradScale * (softmax(logits) - onehot(labels)).
   */
  softmaxCrossEntropy(
    logits: Float32Array,
    labels: Int32Array,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    gradScale: number,
  ): number;

  /** Fills `out` with uniform [lo, hi) draws from the xoshiro128** state (advanced in place). */
  rngUniform(state: Uint32Array, out: Float32Array, lo: number, hi: number): void;
  /** Fills `out` with normal draws (Marsaglia polar method), mean + std * z. */
  rngNormal(state: Uint32Array, out: Float32Array, mean: number, std: number): void;
  /** Inverted-dropout mask: each element is 0 with probability p, else 1 / (1 - p). */
  rngDropoutMask(state: Uint32Array, out: Float32Array, p: number): void;

  /**
   * One in-place optimizer step over a flat parameter group. `states` are the optimizer's
   * buffers (same length as params, pairwise disjoint, layout per kind in OPTIM_KINDS);
   * `hyper` its hyperparameters; `segments` the lengths of the tensors packed in the group,
   * for optimizers with per-tensor norms.
   */
  optimStep(
    kind: OptimKind,
    params: Float32Array,
    grads: Float32Array,
    states: readonly (Float32Array | null)[],
    hyper: Float64Array,
    segments: Uint32Array | null,
  ): void;
}
