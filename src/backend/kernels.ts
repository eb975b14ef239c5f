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
  /** −x. */
  neg: 0,
  /** |x|. */
  abs: 1,
  /** x². */
  square: 2,
  /** √x. */
  sqrt: 3,
  /** eˣ. */
  exp: 4,
  /** ln x. */
  log: 5,
  /** 1/x. */
  reciprocal: 6,
  /** 1/(1 + e⁻ˣ). */
  sigmoid: 16,
  /** tanh x. */
  tanh: 17,
  /** max(x, 0). */
  relu: 18,
  /** x, or alpha·x below 0 (alpha = negative slope). */
  leakyRelu: 19,
  /** x, or alpha·(eˣ − 1) below 0. */
  elu: 20,
  /** scale·elu(x, α) with PyTorch's SELU constants. */
  selu: 21,
  /** x·Φ(x) (exact, erf form). */
  gelu: 22,
  /** GELU's tanh approximation (PyTorch's `approximate='tanh'`). */
  geluTanh: 23,
  /** x·sigmoid(x). */
  silu: 24,
  /** x·tanh(softplus(x)). */
  mish: 25,
  /** log(1 + e^(alpha·x))/alpha, or x where alpha·x > beta (alpha, beta = PyTorch's beta, threshold). */
  softplus: 26,
  /** relu6(x + 3)/6. */
  hardSigmoid: 27,
} as const;
/** The name of a unary elementwise op (a key of {@link UNARY_CODES}). */
export type UnaryOp = keyof typeof UNARY_CODES;

/**
 * Binary elementwise ops (`out = a op b`); `max`/`min` propagate NaN like `torch.maximum`.
 * The numeric codes are shared with the native addon.
 *
 * @namespace
 * @property add - `a + b`.
 * @property sub - `a − b`.
 * @property mul - `a · b`.
 * @property div - `a / b`.
 * @property max - `max(a, b)`, NaN propagating (torch.maximum).
 * @property min - `min(a, b)`, NaN propagating (torch.minimum).
 */
export const BINARY_CODES = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;
/** The name of a binary elementwise op (a key of {@link BINARY_CODES}). */
export type BinaryOp = keyof typeof BINARY_CODES;

/**
 * SGD step options, `torch.optim.SGD` semantics (single-tensor path):
 * g = maximize ? -grad : grad; if weightDecay: g += weightDecay * p;
 * if momentum: buf = firstStep ? g : momentum * buf + (1 - dampening) * g;
 *              g = nesterov ? g + momentum * buf : buf;
 * p -= lr * g.
 */
export interface SgdStepOptions {
  /** Learning rate. PyTorch: `lr`. */
  lr: number;
  /** Momentum factor (0: none). PyTorch: `momentum`. */
  momentum: number;
  /** Dampening of the momentum's gradient term. PyTorch: `dampening`. */
  dampening: number;
  /** L2 penalty added to the gradient. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Nesterov momentum. PyTorch: `nesterov`. */
  nesterov: boolean;
  /** Ascend instead of descend. PyTorch: `maximize`. */
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
  /** Learning rate. PyTorch: `lr`. */
  lr: number;
  /** Decay of the first-moment average. PyTorch: `betas[0]`. */
  beta1: number;
  /** Decay of the second-moment average. PyTorch: `betas[1]`. */
  beta2: number;
  /** Added to the denominator for stability. PyTorch: `eps`. */
  eps: number;
  /** Weight decay: L2 in the gradient, or decoupled (AdamW) with `decoupled`. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Decoupled weight decay (AdamW): p *= 1 − lr·weightDecay. */
  decoupled: boolean;
  /** Use the running maximum of the second moment (Reddi et al. 2018). PyTorch: `amsgrad`. */
  amsgrad: boolean;
  /** Ascend instead of descend. PyTorch: `maximize`. */
  maximize: boolean;
  /** The 1-based step count, for the bias corrections. */
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

/**
 * A 2-D sliding window over NCHW data (convolution and pooling kernels): `n·c` planes of
 * `h×w`, kernel `kh×kw`, strides, top/left zero padding (`padH`, `padW`), dilations, and the
 * output size `outH×outW`. Window (oy, ox) covers input rows `oy·strideH − padH + i·dilationH`
 * (i < kh) and columns `ox·strideW − padW + j·dilationW` (j < kw). Bottom/right padding is
 * implied by the output size (the caller computes it: torch's formula, 'same', ceil mode).
 */
export interface Window2d {
  /** Batch size N. */
  n: number;
  /** Channels C. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Vertical stride. */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Zero rows added at the top. */
  padH: number;
  /** Zero columns added at the left. */
  padW: number;
  /** Vertical spacing between kernel taps (1: dense). */
  dilationH: number;
  /** Horizontal spacing between kernel taps (1: dense). */
  dilationW: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
}

/**
 * The raw kernel contract both backends implement (native SIMD and pure JS). Nothing is
 * validated here: use the checked {@link Ops} unless shapes were validated already.
 */
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
  /** `out[i] = value`. */
  fill(out: Float32Array, value: number): void;
  /** `a[i] += w·(b[i] − a[i])` with torch.lerp's formula (b − (b − a)(1 − w) when |w| ≥ 0.5). */
  lerp(a: Float32Array, b: Float32Array, w: number): void;
  /** `out[i] = min(max(x[i], lo), hi)`, NaN kept; `out` may be `x` itself. */
  clamp(out: Float32Array, x: Float32Array, lo: number, hi: number): void;
  /** `dst[i] = src[i]` (equal lengths). */
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

