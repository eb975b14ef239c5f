/**
 * Every loss written in differentiable tensor operations, with torch's options and
 * reductions ('none' keeps the per-element terms, or the per-sample ones for cross-entropy and
 * NLL). The loss classes use these for `reduction: 'none'`, for a target that requires grad,
 * and for createGraph (second-order gradients: `applyLoss` differentiates the formula); their
 * fused kernels stay the fast path for reduced losses. Formulas follow torch's definitions
 * (torch.nn.functional and aten/native/Loss*.cpp), so their derivatives of any order are
 * torch's: torch's own backward formulas in derivatives.yaml are the exact derivatives of the
 * same expressions, except binary cross-entropy's, which loss-ops.ts copies.
 *
 * Cross-entropy and NLL take [N, C] or [N, C, d₁, …] predictions (the class axis second, as
 * torch); their targets are class indices (an Int32Array of N·d₁·… labels, or an int32
 * tensor [N, d₁, …]) or, for cross-entropy, class probabilities of the logits' shape. Dense
 * losses take a float32 target of the prediction's shape (no broadcasting: a mismatch names
 * both shapes).
 */
import { checkClassWeight, type Reduction, scanLabels } from '../../nn/losses/common.js';
import { internally } from '../scope.js';
import { shapeStr, type Tensor, type TensorLike, wrap } from '../tensor.js';
import { add, div, mul, neg, sub } from './elementwise.js';
import { binaryCrossEntropyElementwise, pickByLabel } from './loss-ops.js';
import { sum } from './reduce.js';
import { permute, reshape } from './shape.js';
import { logSoftmax } from './softmax.js';
import { abs, clamp, exp, log, softplus, square } from './unary.js';
import { asTensor, backendOf, out } from './util.js';

/** A loss target: class indices (Int32Array, int32 tensor) or a float32 tensor / {data, shape}. */
export type LossTarget = Int32Array | TensorLike;

const FLT_MIN = 1.1754943508222875e-38;

// ---------------------------------------------------------------------------------------
// Targets and layouts

/** The class layout of a prediction [N, C, d…]: C, the per-sample shape [N, d…], N·d…. */
export interface ClassLayout {
  cols: number;
  lead: number[];
  rows: number;
}

export function classLayout(fn: string, x: Tensor): ClassLayout {
  if (x.ndim < 2 || x.shape[1] < 1)
    throw new RangeError(
      `${fn}: expected a prediction of shape [batch, classes, …] (classes ≥ 1, class axis second), got ${shapeStr(x.shape)}`,
    );
  const cols = x.shape[1];
  const lead = [x.shape[0], ...x.shape.slice(2)];
  return { cols, lead, rows: cols === 0 ? 0 : x.size / cols };
}

/** [N, C, d…] as [N·d…, C] rows (the class axis moved last; recorded, so differentiable). */
export function classRows(x: Tensor, cols: number): Tensor {
  if (x.ndim === 2) return x;
  const perm = [0, ...x.shape.slice(2).map((_, i) => i + 2), 1];
  return reshape(permute(x, perm), [-1, cols]);
}

export type ClassTarget = { labels: Int32Array } | { probs: Tensor };

/** Class indices of shape [N, d…] (or N·d… flat), or probabilities of the logits' shape. */
export function classTarget(
  fn: string,
  x: Tensor,
  lay: ClassLayout,
  target: unknown,
  allowProbs: boolean,
): ClassTarget {
  const expected = `class indices of shape ${shapeStr(lay.lead)}${allowProbs ? ` or probabilities of the logits' shape ${shapeStr(x.shape)}` : ''}`;
  if (target instanceof Int32Array) {
    if (target.length !== lay.rows)
      throw new RangeError(
        `${fn}: target labels of shape [${target.length}] do not match prediction shape ${shapeStr(x.shape)} (expected ${expected})`,
      );
    return { labels: target };
  }
  const t = asTensor(fn, 'target', target, 'any');
  if (t.dtype === 'int32') {
    if (!sameShape(t.shape, lay.lead))
      throw new RangeError(
        `${fn}: target shape ${shapeStr(t.shape)} does not match prediction shape ${shapeStr(x.shape)} (expected ${expected})`,
      );
    return { labels: t._d as unknown as Int32Array };
  }
  if (!allowProbs)
    throw new TypeError(
      `${fn}: target must be class indices (an Int32Array or an int32 tensor of shape ${shapeStr(lay.lead)}), got a float32 tensor ${shapeStr(t.shape)}`,
    );
  if (!sameShape(t.shape, x.shape))
    throw new RangeError(
      `${fn}: target shape ${shapeStr(t.shape)} does not match prediction shape ${shapeStr(x.shape)} (expected ${expected})`,
    );
  return { probs: t as Tensor };
}

