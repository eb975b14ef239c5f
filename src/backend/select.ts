/**
 * Backend selection: `native` when its addon loads, else `wasm` when its module loads, else
 * `js` with a one-line notice. `DESCENT_BACKEND=js|native|wasm` or `setBackend()` override;
 * asking for `native` or `wasm` when it cannot load is an error that says why.
 */
import { envVar, warn } from '../host.js';
import { createOps, type Ops } from '../ops/index.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './kernels.js';
import { loadNative, type NativeBinding, nativeKernels } from './native.js';
import { nativeEnvError } from './native-env.js';
import { oneOf } from './validate.js';
import type { WasmExports } from './wasm/exports.js';
import { wasmKernels } from './wasm/kernels.js';
import { loadWasm, wasmThreads } from './wasm/load.js';

/**
 * A backend: `'native'` (Rust SIMD kernels through napi-rs), `'wasm'` (the same kernels
 * compiled to WebAssembly SIMD128) or `'js'` (pure JavaScript, same results API).
 */
export type BackendName = 'js' | 'native' | 'wasm';
/** Every backend name, in the order `setBackend` and `DESCENT_BACKEND` accept them. */
export const BACKEND_NAMES: readonly BackendName[] = ['js', 'native', 'wasm'];

/** A description of a backend's configuration, from `Backend.info()`. */
export interface BackendInfo {
  /** Which backend this is. */
  name: BackendName;
  /** Instruction set in use: avx512, avx2, neon, scalar, simd128 (wasm) — or 'none' for js. */
  simd: string;
  /** Widest instruction set the CPU supports ('unknown' when the addon is not loaded). */
  detectedSimd: string;
  /** Threads the kernels may use (1 for js; for wasm, `DESCENT_WASM_THREADS` on the shared build). */
  threads: number;
  /** Calls on fewer elements than this run in JS even on the native backend (0 = never). */
  minNativeLength: number;
  /**
   * Whether native kernels flush subnormal floats to zero (`DESCENT_FLUSH_DENORMAL=1`, x86-64
   * only, as `torch.set_flush_denormal(True)`); false on js and wasm, which keep IEEE subnormals.
   */
  flushDenormal: boolean;
}

/**
 * A backend: the checked {@link Ops} over its kernels, plus the raw kernels. Get the active one
 * with `getBackend()` or a specific one with `backend(name)`.
 */
export interface Backend extends Ops {
  /** Which backend this is. */
  readonly name: BackendName;
  /** A fresh description (the SIMD cap and routing can change at run time). */
  info(): BackendInfo;
  /** The unchecked kernels, for library internals that validated shapes once. */
  readonly kernels: Kernels;
  /** The unchecked kernels to use for `n` elements of work (tiny calls may run in JS). */
  kernelsFor(n: number): Kernels;
}

/**
 * Below this many elements (weighted: transcendental ops count 8 per element) a native call
 * costs more than the JS loop. Measured by `benchmarks/boundary.mjs` on this machine: add,
 * mul and relu cross at 128-256 elements, sigmoid/tanh at 32, gelu at 16.
 */
export const DEFAULT_MIN_NATIVE_LENGTH = 256;
let minNativeLength = DEFAULT_MIN_NATIVE_LENGTH;

let jsBackend: Backend | undefined;
let nativeBackend: Backend | undefined;
let wasmBackend: Backend | undefined;
let active: Backend | undefined;
/** The wasm backend's exports when it runs the shared build (arenas live in its memory). */
let wasmShared: WasmExports | null = null;

function makeJs(): Backend {
  const ops = createOps(() => jsKernels);
  return Object.assign(ops, {
    name: 'js' as const,
    kernels: jsKernels,
    kernelsFor: () => jsKernels,
    info: (): BackendInfo => {
      const n = loadNative();
      return {
        name: 'js',
        simd: 'none',
        detectedSimd: 'binding' in n ? n.binding.info().detected : 'unknown',
        threads: 1,
        minNativeLength,
        flushDenormal: false,
      };
    },
  });
}

function makeNative(b: NativeBinding): Backend {
  const k = nativeKernels(b);
  const pick = (n: number) => (n < minNativeLength ? jsKernels : k);
  const ops = createOps(pick);
  return Object.assign(ops, {
    name: 'native' as const,
    kernels: k,
    kernelsFor: pick,
    info: (): BackendInfo => {
      const i = b.info();
      return {
        name: 'native',
        simd: i.simd,
        detectedSimd: i.detected,
        threads: i.threads,
        minNativeLength,
        flushDenormal: i.flushDenormal,
      };
    },
  });
}

/** The wasm kernels, with the same small-call routing to JS as native (a call into the
 * module plus the argument copies costs more than a short JS loop). */
function makeWasm(k: Kernels, simd: string, threads: number): Backend {
  const pick = (n: number) => (n < minNativeLength ? jsKernels : k);
  const ops = createOps(pick);
  return Object.assign(ops, {
    name: 'wasm' as const,
    kernels: k,
    kernelsFor: pick,
    info: (): BackendInfo => ({
      name: 'wasm',
      simd,
      detectedSimd: simd,
      threads,
      minNativeLength,
      flushDenormal: false,
    }),
  });
}

