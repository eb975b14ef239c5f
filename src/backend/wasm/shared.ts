/**
 * Which SharedArrayBuffers are descent's own: every `memory.buffer` the shared wasm module's
 * memory has handed out (a shared memory's growth gives a new, longer SharedArrayBuffer and
 * leaves the old ones and their views valid). Those are written only by descent's kernels,
 * one call at a time, so validation accepts them on every backend; any other
 * SharedArrayBuffer may be written by another thread during a call and is still refused.
 * No imports: validation and the loader both use it.
 */

const own = new WeakSet<object>();

/** Records `buf` (a shared memory's current buffer) as descent's own. */
export function recordOwnBuffer(buf: ArrayBufferLike): void {
  if (typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer) own.add(buf);
}

/** Whether `buf` is one of the shared wasm memory's buffers. */
export function isOwnShared(buf: ArrayBufferLike): boolean {
  return own.has(buf);
}

/** Whether `buf` is a SharedArrayBuffer that is not descent's own (refused by validation). */
export function isForeignShared(buf: ArrayBufferLike): boolean {
  return (
    typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer && !own.has(buf)
  );
}
