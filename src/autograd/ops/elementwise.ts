/**
 * Broadcasting arithmetic: add, sub, mul, div, pow, maximum, minimum, neg, and the pair that
 * broadcasting differentiates through (`expand` forward, `sumTo` backward). Same-shape
 * operands are one kernel call; a number operand uses the scalar kernels. Backward formulas
 * follow PyTorch's derivatives.yaml (maximum/minimum split a tie's gradient in half).
 */
import type { BinaryOp } from '../../backend/kernels.js';
import { scalar } from '../create.js';
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import { numel, shapeStr, type Tensor, type TensorLike, viewOf } from '../tensor.js';
import { broadcastShapes, expandInto, sumInto } from './broadcast.js';
import { log } from './unary.js';
import { asTensor, backendOf, checkShape, kernels, num, out } from './util.js';

/** A tensor operand, or a number applied to every element. */
export type Operand = TensorLike | number;

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** `x` broadcast to `shape` (a copy; differentiable: the gradient is summed back). */
export function expand(x: TensorLike, shape: readonly number[]): Tensor {
  const fn = 'expand';
  const t = asTensor(fn, 'x', x, 'float32');
  checkShape(fn, 'shape', shape);
  const s = broadcastShapes(fn, t.shape, shape);
  if (!sameShape(s, shape))
    throw new RangeError(`${fn}: cannot expand ${shapeStr(t.shape)} to ${shapeStr(shape)}`);
  if (sameShape(t.shape, shape)) return t;
  const b = backendOf(fn, t);
  const y = out(b, shape);
  expandInto(y._d, t._d, t.shape, shape);
  return record(
    { name: fn, inputs: [t], backward: (ctx) => ctx.give(0, sumTo(ctx.dy() as Tensor, t.shape)) },
    [y],
  );
}

/** `x` summed over the axes along which `shape` was broadcast to x's shape (the adjoint of expand). */
export function sumTo(x: TensorLike, shape: readonly number[]): Tensor {
  const fn = 'sumTo';
  const t = asTensor(fn, 'x', x, 'float32');
  checkShape(fn, 'shape', shape);
  if (sameShape(t.shape, shape)) return t;
  const s = broadcastShapes(fn, shape, t.shape);
  if (!sameShape(s, t.shape))
    throw new RangeError(`${fn}: ${shapeStr(t.shape)} is not a broadcast of ${shapeStr(shape)}`);
  const b = backendOf(fn, t);
  if (numel(shape) === t.size) {
    // Only size-1 axes differ: the same values under another shape.
    const v = viewOf(t, [...shape]);
    return record(
      {
        name: fn,
        inputs: [t],
        backward: (ctx) => ctx.give(0, expand(ctx.dy() as Tensor, t.shape)),
      },
      [v],
    );
  }
  const y = out(b, shape);
  sumInto(kernels(b, t.size), y._d, t._d, shape, t.shape);
  return record(
    { name: fn, inputs: [t], backward: (ctx) => ctx.give(0, expand(ctx.dy() as Tensor, t.shape)) },
    [y],
  );
}

/** out = op(a, b) elementwise with broadcasting, no recording. */
function compute(fn: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const be = backendOf(fn, a, b);
  const shape = broadcastShapes(fn, a.shape, b.shape);
  const y = out(be, shape);
  const k = kernels(be, y.size);
  if (b.size === 1 && a.size === y.size) k.binaryScalar(op, y._d, a._d, b._d[0]);
  else if (sameShape(a.shape, b.shape)) k.binary(op, y._d, a._d, b._d);
  else {
    // Materialise the broadcast operand(s) in y's shape, then one kernel call.
    const ea = a.size === y.size ? a._d : expanded(a, shape);
    const eb = b.size === y.size ? b._d : expanded(b, shape);
    k.binary(op, y._d, ea, eb);
  }
  return y;
}

function expanded(t: Tensor, shape: readonly number[]): Float32Array {
  const buf = new Float32Array(numel(shape));
  expandInto(buf, t._d, t.shape, shape);
  return buf;
}

/** A number operand as a 0-d tensor (for the uniform code path). */
function operand(fn: string, name: string, v: Operand): Tensor {
  if (typeof v === 'number') {
    return noGrad(() => scalar(v));
  }
  return asTensor(fn, name, v, 'float32');
}

/** a + b. */
export function add(a: Operand, b: Operand): Tensor {
  const fn = 'add';
  if (typeof a === 'number' && typeof b !== 'number') return add(b, a);
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const y = compute(fn, 'add', ta, tb);
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(dy, ta.shape));
        if (ctx.needs(1)) ctx.give(1, sumTo(dy, tb.shape));
      },
    },
    [y],
  );
}

/** a − b. */
export function sub(a: Operand, b: Operand): Tensor {
  const fn = 'sub';
  if (typeof a === 'number' && typeof b !== 'number') return add(neg(b), a);
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const y = compute(fn, 'sub', ta, tb);
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(dy, ta.shape));
        if (ctx.needs(1)) ctx.give(1, neg(sumTo(dy, tb.shape)));
      },
    },
    [y],
  );
}

/** a · b (elementwise). */
export function mul(a: Operand, b: Operand): Tensor {
  const fn = 'mul';
  if (typeof a === 'number' && typeof b !== 'number') return mul(b, a);
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const y = compute(fn, 'mul', ta, tb);
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(mul(dy, tb), ta.shape));
        if (ctx.needs(1)) ctx.give(1, sumTo(mul(dy, ta), tb.shape));
      },
    },
    [y],
  );
}

