/** A dense row-major float32 tensor: a Float32Array view and its shape (batch first). */
import { describe, noMoreArgs } from '../backend/validate.js';
import { isForeignShared } from '../backend/wasm/shared.js';

/**
 * A plain dense tensor: row-major float32 values and their shape (batch first), as datasets,
 * `fit` and the losses' `forward` take it. A float32 autograd `Tensor` satisfies it.
 */
export interface Tensor {
  /** The values, row-major. */
  readonly data: Float32Array;
  /** The shape; the product of its entries is `data.length`. */
  readonly shape: readonly number[];
}

/** Number of elements of a shape (the product of its entries; 1 for `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as text, `[2, 3]`, for messages. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A tensor over `data` (checked: a Float32Array whose length is the product of `shape`). */
export function tensor(data: Float32Array, shape: readonly number[]): Tensor {
  if (!(data instanceof Float32Array))
    throw new TypeError(`tensor: data must be a Float32Array, got ${describe(data)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new TypeError(
      `tensor: shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  if (numel(shape) !== data.length) {
    throw new RangeError(
      `tensor: shape ${shapeStr(shape)} has ${numel(shape)} elements, data has ${data.length}`,
    );
  }
  return { data, shape: [...shape] };
}

/**
 * Refuses what cannot be a tensor argument of `fn`, naming it: not {data, shape}, data not an
 * ArrayBuffer-backed Float32Array (Int32Array too with `indices`, for embeddings; kernels need memory no other thread writes during a call),
 * a bad shape, or a shape whose element count differs from data's length.
 */
export function checkTensorArg(
  fn: string,
  name: string,
  t: unknown,
  { indices = false } = {},
): asserts t is Tensor {
  if (t === null || typeof t !== 'object')
    throw new TypeError(`${fn}: ${name} must be a tensor {data, shape}, got ${describe(t)}`);
  const { data, shape } = t as Tensor;
  if (!(data instanceof Float32Array) && !(indices && (data as unknown) instanceof Int32Array))
    throw new TypeError(
      `${fn}: ${name}.data must be a Float32Array${indices ? ' (or Int32Array indices)' : ''}, got ${describe(data)}`,
    );
  if (isForeignShared(data.buffer))
    throw new TypeError(
      `${fn}: ${name}.data is backed by a SharedArrayBuffer; copy it into an ArrayBuffer-backed Float32Array`,
    );
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new TypeError(
      `${fn}: ${name}.shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  if (data.length === 0 && numel(shape) > 0 && data.buffer.byteLength === 0)
    throw new TypeError(`${fn}: ${name}.data's ArrayBuffer has been detached`);
}

/** A reusable output buffer that grows to the largest batch seen and hands out exact-size views. */
export class Scratch {
  private store = new Float32Array(0);
  private view: Tensor | null = null;

  constructor(...extra: never[]) {
    noMoreArgs('Scratch', extra, 'no arguments');
  }

  /** A tensor of `shape` backed by this buffer (contents unspecified; reused across calls). */
  get(shape: readonly number[]): Tensor {
    const n = numel(shape);
    const v = this.view;
    if (v && v.data.length === n && sameShape(v.shape, shape)) return v;
    if (this.store.length < n) this.store = new Float32Array(n);
    this.view = { data: this.store.subarray(0, n), shape: [...shape] };
    return this.view;
  }

  /** Like `get`, zero-filled. */
  zeros(shape: readonly number[]): Tensor {
    const t = this.get(shape);
    t.data.fill(0);
    return t;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
