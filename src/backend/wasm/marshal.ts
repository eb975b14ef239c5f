/**
 * Moving arguments into the module's linear memory, the only memory WebAssembly code can
 * reach. A view that already lies in that memory is passed in place (no copy); any other is
 * copied into one reused scratch block before the call (if read) and back after it (if
 * written). Validation happens before the kernels run and every copy-back happens after a
 * successful call, so a failure writes nothing the caller can see.
 *
 * Memory growth (a kernel's own allocation, or a bigger scratch block) replaces
 * `memory.buffer`. A plain memory detaches every view of the old one: views of it are made
 * fresh after each call here and never cached, and no caller-held array is ever a view of
 * it. A shared memory (the shared build) leaves old buffers and their views valid: arenas
 * live there (src/memory.ts), and a view of any buffer it ever had is passed in place.
 */
import type { WasmExports } from './exports.js';
import { isBufferOf } from './shared.js';

export type View = Float32Array | Int32Array | Uint32Array | Float64Array;

export const READ = 1;
export const WRITE = 2;
export const BOTH = 3;

/** wasm32's ceiling: 65536 pages of 64 KiB. */
export const WASM_MEMORY_LIMIT = 2 ** 32;

const ALIGN = 64;

/** `bytes` bytes of zeroed linear memory, or a RangeError naming the size. */
export function wasmAlloc(e: WasmExports, bytes: number, what: string): number {
  // wasm32 returns addresses as i32: above 2 GiB they arrive negative unless read unsigned.
  const p = bytes < WASM_MEMORY_LIMIT ? e.descent_alloc(bytes) >>> 0 : 0;
  if (p === 0) {
    throw new RangeError(
      `${what}: cannot allocate ${bytes} bytes in WebAssembly memory (the module's limit is ${WASM_MEMORY_LIMIT} bytes, ${e.memory.buffer.byteLength} in use)`,
    );
  }
  return p;
}

export class Marshal {
  private readonly views: View[] = [];
  private readonly modes: number[] = [];
  private readonly ptrs: number[] = [];
  private n = 0;
  private scratch = 0;
  private cap = 0;

  constructor(private readonly e: WasmExports) {}

  /** Registers an argument (null → the null pointer); returns its slot for `p`. */
  add(v: View | null, mode: number): number {
    if (v === null) return -1;
    for (let i = 0; i < this.n; i++) {
      const u = this.views[i];
      // The same memory twice (the in-place forms): one copy, one pointer.
      if (u.buffer === v.buffer && u.byteOffset === v.byteOffset && u.byteLength === v.byteLength) {
        this.modes[i] |= mode;
        return i;
      }
    }
    this.views[this.n] = v;
    this.modes[this.n] = mode;
    return this.n++;
  }

  /** Places the arguments (allocating scratch, which may throw) and copies the read ones in. */
  commit(what: string): void {
    const mem = this.e.memory;
    let bytes = 0;
    for (let i = 0; i < this.n; i++) {
      const v = this.views[i];
      if (v.buffer !== mem.buffer && !isBufferOf(v.buffer, mem)) {
        bytes += Math.ceil(v.byteLength / ALIGN) * ALIGN;
      }
    }
    if (bytes > this.cap) {
      const want = Math.max(bytes, 2 * this.cap); // amortise growth over calls
      try {
        if (this.scratch) this.e.descent_free(this.scratch, this.cap);
        this.scratch = 0;
        this.cap = 0;
        this.scratch = wasmAlloc(this.e, want, what);
        this.cap = want;
      } catch (err) {
        this.n = 0;
        throw err;
      }
    }
    const buf = mem.buffer; // after any growth
    let at = this.scratch;
    for (let i = 0; i < this.n; i++) {
      const v = this.views[i];
      if (v.buffer === buf || isBufferOf(v.buffer, mem)) {
        this.ptrs[i] = v.byteOffset;
        this.modes[i] = 0; // in place: nothing to copy back
        continue;
      }
      this.ptrs[i] = at;
      if (this.modes[i] & READ) {
        new Uint8Array(buf, at, v.byteLength).set(
          new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
        );
      }
      at += Math.ceil(v.byteLength / ALIGN) * ALIGN;
    }
  }

  /** The linear-memory address of slot `i` (0 for an absent argument). */
  p(i: number): number {
    return i < 0 ? 0 : this.ptrs[i];
  }

  /** Copies the written arguments back (from the buffer as it is now) and resets. */
  finish(): void {
    const buf = this.e.memory.buffer;
    for (let i = 0; i < this.n; i++) {
      const v = this.views[i];
      if (this.modes[i] & WRITE) {
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(
          new Uint8Array(buf, this.ptrs[i], v.byteLength),
        );
      }
    }
    this.reset();
  }

  /** Drops the registered arguments without copying anything back (after a failure). */
  reset(): void {
    for (let i = 0; i < this.n; i++) this.views[i] = undefined as unknown as View;
    this.n = 0;
  }

  /** The last error message the module recorded. */
  error(): string {
    const bytes = new Uint8Array(
      this.e.memory.buffer,
      this.e.error_ptr() >>> 0,
      this.e.error_len(),
    );
    // A copy: browsers' TextDecoder refuses views of shared memory.
    return new TextDecoder().decode(bytes.slice());
  }
}
