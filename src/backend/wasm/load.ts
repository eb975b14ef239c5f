/**
 * Loads the WebAssembly build of the kernels (crates/wasm), once. Never throws: a failure is
 * kept as the reason to report, like the native loader. Only this file touches Node
 * built-ins (to read the .wasm next to the package, through `nodeFs()` so that no `node:`
 * import reaches a browser bundle); the browser entry's `init()` instantiates the module
 * itself and hands it over with `provideWasm`.
 */
import { envVar, nodeFs } from '../../host.js';
import type { WasmExports } from './exports.js';
import { providedWasm } from './provided.js';
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
  const given = providedWasm();
  if (given) return (loaded = { exports: given });
  const fs = nodeFs();
  // Not cached: init() may provide the module later.
  if (!fs) return { error: "no module given: call init() from 'descent-ml/browser' first" };
  const env = envVar('DESCENT_WASM_PATH');
  const url = env ? env : new URL('../../../wasm/descent.wasm', import.meta.url);
  try {
    loaded = { exports: instantiateWasm(fs.readFileSync(url)) };
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
