/**
 * Elementwise math and activations on the unary kernels. Without createGraph the backward is
 * the fused `unaryBackward` kernel (dx = dy·f′(x) in one pass); with it, f′ is written in
 * differentiable operations (PyTorch's derivatives.yaml forms), so every activation has
 * gradients of any order. Piecewise derivatives use constant masks (their own derivative is 0
 * almost everywhere, as in PyTorch).
 */
import type { UnaryOp } from '../../backend/kernels.js';
import { describe, finite, oneOf } from '../../backend/validate.js';
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { add, mul, neg, sub } from './elementwise.js';
import { asTensor, backendOf, kernels, out } from './util.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Ops whose kernel cost is a transcendental per element (weighted 8× when routing by size). */
const CHEAP = new Set<UnaryOp>(['neg', 'abs', 'square', 'relu', 'leakyRelu', 'hardSigmoid']);

/** y = op(x) with no recording. */
function apply(fn: string, op: UnaryOp, t: Tensor, alpha = 0, beta = 0): Tensor {
  const b = backendOf(fn, t);
  const y = out(b, t.shape);
  kernels(b, (CHEAP.has(op) ? 1 : 8) * t.size).unary(op, y._d, t._d, alpha, beta);
  return y;
}

/** A constant (non-differentiable) 0/1 mask, or another piecewise constant, from x's values. */
function maskOf(x: Tensor, f: (v: number) => number): Tensor {
  return noGrad(() => {
    const m = out(backendOf('mask', x), x.shape);
    const src = x._d;
    const d = m._d;
    for (let i = 0; i < d.length; i++) d[i] = f(src[i]);
    return m;
  });
}

/** f′(x) in differentiable operations, given x and y = f(x). */
type Derivative = (x: Tensor, y: Tensor, alpha: number, beta: number) => Tensor;

const DERIVATIVES: Record<UnaryOp, Derivative> = {
  neg: (x) => maskOf(x, () => -1),
  abs: (x) => maskOf(x, (v) => Math.sign(v)),
  square: (x) => mul(x, 2),
  sqrt: (_x, y) => mul(unary('reciprocal', y), 0.5),
  exp: (_x, y) => y,
  log: (x) => unary('reciprocal', x),
  reciprocal: (_x, y) => neg(mul(y, y)),
  sigmoid: (_x, y) => mul(y, sub(1, y)),
  tanh: (_x, y) => sub(1, mul(y, y)),
  relu: (x) => maskOf(x, (v) => (v > 0 ? 1 : 0)),
  leakyRelu: (x, _y, a) => maskOf(x, (v) => (v > 0 ? 1 : a)),
  elu: (x, y, a) => {
    const m = maskOf(x, (v) => (v > 0 ? 1 : 0));
    return add(m, mul(sub(1, m), add(y, a)));
  },
  selu: (x, y) => {
    const m = maskOf(x, (v) => (v > 0 ? 1 : 0));
    return add(mul(m, SELU_SCALE), mul(sub(1, m), add(y, SELU_SCALE * SELU_ALPHA)));
  },
  gelu: (x) => add(normalCdf(x), mul(x, normalPdf(x))),
  geluTanh: (x) => {
    const x2 = mul(x, x);
    const t = unary('tanh', mul(add(x, mul(mul(x2, x), GELU_C)), SQRT_2_OVER_PI));
    const du = mul(add(mul(x2, 3 * GELU_C), 1), SQRT_2_OVER_PI);
    return add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, mul(t, t))), du));
  },
  silu: (x) => {
    const s = unary('sigmoid', x);
    return mul(s, add(mul(x, sub(1, s)), 1));
  },
  mish: (x) => {
    const t = unary('tanh', unary('softplus', x, 1, 20));
    return add(t, mul(mul(x, sub(1, mul(t, t))), unary('sigmoid', x)));
  },
  softplus: (x, _y, scale, threshold) => {
    const m = maskOf(x, (v) => (scale * v > threshold ? 1 : 0));
    return add(m, mul(sub(1, m), unary('sigmoid', mul(x, scale))));
  },
  hardSigmoid: (x) => maskOf(x, (v) => (-3 < v && v < 3 ? 1 / 6 : 0)),
};

/**
 * `op` applied elementwise (see UnaryOp; `alpha`/`beta` as the kernels take them:
 * leakyRelu slope, elu alpha, softplus scale and threshold).
 */
export function unary(op: UnaryOp, x: TensorLike, alpha = 0, beta = 0): Tensor {
  checkUnary('unary', op, alpha, beta);
  const fn = op;
  const t = asTensor(fn, 'x', x, 'float32');
  const y = apply(fn, op, t, alpha, beta);
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, mul(dy, DERIVATIVES[op](t, y, alpha, beta)));
          return;
        }
        const b = backendOf(fn, t);
        const g = ctx.target(0);
        const k = kernels(b, (CHEAP.has(op) ? 1 : 8) * t.size);
        if (!g.accumulate) k.unaryBackward(op, g.data, t._d, dy._d, alpha, beta);
        else {
          const tmp = out(b, t.shape);
          k.unaryBackward(op, tmp._d, t._d, dy._d, alpha, beta);
          k.axpy(1, tmp._d, g.data);
          tmp._release();
        }
      },
    },
    [y],
  );
}

/** Φ(x), the standard normal CDF (GELU's derivative needs it): gelu(x)/x, ½ at 0. */
export function normalCdf(x: TensorLike): Tensor {
  const fn = 'normalCdf';
  const t = asTensor(fn, 'x', x, 'float32');
  const g = apply(fn, 'gelu', t);
  const d = g._d;
  const src = t._d;
  for (let i = 0; i < d.length; i++) d[i] = src[i] === 0 ? 0.5 : d[i] / src[i];
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => ctx.give(0, mul(ctx.dy() as Tensor, normalPdf(t))),
    },
    [g],
  );
}

