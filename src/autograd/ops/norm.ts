/**
 * Batch and layer normalisation (torch.nn.functional.batch_norm / layer_norm) on the fused
 * kernels. Forward: one statistics pass and one normalise-and-affine pass; the per-call
 * statistics (mean, 1/√(var + ε)) belong to the node. Fast backward: the fused reductions and
 * dx kernels, dγ and dβ written straight into the parameters' gradients (`ctx.target`).
 * createGraph backward: the same gradient formulas (derivatives.yaml's batch_norm /
 * layer_norm backward) in tensor operations, with the statistics recomputed from x in tensor
 * operations, so second derivatives flow through the mean and the variance.
 *
 * Batch norm's running statistics are updated in place in training but are not inputs of the
 * node (nothing reads them in backward), so the update never invalidates a recorded graph.
 */
import { describe, optionsOf } from '../../backend/validate.js';
import type { BackwardCtx } from '../node.js';
import { record } from '../node.js';
import { noteWrite } from '../storage.js';
import { numel, shapeStr, type Tensor, type TensorLike, viewOf } from '../tensor.js';
import { add, mul, reciprocal, sub, sumTo } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './shape.js';
import { sqrt } from './unary.js';
import { asTensor, backendOf, kernels, num, out } from './util.js';

/** Options of {@link batchNorm} (torch.nn.functional.batch_norm's keywords). */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false). PyTorch: `training`. */
  training?: boolean;
  /** Running-statistics factor: running ← (1 − momentum)·running + momentum·batch (default 0.1). PyTorch: `momentum`. */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). PyTorch: `eps`. */
  eps?: number;
}

const BN_KEYS = ['training', 'momentum', 'eps'];

function bnOptions(fn: string, o: BatchNormOptions | undefined) {
  if (o === undefined) return { training: false, momentum: 0.1, eps: 1e-5 };
  optionsOf(fn, o, BN_KEYS);
  if (o.training !== undefined && typeof o.training !== 'boolean')
    throw new TypeError(`${fn}: training must be a boolean, got ${describe(o.training)}`);
  const momentum = o.momentum === undefined ? 0.1 : num(fn, 'momentum', o.momentum);
  if (!Number.isFinite(momentum))
    throw new RangeError(`${fn}: momentum must be finite, got ${momentum}`);
  return { training: o.training ?? false, momentum, eps: epsOf(fn, o.eps) };
}

export function epsOf(fn: string, eps: unknown): number {
  if (eps === undefined) return 1e-5;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    throw new RangeError(`${fn}: eps must be a finite number ≥ 0, got ${describe(eps)}`);
  return eps;
}

