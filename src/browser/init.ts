/**
 * `init` for the browser entry: compiles and instantiates the kernels' WebAssembly module
 * asynchronously (a page should not compile on its main thread synchronously), hands it to
 * the wasm backend's loader and makes `wasm` the active backend.
 */

import { type Backend, setBackend } from '../backend/select.js';
import { describe, optionsOf } from '../backend/validate.js';
import type { WasmExports } from '../backend/wasm/exports.js';
import { providedWasm, provideWasm } from '../backend/wasm/provided.js';
import { WAA } from './webassembly.js';

/**
 * A compiled `WebAssembly.Module` (from `WebAssembly.compile` or `compileStreaming`), typed
 * loosely because the project's TypeScript `lib` does not declare `WebAssembly`.
 */
export type CompiledWasm = object;

/** Where the module comes from. */
export type WasmSource = ArrayBuffer | ArrayBufferView | URL | string | Response | CompiledWasm;

/** Options of `init`. */
export interface InitOptions {
  /**
   * The kernels' module (`wasm/descent.wasm` of the package): its bytes, a URL to fetch, a
   * `Response`, or a compiled `WebAssembly.Module`. Default: fetched from
   * `new URL('../wasm/descent.wasm', import.meta.url)`, which is right when the page loads
   * the package's `dist/browser.js` as is; a bundler that moves the code elsewhere needs
   * this option (e.g. the asset URL the bundler gives for the file).
   */
  wasm?: WasmSource;
}

async function compile(src: WasmSource): Promise<object> {
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) return WAA.compile(src);
  if (src instanceof WAA.Module) return src;
  let res: Response;
  if (typeof src === 'string' || src instanceof URL) {
    try {
      res = await fetch(src);
    } catch (e) {
      throw new Error(
        `init: fetching the wasm module ${String(src)} failed: ${(e as Error).message}`,
      );
    }
  } else if (typeof Response !== 'undefined' && src instanceof Response) res = src;
  else
    throw new TypeError(
      `init: option wasm must be bytes, a URL, a Response or a WebAssembly.Module, got ${describe(src)}`,
    );
  if (!res.ok)
    throw new Error(`init: fetching the wasm module ${res.url} failed: HTTP ${res.status}`);
  // Streaming compilation needs the server to say application/wasm; else compile the bytes.
  const type = res.headers.get('content-type') ?? '';
  if (WAA.compileStreaming && type.split(';')[0].trim() === 'application/wasm')
    return WAA.compileStreaming(res);
  return WAA.compile(await res.arrayBuffer());
}

/**
 * Instantiates the module from `options.wasm` (or `fallback`), gives it to the wasm backend
 * and selects that backend. A second call keeps the module of the first.
 */
export async function initWasm(options: InitOptions, fallback: URL): Promise<Backend> {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`init: options must be an object, got ${describe(options)}`);
  optionsOf('init', options, ['wasm']);
  if (!providedWasm()) {
    const module = await compile(options.wasm ?? fallback);
    const { exports } = await WAA.instantiate(module, {});
    if (!(exports.memory instanceof WAA.Memory) || typeof exports.optim_step !== 'function')
      throw new Error('init: the module does not export the descent kernels');
    provideWasm(exports as unknown as WasmExports);
  }
  return setBackend('wasm');
}
