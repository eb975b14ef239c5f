/**
 * The asynchronous slice of the WebAssembly JS API that `init` uses (compiling off the main
 * thread, streaming from a fetch). Typed here for the same reason as
 * backend/wasm/webassembly.ts: the project's `lib` does not declare `WebAssembly`.
 */
interface AsyncWebAssemblyApi {
  Module: abstract new (...args: never[]) => object;
  Memory: abstract new (...args: never[]) => object;
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<object>;
  compileStreaming?: (source: Response | Promise<Response>) => Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}

export const WAA = (globalThis as unknown as { WebAssembly: AsyncWebAssemblyApi }).WebAssembly;
