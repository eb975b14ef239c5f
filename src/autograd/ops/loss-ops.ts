/**
 * Differentiable pieces the loss formulas need that the general ops do not have (yet):
 * picking one entry per row by an integer label (NLL's x[r, y_r]) with its scatter adjoint,
 * and torch's binary cross-entropy on probabilities with its own backward. Labels are checked
 * by the caller (scanLabels) before they reach these.
 */
import type { Kernels } from '../../backend/kernels.js';
import { record } from '../node.js';
import type { Tensor } from '../tensor.js';
import { div, maximum, mul, sub } from './elementwise.js';
import { clamp, log } from './unary.js';
import { backendOf, kernels, out } from './util.js';

/** How labels pick: rows labelled `ignoreIndex` give 0; `weight[y]` scales the pick. */
export interface PickOptions {
  ignoreIndex: number | null;
  weight: Float32Array | null;
}

/** y[r] = weight[l_r]·x[r, l_r] for x [R, C] (0 where l_r is ignored); backward scatters. */
export function pickByLabel(x: Tensor, labels: Int32Array, o: PickOptions): Tensor {
  const [rows, cols] = x.shape;
  const b = backendOf('pickByLabel', x);
  const y = out(b, [rows]);
  const src = x._d;
  const dst = y._d;
  for (let r = 0; r < rows; r++) {
    const l = labels[r];
    dst[r] = l === o.ignoreIndex ? 0 : (o.weight === null ? 1 : o.weight[l]) * src[r * cols + l];
  }
  return record(
    {
      name: 'pickByLabel',
      inputs: [x],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, scatterByLabel(dy, labels, cols, o));
          return;
        }
        const g = ctx.target(0);
        if (!g.accumulate) kernels(b, rows * cols).fill(g.data, 0);
        scatterInto(g.data, dy._d, labels, cols, o);
      },
    },
    [y],
  );
}

/** The adjoint of pickByLabel: an [R, C] tensor of zeros with weight[l_r]·v[r] at (r, l_r). */
export function scatterByLabel(
  v: Tensor,
  labels: Int32Array,
  cols: number,
  o: PickOptions,
): Tensor {
  const rows = v.shape[0];
  const b = backendOf('scatterByLabel', v);
  const y = out(b, [rows, cols]);
  kernels(b, rows * cols).fill(y._d, 0);
  scatterInto(y._d, v._d, labels, cols, o);
  return record(
    {
      name: 'scatterByLabel',
      inputs: [v],
      backward: (ctx) => ctx.give(0, pickByLabel(ctx.dy() as Tensor, labels, o)),
    },
    [y],
  );
}

/** dst[r, l_r] += weight[l_r]·v[r] (rows of ignored labels untouched). */
function scatterInto(
  dst: Float32Array,
  v: Float32Array,
  labels: Int32Array,
  cols: number,
  o: PickOptions,
): void {
  for (let r = 0; r < labels.length; r++) {
    const l = labels[r];
    if (l === o.ignoreIndex) continue;
    dst[r * cols + l] += (o.weight === null ? 1 : o.weight[l]) * v[r];
  }
}

/** Where torch clamps the logs of binary cross-entropy (so 0·log 0 stays finite). */
const LOG_FLOOR = -100;
/** torch's binary_cross_entropy_backward denominator floor. */
const BCE_EPS = 1e-12;

/**
 * torch's binary cross-entropy on probabilities x against targets y (same shape), per element:
 * ℓ = −(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)); x outside [0, 1] (or NaN) is
 * refused, as torch does. The backward is torch's (derivatives.yaml:
 * binary_cross_entropy_backward), dℓ/dx = (x − y)/max(x(1 − x), 1e-12), finite at x ∈ {0, 1};
 * its own derivative, (x² − 2xy + y)/(x²(1 − x)²) away from the floor, is torch's
 * binary_cross_entropy_double_backward. dℓ/dy = max(log(1 − x), −100) − max(log x, −100)
 * (torch's −logit(x) wherever the logs are not floored).
 */
export function binaryCrossEntropyElementwise(fn: string, x: Tensor, y: Tensor): Tensor {
  const b = backendOf(fn, x, y);
  const k = kernels(b, 8 * x.size);
  const t = out(b, x.shape);
  if (!oneMinus(k, t._d, x._d)) {
    t._release();
    throw bceRangeError(fn);
  }
  const l = out(b, x.shape);
  bceInto(k, l._d, x._d, y._d, t._d);
  t._release();
  return record(
    {
      name: fn,
      inputs: [x, y],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, mul(dy, div(sub(x, y), maximum(mul(x, sub(1, x)), BCE_EPS))));
        if (ctx.needs(1))
          ctx.give(1, mul(dy, sub(clamp(log(sub(1, x)), LOG_FLOOR), clamp(log(x), LOG_FLOOR))));
      },
    },
    [l],
  );
}

/** t = 1 − x (one rounding); false when x leaves [0, 1] or holds NaN. */
export function oneMinus(k: Kernels, t: Float32Array, x: Float32Array): boolean {
  k.fill(t, 1);
  k.axpy(-1, x, t);
  return x.length === 0 || (k.max(x) <= 1 && k.max(t) <= 1);
}

export function bceRangeError(fn: string): RangeError {
  return new RangeError(
    `${fn}: input must hold probabilities in [0, 1] (as torch's BCELoss), got values outside it or NaN; for logits use BCEWithLogitsLoss / bceWithLogits`,
  );
}

/** dst = ℓ per element given t = 1 − x (t is overwritten). */
export function bceInto(
  k: Kernels,
  dst: Float32Array,
  x: Float32Array,
  y: Float32Array,
  t: Float32Array,
): void {
  k.unary('log', t, t, 0, 0);
  k.clamp(t, t, LOG_FLOOR, Number.POSITIVE_INFINITY);
  k.unary('log', dst, x, 0, 0);
  k.clamp(dst, dst, LOG_FLOOR, Number.POSITIVE_INFINITY);
  // ℓ = −(log(1 − x) + y·(log x − log(1 − x)))
  k.binary('sub', dst, dst, t);
  k.binary('mul', dst, dst, y);
  k.binary('add', dst, dst, t);
  k.unary('neg', dst, dst, 0, 0);
}

/** grad = (x − y)/max(x(1 − x), 1e-12) given t = 1 − x (t is overwritten). */
export function bceGradInto(
  k: Kernels,
  grad: Float32Array,
  x: Float32Array,
  y: Float32Array,
  t: Float32Array,
): void {
  k.binary('mul', t, t, x);
  k.binaryScalar('max', t, t, BCE_EPS);
  k.binary('sub', grad, x, y);
  k.binary('div', grad, grad, t);
}
