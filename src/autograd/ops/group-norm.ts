/**
 * Group and instance normalisation (torch.nn.functional.group_norm / instance_norm) on the
 * layer-norm and batch-norm kernels. Viewed as [N·G, (C/G)·∏*] rows, x's group statistics are
 * layer norm's row statistics, so the forward is one layerNormForward (no affine) writing x̂,
 * then one batchNormForward pass for the per-channel γ, β. Fast backward: dγ, dβ from one
 * batchNormBackwardReduce over x̂, dy·γ from one batchNormForward pass, dx from one
 * layerNormBackward. createGraph backward: the same formulas in tensor operations with the
 * statistics recomputed from x (derivatives.yaml's native_group_norm_backward, written as
 * layer norm over each group).
 *
 * Instance norm is group norm with one group per channel; with running statistics it updates
 * them (in place, outside the graph) from the per-instance means and unbiased variances
 * averaged over the batch, and eval normalises with them (batch norm's eval form), as torch.
 */
import { describe, knownKeys, options } from '../../backend/validate.js';
import type { BackwardCtx } from '../node.js';
import { record } from '../node.js';
import { noteWrite } from '../storage.js';
import { numel, shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { add, mul, reciprocal, sub, sumTo } from './elementwise.js';
import { batchNorm, epsOf, inputsOf, optional } from './norm.js';
import { mean } from './reduce.js';
import { reshape } from './shape.js';
import { sqrt } from './unary.js';
import { asTensor, backendOf, kernels, num, out } from './util.js';

/** x's [N, C, inner] reading (inner = ∏ of the axes after C), refusing rank < 2. */
function layoutOf(fn: string, X: Tensor) {
  if (X.ndim < 2)
    throw new RangeError(`${fn}: x must be [N, C, *] (at least 2-D), got ${shapeStr(X.shape)}`);
  return { n: X.shape[0], c: X.shape[1], inner: numel(X.shape.slice(2)) };
}

/**
 * Group normalisation (Wu & He, 2018) over x [N, C, *]: the channels split into `numGroups`
 * groups, each sample's group normalised by its own mean and biased variance,
 * y = (x − μ)/√(σ² + ε)·γ_c + β_c with γ, β (optional) of shape [C].
 */
export function groupNorm(
  x: TensorLike,
  numGroups: number,
  weight?: TensorLike | null,
  bias?: TensorLike | null,
  eps = 1e-5,
): Tensor {
  const fn = 'groupNorm';
  const X = asTensor(fn, 'x', x, 'float32');
  const { n, c, inner } = layoutOf(fn, X);
  if (!Number.isSafeInteger(numGroups) || numGroups <= 0)
    throw new RangeError(`${fn}: numGroups must be a positive integer, got ${describe(numGroups)}`);
  if (c % numGroups !== 0)
    throw new RangeError(
      `${fn}: the ${c} channels of x ${shapeStr(X.shape)} do not divide into numGroups ${numGroups}`,
    );
  const e = epsOf(fn, eps);
  const W = optional(fn, 'weight', weight, [c]);
  const B = optional(fn, 'bias', bias, [c]);
  const rows = n * numGroups;
  const cols = (c / numGroups) * inner;
  const be = backendOf(fn, X, W, B);
  const k = kernels(be, 2 * X.size);
  const xhat = out(be, X.shape);
  const mu = out(be, [rows]);
  const rstd = out(be, [rows]);
  k.layerNormForward(xhat._d, mu._d, rstd._d, X._d, null, null, rows, cols, e);
  const affine = W !== null || B !== null;
  /** Per-channel constants: zeros, and ones when γ or β is missing. */
  const constant = (v: number) => {
    const t = out(be, [c]);
    t._d.fill(v);
    return t;
  };
  let y = xhat;
  if (affine) {
    y = out(be, X.shape);
    const zero = constant(0);
    const scale = W ?? constant(1);
    const shift = B ?? zero;
    k.batchNormForward(y._d, xhat._d, zero._d, scale._d, shift._d, n, c, inner);
    zero._release();
    if (!W) scale._release();
  }
  const { inputs, wi, bi } = inputsOf(X, W, B);
  return record(
    {
      name: fn,
      inputs,
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          gnGradGraph(ctx, dy, X, W, wi, bi, numGroups, e);
          return;
        }
        const kb = kernels(be, 2 * X.size);
        const needW = wi >= 0 && ctx.needs(wi);
        const needB = bi >= 0 && ctx.needs(bi);
        const zero = constant(0);
        if (needW || needB) {
          // s1 = Σ dy, s2 = Σ dy·x̂ per channel.
          const s1 = out(be, [c]);
          const s2 = out(be, [c]);
          kb.batchNormBackwardReduce(s1._d, s2._d, dy._d, xhat._d, zero._d, n, c, inner);
          for (const [i, s] of [
            [needW ? wi : -1, s2],
            [needB ? bi : -1, s1],
          ] as const) {
            if (i < 0) continue;
            const g = ctx.target(i);
            if (g.accumulate) kb.axpy(1, s._d, g.data);
            else g.data.set(s._d);
          }
          s1._release();
          s2._release();
        }
        if (ctx.needs(0)) {
          let gy = dy;
          if (W) {
            gy = out(be, X.shape);
            kb.batchNormForward(gy._d, dy._d, zero._d, W._d, zero._d, n, c, inner);
          }
          const g = ctx.target(0);
          const tmp = g.accumulate ? out(be, X.shape) : null;
          const dx = tmp ? tmp._d : g.data;
          kb.layerNormBackward(dx, null, null, gy._d, X._d, mu._d, rstd._d, null, rows, cols);
          if (tmp) {
            kb.axpy(1, tmp._d, g.data);
            tmp._release();
          }
          if (gy !== dy) gy._release();
        }
        zero._release();
      },
      free: () => {
        mu._release();
        rstd._release();
        if (affine) xhat._release();
      },
    },
    [y],
  );
}

