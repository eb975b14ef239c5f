/**
 * The slice of the WebAssembly JS API this backend uses. The project compiles against
 * ES2022 + Node types, which do not declare the `WebAssembly` global (lib.dom does), so it
 * is typed here instead of widening `lib` for every file. Semantics: the WebAssembly
 * JavaScript Interface, https://webassembly.github.io/spec/js-api/.
 */
export interface WasmMemory {
  /** Replaced (the old one detached) whenever the memory grows. */
  readonly buffer: ArrayBuffer;
}

interface WebAssemblyApi {
  Module: new (bytes: ArrayBufferView | ArrayBuffer) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
}

export const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