/** The backend called `name`, without making it active. Throws if it cannot load. */
export function backend(name: BackendName): Backend {
  oneOf('backend', 'name', name, BACKEND_NAMES);
  if (name === 'js') return (jsBackend ??= makeJs());
  if (name === 'wasm') {
    if (wasmBackend) return wasmBackend;
    const w = loadWasm();
    if ('error' in w) {
      throw new Error(
        `descent: the wasm backend cannot load: ${w.error}. Build it with \`npm run build\` (needs cargo and \`rustup target add wasm32-unknown-unknown\`), or use the js backend (DESCENT_BACKEND=js).`,
      );
    }
    // simd_level codes are crates/kernels' Level: 5 = simd128, else scalar.
    const simd = w.exports.simd_level() === 5 ? 'simd128' : 'scalar';
    if (
      typeof SharedArrayBuffer !== 'undefined' &&
      w.exports.memory.buffer instanceof SharedArrayBuffer
    )
      wasmShared = w.exports;
    return (wasmBackend = makeWasm(wasmKernels(w.exports), simd, wasmThreads(w.exports)));
  }
  if (nativeBackend) return nativeBackend;
  const n = loadNative();
  if ('error' in n) {
    const fix = n.error.startsWith('DESCENT_')
      ? 'Fix the variable'
      : 'Build it with `npm run build:native` (needs Rust)';
    throw new Error(
      `descent: the native backend cannot load: ${n.error}. ${fix}, or use the js backend (DESCENT_BACKEND=js).`,
    );
  }
  return (nativeBackend = makeNative(n.binding));
}

/** Whether a backend loads here, and why not when it does not. */
export type Availability =
  | {
      /** It loads. */
      ok: true;
    }
  | {
      /** It does not load. */
      ok: false;
      /** Why not (the loader's reason, in a sentence). */
      reason: string;
    };

/** Whether the native addon loads here (and why not, if it does not). */
export function nativeAvailable(): Availability {
  const n = loadNative();
  return 'error' in n ? { ok: false, reason: n.error } : { ok: true };
}

/** Whether the wasm module loads here (and why not, if it does not). */
export function wasmAvailable(): Availability {
  const w = loadWasm();
  return 'error' in w ? { ok: false, reason: w.error } : { ok: true };
}

function initial(): Backend {
  const env = envVar('DESCENT_BACKEND');
  if (env !== undefined && env !== '') {
    oneOf('DESCENT_BACKEND', 'the environment variable DESCENT_BACKEND', env, BACKEND_NAMES);
    return backend(env);
  }
  // A bad value would otherwise pass for a missing addon and select wasm without a word.
  const envError = nativeEnvError();
  if (envError) throw new RangeError(`descent: ${envError}`);
  const n = loadNative();
  if ('binding' in n) return backend('native');
  const w = loadWasm();
  if ('exports' in w) return backend('wasm');
  warn(
    `descent: native backend unavailable (${n.error}) and wasm backend unavailable (${w.error}); using the js backend. Set DESCENT_BACKEND=js to silence this.`,
  );
  return backend('js');
}

/** The active backend (chosen on first use). */
export function getBackend(): Backend {
  return (active ??= initial());
}

/**
 * The shared wasm module's exports when the active backend is wasm on its shared build (so
 * `allocArena` places arenas in the module's memory), else null. Internal.
 */
export function sharedArenaHost(): WasmExports | null {
  return getBackend().name === 'wasm' ? wasmShared : null;
}

/**
 * How many bytes past a cache line a Float32Array starts, where the native addon is loaded
 * (null elsewhere: the js backend does not stream with vectors, and wasm arenas are aligned
 * by their allocator).
 */
export function cacheLineOffsetProbe(): ((a: Float32Array) => number) | null {
  const n = loadNative();
  return 'binding' in n ? n.binding.cacheLineOffset : null;
}

/**
 * Where the native addon is loaded: advises huge pages for the whole 2 MiB pages inside a
 * Float32Array (Linux) and returns how many bytes past its start the first 2 MiB boundary is.
 */
export function hugePageAdvisor(): ((a: Float32Array) => number) | null {
  const n = loadNative();
  return 'binding' in n ? (n.binding.adviseHugePages ?? null) : null;
}

/** Makes `name` the active backend and returns it. */
export function setBackend(name: BackendName): Backend {
  active = backend(name);
  return active;
}

/**
 * Sets the size under which native-backend calls run in JS (0 sends everything native).
 * Returns the previous value.
 */
export function setMinNativeLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`setMinNativeLength: n must be a non-negative integer, got ${n}`);
  }
  const prev = minNativeLength;
  minNativeLength = n;
  return prev;
}

/**
 * Caps the native kernels' instruction set ('scalar', 'avx2', 'avx512', 'neon'; undefined for
 * the best detected). Returns the level now in use.
 */
export function setSimd(level?: string): string {
  if (level !== undefined)
    oneOf('setSimd', 'level', level, ['scalar', 'avx2', 'avx512', 'neon'] as const);
  backend('native'); // throws with the reason when the addon cannot load
  const n = loadNative();
  if (!('binding' in n)) return 'none';
  try {
    return n.binding.setSimd(level ?? '');
  } catch (e) {
    throw new RangeError(
      `setSimd: ${e instanceof Error ? e.message.replace(/^setSimd: /, '') : String(e)}`,
    );
  }
}

/** The checked operations of whichever backend is active at call time. */
export const ops: Ops = new Proxy({} as Ops, {
  get(_t, key) {
    return (getBackend() as unknown as Record<PropertyKey, unknown>)[key];
  },
  has(_t, key) {
    return key in getBackend();
  },
  ownKeys() {
    return Reflect.ownKeys(getBackend());
  },
  getOwnPropertyDescriptor(_t, key) {
    return Reflect.getOwnPropertyDescriptor(getBackend(), key);
  },
});