/**
 * Group-norm backward in tensor operations (createGraph): per group, with x̂ and rstd
 * recomputed from x and g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ dy·x̂ and
 * dβ = Σ dy over every axis but the channel.
 */
function gnGradGraph(
  ctx: BackwardCtx,
  dy: Tensor,
  x: Tensor,
  w: Tensor | null,
  wi: number,
  bi: number,
  groups: number,
  eps: number,
): void {
  const c = x.shape[1];
  const grouped = [x.shape[0], groups, -1];
  const perChannel = x.shape.map((d, i) => (i === 1 ? d : 1));
  const keep = { keepdims: true };
  const xr = reshape(x, grouped);
  const xc = sub(xr, mean(xr, 2, keep));
  const rstd = reciprocal(sqrt(add(mean(mul(xc, xc), 2, keep), eps)));
  const xhat = mul(xc, rstd);
  if (ctx.needs(0)) {
    const g = reshape(w ? mul(dy, reshape(w, perChannel)) : dy, grouped);
    const inner = sub(sub(g, mean(g, 2, keep)), mul(xhat, mean(mul(g, xhat), 2, keep)));
    ctx.give(0, reshape(mul(inner, rstd), x.shape));
  }
  if (wi >= 0 && ctx.needs(wi))
    ctx.give(wi, reshape(sumTo(mul(dy, reshape(xhat, x.shape)), perChannel), [c]));
  if (bi >= 0 && ctx.needs(bi)) ctx.give(bi, reshape(sumTo(dy, perChannel), [c]));
}

export interface InstanceNormOptions {
  /** Normalise with each instance's statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Running-statistics factor (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

const IN_KEYS = ['useInputStats', 'momentum', 'eps'];

/**
 * Instance normalisation (Ulyanov et al., 2016; torch.nn.functional.instance_norm) over
 * x [N, C, *]: each (sample, channel) plane normalised by its own statistics. With
 * `useInputStats` and running statistics given, those are updated in place:
 * running ← (1 − momentum)·running + momentum·mean over N of the instances' means (and
 * unbiased variances). Without `useInputStats` the running statistics normalise x.
 */
export function instanceNorm(
  x: TensorLike,
  runningMean: TensorLike | null,
  runningVar: TensorLike | null,
  weight?: TensorLike | null,
  bias?: TensorLike | null,
  opts: InstanceNormOptions = {},
): Tensor {
  const fn = 'instanceNorm';
  const X = asTensor(fn, 'x', x, 'float32');
  const { n, c, inner } = layoutOf(fn, X);
  options(fn, 'options', opts);
  knownKeys(fn, 'option', opts, IN_KEYS);
  if (opts.useInputStats !== undefined && typeof opts.useInputStats !== 'boolean')
    throw new TypeError(
      `${fn}: useInputStats must be a boolean, got ${describe(opts.useInputStats)}`,
    );
  const useInput = opts.useInputStats ?? true;
  const momentum = opts.momentum === undefined ? 0.1 : num(fn, 'momentum', opts.momentum);
  if (!Number.isFinite(momentum))
    throw new RangeError(`${fn}: momentum must be finite, got ${momentum}`);
  const e = epsOf(fn, opts.eps);
  const rm = optional(fn, 'runningMean', runningMean, [c]);
  const rv = optional(fn, 'runningVar', runningVar, [c]);
  if ((rm === null) !== (rv === null))
    throw new TypeError(`${fn}: give both runningMean and runningVar, or neither`);
  if (!useInput) {
    if (!rm || !rv)
      throw new TypeError(
        `${fn}: useInputStats: false normalises with runningMean and runningVar; give them`,
      );
    return batchNorm(X, rm, rv, weight, bias, { training: false, eps: e });
  }
  if (inner <= 1)
    throw new RangeError(
      `${fn}: expected more than 1 spatial element per instance, got input of shape ${shapeStr(X.shape)}`,
    );
  // Validate the affine parameters before touching the running statistics.
  optional(fn, 'weight', weight, [c]);
  optional(fn, 'bias', bias, [c]);
  if (rm && rv && n > 0) {
    const be = backendOf(fn, X, rm, rv);
    const m = out(be, [n * c]);
    const v = out(be, [n * c]);
    kernels(be, X.size).batchNormStats(m._d, v._d, X._d, 1, n * c, inner);
    const unbias = inner / (inner - 1);
    const a = rm._d;
    const b = rv._d;
    for (let j = 0; j < c; j++) {
      let sm = 0;
      let sv = 0;
      for (let i = 0; i < n; i++) {
        sm += m._d[i * c + j];
        sv += v._d[i * c + j];
      }
      a[j] = (1 - momentum) * a[j] + (momentum * sm) / n;
      b[j] = (1 - momentum) * b[j] + (momentum * sv * unbias) / n;
    }
    noteWrite(a);
    noteWrite(b);
    m._release();
    v._release();
  }
  return groupNorm(X, c, weight, bias, e);
}
