/**
 * Which SharedArrayBuffers are descent's own: every `memory.buffer` the shared wasm module's
 * memory has handed out (a shared memory's growth gives a new, longer SharedArrayBuffer and
 * leaves the old ones and their views valid). Those are written only by descent's kernels,
 * one call at a time, so validation accepts them on every backend; any other
 * SharedArrayBuffer may be written by another thread during a call and is still refused.
 * No imports: validation and the loader both use it.
 */

/** Each recorded buffer → the memory it belongs to (an instance's `memory` object). */
const own = new WeakMap<object, object>();

/** Records `buf` (the current buffer of the shared memory `memory`) as descent's own. */
export function recordOwnBuffer(buf: ArrayBufferLike, memory: object): void {
  if (typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer)
    own.set(buf, memory);
}

/**
 * Whether `buf` is one of the buffers of `memory` (so a view of it can be passed to that
 * instance by address; another instance's memory is another address space).
 */
export function isBufferOf(buf: ArrayBufferLike, memory: object): boolean {
  return own.get(buf) === memory;
}

/** Whether `buf` is a SharedArrayBuffer that is not descent's own (refused by validation). */
export function isForeignShared(buf: ArrayBufferLike): boolean {
  return (
    typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer && !own.has(buf)
  );
}
