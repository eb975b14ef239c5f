/**
 * Size-keyed free lists of typed arrays for the tape's intermediates. A training step asks for
 * the same sizes every time, so after the first step every buffer comes from here and the step
 * allocates nothing (glibc hands arrays ≥ 128 KiB straight to mmap, so a fresh one per op costs
 * page faults on every step). Buffers come back only from owners that know no one else can
 * reach them (see Storage); contents are unspecified on `take`.
 */

/** Upper bound on the bytes kept idle, so a one-off large graph does not pin its memory. */
const MAX_IDLE_BYTES = 512 * 2 ** 20;

class Pool<T extends Float32Array | Int32Array> {
  private readonly free = new Map<number, T[]>();
  private idle = 0;
  /** Fresh allocations made (a steady-state step adds none). */
  allocations = 0;

  constructor(private readonly make: (n: number) => T) {}

  take(n: number): T {
    const list = this.free.get(n);
    const b = list?.pop();
    if (b) {
      this.idle -= n * 4;
      return b;
    }
    this.allocations++;
    return this.make(n);
  }

  put(b: T): void {
    const n = b.length;
    if (n === 0 || this.idle + n * 4 > MAX_IDLE_BYTES) return;
    let list = this.free.get(n);
    if (!list) this.free.set(n, (list = []));
    list.push(b);
    this.idle += n * 4;
  }

  clear(): void {
    this.free.clear();
    this.idle = 0;
  }

  get idleBytes(): number {
    return this.idle;
  }
}

export const f32Pool = new Pool<Float32Array>((n) => new Float32Array(n));
export const i32Pool = new Pool<Int32Array>((n) => new Int32Array(n));

/** What the pools hold and how often they had to allocate (for tests and benchmarks). */
export function poolStats(): {
  /** Buffers the pools had to allocate so far (a steady training loop stops adding to it). */
  allocations: number;
  /** Bytes held by idle buffers waiting for reuse. */
  idleBytes: number;
} {
  return {
    allocations: f32Pool.allocations + i32Pool.allocations,
    idleBytes: f32Pool.idleBytes + i32Pool.idleBytes,
  };
}

/** Drops every idle buffer (memory goes back to the garbage collector). */
export function clearPool(): void {
  f32Pool.clear();
  i32Pool.clear();
}
