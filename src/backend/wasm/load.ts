/**
 * Loads the WebAssembly build of the kernels (crates/wasm), once. Never throws: a failure is
 * kept as the reason to report, like the native loader. Only this file touches Node
 * built-ins (to read the .wasm next to the package); a browser entry would pass the bytes
 * or a compiled module to `instantiateWasm` instead.
 */
import { readFileSync } from 'node:fs';
import type { WasmExports } from './exports.js';
import { WA } from './webassembly.js';

let loaded: { exports: WasmExports } | { error: string } | undefined;

/** Instantiates compiled bytes (no imports: the module is self-contained). */
export function instantiateWasm(bytes: ArrayBufferView | ArrayBuffer): WasmExports {
  const mod = new WA.Module(bytes);
  const inst = new WA.Instance(mod, {});
  const e = inst.exports as unknown as WasmExports;
  if (!(e.memory instanceof WA.Memory) || typeof e.optim_step !== 'function') {
    throw new Error('the module does not export the descent kernels');
  }
  return e;
}

/** `DESCENT_WASM_PATH` if set, else `wasm/descent.wasm` in the package. */
export function loadWasm(): { exports: WasmExports } | { error: string } {
  if (loaded) return loaded;
  const env = process.env.DESCENT_WASM_PATH;
  const url = env ? env : new URL('../../../wasm/descent.wasm', import.meta.url);
  try {
    loaded = { exports: instantiateWasm(readFileSync(url)) };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    loaded = {
      error: msg.startsWith('ENOENT')
        ? 'wasm/descent.wasm is missing: it was not built (needs cargo and the wasm32-unknown-unknown target)'
        : msg,
    };
  }
  return loaded;
}