  // Normalisation (batch norm over x of shape (outer, channels, inner): N, C and the flattened
  // spatial axes of NCL/NCHW, inner = 1 for [N, C]; layer norm over rows × cols) and
  // embedding kernels. Written arrays are disjoint from every other argument. Statistics:
  // JS in f64 (two-pass); native one pass, in blocks of ≤ 32 f32 roundings merged in f64
  // (Chan), so |Δvar| ≤ ~2e-6·var and |Δmean| ≤ ~2e-6 · (mean absolute deviation), however far
  // the data sit from zero.

  /**
   * Per-channel mean and biased variance over the outer and inner axes: `mean[c]`, `var[c]`
   * = Σ(x − mean)²/M with M = outer·inner. A channel with M = 0 gets NaN for both.
   */
  batchNormStats(
    mean: Float32Array,
    variance: Float32Array,
    x: Float32Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /** `y[o, c, i] = (x[o, c, i] − mean[c])·scale[c] + shift[c]` (scale = γ/√(var + ε), shift = β). */
  batchNormForward(
    y: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    scale: Float32Array,
    shift: Float32Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /**
   * Batch-norm backward reductions: `sumDy[c] = Σ dy[o, c, i]`,
   * `sumDyXmu[c] = Σ dy[o, c, i]·(x[o, c, i] − mean[c])` (written, not accumulated).
   */
  batchNormBackwardReduce(
    sumDy: Float32Array,
    sumDyXmu: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /**
   * `dx[o, c, i] = p[c]·dy[o, c, i] + q[c]·(x[o, c, i] − mean[c]) + r[c]` — the batch-norm
   * input gradient (training: p = γ·rstd, q = −p·rstd²·sumDyXmu/M, r = −p·sumDy/M; eval:
   * q = r = 0).
   */
  batchNormBackward(
    dx: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    p: Float32Array,
    q: Float32Array,
    r: Float32Array,
    outer: number,
    channels: number,
    inner: number,
  ): void;
  /**
   * Layer norm over each row of x (rows × cols): `mean[r]`, `rstd[r]` = 1/√(var + eps) (biased
   * variance, rounded to f32), then y = (x − mean[r])·rstd[r]·γ + β from those stored values
   * (γ, β per column, each optional). cols = 0 gives NaN statistics.
   */
  layerNormForward(
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    x: Float32Array,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  /**
   * Layer-norm backward from the forward's `mean` and `rstd`: with g = dy·γ (dy if γ is null)
   * and x̂ = (x − mean)·rstd, dx = rstd·(g − mean_j g − x̂·mean_j(g·x̂)); ADDS Σ_rows dy·x̂ to
   * `dgamma` and Σ_rows dy to `dbeta` when given.
   */
  layerNormBackward(
    dx: Float32Array,
    dgamma: Float32Array | null,
    dbeta: Float32Array | null,
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    gamma: Float32Array | null,
    rows: number,
    cols: number,
  ): void;
  /**
   * `out[r, :] = weight[indices[r], :]` (rows of length `dim`); every index must lie in
   * [0, weight.length / dim). Exact copies.
   */
  embeddingForward(out: Float32Array, weight: Float32Array, indices: Int32Array, dim: number): void;
  /**
   * `grad[indices[r], :] += dy[r, :]` in row order, skipping rows whose index equals
   * `paddingIdx` (−1: none); indices as in `embeddingForward`.
   */
  embeddingBackward(
    grad: Float32Array,
    dy: Float32Array,
    indices: Int32Array,
    dim: number,
    paddingIdx: number,
  ): void;

  /**
   * Convolution lowering: `cols` [c·kh·kw, n·outH·outW] (row-major) gets the receptive fields
   * of `x` [n, c, h, w]: cols[(ci·kh + i)·kw + j, (b·outH + oy)·outW + ox] =
   * x[b, ci, oy·strideH − padH + i·dilationH, ox·strideW − padW + j·dilationW], 0 outside.
   * Exact copies (bit-identical on both backends).
   */
  im2col(cols: Float32Array, x: Float32Array, g: Window2d): void;
  /**
   * The adjoint of `im2col`: `dx` [n, c, h, w] (written, not accumulated) = at each input
   * position, the sum of the entries of `cols` that `im2col` would copy from it (0 where no
   * window reaches).
   */
  col2im(dx: Float32Array, cols: Float32Array, g: Window2d): void;
  /**
   * Optional (native only): a one-group convolution over the batch, images spread over
   * threads. `y` [n, outChannels, outH, outW] (written) = per image b, `weight`
   * [outChannels, c·kh·kw] times `im2col` of image b, plus `bias` [outChannels] when given;
   * equal bit for bit to calling `im2col` and `gemm` image by image, then `biasAdd`.
   */
  conv2dImages?(
    y: Float32Array,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    outChannels: number,
    g: Window2d,
  ): void;
  /**
   * Optional (native only): backward of `conv2dImages`. `dWeight` (null: not wanted) = the
   * sum over images, in order, of dy[b] times im2col(x[b]) transposed, added onto its values
   * when `accumulate`, else written; `dx` (null: not wanted) = per image `col2im` of weightᵀ
   * times dy[b], written. Equal bit for bit to the image-by-image calls.
   */
  conv2dImagesBackward?(
    dWeight: Float32Array | null,
    accumulate: boolean,
    dx: Float32Array | null,
    x: Float32Array,
    weight: Float32Array,
    dy: Float32Array,
    outChannels: number,
    g: Window2d,
  ): void;
  /**
   * Optional (native only): `conv2dImages`, then `maxPool2d` with geometry `pool` over its
   * output, then ReLU when `relu`, image by image without the convolution's output in memory.
   * `out` and `indices` are the pooling's output; equal bit for bit to the three kernels.
   */
  conv2dPoolImages?(
    out: Float32Array,
    indices: Int32Array,
    x: Float32Array,
    weight: Float32Array,
    bias: Float32Array | null,
    outChannels: number,
    g: Window2d,
    pool: Window2d,
    relu: boolean,
  ): void;
  /**
   * Optional (native only): backward of `conv2dPoolImages` from its `out`, `indices` and
   * `dOut`: `dWeight` and `dx` as `conv2dImagesBackward`, `dBias` as `biasGrad` (added onto
   * its values when `accumulateBias`), each null when not wanted. The convolution's planes
   * must have 2 or more positions when `dBias` is wanted. Equal bit for bit to the unfused
   * kernels' backward (ReLU's, `maxPool2dBackward`, `biasGrad`, `conv2dImagesBackward`).
   */
  conv2dPoolImagesBackward?(
    dWeight: Float32Array | null,
    accumulate: boolean,
    dx: Float32Array | null,
    dBias: Float32Array | null,
    accumulateBias: boolean,
    x: Float32Array,
    weight: Float32Array,
    out: Float32Array,
    indices: Int32Array,
    dOut: Float32Array,
    outChannels: number,
    g: Window2d,
    pool: Window2d,
    relu: boolean,
  ): void;
  /**
   * Max pooling (torch CPU semantics): `y` [n, c, outH, outW] = the maximum over each window's
   * positions inside the input, `indices` = its flat index iy·w + ix within the plane. The scan
   * is row-major; a value replaces the running maximum when greater or NaN (ties keep the
   * first, NaN propagates with the last NaN's index); −∞ and the window's first in-range
   * position when nothing beats −∞.
   */
  maxPool2d(y: Float32Array, indices: Int32Array, x: Float32Array, g: Window2d): void;
  /**
   * Backward of `maxPool2d`: `dx` (written) is 0 except dx[p, indices[p, o]] += dy[p, o].
   * Every index must lie in [0, h·w).
   */
  maxPool2dBackward(dx: Float32Array, indices: Int32Array, dy: Float32Array, g: Window2d): void;
  /**
   * Average pooling (torch CPU semantics, dilation must be 1, padding symmetric): y = window
   * sum / divisor, where the divisor is the window size clipped at the padded input (h + padH,
   * w + padW) when `countIncludePad`, else the number of input positions in the window; 0 for
   * a window with none.
   */
  avgPool2d(y: Float32Array, x: Float32Array, g: Window2d, countIncludePad: boolean): void;
  /** Backward of `avgPool2d`: `dx` (written) = Σ over windows containing the position of dy / divisor. */
  avgPool2dBackward(
    dx: Float32Array,
    dy: Float32Array,
    g: Window2d,
    countIncludePad: boolean,
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
  /**
   * Softmax cross-entropy with integer labels, optional class weights `weight` (length cols),
   * label smoothing ε = `smoothing` and an ignored label value. For each row r whose label
   * y = labels[r] is not `ignoreIndex` (then y lies in [0, cols)), with w_c = weight?.[c] ?? 1
   * and lse_r = ln Σ_c exp(x_rc):
   *   a_rc = (1 − ε)·w_y·[c = y] + (ε / cols)·w_c,   loss_r = Σ_c a_rc·(lse_r − x_rc).
   * Rows labelled `ignoreIndex` contribute 0. Returns Σ_r loss_r (not averaged); if `grad` is
   * given (disjoint from the inputs), writes grad_rc = gradScale·(softmax_rc·Σ_c a_rc − a_rc)
   * (zero rows for ignored labels).
   */
  crossEntropyLabels(
    logits: Float32Array,
    labels: Int32Array,
    weight: Float32Array | null,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    smoothing: number,
    ignoreIndex: number,
    gradScale: number,
  ): number;
  /**
   * Softmax cross-entropy against dense targets `target` (rows × cols, class probabilities),
   * optional class weights (length cols) and label smoothing ε: per row
   *   a_rc = w_c·((1 − ε)·t_rc + ε / cols),   loss_r = Σ_c a_rc·(lse_r − x_rc).
   * Returns Σ_r loss_r; if `grad` is given (disjoint from the inputs), writes
   * grad_rc = gradScale·(softmax_rc·Σ_c a_rc − a_rc).
   */
  crossEntropyProbs(
    logits: Float32Array,
    target: Float32Array,
    weight: Float32Array | null,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    smoothing: number,
    gradScale: number,
  ): number;
  /**
   * Binary cross-entropy on logits x against targets y, per element:
   *   loss_i = w_i·((1 − y_i)·softplus(x_i) + pw_i·y_i·softplus(−x_i))
   * (torch's (1 − y)·x + (1 + (pw − 1)·y)·softplus(−x), rearranged without cancellation),
   * with w = `weight`, pw = `posWeight` (full length, 1 when null). Returns Σ_i loss_i; if
   * `grad` is given (disjoint from the inputs), writes
   * grad_i = gradScale·w_i·((1 − y_i)·σ(x_i) − pw_i·y_i·σ(−x_i)).
   */
  bceWithLogits(
    x: Float32Array,
    target: Float32Array,
    weight: Float32Array | null,
    posWeight: Float32Array | null,
    grad: Float32Array | null,
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

  // Recurrent cell steps (one time step of `rows` sequences, hidden size H = `hidden`; gate
  // order as torch: LSTM i, f, g, o; GRU r, z, n). `gates` (and `dpreS`, which shares its
  // offset and stride) and `y`/`dy` are strided: row r at `off + r·stride` (stride ≥ width);
  // every other array is a dense [rows, width] block. Written arrays are disjoint from all
  // other arguments; `gates` (forward) and `dc` are read and overwritten in place.

  /**
   * Vanilla RNN step: `gates` [rows, H] holds on entry x·W_ihᵀ + b_ih + b_hh; with
   * `hp` = h_{t−1}·W_hhᵀ, act = tanh(gates + hp) (relu if `relu`) is stored back into
   * `gates`, into `h` and, if `y` is given, into `y`.
   */
  rnnCellForward(
    relu: boolean,
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    hp: Float32Array,
    h: Float32Array,
    y: Float32Array | null,
    yOff: number,
    yStride: number,
  ): void;
  /**
   * Vanilla RNN step backward from the saved activations `gates`: dpre = (dh + dy)·act′
   * (tanh′ = 1 − act², relu′ = [act > 0]; dy optional), written to `dpre` [rows, H] and `dpreS`.
   */
  rnnCellBackward(
    relu: boolean,
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    dh: Float32Array,
    dy: Float32Array | null,
    dyOff: number,
    dyStride: number,
    dpre: Float32Array,
    dpreS: Float32Array,
  ): void;
  /**
   * LSTM step: `gates` [rows, 4H] holds on entry x·W_ihᵀ + b_ih + b_hh; with `hp` [rows, 4H]
   * = h_{t−1}·W_hhᵀ and pre = gates + hp: i, f, o = σ(pre), g = tanh(pre) are stored back into
   * `gates`; c = f⊙cPrev + i⊙g, h = o⊙tanh(c) ([rows, H]) and, if given, y = h.
   */
  lstmCellForward(
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    hp: Float32Array,
    cPrev: Float32Array,
    c: Float32Array,
    h: Float32Array,
    y: Float32Array | null,
    yOff: number,
    yStride: number,
  ): void;
  /**
   * LSTM step backward from the saved activations (`gates`), cPrev and c. δ = dh + dy (dy
   * optional); dc holds on entry the gradient w.r.t. c from step t+1; with
   * dcₜ = dc + δ⊙o⊙(1 − tanh²c): d(pre) = [dcₜ⊙g⊙i(1−i), dcₜ⊙cPrev⊙f(1−f), dcₜ⊙i⊙(1−g²),
   * δ⊙tanh(c)⊙o(1−o)] is written to `dpre` [rows, 4H] and `dpreS`; dc ← dcₜ⊙f.
   */
  lstmCellBackward(
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    cPrev: Float32Array,
    c: Float32Array,
    dh: Float32Array,
    dy: Float32Array | null,
    dyOff: number,
    dyStride: number,
    dc: Float32Array,
    dpre: Float32Array,
    dpreS: Float32Array,
  ): void;
  /**
   * GRU step: `gates` [rows, 3H] holds on entry x·W_ihᵀ + b_ih; `hp` [rows, 3H] = h_{t−1}·W_hhᵀ,
   * `bhh` = b_hh [3H] or null. r = σ(gates_r + hp_r + b_hr), z = σ(gates_z + hp_z + b_hz),
   * hn = hp_n + b_hn, n = tanh(gates_n + r⊙hn), h = (1 − z)⊙n + z⊙hPrev. Stores r, z, n into
   * `gates`, hn into `hn` [rows, H] (for backward), h into `h` and, if given, `y`.
   */
  gruCellForward(
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    hp: Float32Array,
    bhh: Float32Array | null,
    hPrev: Float32Array,
    hn: Float32Array,
    h: Float32Array,
    y: Float32Array | null,
    yOff: number,
    yStride: number,
  ): void;
  /**
   * GRU step backward from the saved r, z, n (`gates`), hn and hPrev. δ = dh + dy (dy optional):
   * dn = δ⊙(1−z)⊙(1−n²), dz = δ⊙(hPrev − n)⊙z(1−z), dr = dn⊙hn⊙r(1−r). Writes the hidden-side
   * gradient [dr, dz, dn⊙r] to `dpre` [rows, 3H], the input-side one [dr, dz, dn] to `dpreS`,
   * and δ⊙z (the direct part of the gradient w.r.t. hPrev) to `dhPrev` [rows, H].
   */
  gruCellBackward(
    rows: number,
    hidden: number,
    gates: Float32Array,
    gOff: number,
    gStride: number,
    hn: Float32Array,
    hPrev: Float32Array,
    dh: Float32Array,
    dy: Float32Array | null,
    dyOff: number,
    dyStride: number,
    dpre: Float32Array,
    dpreS: Float32Array,
    dhPrev: Float32Array,
  ): void;
}
