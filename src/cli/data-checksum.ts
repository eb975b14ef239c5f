/** sha256 of a loaded dataset's tensors: a queue worker must hold the coordinator's data. */
import { createHash } from 'node:crypto';
import type { Dataset } from '../data/dataset.js';

/** Hashes inputs and labels as loaded, so gzipped and plain copies of the same data agree. */
export function dataChecksum(sets: readonly Dataset[]): string {
  const h = createHash('sha256');
  for (const d of sets) {
    const t = d as unknown as {
      x: { data: ArrayBufferView };
      y: ArrayBufferView | { data: ArrayBufferView };
    };
    const y = 'data' in t.y ? t.y.data : t.y;
    for (const a of [t.x.data, y]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest('hex');
}
