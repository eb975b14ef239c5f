/**
 * Helpers shared by the `descent` backend's kernels: reading a tensor's storage in place,
 * making outputs, choosing descent's kernels for a size, and a reused scratch buffer.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Kernels } from '../backend/kernels.js';
import { getBackend } from '../backend/select.js';
import { isForeignShared } from '../backend/wasm/shared.js';
import type { DescentBackend } from './backend.js';

/**
 * The float32 values of `t`, when descent's kernels may read them in place: dtype float32,
 * a plain Float32Array of exactly the tensor's size, not shared with other threads (no
 * SharedArrayBuffer but the shared wasm module's own). Null otherwise: the caller falls back
 * to tfjs cpu.
 */
export function f32(backend: DescentBackend, t: TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  if (!(v instanceof Float32Array) || v.length !== sizeOf(t.shape)) return null;
  if (isForeignShared(v.buffer)) return null;
  return v;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A float32 output tensor of `shape` over `values` (owned by the new tensor from now on). */
export function output(backend: DescentBackend, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/** descent's unchecked kernels for `work` elements (small calls run in JS on native). */
export function kernelsFor(work: number): Kernels {
  return getBackend().kernelsFor(work);
}

let scratchMax = 1 << 24; // floats (64 MiB): larger lowerings are split into chunks

/** Sets the scratch limit in floats (tests use a small one to exercise chunking); the old one. */
export function setScratchMax(floats: number): number {
  const old = scratchMax;
  scratchMax = floats;
  return old;
}
const floatSlots: Float32Array[] = [];
const intSlots: Int32Array[] = [];

function grown<T extends Float32Array | Int32Array>(
  have: T | undefined,
  n: number,
  make: (n: number) => T,
): T {
  if (have !== undefined && have.length >= n) return have;
  const len = Math.max(n, Math.min(scratchMax, Math.floor((have?.length ?? 0) * 1.5)));
  return make(len);
}

/**
 * A reused buffer of `n` floats (contents unspecified) for a lowering's intermediate (im2col
 * columns, a pooling pass). Slot `slot` is one buffer: a kernel takes what it needs and is done
 * with it before returning, so kernels never see each other's scratch.
 */
export function scratchOf(n: number, slot = 0): Float32Array {
  floatSlots[slot] = grown(floatSlots[slot], n, (len) => new Float32Array(len));
  return floatSlots[slot].subarray(0, n);
}

/** As `scratchOf`, for int32 (pooling indices). */
export function intScratchOf(n: number, slot = 0): Int32Array {
  intSlots[slot] = grown(intSlots[slot], n, (len) => new Int32Array(len));
  return intSlots[slot].subarray(0, n);
}

/** How many of `items` (each `per` floats of scratch) to process at once: at least one. */
export function chunkOf(items: number, per: number): number {
  return Math.max(1, Math.min(items, Math.floor(scratchMax / Math.max(1, per))));
}

let ones = new Float32Array(0);

/** `n` ones (read only: a kernel's constant operand). */
export function onesOf(n: number): Float32Array {
  if (ones.length < n) ones = new Float32Array(Math.max(n, 2 * ones.length)).fill(1);
  return ones.subarray(0, n);
}
