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
import { wasiImports } from './wasi.js';
import { WA, type WasmModule } from './webassembly.js';

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

/**
 * Instantiates compiled bytes or a compiled module. The plain build imports nothing; the
 * shared build gets a fresh shared memory and the few WASI functions it links (see
 * ./wasi.ts), and its thread pool is sized to the calling thread alone.
 */
export function instantiateWasm(source: ArrayBufferView | ArrayBuffer | WasmModule): WasmExports {
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
    imports = { env: { memory }, ...wasiImports(memory) };
  }
  const inst = new WA.Instance(mod, imports);
  const e = inst.exports as unknown as WasmExports;
  if (!(e.memory instanceof WA.Memory) || typeof e.optim_step !== 'function') {
    throw new Error('the module does not export the descent kernels');
  }
  if (shared) {
    recordOwnBuffer(e.memory.buffer);
    if (typeof e.threads_init !== 'function' || e.threads_init(1) !== 0) {
      throw new Error('the shared wasm module could not start its thread pool');
    }
  }
  return e;
}

/** Which build: `'plain'` (wasm/descent.wasm) or `'shared'` (wasm/descent-mt.wasm). */
export type WasmBuild = 'plain' | 'shared';

const FILES: Record<WasmBuild, string> = { plain: 'descent.wasm', shared: 'descent-mt.wasm' };
const loadedBuild: Partial<Record<WasmBuild, { exports: WasmExports } | { error: string }>> = {};
let loaded: { exports: WasmExports } | { error: string } | undefined;

function loadFile(url: string | URL, name: string): { exports: WasmExports } | { error: string } {
  try {
    return { exports: instantiateWasm(readFileSync(url)) };
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
  const env = process.env.DESCENT_WASM_PATH;
  if (env) return (loaded = loadFile(env, env));
  if (sharedMemoryWorks()) {
    const s = loadWasmBuild('shared');
    if ('exports' in s) return (loaded = s);
  }
  return (loaded = loadWasmBuild('plain'));
}
