/**
 * The slice of the WebAssembly JS API this backend uses. The project compiles against
 * ES2022 + Node types, which do not declare the `WebAssembly` global (lib.dom does), so it
 * is typed here instead of widening `lib` for every file. Semantics: the WebAssembly
 * JavaScript Interface, https://webassembly.github.io/spec/js-api/.
 */
export interface WasmMemory {
  /**
   * Replaced whenever the memory grows. A plain memory detaches the old ArrayBuffer; a shared
   * one hands out a new, longer SharedArrayBuffer and leaves the old one (and its views)
   * valid.
   */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** A module's import or export, as `WebAssembly.Module.imports` lists it. */
export interface WasmImportDescriptor {
  module: string;
  name: string;
  kind: string;
}

/** A compiled module (opaque here). */
export type WasmModule = object;

interface WebAssemblyApi {
  Module: (new (
    bytes: ArrayBufferView | ArrayBuffer,
  ) => WasmModule) & {
    imports(m: WasmModule): WasmImportDescriptor[];
  };
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

export const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