/** An optional float32 argument of exactly `shape`. */
export function optional(
  fn: string,
  name: string,
  v: TensorLike | null | undefined,
  shape: readonly number[],
): Tensor | null {
  if (v == null) return null;
  const t = asTensor(fn, name, v, 'float32');
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new RangeError(`${fn}: ${name} must be ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
  return t;
}

/** Input indices of x, weight and bias (−1 when absent), and the inputs list. */
export function inputsOf(x: Tensor, w: Tensor | null, b: Tensor | null) {
  const inputs = [x];
  const wi = w ? inputs.push(w) - 1 : -1;
  const bi = b ? inputs.push(b) - 1 : -1;
  return { inputs, wi, bi };
}

/** Whether two typed arrays share memory. */
function overlaps(a: Float32Array, b: Float32Array): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** Writes (or adds, when the target accumulates) `v(j)` into input i's gradient. */
function giveVector(ctx: BackwardCtx, i: number, n: number, v: (j: number) => number): void {
  const g = ctx.target(i);
  const d = g.data;
  if (g.accumulate) for (let j = 0; j < n; j++) d[j] += v(j);
  else for (let j = 0; j < n; j++) d[j] = v(j);
}

/**
 * Batch normalisation over x [N, C, *] (torch.nn.functional.batch_norm). Training: the
 * batch's mean and biased variance normalise x, and the running statistics (when given) are
 * updated in place with the mean and the UNBIASED variance (·M/(M − 1), M = N·∏*), as torch;
 * it needs M > 1. Eval: the running statistics normalise x (they must be given).
 * y = (x − μ)/√(σ² + ε)·γ + β per channel. Ioffe & Szegedy, 2015.
 */
export function batchNorm(
  x: TensorLike,
  runningMean: TensorLike | null,
  runningVar: TensorLike | null,
  weight?: TensorLike | null,
  bias?: TensorLike | null,
  opts?: BatchNormOptions,
): Tensor {
  const fn = 'batchNorm';
  const X = asTensor(fn, 'x', x, 'float32');
  const { training, momentum, eps } = bnOptions(fn, opts);
  if (X.ndim < 2)
    throw new RangeError(`${fn}: x must be [N, C, *] (at least 2-D), got ${shapeStr(X.shape)}`);
  const c = X.shape[1];
  const rm = optional(fn, 'runningMean', runningMean, [c]);
  const rv = optional(fn, 'runningVar', runningVar, [c]);
  const W = optional(fn, 'weight', weight, [c]);
  const B = optional(fn, 'bias', bias, [c]);
  if ((rm === null) !== (rv === null))
    throw new TypeError(`${fn}: give both runningMean and runningVar, or neither`);
  if (!training && !rm)
    throw new TypeError(
      `${fn}: eval mode (training: false) normalises with runningMean and runningVar; give them, or pass training: true`,
    );
  const n = X.shape[0];
  const inner = numel(X.shape.slice(2));
  const m = n * inner;
  if (training && m <= 1)
    throw new RangeError(
      `${fn}: expected more than 1 value per channel when training, got input of shape ${shapeStr(X.shape)}`,
    );
  const be = backendOf(fn, X, W, B, rm, rv);
  const k = kernels(be, X.size);

  // Per-call statistics, owned by the node: mean, rstd = 1/√(σ² + ε), p = γ·rstd.
  const mu = out(be, [c]);
  const rstd = out(be, [c]);
  const p = out(be, [c]);
  const shift = out(be, [c]);
  if (training) {
    const v = out(be, [c]);
    k.batchNormStats(mu._d, v._d, X._d, n, c, inner);
    for (let j = 0; j < c; j++) rstd._d[j] = 1 / Math.sqrt(v._d[j] + eps);
    if (rm && rv) {
      const a = rm._d;
      const b = rv._d;
      const unbias = m / (m - 1);
      for (let j = 0; j < c; j++) {
        a[j] = (1 - momentum) * a[j] + momentum * mu._d[j];
        b[j] = (1 - momentum) * b[j] + momentum * v._d[j] * unbias;
      }
      noteWrite(a);
      noteWrite(b);
    }
    v._release();
  } else {
    const a = (rm as Tensor)._d;
    const b = (rv as Tensor)._d;
    for (let j = 0; j < c; j++) {
      mu._d[j] = a[j];
      rstd._d[j] = 1 / Math.sqrt(b[j] + eps);
    }
  }
  for (let j = 0; j < c; j++) {
    p._d[j] = W ? W._d[j] * rstd._d[j] : rstd._d[j];
    shift._d[j] = B ? B._d[j] : 0;
  }
  const y = out(be, X.shape);
  k.batchNormForward(y._d, X._d, mu._d, p._d, shift._d, n, c, inner);
  shift._release();

  const { inputs, wi, bi } = inputsOf(X, W, B);
  return record(
    {
      name: fn,
      inputs,
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          bnGradGraph(ctx, dy, X, W, wi, bi, training ? null : { mu, rstd }, eps);
          return;
        }
        const kb = kernels(be, X.size);
        const needX = ctx.needs(0);
        const needW = wi >= 0 && ctx.needs(wi);
        const needB = bi >= 0 && ctx.needs(bi);
        // s1 = Σdy, s2 = Σdy·(x − μ) per channel.
        const s1 = out(be, [c]);
        const s2 = out(be, [c]);
        if (needW || needB || (needX && training))
          kb.batchNormBackwardReduce(s1._d, s2._d, dy._d, X._d, mu._d, n, c, inner);
        if (needW) giveVector(ctx, wi, c, (j) => s2._d[j] * rstd._d[j]);
        if (needB) giveVector(ctx, bi, c, (j) => s1._d[j]);
        if (needX) {
          // dx = p·dy + q·(x − μ) + r; q, r = 0 in eval (the statistics are constants).
          const q = s1; // reused in place: q[j] needs s2[j] and r[j] needs s1[j] only
          const r = s2;
          for (let j = 0; j < c; j++) {
            const sDy = s1._d[j];
            const sXmu = s2._d[j];
            q._d[j] = training ? (-p._d[j] * rstd._d[j] * rstd._d[j] * sXmu) / m : 0;
            r._d[j] = training ? (-p._d[j] * sDy) / m : 0;
          }
          const g = ctx.target(0);
          if (!g.accumulate)
            kb.batchNormBackward(g.data, dy._d, X._d, mu._d, p._d, q._d, r._d, n, c, inner);
          else {
            const tmp = out(be, X.shape);
            kb.batchNormBackward(tmp._d, dy._d, X._d, mu._d, p._d, q._d, r._d, n, c, inner);
            kb.axpy(1, tmp._d, g.data);
            tmp._release();
          }
        }
        s1._release();
        s2._release();
      },
      free: () => {
        mu._release();
        rstd._release();
        p._release();
      },
    },
    [y],
  );
}

/**
 * Batch-norm backward in tensor operations (createGraph). Training: with x̂ = (x − μ)·rstd
 * recomputed from x, dx = γ·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) over N and *; eval: the
 * statistics are the saved constants and dx = γ·rstd·dy. dγ = Σ dy·x̂, dβ = Σ dy.
 */
function bnGradGraph(
  ctx: BackwardCtx,
  dy: Tensor,
  x: Tensor,
  w: Tensor | null,
  wi: number,
  bi: number,
  saved: { mu: Tensor; rstd: Tensor } | null,
  eps: number,
): void {
  const c = x.shape[1];
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
  const keep = { keepdims: true };
  let xhat: Tensor;
  let rstd: Tensor;
  if (saved) {
    rstd = viewOf(saved.rstd, perChannel);
    xhat = mul(sub(x, viewOf(saved.mu, perChannel)), rstd);
  } else {
    const xc = sub(x, mean(x, axes, keep));
    rstd = reciprocal(sqrt(add(mean(mul(xc, xc), axes, keep), eps)));
    xhat = mul(xc, rstd);
  }
  if (ctx.needs(0)) {
    const scale = w ? mul(reshape(w, perChannel), rstd) : rstd;
    const g = saved
      ? dy
      : sub(sub(dy, mean(dy, axes, keep)), mul(xhat, mean(mul(dy, xhat), axes, keep)));
    ctx.give(0, mul(g, scale));
  }
  if (wi >= 0 && ctx.needs(wi)) ctx.give(wi, reshape(sum(mul(dy, xhat), axes), [c]));
  if (bi >= 0 && ctx.needs(bi)) ctx.give(bi, reshape(sum(dy, axes), [c]));
}

/**
 * Layer normalisation over the trailing `normalizedShape` axes of x
 * (torch.nn.functional.layer_norm): y = (x − mean)/√(var + ε)·γ + β with the biased variance,
 * γ and β (optional) of shape `normalizedShape`. Ba et al., 2016.
 */
export function layerNorm(
  x: TensorLike,
  normalizedShape: number | readonly number[],
  weight?: TensorLike | null,
  bias?: TensorLike | null,
  eps = 1e-5,
): Tensor {
  const fn = 'layerNorm';
  const X = asTensor(fn, 'x', x, 'float32');
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || ns.some((d) => !Number.isSafeInteger(d) || d <= 0))
    throw new TypeError(
      `${fn}: normalizedShape must be a positive integer or a non-empty array of them, got ${describe(normalizedShape)}`,
    );
  const e = epsOf(fn, eps);
  const tail = X.shape.slice(X.ndim - ns.length);
  if (X.ndim < ns.length || tail.some((d, i) => d !== ns[i]))
    throw new RangeError(
      `${fn}: x ${shapeStr(X.shape)} does not end in normalizedShape ${shapeStr(ns)}`,
    );
  const W = optional(fn, 'weight', weight, ns);
  const B = optional(fn, 'bias', bias, ns);
  const cols = numel(ns);
  const rows = X.size / cols;
  const be = backendOf(fn, X, W, B);
  const y = out(be, X.shape);
  const mu = out(be, [rows]);
  const rstd = out(be, [rows]);
  kernels(be, 2 * X.size).layerNormForward(
    y._d,
    mu._d,
    rstd._d,
    X._d,
    W ? W._d : null,
    B ? B._d : null,
    rows,
    cols,
    e,
  );
  const { inputs, wi, bi } = inputsOf(X, W, B);
  return record(
    {
      name: fn,
      inputs,
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          lnGradGraph(ctx, dy, X, W, wi, bi, ns, e);
          return;
        }
        // One kernel writes dx and adds dγ, dβ. A target that overlaps one already handed to
        // it (the same tensor passed twice, e.g. as weight and bias) or that accumulates into
        // dx gets a scratch buffer, added in afterwards.
        const kb = kernels(be, 2 * X.size);
        const used: Float32Array[] = [];
        const pending: Array<{ t: Tensor; into: Float32Array | null }> = [];
        const scratch = (n: number, into: Float32Array | null, zero: boolean) => {
          const t = out(be, [n]);
          if (zero) kb.fill(t._d, 0);
          pending.push({ t, into });
          return t._d;
        };
        const claim = (i: number, adds: boolean) => {
          const g = ctx.target(i);
          let buf: Float32Array;
          if ((!adds && g.accumulate) || used.some((u) => overlaps(u, g.data)))
            buf = scratch(g.data.length, g.data, adds);
          else {
            if (adds && !g.accumulate) kb.fill(g.data, 0);
            buf = g.data;
          }
          used.push(g.data);
          return buf;
        };
        const dx = ctx.needs(0) ? claim(0, false) : scratch(X.size, null, false);
        const dgamma = wi >= 0 && ctx.needs(wi) ? claim(wi, true) : null;
        const dbeta = bi >= 0 && ctx.needs(bi) ? claim(bi, true) : null;
        kb.layerNormBackward(
          dx,
          dgamma,
          dbeta,
          dy._d,
          X._d,
          mu._d,
          rstd._d,
          W ? W._d : null,
          rows,
          cols,
        );
        for (const { t, into } of pending) {
          if (into) kb.axpy(1, t._d, into);
          t._release();
        }
      },
      free: () => {
        mu._release();
        rstd._release();
      },
    },
    [y],
  );
}

/**
 * Layer-norm backward in tensor operations (createGraph): with x̂ and rstd recomputed from x
 * and g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) over the normalised axes; dγ = Σ dy·x̂,
 * dβ = Σ dy over the leading axes.
 */
function lnGradGraph(
  ctx: BackwardCtx,
  dy: Tensor,
  x: Tensor,
  w: Tensor | null,
  wi: number,
  bi: number,
  ns: readonly number[],
  eps: number,
): void {
  const axes = ns.map((_, i) => x.ndim - ns.length + i);
  const keep = { keepdims: true };
  const xc = sub(x, mean(x, axes, keep));
  const rstd = reciprocal(sqrt(add(mean(mul(xc, xc), axes, keep), eps)));
  const xhat = mul(xc, rstd);
  if (ctx.needs(0)) {
    const g = w ? mul(dy, w) : dy;
    const inner = sub(sub(g, mean(g, axes, keep)), mul(xhat, mean(mul(g, xhat), axes, keep)));
    ctx.give(0, mul(inner, rstd));
  }
  if (wi >= 0 && ctx.needs(wi)) ctx.give(wi, sumTo(mul(dy, xhat), ns));
  if (bi >= 0 && ctx.needs(bi)) ctx.give(bi, sumTo(dy, ns));
}