/** A float32 target of exactly the prediction's shape. */
export function denseArgs(fn: string, pred: unknown, target: unknown): [Tensor, Tensor] {
  const x = asTensor(fn, 'pred', pred, 'float32');
  if (target instanceof Int32Array)
    throw new TypeError(
      `${fn}: target must be a float32 tensor of the prediction's shape ${shapeStr(x.shape)}, got Int32Array(${target.length}) (class indices are for CrossEntropyLoss/NLLLoss; numeric targets read from a CSV come as class indices when they are all integers: pass labelType: 'float' to readCsv/parseCsv)`,
    );
  const t = asTensor(fn, 'target', target, 'float32');
  if (!sameShape(t.shape, x.shape))
    throw new RangeError(
      `${fn}: target shape ${shapeStr(t.shape)} does not match prediction shape ${shapeStr(x.shape)}`,
    );
  return [x, t];
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A constant weight for a prediction `x`: its length is x's size (used as x's shape) or x's
 * last dimension (broadcast over the leading axes).
 */
export function elementWeight(fn: string, name: string, w: Float32Array, x: Tensor): Tensor {
  if (w.length === x.size) return wrap(w, x.shape, 'float32');
  const last = x.ndim > 0 ? x.shape[x.ndim - 1] : 1;
  if (w.length !== last || last === 0)
    throw new RangeError(
      `${fn}: ${name} has length ${w.length}, expected the prediction's ${x.size} elements or its last dimension ${last} (prediction shape ${shapeStr(x.shape)})`,
    );
  return wrap(w, [last], 'float32');
}

// ---------------------------------------------------------------------------------------
// Reductions

/**
 * `per` reduced: 'none' as is, 'sum', or 'mean' = Σ/count (count 0 gives NaN with a zero
 * gradient, as the fused kernels do).
 */
function reduce(per: Tensor, reduction: string, count: number): Tensor {
  if (reduction === 'none') return per;
  const s = sum(per);
  if (reduction === 'sum') return s;
  return count > 0 ? div(s, count) : add(mul(s, 0), Number.NaN);
}

// ---------------------------------------------------------------------------------------
// Classification

export interface ClassLossConfig {
  readonly name: string;
  readonly reduction: Reduction;
  readonly weight: Float32Array | null;
  readonly ignoreIndex: number;
}

export interface CrossEntropyConfig extends ClassLossConfig {
  readonly labelSmoothing: number;
}

/**
 * torch's cross_entropy on logits [N, C, d…]. With labels y (w_c = weight or 1, ε the label
 * smoothing, rows labelled ignoreIndex contributing 0):
 *   ℓ_r = −(1 − ε)·w_y·logp_{r,y} − (ε/C)·Σ_c w_c·logp_{r,c};
 * 'mean' divides by Σ w_y over the kept rows. With probabilities t:
 *   ℓ_r = −Σ_c w_c·((1 − ε)·t_{r,c} + ε/C)·logp_{r,c}; 'mean' divides by N·d….
 */
