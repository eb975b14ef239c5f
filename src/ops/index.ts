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
 * @property neg - Elementwise −x.
 * @property negBackward - The gradient of `neg`: dy·neg′(x).
 * @property abs - Elementwise |x|.
 * @property absBackward - The gradient of `abs`: dy·abs′(x).
 * @property square - Elementwise x².
 * @property squareBackward - The gradient of `square`: dy·square′(x).
 * @property sqrt - Elementwise √x.
 * @property sqrtBackward - The gradient of `sqrt`: dy·sqrt′(x).
 * @property exp - Elementwise eˣ.
 * @property expBackward - The gradient of `exp`: dy·exp′(x).
 * @property log - Elementwise ln x.
 * @property logBackward - The gradient of `log`: dy·log′(x).
 * @property reciprocal - Elementwise 1/x.
 * @property reciprocalBackward - The gradient of `reciprocal`: dy·reciprocal′(x).
 * @property sigmoid - Elementwise 1/(1 + e⁻ˣ).
 * @property sigmoidBackward - The gradient of `sigmoid`: dy·sigmoid′(x).
 * @property tanh - Elementwise tanh x.
 * @property tanhBackward - The gradient of `tanh`: dy·tanh′(x).
 * @property relu - Elementwise max(x, 0).
 * @property reluBackward - The gradient of `relu`: dy·relu′(x).
 * @property leakyRelu - Elementwise LeakyReLU (`options.negativeSlope`, default 0.01).
 * @property leakyReluBackward - The gradient of `leakyRelu`: dy·leakyRelu′(x).
 * @property elu - Elementwise ELU (`options.alpha`, default 1).
 * @property eluBackward - The gradient of `elu`: dy·elu′(x).
 * @property selu - Elementwise SELU.
 * @property seluBackward - The gradient of `selu`: dy·selu′(x).
 * @property gelu - Elementwise GELU, exact (erf) form.
 * @property geluBackward - The gradient of `gelu`: dy·gelu′(x).
 * @property geluTanh - Elementwise GELU, tanh approximation.
 * @property geluTanhBackward - The gradient of `geluTanh`: dy·geluTanh′(x).
 * @property silu - Elementwise x·sigmoid(x).
 * @property siluBackward - The gradient of `silu`: dy·silu′(x).
 * @property mish - Elementwise x·tanh(softplus(x)).
 * @property mishBackward - The gradient of `mish`: dy·mish′(x).
 * @property softplus - Elementwise softplus (`options.beta`, default 1; `options.threshold`, default 20).
 * @property softplusBackward - The gradient of `softplus`: dy·softplus′(x).
 * @property hardSigmoid - Elementwise relu6(x + 3)/6.
 * @property hardSigmoidBackward - The gradient of `hardSigmoid`: dy·hardSigmoid′(x).
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
