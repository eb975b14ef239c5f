/**
 * The `descent` TensorFlow.js backend: tfjs-backend-cpu's `MathBackendCPU` (tensor storage in
 * plain typed arrays, one per tensor), so every cpu kernel runs on it unchanged and descent's
 * kernels read and write the same arrays in place.
 *
 * Outputs of descent's kernels come from `alloc`, which recycles the arrays of disposed
 * tensors: a fresh large typed array costs page faults and zeroing on every op (half the time
 * of an elementwise op over a layer's weights), and a training step frees arrays of the same
 * sizes as the next one allocates. An array is recycled only when nothing else can see it:
 * `alloc` made it, every tensor whose storage shares its buffer has been disposed (cpu kernels
 * may store a view of an input, e.g. a contiguous slice), and it was never handed out by
 * `read`/`readSync` (`dataSync()` returns the storage itself).
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, DataType } from '@tensorflow/tfjs-core';

/** Arrays shorter than this are not pooled (cheap to allocate, not worth the bookkeeping). */
const POOL_MIN_LENGTH = 1024;
/** The most the pool holds, in bytes, and per length. */
const POOL_MAX_BYTES = 256 * 2 ** 20;
const POOL_MAX_PER_LENGTH = 32;

type Entry = { values?: BackendValues; complexTensorInfos?: unknown };

/**
 * The `descent` TensorFlow.js backend: tfjs-backend-cpu's `MathBackendCPU` with descent's
 * kernels registered for the ops in `DESCENT_KERNELS`, and kernel outputs recycled from
 * disposed tensors' arrays. Registered on import; select it with `tf.setBackend('descent')`.
 */
export class DescentBackend extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private readonly intPool = new Map<number, Int32Array[]>();
  private pooledBytes = 0;
  /** Buffers `alloc` made and `readSync` never handed out. */
  private readonly owned = new WeakSet<ArrayBufferLike>();
  /** Owned buffers stored in tensors now, with how many tensors use each. */
  private readonly users = new Map<ArrayBufferLike, number>();
  /** What a kernel attached to an output it made, for a later kernel; dropped with it. */
  private readonly attached = new Map<DataId, { value: unknown; ints: Int32Array | null }>();

  constructor() {
    super();
    // MathBackendCPU suggests tfjs-node at its first write in Node; not for this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 array of length `n` for a kernel's output; contents unspecified (write all). */
  alloc(n: number): Float32Array {
    if (n < POOL_MIN_LENGTH) return new Float32Array(n);
    const v = this.pool.get(n)?.pop();
    if (v !== undefined) {
      this.pooledBytes -= v.byteLength;
      return v;
    }
    const fresh = new Float32Array(n);
    this.owned.add(fresh.buffer);
    return fresh;
  }

  /** An int32 array of length `n` to attach to an output (see `attach`); contents unspecified. */
  allocInt(n: number): Int32Array {
    const v = n < POOL_MIN_LENGTH ? undefined : this.intPool.get(n)?.pop();
    if (v === undefined) return new Int32Array(n);
    this.pooledBytes -= v.byteLength;
    return v;
  }

  /** Stores `values` as a new tensor (tfjs's `KernelBackend.write`), tracking its buffer for recycling. */
  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.use(values, 1);
    return id;
  }

  /** Stores `values` under an existing `dataId` (tfjs's `KernelBackend.move`), tracking its buffer. */
  override move(
    dataId: DataId,
    values: BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.use(values, 1);
  }

  /** The tensor's values (tfjs's `readSync`); the array handed out is never recycled afterwards. */
  override readSync(dataId: DataId): BackendValues {
    this.escape(this.entry(dataId));
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.entry(dataId);
    const released = super.disposeData(dataId, force);
    if (entry !== undefined && !this.data.has(dataId)) {
      if (entry.values !== undefined) this.release(entry.values);
      const a = this.attached.get(dataId);
      if (a !== undefined) {
        this.attached.delete(dataId);
        if (a.ints !== null) this.recycle(this.intPool, a.ints);
      }
    }
    return released;
  }

  /**
   * Attaches `value` to the stored tensor `dataId` until it is disposed; `ints` (from
   * `allocInt`, referenced by `value`) is recycled then.
   */
  attach(dataId: DataId, value: unknown, ints: Int32Array | null = null): void {
    if (this.data.has(dataId)) this.attached.set(dataId, { value, ints });
  }

  /** What was attached to `dataId`, if it is still stored. */
  attachment(dataId: DataId): unknown {
    return this.attached.get(dataId)?.value;
  }

  /** What the backend keeps besides tensors (diagnostics, tests): pooled bytes, attachments. */
  retained(): {
    /** Bytes of arrays held in the pool for reuse. */
    pooledBytes: number;
    /** Stored tensors with a kernel attachment. */
    attachments: number;
  } {
    return { pooledBytes: this.pooledBytes, attachments: this.attached.size };
  }

  /** The stored entry of `dataId` (`data.get` would ask the engine to move a missing one here). */
  private entry(dataId: DataId): Entry | undefined {
    return this.data.has(dataId) ? (this.data.get(dataId) as Entry) : undefined;
  }

  /** Adds `delta` users to the owned buffer under `values`; the count now (undefined: not owned). */
  private use(values: BackendValues | undefined, delta: number): number | undefined {
    const b = (values as { buffer?: ArrayBufferLike } | undefined)?.buffer;
    if (b === undefined || !this.owned.has(b)) return undefined;
    const n = (this.users.get(b) ?? 0) + delta;
    if (n > 0) this.users.set(b, n);
    else this.users.delete(b);
    return n;
  }

  private escape(entry: Entry | undefined): void {
    const b = (entry?.values as { buffer?: ArrayBufferLike } | undefined)?.buffer;
    if (b !== undefined) {
      this.owned.delete(b);
      this.users.delete(b);
    }
    const parts = entry?.complexTensorInfos as
      | { real: { dataId: DataId }; imag: { dataId: DataId } }
      | undefined;
    if (parts !== undefined) {
      this.escape(this.entry(parts.real.dataId));
      this.escape(this.entry(parts.imag.dataId));
    }
  }

  private release(values: BackendValues): void {
    const left = this.use(values, -1);
    if (left === undefined || left > 0) return;
    const v = values as Float32Array;
    const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
    if (whole && v instanceof Float32Array) this.recycle(this.pool, v);
  }

  /** Keeps `v` in `pool` for reuse, within the pool's limits. */
  private recycle<T extends Float32Array | Int32Array>(pool: Map<number, T[]>, v: T): void {
    if (v.length < POOL_MIN_LENGTH || this.pooledBytes + v.byteLength > POOL_MAX_BYTES) return;
    const list = pool.get(v.length) ?? [];
    if (list.length >= POOL_MAX_PER_LENGTH) return;
    list.push(v);
    pool.set(v.length, list);
    this.pooledBytes += v.byteLength;
  }
}