export function crossEntropyFormula(
  cfg: CrossEntropyConfig,
  pred: unknown,
  target: unknown,
): Tensor {
  const fn = cfg.name;
  const x = asTensor(fn, 'pred', pred, 'float32');
  const lay = classLayout(fn, x);
  const tgt = classTarget(fn, x, lay, target, true);
  checkClassWeight(fn, cfg.weight, lay.cols);
  const eps = cfg.labelSmoothing;
  if ('labels' in tgt) {
    const scan = scanLabels(fn, tgt.labels, lay.cols, cfg.ignoreIndex, cfg.weight);
    return internally(() => {
      const lp = logSoftmax(classRows(x, lay.cols));
      let per = labelTerm(lp, tgt.labels, cfg, scan.ignored > 0);
      if (eps > 0) {
        let smooth = sum(cfg.weight ? mul(lp, wrap(cfg.weight, [lay.cols], 'float32')) : lp, -1);
        if (scan.ignored > 0) smooth = mul(smooth, keepMask(x, tgt.labels, cfg.ignoreIndex));
        per = add(mul(per, 1 - eps), mul(smooth, eps / lay.cols));
      }
      return reduce(reshape(neg(per), lay.lead), cfg.reduction, scan.weightSum);
    });
  }
  refuseProbIgnore(fn, cfg.ignoreIndex);
  return internally(() => {
    const lp = logSoftmax(classRows(x, lay.cols));
    let a = classRows(tgt.probs, lay.cols);
    if (eps > 0) a = add(mul(a, 1 - eps), eps / lay.cols);
    if (cfg.weight) a = mul(a, wrap(cfg.weight, [lay.cols], 'float32'));
    const per = neg(sum(mul(a, lp), -1));
    return reduce(reshape(per, lay.lead), cfg.reduction, lay.rows);
  });
}

/** torch refuses an ignore_index ≥ 0 with probability targets (a negative one is unused). */
export function refuseProbIgnore(fn: string, ignoreIndex: number): void {
  if (ignoreIndex >= 0)
    throw new RangeError(
      `${fn}: ignoreIndex ${ignoreIndex} applies to class-index targets only; with probability targets it is refused (as torch)`,
    );
}

/**
 * torch's nll_loss on log-probabilities [N, C, d…] and labels: ℓ_r = −w_y·x_{r,y} (0 for
 * rows labelled ignoreIndex); 'mean' divides by Σ w_y over the kept rows.
 */
export function nllFormula(cfg: ClassLossConfig, pred: unknown, target: unknown): Tensor {
  const fn = cfg.name;
  const x = asTensor(fn, 'pred', pred, 'float32');
  const lay = classLayout(fn, x);
  const tgt = classTarget(fn, x, lay, target, false) as { labels: Int32Array };
  checkClassWeight(fn, cfg.weight, lay.cols);
  const scan = scanLabels(fn, tgt.labels, lay.cols, cfg.ignoreIndex, cfg.weight);
  return internally(() => {
    const per = labelTerm(classRows(x, lay.cols), tgt.labels, cfg, scan.ignored > 0);
    return reduce(reshape(neg(per), lay.lead), cfg.reduction, scan.weightSum);
  });
}

/** w_y·x_{r,y} per row (0 for ignored rows). */
function labelTerm(x: Tensor, labels: Int32Array, cfg: ClassLossConfig, ignores: boolean) {
  return pickByLabel(x, labels, {
    ignoreIndex: ignores ? cfg.ignoreIndex : null,
    weight: cfg.weight,
  });
}

/** 1 for rows whose label is kept, 0 for ignored ones (a constant). */
function keepMask(x: Tensor, labels: Int32Array, ignoreIndex: number): Tensor {
  const m = out(backendOf('keepMask', x), [labels.length]);
  const d = m._d;
  for (let r = 0; r < labels.length; r++) d[r] = labels[r] === ignoreIndex ? 0 : 1;
  return m;
}

// ---------------------------------------------------------------------------------------
// Regression and dense targets

export interface DenseLossConfig {
  readonly name: string;
  readonly reduction: Reduction | 'batchmean';
}

/** Reduces per-element terms; 'batchmean' divides by the first dimension (1 for a scalar). */
function reduceDense(per: Tensor, cfg: DenseLossConfig, x: Tensor): Tensor {
  if (cfg.reduction === 'batchmean') return div(sum(per), x.ndim > 0 ? x.shape[0] : 1);
  return reduce(per, cfg.reduction, x.size);
}

