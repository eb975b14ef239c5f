/**
 * The memory behind tensors. Several tensors can share one Storage (a reshape is a view), so a
 * buffer goes back to the pool only when every tensor on it has been released, it came from
 * the pool, and no caller ever took its typed array out through `Tensor.data` (then someone
 * may still hold the array, and reusing it would change their numbers under them).
 */
import { f32Pool, i32Pool } from './pool.js';

/** A tensor's element type: float32 values, or int32 indices and labels (never differentiated). */
export type DType = 'float32' | 'int32';
/** The typed array holding a tensor of dtype `D`: Int32Array for int32, Float32Array for float32. */
export type ArrayOf<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

export class Storage<D extends DType = DType> {
  /** Live tensors on this storage. */
  refs = 0;
  /** Whether a caller took the typed array out (then it is never recycled). */
  escaped = false;
  /** Bumped by every in-place write, so a saved tensor that changed before backward is caught. */
  version = 0;

  constructor(
    readonly buf: ArrayOf<D>,
    readonly pooled: boolean,
  ) {}

  /** One tensor on this storage was released; recycles the buffer when it was the last. */
  drop(): void {
    if (--this.refs > 0 || !this.pooled || this.escaped) return;
    if (this.buf instanceof Float32Array) f32Pool.put(this.buf);
    else i32Pool.put(this.buf as Int32Array);
  }
}

/** A storage of `n` elements of `dtype` from the pool (contents unspecified). */
export function pooledStorage<D extends DType>(dtype: D, n: number): Storage<D> {
  const buf = (dtype === 'int32' ? i32Pool.take(n) : f32Pool.take(n)) as ArrayOf<D>;
  return new Storage(buf, true);
}

/**
 * Storages of arrays that live elsewhere (model arenas, optimizer-visible parameters), by
 * array, so an optimizer step can bump their versions without knowing about tensors.
 */
const external = new WeakMap<Float32Array, Storage<'float32'>>();

/** The storage wrapping a caller-owned array, shared by every tensor made on it. */
export function externalStorage<D extends DType>(buf: ArrayOf<D>): Storage<D> {
  if (buf instanceof Float32Array) {
    let s = external.get(buf);
    if (!s) external.set(buf, (s = new Storage<'float32'>(buf, false)));
    return s as unknown as Storage<D>;
  }
  return new Storage(buf, false);
}

/** Records an in-place write to `buf` (an optimizer step): tapes that saved it will refuse. */
export function noteWrite(buf: Float32Array): void {
  const s = external.get(buf);
  if (s) s.version++;
}
