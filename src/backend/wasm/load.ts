/**
 * Loads the WebAssembly build of the kernels (crates/wasm), once. Never throws: a failure is
 * kept as the reason to report, like the native loader. Two builds ship:
 * `wasm/descent.wasm` (own, growable memory; arguments are copied in per call) and
 * `wasm/descent-mt.wasm` (wasm32-wasip1-threads: it imports a shared memory, whose growth
 * never detaches a view, so arenas live in it and are passed in place). The shared one is
 * used where shared memory works: Node always, a browser only when cross-origin isolated.
 * This file is the Node side (files, environment, worker threads); instantiating is in
 * ./instantiate.ts, which a browser entry uses directly.
 */
import { envVar, nodeFs } from '../../host.js';
import type { WasmExports } from './exports.js';
import { instantiateWasm, sharedMemoryWorks } from './instantiate.js';
import { providedWasm } from './provided.js';
import { nodeThreadSpawn } from './threads-node.js';

export {
  type InstantiateOptions,
  instantiateWasm,
  SHARED_INITIAL_PAGES,
  sharedMemoryWorks,
  wasmThreads,
} from './instantiate.js';

/** Which build: `'plain'` (wasm/descent.wasm) or `'shared'` (wasm/descent-mt.wasm). */
export type WasmBuild = 'plain' | 'shared';

const FILES: Record<WasmBuild, string> = { plain: 'descent.wasm', shared: 'descent-mt.wasm' };
const loadedBuild: Partial<Record<WasmBuild, { exports: WasmExports } | { error: string }>> = {};
let loaded: { exports: WasmExports } | { error: string } | undefined;

/**
 * Threads of the shared build under Node: `DESCENT_WASM_THREADS` (default 1: threads are
 * opt-in until they are measured on an unloaded machine; benchmarks/wasm.mjs --threads).
 * Its own variable, not native's `DESCENT_THREADS`, whose default is every core.
 */
export function wasmThreadsFromEnv(): number {
  const v = envVar('DESCENT_WASM_THREADS');
  const n = v === undefined || v.trim() === '' ? 1 : Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new RangeError(
      `DESCENT_WASM_THREADS must be an integer from 1 to 256, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function loadFile(url: string | URL, name: string): { exports: WasmExports } | { error: string } {
  const fs = nodeFs();
  if (!fs) return { error: "no module given: call init() from 'descent-ml/browser' first" };
  try {
    const threads = wasmThreadsFromEnv(); // checked by loadWasm first
    return {
      exports: instantiateWasm(fs.readFileSync(url), { threads, spawner: nodeThreadSpawn }),
    };
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
  const given = providedWasm();
  if (given) return (loaded = { exports: given });
  // Not cached outside Node: init() may provide the module later.
  if (!nodeFs()) return { error: "no module given: call init() from 'descent-ml/browser' first" };
  try {
    wasmThreadsFromEnv();
  } catch (e) {
    return (loaded = { error: (e as Error).message });
  }
  const env = envVar('DESCENT_WASM_PATH');
  if (env) return (loaded = loadFile(env, env));
  if (sharedMemoryWorks()) {
    const s = loadWasmBuild('shared');
    // Threads asked for and not started: say why rather than run on one without them.
    if ('exports' in s || wasmThreadsFromEnv() > 1) return (loaded = s);
  }
  return (loaded = loadWasmBuild('plain'));
}
