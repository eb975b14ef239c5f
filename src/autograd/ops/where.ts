/**
 * `where(cond, a, b)`: a where cond is true, b elsewhere (torch.where), the three broadcast
 * together. `cond` is a mask: an int32 tensor or a float32 tensor of 0/1, an element being
 * true when it is nonzero (NaN included, as NumPy's truthiness); it gets no gradient.
 * Backward (derivatives.yaml): da = where(cond, dy, 0) and db = where(cond, 0, dy), each
 * summed back onto its operand's shape: linear in dy, so createGraph needs nothing more.
 */

import { scalar } from '../create.js';
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import { numel, type Tensor, type TensorLike } from '../tensor.js';
import { broadcastShapes, expandInto } from './broadcast.js';
import type { Operand } from './elementwise.js';
import { sumTo } from './elementwise.js';
import { type AnyTensor, asTensor, backendOf, out } from './util.js';

function operand(fn: string, name: string, v: Operand): Tensor {
  return typeof v === 'number' ? noGrad(() => scalar(v)) : asTensor(fn, name, v, 'float32');
}

/** `t`'s values laid out in `shape` (t itself when it already has that many elements). */
function spread<A extends Float32Array | Int32Array>(t: AnyTensor, shape: readonly number[]): A {
  const n = numel(shape);
  if (t.size === n) return t._d as A;
  const buf = (t.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n)) as A;
  expandInto(buf, t._d, t.shape, shape);
  return buf;
}

/** Elementwise cond ? a : b with broadcasting; `a` and `b` may be numbers. */
export function where(cond: TensorLike, a: Operand, b: Operand): Tensor {
  const fn = 'where';
  const c = asTensor(fn, 'cond', cond, 'any');
  const ta = operand(fn, 'a', a);
  const tb = operand(fn, 'b', b);
  const shape = broadcastShapes(fn, broadcastShapes(fn, c.shape, ta.shape), tb.shape);
  const be = backendOf(fn, c, ta, tb);
  const y = out(be, shape);
  const cd = spread<Float32Array | Int32Array>(c, shape);
  const ad = spread<Float32Array>(ta, shape);
  const bd = spread<Float32Array>(tb, shape);
  const d = y._d;
  for (let i = 0; i < d.length; i++) d[i] = cd[i] !== 0 ? ad[i] : bd[i];
  return record(
    {
      name: fn,
      inputs: [ta, tb],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) ctx.give(0, sumTo(where(c, dy, 0), ta.shape));
        if (ctx.needs(1)) ctx.give(1, sumTo(where(c, 0, dy), tb.shape));
      },
    },
    [y],
  );
}
