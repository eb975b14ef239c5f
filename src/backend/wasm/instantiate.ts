/**
 * Instantiating either wasm build from its bytes or compiled module, with no Node built-ins
 * (a browser entry uses this directly; ./load.ts reads the files under Node and chooses the
 * build). The plain build (wasm/descent.wasm) imports nothing; the shared build
 * (wasm/descent-mt.wasm, wasm32-wasip1-threads) imports a shared memory, created here, and a
 * few WASI functions (./wasi.ts).
 */
import type { WasmExports } from './exports.js';
import { recordOwnBuffer } from './shared.js';
import { wasiImports } from './wasi.js';
import { WA, type WasmMemory, type WasmModule } from './webassembly.js';

/**
 * The shared build's initial memory in 64 KiB pages: `--initial-memory=4194304` in
 * .cargo/config.toml (the imported memory must be at least what the module declares).
 */
export const SHARED_INITIAL_PAGES = 64;
/** wasm32's ceiling in pages, the shared build's `--max-memory`. */
const MAX_PAGES = 65536;

/** Whether this host can give the module a shared memory (SharedArrayBuffer usable). */
export function sharedMemoryWorks(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  // Browsers expose SharedArrayBuffer to wasm only when cross-origin isolated; Node has no
  // such flag (undefined) and always allows it.
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/** Options of {@link instantiateWasm} (the shared build only). */
export interface InstantiateOptions {
  /** Threads the kernels may use, the caller included (default 1). */
  threads?: number;
  /** Makes `wasi.thread-spawn` for the module and its memory (needed when threads > 1). */
  spawner?: (module: WasmModule, memory: WasmMemory) => (arg: number) => number;
}

/**
 * Instantiates compiled bytes or a compiled module. The plain build imports nothing; the
 * shared build gets a fresh shared memory and the few WASI functions it links (see
 * ./wasi.ts), and its thread pool is sized to `threads` (the calling thread alone unless a
 * spawner is given).
 */
export function instantiateWasm(
  source: ArrayBufferView | ArrayBuffer | WasmModule,
  options: InstantiateOptions = {},
): WasmExports {
  const mod =
    ArrayBuffer.isView(source) || source instanceof ArrayBuffer
      ? new WA.Module(source as ArrayBufferView | ArrayBuffer)
      : source;
  const shared = WA.Module.imports(mod).some((i) => i.module === 'env' && i.name === 'memory');
  let imports = {};
  if (shared) {
    const memory = new WA.Memory({
      initial: SHARED_INITIAL_PAGES,
      maximum: MAX_PAGES,
      shared: true,
    });
    imports = { env: { memory }, ...wasiImports(memory, options.spawner?.(mod, memory)) };
  }
  const inst = new WA.Instance(mod, imports);
  const e = inst.exports as unknown as WasmExports;
  if (!(e.memory instanceof WA.Memory) || typeof e.optim_step !== 'function') {
    throw new Error('the module does not export the descent kernels');
  }
  let threads = 1;
  if (shared) {
    recordOwnBuffer(e.memory.buffer, e.memory);
    threads = options.spawner ? (options.threads ?? 1) : 1;
    if (typeof e.threads_init !== 'function' || e.threads_init(threads) !== 0) {
      throw new Error(`the shared wasm module could not start its ${threads}-thread pool`);
    }
  }
  threadCounts.set(e, threads);
  return e;
}

const threadCounts = new WeakMap<WasmExports, number>();

/** Threads the kernels of an instance use (1 for the plain build). */
export function wasmThreads(e: WasmExports): number {
  return threadCounts.get(e) ?? 1;
}
