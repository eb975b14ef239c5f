/** The checked operations of one backend: validation first, then the kernels. */
import type { UnaryOp } from '../backend/kernels.js';
import { elementwiseOps } from './elementwise.js';
import { linalgOps } from './linalg.js';
import { optimOps } from './optim.js';
import type { Pick } from './pick.js';
import { randomOps } from './random.js';
import { reduceOps } from './reduce.js';
import { UNARY_OPS, type UnaryOptions, unaryOps } from './unary.js';

/** A named unary op: `out[i] = op(x[i])` into `out` (allocated when absent); returns `out`. */
export type Forward = (x: Float32Array, out?: Float32Array, options?: UnaryOptions) => Float32Array;
/** A named unary op's gradient: `dx[i] = dy[i]·op′(x[i])` into `dx` (allocated when absent); returns `dx`. */
export type Backward = (
  x: Float32Array,
  dy: Float32Array,
  dx?: Float32Array,
  options?: UnaryOptions,
) => Float32Array;

/** Named shortcuts: `ops.gelu(x)`, `ops.geluBackward(x, dy)`, … for every unary op. */
export type NamedUnary = { [K in UnaryOp]: Forward } & { [K in `${UnaryOp}Backward`]: Backward };

/**
 * The checked array operations of a backend (`ops`, or `getBackend()`): every argument is
 * validated (lengths, shapes, options) before the kernels run. Outputs are written into `out`
 * when given, else allocated.
 *
 * @interface
 */
export type Ops = ReturnType<typeof unaryOps> &
  ReturnType<typeof elementwiseOps> &
  ReturnType<typeof reduceOps> &
  ReturnType<typeof linalgOps> &
  ReturnType<typeof randomOps> &
  ReturnType<typeof optimOps> &
  NamedUnary & {
    /** `out[i] = a[i] + b[i]` (equal lengths). */
    add(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
    /** `out[i] = a[i] − b[i]` (equal lengths). */
    sub(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
    /** `out[i] = a[i] · b[i]` (equal lengths). */
    mul(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
    /** `out[i] = a[i] / b[i]` (equal lengths). */
    div(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
    /** `out[i] = max(a[i], b[i])` (NaN propagates). */
    maximum(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
    /** `out[i] = min(a[i], b[i])` (NaN propagates). */
    minimum(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array;
  };

export function createOps(pick: Pick): Ops {
  const u = unaryOps(pick);
  const e = elementwiseOps(pick);
  const named: Record<string, unknown> = {};
  for (const op of UNARY_OPS) {
    named[op] = (x: Float32Array, out?: Float32Array, options?: UnaryOptions) =>
      u.unary(op, x, out, options);
    named[`${op}Backward`] = (
      x: Float32Array,
      dy: Float32Array,
      dx?: Float32Array,
      options?: UnaryOptions,
    ) => u.unaryBackward(op, x, dy, dx, options);
  }
  const bin =
    (op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min', name: string) =>
    (a: Float32Array, b: Float32Array, out?: Float32Array) =>
      e.binary(op, a, b, out, name);
  return {
    ...u,
    ...e,
    ...reduceOps(pick),
    ...linalgOps(pick),
    ...randomOps(pick),
    ...optimOps(pick),
    ...(named as NamedUnary),
    add: bin('add', 'add'),
    sub: bin('sub', 'sub'),
    mul: bin('mul', 'mul'),
    div: bin('div', 'div'),
    maximum: bin('max', 'maximum'),
    minimum: bin('min', 'minimum'),
  };
}
