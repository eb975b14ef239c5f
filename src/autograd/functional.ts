/**
 * The ways to ask for gradients: `t.backward()` (accumulate into leaves' `.grad`, as
 * PyTorch), `gradients(outputs, inputs)` (torch.autograd.grad), and the function transforms
 * of JAX and tf: `grad(f)`, `valueAndGrad(f)`, `vjp(f, …)`, `hvp(f, x, v)`. Transforms nest:
 * inside a transform, inner ones record their backward so the outer one can differentiate it.
 */
import { bool, describe, optionsOf } from '../backend/validate.js';
import { runBackward } from './engine.js';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { asTensor } from './ops/util.js';
import { shapeStr, Tensor, type TensorLike, viewOf } from './tensor.js';

/** Options of {@link backward} and `Tensor.backward` (torch.autograd.backward's keywords). */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (default false). PyTorch: `retain_graph`. */
  retainGraph?: boolean;
  /** Record the backward pass, making the gradients differentiable (default false). PyTorch: `create_graph`. */
  createGraph?: boolean;
}

function backwardOptions(fn: string, o: unknown, extra: readonly string[] = []): BackwardOptions {
  if (o === undefined) return {};
  optionsOf(fn, o as object, ['retainGraph', 'createGraph', ...extra]);
  for (const k of ['retainGraph', 'createGraph'] as const) {
    const v = (o as BackwardOptions)[k];
    if (v !== undefined && typeof v !== 'boolean')
      throw new TypeError(`${fn}: ${k} must be a boolean, got ${describe(v)}`);
  }
  return o as BackwardOptions;
}

function rootGrad(fn: string, root: Tensor, g: unknown, name: string): Tensor | null {
  if (g === undefined || g === null) {
    if (root.size !== 1)
      throw new RangeError(
        `${fn}: ${root.label()} is not a scalar; pass the gradient of the output (${name}) or reduce it first (e.g. .sum())`,
      );
    return null;
  }
  const t = asTensor(fn, name, g, 'float32');
  if (t.shape.length !== root.shape.length || t.shape.some((d, i) => d !== root.shape[i]))
    throw new RangeError(
      `${fn}: ${name} must have the output's shape ${shapeStr(root.shape)}, got ${shapeStr(t.shape)}`,
    );
  return t;
}

function checkRoot(fn: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new TypeError(`${fn}: cannot differentiate an int32 tensor`);
  if (!t._node && !t._requiresGrad)
    throw new Error(
      `${fn}: ${t.label()} does not require grad: no parameter or tensor with requiresGrad contributed to it (was it computed inside noGrad, or from detached data?)`,
    );
}

/** `t.backward(gradient?, options?)`: accumulates d(t)/d(leaf) into every leaf's `.grad`. */
export function backward(t: Tensor, gradient?: TensorLike | null, options?: BackwardOptions): void {
  const fn = 'backward';
  checkRoot(fn, t);
  const o = backwardOptions(fn, options);
  const g = rootGrad(fn, t, gradient, 'gradient');
  runBackward([t], [g], {
    fn,
    retainGraph: o.retainGraph ?? o.createGraph ?? false,
    createGraph: o.createGraph ?? false,
    accumulate: true,
    inputs: [],
  });
}

/** Options of {@link gradients} (torch.autograd.grad's keywords, camelCase). */
export interface GradientsOptions extends BackwardOptions {
  /** Gradients of the outputs (default: 1 for scalar outputs). PyTorch: `grad_outputs`. */
  gradOutputs?: readonly (TensorLike | null)[];
  /** Return zeros, not null, for inputs the outputs do not depend on (default false). PyTorch: `allow_unused + materialize_grads`. */
  allowUnused?: boolean;
}

/**
 * d(outputs)/d(inputs) without touching any `.grad` (torch.autograd.grad). An input the
 * outputs do not depend on is an error unless `allowUnused` (then its gradient is zeros).
 */
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options?: GradientsOptions,
): Tensor[] {
  const fn = 'gradients';
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  if (!Array.isArray(outs) || outs.length === 0 || outs.some((t) => !(t instanceof Tensor)))
    throw new TypeError(`${fn}: outputs must be a Tensor or a non-empty array of Tensors`);
  if (!Array.isArray(ins) || ins.length === 0 || ins.some((t) => !(t instanceof Tensor)))
    throw new TypeError(`${fn}: inputs must be a Tensor or a non-empty array of Tensors`);
  const o = backwardOptions(fn, options, ['gradOutputs', 'allowUnused']) as GradientsOptions;
  if (o.allowUnused !== undefined) bool(fn, 'allowUnused', o.allowUnused);
  for (const t of outs) checkRoot(fn, t);
  ins.forEach((t, i) => {
    if (!t._requiresGrad && !t._track && !t._node)
      throw new Error(
        `${fn}: inputs[${i}] (${t.label()}) does not require grad, so nothing depends on it`,
      );
  });
  if (
    o.gradOutputs !== undefined &&
    (!Array.isArray(o.gradOutputs) || o.gradOutputs.length !== outs.length)
  )
    throw new RangeError(
      `${fn}: gradOutputs must be an array with one entry per output (${outs.length})`,
    );
  const gs = outs.map((t, i) => rootGrad(fn, t, o.gradOutputs?.[i], `gradOutputs[${i}]`));
  const res = runBackward(outs, gs, {
    fn,
    retainGraph: o.retainGraph ?? o.createGraph ?? false,
    createGraph: o.createGraph ?? false,
    accumulate: false,
    inputs: ins,
  });
  return res.map((g, i) => {
    if (g) return g;
    if (!o.allowUnused)
      throw new Error(
        `${fn}: inputs[${i}] (${ins[i].label()}) was not used to compute the outputs; pass { allowUnused: true } to get zeros`,
      );
    return withGradMode(false, () => mul(ins[i], 0));
  });
}

