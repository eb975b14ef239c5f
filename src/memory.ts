/**
 * Flat buffers. Arrays that are stepped through together (parameters, gradients, optimizer
 * moments) are placed in one buffer at staggered offsets: equal-length arrays at
 * power-of-two distances map to the same cache sets and cost Adam ~15% at 64K parameters
 * (measured, /tmp benchmark in the optimizer issue's note).
 *
 * On the wasm backend's shared build the buffer is a block of the module's own memory, so
 * kernels take the arrays in place instead of copying them in and out per call. That memory
 * is shared, so growing it never detaches these views (see src/backend/wasm/marshal.ts).
 */
import { cacheLineOffsetProbe, hugePageAdvisor, sharedArenaHost } from './backend/select.js';
import type { WasmExports } from './backend/wasm/exports.js';
import { wasmAlloc } from './backend/wasm/marshal.js';
import { recordOwnBuffer } from './backend/wasm/shared.js';

const ALIGN = 64; // bytes: one cache line, one AVX-512 vector
/** Bytes of a huge page, and the size from which a buffer starts on one (native, Linux). */
const HUGE = 2 ** 21;
const HUGE_MIN = 2 ** 20;

/** Float32Arrays of the given lengths in one zeroed buffer, each cache-line aligned within it and staggered. */
export function allocArena(lengths: readonly number[], what = 'allocArena'): Float32Array[] {
  let offset = 0;
  const starts: number[] = [];
  for (let i = 0; i < lengths.length; i++) {
    starts.push(offset);
    const bytes = lengths[i] * 4;
    // Round up to a cache line, then add one line per array so strides are not 2^k.
    offset += Math.ceil(bytes / ALIGN) * ALIGN + ALIGN * ((i % 7) + 1);
  }
  const host = sharedArenaHost();
  if (host) return wasmArena(host, lengths, starts, offset, what);
  const { buf, shift } = alignedBuffer(offset, lengths, what);
  return lengths.map((n, i) => new Float32Array(buf, starts[i] + shift, n));
}

/**
 * A zeroed buffer holding `bytes` from `shift` on. Where the native addon is loaded, `shift`
 * puts them on a cache line (V8's buffers are only 16-byte aligned, and an optimizer streams
 * parameters, gradients and states from separate arenas: with different misalignments the
 * vector loop splits lines on every access of some), and from HUGE_MIN bytes on a huge page
 * with the pages advised: with 4 KiB pages the page walks over the parameters, gradients and
 * moments cost the MLP step ~5%. Arenas live long and are streamed every step, which pays
 * for the huge pages' slower first touch (the kernel compacts memory to find them: a 100 MB
 * arena took 258 ms to allocate and fill instead of 56 here). Datasets, read once an epoch,
 * did not pay: 400 ms more to load Fashion-MNIST for 30 µs a step.
 */
function alignedBuffer(bytes: number, lengths: readonly number[], what: string) {
  const probe = cacheLineOffsetProbe();
  const advise = bytes >= HUGE_MIN ? hugePageAdvisor() : null;
  // Whole huge pages past the first boundary, or one spare line.
  const total = advise ? Math.ceil(bytes / HUGE) * HUGE + HUGE : bytes + (probe ? ALIGN : 0);
  let buf: ArrayBuffer;
  try {
    buf = new ArrayBuffer(total);
  } catch (e) {
    // V8's message ("Array buffer allocation failed") says neither what nor how much
    throw tooLarge(lengths, bytes, what, (e as Error).message);
  }
  if (advise) return { buf, shift: advise(new Float32Array(buf)) };
  const shift = probe && total > 0 ? (ALIGN - probe(new Float32Array(buf, 0, 1))) % ALIGN : 0;
  return { buf, shift };
}

/** The same RangeError on every backend, with the allocator's reason at the end. */
function tooLarge(lengths: readonly number[], bytes: number, what: string, why: string) {
  return new RangeError(
    `${what}: cannot allocate ${(bytes / 2 ** 20).toFixed(1)} MiB for ${lengths.length} float32 array(s) of up to ${Math.max(...lengths)} elements: ${why}`,
  );
}

/**
 * Every view of a wasm arena, and every view derived from one by `subarray` (which creates
 * this class through `Symbol.species`), maps to the arena's token here. The block is freed
 * when the token is collected, i.e. when no view of the arena is reachable any more:
 * callers keep sub-views and drop the parents, so tying the block to a parent would free
 * memory that is still in use.
 */
const tokens = new WeakMap<Float32Array, object>();

/** Float32Array's constructor over any buffer (lib.es types it over ArrayBuffer only). */
const F32 = Float32Array as unknown as new (
  buf: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => Float32Array;

/** A Float32Array over a wasm arena; its sub-views keep the arena alive too. */
class ArenaView extends F32 {
  override subarray(begin?: number, end?: number): Float32Array {
    const s = super.subarray(begin, end);
    const t = tokens.get(this);
    if (t) tokens.set(s, t);
    return s;
  }
}

const released = new FinalizationRegistry<{ e: WasmExports; p: number; bytes: number }>(
  ({ e, p, bytes }) => e.descent_free(p, bytes),
);

function wasmArena(
  e: WasmExports,
  lengths: readonly number[],
  starts: number[],
  bytes: number,
  what: string,
): Float32Array[] {
  let p: number;
  try {
    p = wasmAlloc(e, bytes, what); // zeroed
  } catch (err) {
    // wasmAlloc's message names the bytes and the module's limit: keep it as the reason.
    throw tooLarge(lengths, bytes, what, (err as Error).message.replace(`${what}: `, ''));
  }
  const buf = e.memory.buffer; // read after the allocation's growth
  recordOwnBuffer(buf, e.memory);
  const token = {};
  released.register(token, { e, p, bytes });
  return lengths.map((n, i) => {
    const v = new ArenaView(buf, p + starts[i], n);
    tokens.set(v, token);
    return v;
  });
}