function dense(
  cfg: DenseLossConfig,
  pred: unknown,
  target: unknown,
  terms: (x: Tensor, t: Tensor) => Tensor,
): Tensor {
  const [x, t] = denseArgs(cfg.name, pred, target);
  return internally(() => reduceDense(terms(x, t), cfg, x));
}

/** torch's mse_loss: (x − t)². */
export function mseFormula(cfg: DenseLossConfig, pred: unknown, target: unknown): Tensor {
  return dense(cfg, pred, target, (x, t) => square(sub(x, t)));
}

/** torch's l1_loss: |x − t| (derivative sign(x − t), 0 at 0). */
export function l1Formula(cfg: DenseLossConfig, pred: unknown, target: unknown): Tensor {
  return dense(cfg, pred, target, (x, t) => abs(sub(x, t)));
}

/**
 * torch's huber_loss: ½d² for |d| < δ, else δ(|d| − ½δ), d = x − t. Written as c·(d − ½c)
 * with c = clamp(d, −δ, δ), one expression for both branches whose derivative is c.
 */
export function huberTerms(x: Tensor, t: Tensor, delta: number): Tensor {
  const d = sub(x, t);
  const c = clamp(d, -delta, delta);
  return mul(c, sub(d, mul(c, 0.5)));
}

export function huberFormula(
  cfg: DenseLossConfig & { readonly delta: number },
  pred: unknown,
  target: unknown,
): Tensor {
  return dense(cfg, pred, target, (x, t) => huberTerms(x, t, cfg.delta));
}

/** torch's smooth_l1_loss: Huber(β)/β; β = 0 is L1. */
export function smoothL1Formula(
  cfg: DenseLossConfig & { readonly beta: number },
  pred: unknown,
  target: unknown,
): Tensor {
  const b = cfg.beta;
  return dense(cfg, pred, target, (x, t) =>
    b === 0 ? abs(sub(x, t)) : div(huberTerms(x, t, b), b),
  );
}

/**
 * torch's binary_cross_entropy_with_logits, ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)),
 * as w·((1 − y)·softplus(x) + pw·y·softplus(−x)) (the same function without cancellation).
 */
export function bceWithLogitsFormula(
  cfg: DenseLossConfig & {
    readonly weight: Float32Array | null;
    readonly posWeight: Float32Array | null;
  },
  pred: unknown,
  target: unknown,
): Tensor {
  const fn = cfg.name;
  const [x, y] = denseArgs(fn, pred, target);
  const w = cfg.weight && elementWeight(fn, 'weight', cfg.weight, x);
  const pw = cfg.posWeight && elementWeight(fn, 'posWeight', cfg.posWeight, x);
  return internally(() => {
    const pos = mul(pw ? mul(y, pw) : y, softplus(neg(x)));
    const per = add(mul(sub(1, y), softplus(x)), pos);
    return reduceDense(w ? mul(per, w) : per, cfg, x);
  });
}

/** torch's binary_cross_entropy on probabilities (logs floored at −100), times `weight`. */
export function bceFormula(
  cfg: DenseLossConfig & { readonly weight: Float32Array | null },
  pred: unknown,
  target: unknown,
): Tensor {
  const fn = cfg.name;
  const [x, y] = denseArgs(fn, pred, target);
  const w = cfg.weight && elementWeight(fn, 'weight', cfg.weight, x);
  return internally(() => {
    const per = binaryCrossEntropyElementwise(fn, x, y);
    return reduceDense(w ? mul(per, w) : per, cfg, x);
  });
}

/**
 * torch's kl_div(input = log q, target): xlogy(t, t) − t·x, or e^t·(t − x) with logTarget.
 * t·log t is t·log max(t, FLT_MIN), so t = 0 contributes 0 (as xlogy).
 */
export function klDivFormula(
  cfg: DenseLossConfig & { readonly logTarget: boolean },
  pred: unknown,
  target: unknown,
): Tensor {
  return dense(cfg, pred, target, (x, t) =>
    cfg.logTarget ? mul(exp(t), sub(t, x)) : sub(mul(t, log(clamp(t, FLT_MIN))), mul(t, x)),
  );
}
