/** A dense row-major float32 tensor: a Float32Array view and its shape (batch first). */
import { describe } from '../backend/validate.js';

export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

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

/** A reusable output buffer that grows to the largest batch seen and hands out exact-size views. */
export class Scratch {
  private store = new Float32Array(0);
  private view: Tensor | null = null;

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
