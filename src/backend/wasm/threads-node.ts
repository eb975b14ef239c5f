/**
 * Threads for the shared wasm build under Node (wasi-threads): `wasi.thread-spawn(arg)`
 * starts a worker_threads Worker that instantiates the same compiled module over the same
 * shared memory and calls its `wasi_thread_start(tid, arg)`, which runs the new thread (a
 * rayon worker) until it exits. Workers are unref'd (they never keep the process alive) and
 * their errors are caught (a worker's failure never crashes the process). Spec:
 * https://github.com/WebAssembly/wasi-threads. Node only: browsers cannot block their main
 * thread, which a kernel waiting for its helpers does.
 */
import { nodeProcess } from '../../host.js';
import type { WasmMemory, WasmModule } from './webassembly.js';

// The worker's program: the few WASI functions a rayon worker reaches (yield while spinning,
// clocks, a panic's message), and no further threads. Evaluated (no file to find: the same
// source works from dist/ and under the test runner), and valid as a script or a module
// (getBuiltinModule, not require or import). It reports through "ready" whether the
// instance exists before running the thread: the spawner waits for that, because a thread
// that never starts would leave rayon waiting for it forever.
const WORKER = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const { module, memory, tid, arg, ready } = workerData;
const view = () => new DataView(memory.buffer);
const wasi = {
  environ_sizes_get(c, s) { view().setUint32(c, 0, true); view().setUint32(s, 0, true); return 0; },
  environ_get: () => 0,
  clock_time_get(id, _p, t) {
    const ms = id === 0 ? Date.now() : performance.now();
    view().setBigUint64(t, BigInt(Math.round(ms * 1e6)), true);
    return 0;
  },
  fd_write(fd, iovs, count, written) {
    const d = view();
    let text = '';
    let total = 0;
    for (let i = 0; i < count; i++) {
      const p = d.getUint32(iovs + 8 * i, true);
      const n = d.getUint32(iovs + 8 * i + 4, true);
      text += new TextDecoder().decode(new Uint8Array(memory.buffer, p, n).slice());
      total += n;
    }
    if (fd === 1 || fd === 2) console.error(text.trimEnd());
    d.setUint32(written, total, true);
    return 0;
  },
  proc_exit(code) { throw new Error('the wasm module exited with code ' + code); },
  sched_yield: () => 0,
};
let inst;
try {
  inst = new WebAssembly.Instance(module, {
    env: { memory },
    wasi_snapshot_preview1: wasi,
    wasi: { 'thread-spawn': () => -1 },
  });
  Atomics.store(ready, 0, 1);
} catch (e) {
  Atomics.store(ready, 0, 2);
  throw e;
} finally {
  Atomics.notify(ready, 0);
}
inst.exports.wasi_thread_start(tid, arg);
`;

/** How long a spawn waits for its worker to instantiate the module before giving up. */
const START_TIMEOUT_MS = 30_000;

/** Errors of workers that failed (kept for `descent info`-style reporting and tests). */
export const threadErrors: string[] = [];

let nextTid = 1;

/** A `thread-spawn` for `module` over `memory`: the new thread's id, or -1 on failure. */
export function nodeThreadSpawn(module: WasmModule, memory: WasmMemory): (arg: number) => number {
  return (arg: number): number => {
    const tid = nextTid++;
    const ready = new Int32Array(new SharedArrayBuffer(4));
    try {
      // execArgv []: not the parent's flags (--input-type=module would make the script a
      // module; harmless now, but nothing else there concerns the worker).
      const wt = nodeProcess()?.getBuiltinModule('node:worker_threads');
      if (!wt) return -1; // not Node: no threads
      const w = new wt.Worker(WORKER, {
        eval: true,
        execArgv: [],
        workerData: { module, memory, tid, arg, ready },
      });
      w.on('error', (e) => threadErrors.push(`wasm thread ${tid}: ${e.message}`));
      w.unref();
      // Blocking is allowed on Node's main thread; the worker starts on its own thread.
      Atomics.wait(ready, 0, 0, START_TIMEOUT_MS);
      if (Atomics.load(ready, 0) !== 1) {
        void w.terminate();
        return -1;
      }
      return tid;
    } catch {
      return -1;
    }
  };
}
