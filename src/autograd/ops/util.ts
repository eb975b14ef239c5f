/**
 * What every differentiable operation starts with: its arguments checked and turned into
 * tensors (a plain `{ data, shape }` is wrapped, not copied), the backend they agree on, and
 * outputs tagged with it.
 */
import '../methods.js'; // every op's result has the tensor methods
import type { Kernels } from '../../backend/kernels.js';
import { type Backend, backend, getBackend } from '../../backend/select.js';
import { describe, isDetached } from '../../backend/validate.js';
import type { DType } from '../storage.js';
import { emptyTensor, numel, shapeStr, Tensor, type TensorLike, wrap } from '../tensor.js';

export type AnyTensor = Tensor<DType>;

/**
 * `x` as a tensor for argument `name` of `fn`: a live Tensor, or a plain `{ data, shape }`
 * with a Float32Array (Int32Array where `dtype` allows) whose length matches the shape.
 */
export function asTensor(fn: string, name: string, x: unknown, dtype: 'float32'): Tensor;
export function asTensor(fn: string, name: string, x: unknown, dtype: 'int32'): Tensor<'int32'>;
export function asTensor(fn: string, name: string, x: unknown, dtype: 'any'): AnyTensor;
export function asTensor(fn: string, name: string, x: unknown, dtype: DType | 'any'): AnyTensor {
  let t: AnyTensor;
  if (x instanceof Tensor) {
    t = x as AnyTensor;
    if (t._released) t.checkLive(`${fn}(${name})`);
  } else {
    if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x) || Array.isArray(x))
      throw new TypeError(`${fn}: ${name} must be a Tensor or {data, shape}, got ${describe(x)}`);
    const { data, shape } = x as TensorLike;
    if (!(data instanceof Float32Array) && !(data instanceof Int32Array))
      throw new TypeError(
        `${fn}: ${name}.data must be a Float32Array${dtype === 'float32' ? '' : ' or Int32Array'}, got ${describe(data)}`,
      );
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer)
      throw new TypeError(
        `${fn}: ${name}.data is backed by a SharedArrayBuffer; copy it into an ArrayBuffer-backed array`,
      );
    if (data.length === 0 && isDetached(data.buffer))
      throw new TypeError(`${fn}: ${name}.data's ArrayBuffer has been detached`);
    checkShape(fn, `${name}.shape`, shape);
    if (numel(shape) !== data.length)
      throw new RangeError(
        `${fn}: ${name}.shape ${shapeStr(shape)} has ${numel(shape)} elements, its data has ${data.length}`,
      );
    t =
      data instanceof Int32Array
        ? (wrap(data, [...shape], 'int32') as AnyTensor)
        : (wrap(data, [...shape], 'float32') as AnyTensor);
  }
  if (dtype !== 'any' && t.dtype !== dtype)
    throw new TypeError(
      `${fn}: ${name} must be a ${dtype} tensor, got ${t.dtype} ${shapeStr(t.shape)}${dtype === 'float32' ? ' (int32 tensors hold indices and labels; convert with .float())' : ''}`,
    );
  return t;
}

/** A shape: an array of non-negative safe integers. */
export function checkShape(fn: string, name: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new TypeError(
      `${fn}: ${name} must be an array of non-negative integers, got ${Array.isArray(shape) ? `[${shape.map(String).join(', ')}]` : describe(shape)}`,
    );
}

/**
 * The backend the inputs agree on: tensors computed by one backend stay on it (a mix is an
 * error naming both); plain data follows the active backend.
 */
export function backendOf(fn: string, ...ts: readonly (AnyTensor | null | undefined)[]): Backend {
  let name: AnyTensor['_backend'] = null;
  let from: AnyTensor | null = null;
  for (const t of ts) {
    if (!t || t._backend === null) continue;
    if (name === null) {
      name = t._backend;
      from = t;
    } else if (t._backend !== name) {
      throw new Error(
        `${fn}: ${from?.label()} was computed on the ${name} backend and ${t.label()} on the ${t._backend} backend; use tensors of one backend (t.to('${name}') moves one)`,
      );
    }
  }
  return name === null ? getBackend() : backend(name);
}

/** A fresh output tensor (pooled buffer, contents unspecified) tagged with backend `b`. */
export function out(b: Backend, shape: readonly number[], dtype: DType = 'float32'): Tensor {
  const t = emptyTensor(shape, dtype) as Tensor;
  t._backend = b.name;
  return t;
}

/** Kernels of `b` for `work` elements (tiny calls run in JS). */
export function kernels(b: Backend, work: number): Kernels {
  return b.kernelsFor(work);
}

/** A finite number argument. */
export function num(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new TypeError(`${fn}: ${name} must be a number, got ${describe(v)}`);
  return v;
}

/** An axis in [−ndim, ndim), normalised to [0, ndim). */
export function axisOf(fn: string, name: string, axis: unknown, ndim: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis))
    throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(axis)}`);
  if (axis < -ndim || axis >= ndim)
    throw new RangeError(
      `${fn}: ${name} ${axis} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'} (valid: ${-ndim} … ${ndim - 1})`,
    );
  return axis < 0 ? axis + ndim : axis;
}
