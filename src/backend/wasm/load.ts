/**
 * Loads the WebAssembly build of the kernels (crates/wasm), once. Never throws: a failure is
 * kept as the reason to report, like the native loader. Two builds ship:
 * `wasm/descent.wasm` (own, growable memory; arguments are copied in per call) and
 * `wasm/descent-mt.wasm` (wasm32-wasip1-threads: it imports a shared memory, whose growth
 * never detaches a view, so arenas live in it and are passed in place). The shared one is
 * used where shared memory works: Node always, a browser only when cross-origin isolated.
 * Only `loadWasm` touches Node built-ins; a browser entry passes bytes or a compiled
 * module to `instantiateWasm` instead.
 */
import { readFileSync } from 'node:fs';
import type { WasmExports } from './exports.js';
import { recordOwnBuffer } from './shared.js';
import { nodeThreadSpawn } from './threads-node.js';
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
    recordOwnBuffer(e.memory.buffer);
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

/** Which build: `'plain'` (wasm/descent.wasm) or `'shared'` (wasm/descent-mt.wasm). */
export type WasmBuild = 'plain' | 'shared';

const FILES: Record<WasmBuild, string> = { plain: 'descent.wasm', shared: 'descent-mt.wasm' };
const loadedBuild: Partial<Record<WasmBuild, { exports: WasmExports } | { error: string }>> = {};
let loaded: { exports: WasmExports } | { error: string } | undefined;

/**
 * Threads of the shared build under Node: `DESCENT_WASM_THREADS` (default 1: threads are
 * opt-in; see the README's wasm section for what they measured). Its own variable, not
 * native's `DESCENT_THREADS`, whose default is every core.
 */
export function wasmThreadsFromEnv(): number {
  const v = process.env.DESCENT_WASM_THREADS;
  const n = v === undefined || v.trim() === '' ? 1 : Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new RangeError(
      `DESCENT_WASM_THREADS must be an integer from 1 to 256, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function loadFile(url: string | URL, name: string): { exports: WasmExports } | { error: string } {
  try {
    const threads = wasmThreadsFromEnv(); // checked by loadWasm first
    return { exports: instantiateWasm(readFileSync(url), { threads, spawner: nodeThreadSpawn }) };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return {
      error: msg.startsWith('ENOENT')
        ? `wasm/${name} is missing: it was not built (needs cargo and the wasm32-unknown-unknown and wasm32-wasip1-threads targets)`
        : msg,
    };
  }
}

/** One build from the package's `wasm/` directory, loaded once. */
export function loadWasmBuild(build: WasmBuild): { exports: WasmExports } | { error: string } {
  const url = new URL(`../../../wasm/${FILES[build]}`, import.meta.url);
  return (loadedBuild[build] ??= loadFile(url, FILES[build]));
}

/**
 * `DESCENT_WASM_PATH` if set (either build); else the shared build where shared memory
 * works and it loads, otherwise the plain one.
 */
export function loadWasm(): { exports: WasmExports } | { error: string } {
  if (loaded) return loaded;
  try {
    wasmThreadsFromEnv();
  } catch (e) {
    return (loaded = { error: (e as Error).message });
  }
  const env = process.env.DESCENT_WASM_PATH;
  if (env) return (loaded = loadFile(env, env));
  if (sharedMemoryWorks()) {
    const s = loadWasmBuild('shared');
    // Threads asked for and not started: say why rather than run on one without them.
    if ('exports' in s || wasmThreadsFromEnv() > 1) return (loaded = s);
  }
  return (loaded = loadWasmBuild('plain'));
}
