/**
 * Weight snapshots: the model's parameter arena and its state buffers (batch-norm running
 * statistics) copied into one preallocated Float32Array, and copied back.
 */
import type { Model } from '../nn/model.js';

/** Elements a snapshot of `model` holds. */
export function snapshotLength(model: Model): number {
  let n = model.params.length;
  for (const b of model.stateBuffers()) n += b.data.length;
  return n;
}

/** Copies the model's parameters and state buffers into `out` (allocated when absent). */
export function takeSnapshot(model: Model, out?: Float32Array): Float32Array {
  const n = snapshotLength(model);
  const dst = out && out.length === n ? out : new Float32Array(n);
  dst.set(model.params, 0);
  let o = model.params.length;
  for (const b of model.stateBuffers()) {
    dst.set(b.data, o);
    o += b.data.length;
  }
  return dst;
}

/** Copies a snapshot from `takeSnapshot` back into the model. */
export function restoreSnapshot(model: Model, snap: Float32Array): void {
  const n = snapshotLength(model);
  if (snap.length !== n) {
    throw new RangeError(
      `restoreSnapshot: the snapshot has ${snap.length} values, the model ${n} (another model?)`,
    );
  }
  model.params.set(snap.subarray(0, model.params.length));
  let o = model.params.length;
  for (const b of model.stateBuffers()) {
    b.data.set(snap.subarray(o, o + b.data.length));
    o += b.data.length;
  }
}
