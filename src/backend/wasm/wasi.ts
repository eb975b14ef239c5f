/**
 * The few WASI functions the shared build (wasm32-wasip1-threads) links through its C
 * library, as small JS functions: no environment, clocks from `performance`/`Date`, stdout
 * and stderr to the console (a Rust panic's message), and `thread-spawn` from the caller
 * (./threads-node.ts under Node) or failing (-1) when there is none: the loader then sizes
 * the pool to one thread, so it is never called. Semantics:
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md and
 * https://github.com/WebAssembly/wasi-threads.
 */
import type { WasmMemory } from './webassembly.js';

const SUCCESS = 0;
const EBADF = 8;

export function wasiImports(
  memory: WasmMemory,
  threadSpawn: (arg: number) => number = () => -1,
): Record<string, Record<string, unknown>> {
  const view = () => new DataView(memory.buffer);
  return {
    wasi_snapshot_preview1: {
      environ_sizes_get(countPtr: number, sizePtr: number): number {
        const d = view();
        d.setUint32(countPtr, 0, true);
        d.setUint32(sizePtr, 0, true);
        return SUCCESS;
      },
      environ_get: (): number => SUCCESS,
      clock_time_get(id: number, _precision: bigint, timePtr: number): number {
        // 0 = realtime, anything else (monotonic, cpu clocks) = the monotonic clock.
        const ms = id === 0 ? Date.now() : performance.now();
        view().setBigUint64(timePtr, BigInt(Math.round(ms * 1e6)), true);
        return SUCCESS;
      },
      fd_write(fd: number, iovs: number, count: number, writtenPtr: number): number {
        if (fd !== 1 && fd !== 2) return EBADF;
        const d = view();
        let text = '';
        let total = 0;
        for (let i = 0; i < count; i++) {
          const p = d.getUint32(iovs + 8 * i, true);
          const n = d.getUint32(iovs + 8 * i + 4, true);
          // TextDecoder refuses views of shared memory: decode a copy.
          text += new TextDecoder().decode(new Uint8Array(memory.buffer, p, n).slice());
          total += n;
        }
        if (text.trim() !== '') console.error(text.trimEnd());
        d.setUint32(writtenPtr, total, true);
        return SUCCESS;
      },
      proc_exit(code: number): never {
        throw new Error(`the wasm module exited with code ${code}`);
      },
      sched_yield: (): number => SUCCESS,
    },
    wasi: { 'thread-spawn': threadSpawn },
  };
}