/** Nesting depth of function transforms (inner ones record their backward when > 0). */
let depth = 0;

/** A function of tensors returning a scalar tensor, as {@link grad} and {@link valueAndGrad} take. */
export type Fn = (...args: Tensor[]) => Tensor;

/** Tensors to differentiate with respect to: graph members as they are, others as fresh leaves. */
function primals(fn: string, args: readonly unknown[]): Tensor[] {
  return args.map((a, i) => {
    const t = asTensor(fn, `args[${i}]`, a, 'float32');
    if (t._node || t._requiresGrad) return t;
    const v = viewOf(t, t.shape);
    v._requiresGrad = true;
    return v;
  });
}

function callScalar(fn: string, f: Fn, args: Tensor[]): Tensor {
  depth++;
  let y: unknown;
  try {
    y = withGradMode(true, () => f(...args));
  } finally {
    depth--;
  }
  if (!(y instanceof Tensor))
    throw new TypeError(`${fn}: the function must return a Tensor, got ${describe(y)}`);
  if (y.size !== 1)
    throw new RangeError(`${fn}: the function must return a scalar, got ${y.label()}`);
  return y;
}

/** Options of the function transforms {@link grad} and {@link valueAndGrad} (JAX's `argnums`). */
export interface TransformOptions {
  /** Indices of the arguments to differentiate (default: all). JAX: `argnums`. */
  argnums?: number | readonly number[];
  /** Record the backward so the result is differentiable (default: only when nested). */
  createGraph?: boolean;
}

/** Checks a transform's options (known keys, createGraph a boolean) before f is wrapped. */
function transformOptions(fn: string, o: TransformOptions): void {
  optionsOf(fn, o, ['argnums', 'createGraph']);
  if (o.createGraph !== undefined) bool(fn, 'createGraph', o.createGraph);
}

function which(fn: string, argnums: TransformOptions['argnums'], n: number): number[] {
  if (argnums === undefined) return Array.from({ length: n }, (_, i) => i);
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new RangeError(
        `${fn}: argnums ${a} is out of range for ${n} argument${n === 1 ? '' : 's'}`,
      );
  return list;
}

/**
 * `valueAndGrad(f)(…args)` → { value, grads }: f(args) (a scalar tensor) and its gradient with
 * respect to each argument (`argnums` chooses), as jax.value_and_grad / tf.valueAndGrads.
 */
export function valueAndGrad(f: Fn, options: TransformOptions = {}) {
  const fn = 'valueAndGrad';
  if (typeof f !== 'function')
    throw new TypeError(`${fn}: f must be a function, got ${describe(f)}`);
  transformOptions(fn, options);
  return (
    ...args: TensorLike[]
  ): {
    /** f(…args), a one-element tensor. */
    value: Tensor;
    /** The gradient with respect to each selected argument, in `argnums` order. */
    grads: Tensor[];
  } => {
    const xs = primals(fn, args);
    const value = callScalar(fn, f, xs);
    const sel = which(fn, options.argnums, xs.length);
    const createGraph = options.createGraph ?? (depth > 0 && isGradEnabled());
    const grads = gradients(
      value,
      sel.map((i) => xs[i]),
      { createGraph, retainGraph: createGraph, allowUnused: true },
    );
    return { value, grads };
  };
}

/** `grad(f)(…args)`: the gradient of scalar f with respect to its arguments (one tensor when f takes one). */
export function grad(f: Fn, options: TransformOptions = {}) {
  transformOptions('grad', options);
  const vg = valueAndGrad(f, options);
  return (...args: TensorLike[]): Tensor | Tensor[] => {
    const { grads } = vg(...args);
    return grads.length === 1 ? grads[0] : grads;
  };
}

/** `vjp(f, …args)` → { value, vjp(ct) }: f's output and the map from its cotangent to the arguments' gradients. */
export function vjp(f: (...args: Tensor[]) => Tensor, ...args: TensorLike[]) {
  const fn = 'vjp';
  if (typeof f !== 'function')
    throw new TypeError(`${fn}: f must be a function, got ${describe(f)}`);
  const xs = primals(fn, args);
  depth++;
  let value: Tensor;
  try {
    value = withGradMode(true, () => f(...xs));
  } finally {
    depth--;
  }
  if (!(value instanceof Tensor))
    throw new TypeError(`${fn}: the function must return a Tensor, got ${describe(value)}`);
  return {
    /** f(…args). */
    value,
    /** Maps a cotangent of `value`'s shape to the gradient of each argument (callable more than once). */
    vjp: (cotangent: TensorLike): Tensor[] =>
      gradients(value, xs, {
        gradOutputs: [cotangent],
        retainGraph: true,
        createGraph: depth > 0 && isGradEnabled(),
        allowUnused: true,
      }),
  };
}

/** Hessian-vector product H(x)·v of scalar f at x (torch.autograd.functional.hvp's second output). */
export function hvp(f: (x: Tensor) => Tensor, x: TensorLike, v: TensorLike): Tensor {
  const fn = 'hvp';
  const vt = asTensor(fn, 'v', v, 'float32');
  const gf = grad(f, { createGraph: true });
  return grad((z: Tensor) => sum(mul(gf(z) as Tensor, vt)))(x) as Tensor;
}
