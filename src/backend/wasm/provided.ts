/**
 * A wasm instance handed over by the host (the browser entry's `init()`), which `loadWasm`
 * prefers to reading `wasm/descent.wasm` from disk — a page has no file system.
 */
import type { WasmExports } from './exports.js';

let provided: WasmExports | undefined;

/** Makes `exports` the module the `wasm` backend uses (only before that backend is built). */
export function provideWasm(exports: WasmExports): void {
  provided = exports;
}

/** The module given by {@link provideWasm}, if any. */
export function providedWasm(): WasmExports | undefined {
  return provided;
}