/** a / b (elementwise). */
export function div(a: Operand, b: Operand): Tensor {
  const fn = 'div';
  if (typeof a === 'number' && typeof b !== 'number') return mul(reciprocal(b), a);
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const y = compute(fn, 'div', ta, tb);
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(div(dy, tb), ta.shape));
        // d(a/b)/db = −a/b²
        if (ctx.needs(1)) ctx.give(1, neg(sumTo(div(mul(dy, ta), mul(tb, tb)), tb.shape)));
      },
    },
    [y],
  );
}

/** −x. */
export function neg(x: Operand): Tensor {
  const fn = 'neg';
  const t = operand(fn, 'x', x);
  const be = backendOf(fn, t);
  const y = out(be, t.shape);
  kernels(be, t.size).unary('neg', y._d, t._d, 0, 0);
  return record(
    { name: fn, inputs: [t], backward: (ctx) => ctx.give(0, neg(ctx.dy() as Tensor)) },
    [y],
  );
}

/** 1 / x. */
export function reciprocal(x: Operand): Tensor {
  const fn = 'reciprocal';
  const t = operand(fn, 'x', x);
  const be = backendOf(fn, t);
  const y = out(be, t.shape);
  kernels(be, t.size).unary('reciprocal', y._d, t._d, 0, 0);
  return record(
    {
      name: fn,
      inputs: [t],
      // d(1/x) = −1/x² = −y²
      backward: (ctx) => ctx.give(0, neg(mul(ctx.dy() as Tensor, mul(y, y)))),
    },
    [y],
  );
}

/**
 * aᵇ elementwise. A number exponent is the common case (x², √x); a tensor exponent
 * differentiates through log a as PyTorch does (NaN for a < 0 where the exponent needs it).
 */
export function pow(a: Operand, b: Operand): Tensor {
  const fn = 'pow';
  if (typeof b === 'number') {
    const p = num(fn, 'exponent', b);
    const t = operand(fn, 'a', a);
    const be = backendOf(fn, t);
    const y = out(be, t.shape);
    const k = kernels(be, 8 * t.size);
    if (p === 2) k.unary('square', y._d, t._d, 0, 0);
    else if (p === 1) k.copy(y._d, t._d);
    else if (p === 0.5) k.unary('sqrt', y._d, t._d, 0, 0);
    else if (p === -1) k.unary('reciprocal', y._d, t._d, 0, 0);
    else {
      const src = t._d;
      const dst = y._d;
      for (let i = 0; i < src.length; i++) dst[i] = src[i] ** p;
    }
    return record(
      {
        name: fn,
        inputs: [t],
        backward: (ctx) => {
          const dy = ctx.dy() as Tensor;
          if (p === 0) ctx.give(0, mul(dy, 0));
          else if (p === 2) ctx.give(0, mul(dy, mul(t, 2)));
          else ctx.give(0, mul(dy, mul(pow(t, p - 1), p)));
        },
      },
      [y],
    );
  }
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const be = backendOf(fn, ta, tb);
  const shape = broadcastShapes(fn, ta.shape, tb.shape);
  const y = out(be, shape);
  const ea = ta.size === y.size ? ta._d : expanded(ta, shape);
  const eb = tb.size === y.size ? tb._d : expanded(tb, shape);
  for (let i = 0; i < y.size; i++) y._d[i] = ea[i] ** eb[i];
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(mul(dy, mul(tb, pow(ta, sub(tb, 1)))), ta.shape));
        if (ctx.needs(1)) ctx.give(1, sumTo(mul(dy, mul(y, log(ta))), tb.shape));
      },
    },
    [y],
  );
}

/** Gradient split of maximum/minimum: 1 where `a` wins, ½ on ties, 0 where `b` wins. */
function winMask(a: Tensor, b: Tensor, shape: readonly number[], max: boolean): Tensor {
  return noGrad(() => {
    const m = out(backendOf('maximum', a, b), shape);
    const ea = a.size === m.size ? a._d : expanded(a, shape);
    const eb = b.size === m.size ? b._d : expanded(b, shape);
    const d = m._d;
    for (let i = 0; i < d.length; i++) {
      const x = ea[i];
      const z = eb[i];
      d[i] = x === z ? 0.5 : (max ? x > z : x < z) || Number.isNaN(x) ? 1 : 0;
    }
    return m;
  });
}

function extremum(fn: 'maximum' | 'minimum', a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b !== 'number') return extremum(fn, b, a);
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const y = compute(fn, fn === 'maximum' ? 'max' : 'min', ta, tb);
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        const m = winMask(ta, tb, y.shape, fn === 'maximum');
        if (ctx.needs(0)) ctx.give(0, sumTo(mul(dy, m), ta.shape));
        if (ctx.needs(1)) ctx.give(1, sumTo(mul(dy, sub(1, m)), tb.shape));
      },
    },
    [y],
  );
}

/** Elementwise maximum (NaN propagates); ties share the gradient, as torch.maximum. */
export function maximum(a: Operand, b: Operand): Tensor {
  return extremum('maximum', a, b);
}

/** Elementwise minimum (NaN propagates); ties share the gradient, as torch.minimum. */
export function minimum(a: Operand, b: Operand): Tensor {
  return extremum('minimum', a, b);
}