/** φ(x) = exp(−x²/2)/√(2π). */
function normalPdf(x: Tensor): Tensor {
  return mul(unary('exp', mul(mul(x, x), -0.5)), INV_SQRT_2PI);
}

/** min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi (as torch.clamp). */
export function clamp(x: TensorLike, lo = -Infinity, hi = Infinity): Tensor {
  const fn = 'clamp';
  const t = asTensor(fn, 'x', x, 'float32');
  if (
    typeof lo !== 'number' ||
    typeof hi !== 'number' ||
    Number.isNaN(lo) ||
    Number.isNaN(hi) ||
    lo > hi
  )
    throw new RangeError(
      `${fn}: lo and hi must be numbers with lo ≤ hi, got ${describe(lo)} and ${describe(hi)}`,
    );
  const b = backendOf(fn, t);
  const y = out(b, t.shape);
  kernels(b, t.size).clamp(y._d, t._d, lo, hi);
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) =>
        ctx.give(
          0,
          mul(
            ctx.dy() as Tensor,
            maskOf(t, (v) => (v >= lo && v <= hi ? 1 : 0)),
          ),
        ),
    },
    [y],
  );
}

/** eˣ elementwise (torch.exp). */
export const exp = (x: TensorLike) => unary('exp', x);
/** Natural logarithm elementwise (torch.log; NaN below 0, −∞ at 0). */
export const log = (x: TensorLike) => unary('log', x);
/** √x elementwise (torch.sqrt; NaN below 0). */
export const sqrt = (x: TensorLike) => unary('sqrt', x);
/** |x| elementwise (torch.abs; gradient 0 at 0). */
export const abs = (x: TensorLike) => unary('abs', x);
/** x² elementwise (torch.square). */
export const square = (x: TensorLike) => unary('square', x);
/** 1 / (1 + e⁻ˣ) elementwise (torch.sigmoid). */
export const sigmoid = (x: TensorLike) => unary('sigmoid', x);
/** Hyperbolic tangent elementwise (torch.tanh). */
export const tanh = (x: TensorLike) => unary('tanh', x);
/** max(x, 0) elementwise (torch.nn.functional.relu; gradient 0 at 0). */
export const relu = (x: TensorLike) => unary('relu', x);
/** LeakyReLU with `negativeSlope` (default 0.01). */
export const leakyRelu = (x: TensorLike, negativeSlope = 0.01) => {
  finite('leakyRelu', 'negativeSlope', negativeSlope);
  return unary('leakyRelu', x, negativeSlope);
};
/** ELU: x for x > 0, alpha·(eˣ − 1) otherwise; `alpha` default 1 (torch.nn.functional.elu). */
export const elu = (x: TensorLike, alpha = 1) => {
  finite('elu', 'alpha', alpha);
  return unary('elu', x, alpha);
};
/** SELU: scale·elu(x, α) with PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507 (torch.nn.functional.selu). */
export const selu = (x: TensorLike) => unary('selu', x);
/** GELU; `approximate: 'tanh'` for the tanh form (torch.nn.functional.gelu). */
export const gelu = (x: TensorLike, approximate: 'none' | 'tanh' = 'none') => {
  oneOf('gelu', 'approximate', approximate, ['none', 'tanh']);
  return unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
};
/** SiLU (swish): x·sigmoid(x) (torch.nn.functional.silu). */
export const silu = (x: TensorLike) => unary('silu', x);
/** Mish: x·tanh(softplus(x)) (torch.nn.functional.mish). */
export const mish = (x: TensorLike) => unary('mish', x);
/** Softplus with PyTorch's `beta` (scale) and `threshold`. */
export const softplus = (x: TensorLike, beta = 1, threshold = 20) => {
  finite('softplus', 'beta', beta);
  finite('softplus', 'threshold', threshold);
  return unary('softplus', x, beta, threshold);
};
/** Hard sigmoid: relu6(x + 3) / 6, i.e. 0 below −3, 1 above 3 (torch.nn.functional.hardsigmoid). */
export const hardSigmoid = (x: TensorLike) => unary('hardSigmoid', x);

/** How many of the kernels' (alpha, beta) each op reads (kernels.ts); the others ignore them. */
const PARAMS: Partial<Record<UnaryOp, number>> = { leakyRelu: 1, elu: 1, softplus: 2 };

/**
 * Refuses an unknown op, non-finite parameters, a parameter the op would ignore, and softplus
 * with a zero scale (it divides by it): the checks of `unary` and of `nn.Activation`.
 */
export function checkUnary(fn: string, op: unknown, alpha: unknown, beta: unknown): void {
  if (typeof op !== 'string' || !Object.hasOwn(DERIVATIVES, op))
    oneOf(fn, 'op', op, Object.keys(DERIVATIVES));
  finite(fn, 'alpha', alpha);
  finite(fn, 'beta', beta);
  const n = PARAMS[op as UnaryOp] ?? 0;
  if (n < 1 && alpha !== 0)
    throw new TypeError(`${fn}: op ${op} takes no parameter, so alpha ${alpha} would be ignored`);
  if (n < 2 && beta !== 0)
    throw new TypeError(
      `${fn}: op ${op} takes ${n} parameter(s), so beta ${beta} would be ignored`,
    );
  if (op === 'softplus' && alpha === 0)
    throw new RangeError(`${fn}: softplus needs alpha (its beta, a scale) non-zero, got 0`);
}

/** @internal ReLU's derivative at `x` (or at its output: both are > 0 at the same places) as a constant. */
export const reluMask = (x: Tensor) => DERIVATIVES.relu(x, x, 0, 0);
