/**
 * Variance and standard deviation over axes (torch.var / torch.std): Σ(x − mean)² divided by
 * max(0, N − correction), with `correction` 1 by default (Bessel's) or `unbiased` as the older
 * torch argument. Two passes (mean, then squares of the centred values), each one kernel call.
 *
 * Backward (PyTorch's derivatives.yaml, var_backward / std_backward):
 *   var: dx = dy · 2(x − mean)/(N − correction)
 *   std: dx = dy · (x − mean)/((N − correction)·std), and 0 where std = 0
 * written in tensor operations (the centred x recomputed from x), so it works under
 * createGraph too.
 */
import { describe } from '../../backend/validate.js';
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { expandInto, sumInto } from './broadcast.js';
import { div, mul, sub } from './elementwise.js';
import { keepdimsOf, mean, reduceAxes, reducedShapes } from './reduce.js';
import { reshape } from './shape.js';
import { asTensor, backendOf, kernels, out } from './util.js';
import { where } from './where.js';

/** Options of {@link variance} and {@link std} (torch.var's keywords; `keepdims` is torch's `keepdim`). */
export interface VarOptions {
  /** Subtracted from N in the divisor (default 1, Bessel's correction; torch's `correction`). PyTorch: `correction`. */
  correction?: number;
  /** torch's older form: true is correction 1, false is 0 (give one of the two). PyTorch: `unbiased`. */
  unbiased?: boolean;
  /** Keep reduced axes as size 1 (default false). PyTorch: `keepdim`. */
  keepdims?: boolean;
}

function correctionOf(fn: string, o: VarOptions | undefined): number {
  if (o === undefined) return 1;
  const { correction, unbiased } = o;
  if (correction !== undefined && unbiased !== undefined)
    throw new TypeError(`${fn}: give correction or unbiased, not both`);
  if (unbiased !== undefined) {
    if (typeof unbiased !== 'boolean')
      throw new TypeError(`${fn}: unbiased must be a boolean, got ${describe(unbiased)}`);
    return unbiased ? 1 : 0;
  }
  if (correction === undefined) return 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0)
    throw new RangeError(
      `${fn}: correction must be a finite number ≥ 0, got ${describe(correction)}`,
    );
  return correction;
}

function moment(
  fn: 'var' | 'std',
  x: TensorLike,
  axes: number | readonly number[] | undefined,
  opts: VarOptions | undefined,
): Tensor {
  const t = asTensor(fn, 'x', x, 'float32');
  const ax = reduceAxes(fn, axes, t.ndim);
  const keep = keepdimsOf(fn, opts, ['correction', 'unbiased', 'keepdims']);
  const corr = correctionOf(fn, opts);
  const { kept, final } = reducedShapes(t.shape, ax, keep);
  let n = 1;
  for (const a of ax) n *= t.shape[a];
  const denom = Math.max(0, n - corr);
  const b = backendOf(fn, t);
  const k = kernels(b, t.size);
  const y = out(b, final);
  const m = out(b, kept);
  const c = out(b, t.shape);
  sumInto(k, m._d, t._d, kept, t.shape);
  k.binaryScalar('mul', m._d, m._d, 1 / n);
  expandInto(c._d, m._d, kept, t.shape);
  k.binary('sub', c._d, t._d, c._d);
  k.unary('square', c._d, c._d, 0, 0);
  sumInto(k, y._d, c._d, kept, t.shape);
  k.binaryScalar('div', y._d, y._d, denom);
  if (fn === 'std') k.unary('sqrt', y._d, y._d, 0, 0);
  m._release();
  c._release();
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = reshape(ctx.dy() as Tensor, kept);
        const centred = sub(t, mean(t, ax, { keepdims: true }));
        if (fn === 'var') {
          ctx.give(0, mul(centred, mul(dy, 2 / denom)));
          return;
        }
        const s = reshape(y, kept);
        const zero = noGrad(() => {
          const z = out(b, kept);
          const sd = s._d;
          for (let i = 0; i < sd.length; i++) z._d[i] = sd[i] === 0 ? 1 : 0;
          return z;
        });
        // std_backward: dy/(2·std) masked to 0 where std = 0, then var_backward. The divisor
        // is masked too, so no 0/0 reaches a second derivative (torch gives 0 there as well).
        const safe = where(zero, 1, s);
        ctx.give(0, mul(centred, where(zero, 0, div(dy, mul(safe, denom)))));
      },
    },
    [y],
  );
}

/** Variance over `axes` (all by default), torch.var: divisor max(0, N − correction). */
export function variance(
  x: TensorLike,
  axes?: number | readonly number[],
  opts?: VarOptions,
): Tensor {
  return moment('var', x, axes, opts);
}

/** Standard deviation over `axes` (all by default), torch.std; its gradient is 0 where it is 0. */
export function std(x: TensorLike, axes?: number | readonly number[], opts?: VarOptions): Tensor {
  return moment('std', x, axes, opts);
}

export { variance as var };
