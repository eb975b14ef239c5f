/**
 * Making tensors: from data (copied from arrays, wrapped when already a typed array), filled
 * (zeros, ones, full), scalars, and seeded random draws (normal, uniform) whose numbers are
 * the same on both backends (the Rng's kernels).
 */
import { getBackend } from '../backend/select.js';
import { describe, optionsOf } from '../backend/validate.js';
import { Rng } from '../random.js';
import { checkShape } from './ops/util.js';
import { type DType, Storage } from './storage.js';
import { emptyTensor, numel, shapeStr, Tensor, wrap } from './tensor.js';

/** Options of the tensor factories ({@link tensor}, {@link zeros}, {@link ones}, {@link full}). */
export interface TensorOptions {
  /** Leaf that accumulates a gradient in `.grad` (default false). PyTorch: `requires_grad`. */
  requiresGrad?: boolean;
  /** 'float32' (default for numbers) or 'int32' (indices, labels). PyTorch: `dtype`. */
  dtype?: DType;
  /** Label used in error messages. */
  name?: string;
}

const OPTION_KEYS = ['requiresGrad', 'dtype', 'name'];

function applyOptions<D extends DType>(
  fn: string,
  t: Tensor<D>,
  o: TensorOptions | undefined,
): Tensor<D> {
  if (o === undefined) return t;
  optionsOf(fn, o, OPTION_KEYS);
  if (o.name !== undefined) t.name = String(o.name);
  if (o.requiresGrad !== undefined) (t as Tensor).requiresGrad = o.requiresGrad;
  return t;
}

function dtypeOf(fn: string, o: TensorOptions | undefined, fallback: DType): DType {
  const d = o?.dtype ?? fallback;
  if (d !== 'float32' && d !== 'int32')
    throw new TypeError(`${fn}: dtype must be 'float32' or 'int32', got ${describe(d)}`);
  return d;
}

/** Nested arrays' shape and flat values, checking they are rectangular. */
function flattenNested(fn: string, v: unknown): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  let probe: unknown = v;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  const walk = (x: unknown, d: number, path: string) => {
    if (d === shape.length) {
      if (typeof x !== 'number')
        throw new TypeError(`${fn}: data${path} must be a number, got ${describe(x)}`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[d])
      throw new RangeError(
        `${fn}: data is not rectangular: data${path} should have ${shape[d]} elements, got ${describe(x)}`,
      );
    x.forEach((e, i) => walk(e, d + 1, `${path}[${i}]`));
  };
  walk(v, 0, '');
  return { shape, flat };
}

/**
 * A tensor from `data`: a number, nested arrays (copied), or a Float32Array/Int32Array (used
 * as is, not copied) with `shape` (default: 1-D).
 */
export function tensor(
  data: number | readonly unknown[] | Float32Array | Int32Array,
  shape?: readonly number[] | TensorOptions,
  options?: TensorOptions,
): Tensor<DType> {
  const fn = 'tensor';
  if (shape !== undefined && !Array.isArray(shape))
    return tensor(data, undefined, shape as TensorOptions);
  const opts = options;
  if (data instanceof Float32Array || data instanceof Int32Array) {
    const s = (shape as readonly number[] | undefined) ?? [data.length];
    checkShape(fn, 'shape', s);
    if (numel(s) !== data.length)
      throw new RangeError(
        `${fn}: shape ${shapeStr(s)} has ${numel(s)} elements, data has ${data.length}`,
      );
    if (
      opts?.dtype !== undefined &&
      opts.dtype !== (data instanceof Int32Array ? 'int32' : 'float32')
    )
      throw new TypeError(`${fn}: dtype ${opts.dtype} does not match data ${describe(data)}`);
    const t =
      data instanceof Int32Array ? wrap(data, [...s], 'int32') : wrap(data, [...s], 'float32');
    return applyOptions(fn, t as Tensor<DType>, opts);
  }
  let flat: number[];
  let inferred: number[];
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (Array.isArray(data)) {
    ({ shape: inferred, flat } = flattenNested(fn, data));
  } else {
    throw new TypeError(
      `${fn}: data must be a number, nested arrays, a Float32Array or an Int32Array, got ${describe(data)}`,
    );
  }
  const s = (shape as readonly number[] | undefined) ?? inferred;
  checkShape(fn, 'shape', s);
  if (numel(s) !== flat.length)
    throw new RangeError(
      `${fn}: shape ${shapeStr(s)} has ${numel(s)} elements, data has ${flat.length}`,
    );
  const dtype = dtypeOf(fn, opts, 'float32');
  if (dtype === 'int32' && flat.some((x) => !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31))
    throw new RangeError(`${fn}: int32 data must be integers in [−2³¹, 2³¹)`);
  const buf = dtype === 'int32' ? Int32Array.from(flat) : Float32Array.from(flat);
  const t = buf instanceof Int32Array ? wrap(buf, [...s], 'int32') : wrap(buf, [...s], 'float32');
  return applyOptions(fn, t as Tensor<DType>, opts);
}

/** A float32 tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options?: TensorOptions): Tensor {
  const fn = 'full';
  checkShape(fn, 'shape', shape);
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: value must be a number, got ${describe(value)}`);
  if (options?.dtype !== undefined && options.dtype !== 'float32')
    throw new TypeError(
      `${fn}: only float32 is supported here, got dtype ${describe(options.dtype)}`,
    );
  const t = wrap(new Float32Array(numel(shape)), [...shape], 'float32');
  if (value !== 0) t._d.fill(value);
  return applyOptions(fn, t, options);
}

/** A float32 tensor of `shape` filled with 0 (torch.zeros). */
export const zeros = (shape: readonly number[], options?: TensorOptions) => full(shape, 0, options);
/** A float32 tensor of `shape` filled with 1 (torch.ones). */
export const ones = (shape: readonly number[], options?: TensorOptions) => full(shape, 1, options);

/** A 0-d float32 tensor. */
export function scalar(value: number): Tensor {
  // Not from the pool: a number operand's tensor is saved by its node and never handed back,
  // so a pooled one would drain the pool by one buffer per call.
  return new Tensor(new Storage(Float32Array.of(value), false), [], 'float32');
}

function rngArg(fn: string, rng: unknown): Rng {
  if (!(rng instanceof Rng))
    throw new TypeError(`${fn}: rng must be an Rng (new Rng(seed)), got ${describe(rng)}`);
  return rng;
}

/** Normal draws N(mean, std²) of `shape` from `rng` (the same numbers on every backend). */
export function randn(shape: readonly number[], rng: Rng, mean = 0, std = 1): Tensor {
  const fn = 'randn';
  checkShape(fn, 'shape', shape);
  const r = rngArg(fn, rng);
  const t = emptyTensor(shape);
  getBackend().rngNormal(r.state, t._d, mean, std);
  return t;
}

/** Uniform draws in [lo, hi) of `shape` from `rng`. */
export function rand(shape: readonly number[], rng: Rng, lo = 0, hi = 1): Tensor {
  const fn = 'rand';
  checkShape(fn, 'shape', shape);
  const r = rngArg(fn, rng);
  const t = emptyTensor(shape);
  getBackend().rngUniform(r.state, t._d, lo, hi);
  return t;
}
