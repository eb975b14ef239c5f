// TensorFlow.js 4.x as a peer: @tensorflow/tfjs (its `cpu` backend, plain JS) and
// @tensorflow/tfjs-backend-wasm (XNNPACK compiled to WebAssembly), both dev dependencies. The
// wasm backend loads its .wasm binaries from node_modules (setWasmPaths with a directory path,
// read with fs in Node: no network). Never throws: what is missing is reported with a reason.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Installed versions of the tfjs packages (without loading them). */
export function tfjsVersions() {
  return {
    tfjs: pkgVersion('@tensorflow/tfjs'),
    tfjsBackendWasm: pkgVersion('@tensorflow/tfjs-backend-wasm'),
  };
}

/** Runs `fn` with console.log/warn/info captured (tfjs greets Node users on stdout). */
async function quietly(fn, sink) {
  const saved = { log: console.log, warn: console.warn, info: console.info };
  const keep = (...a) => sink.push(a.join(' '));
  console.log = keep;
  console.warn = keep;
  console.info = keep;
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * Loads tfjs and both backends. Returns
 * { available, reason?, tf, version, wasmVersion, backends: { cpu: {...}, wasm: {...} }, messages }.
 */
export async function loadTfjs() {
  const messages = [];
  const res = {
    available: false,
    reason: null,
    tf: null,
    version: pkgVersion('@tensorflow/tfjs'),
    wasmVersion: pkgVersion('@tensorflow/tfjs-backend-wasm'),
    backends: {
      cpu: { available: false, reason: 'tfjs not loaded', threads: 1 },
      wasm: { available: false, reason: 'tfjs not loaded', threads: null },
    },
    messages,
  };
  let tf;
  try {
    tf = await quietly(() => import('@tensorflow/tfjs'), messages);
  } catch (e) {
    res.reason = `@tensorflow/tfjs cannot load (${String(e.message).split('\n')[0]}); install it with \`npm i -D @tensorflow/tfjs@4 @tensorflow/tfjs-backend-wasm@4\``;
    res.backends.cpu.reason = res.reason;
    res.backends.wasm.reason = res.reason;
    return res;
  }
  res.tf = tf;
  res.version = tf.version?.tfjs ?? res.version;
  res.available = true;
  try {
    await quietly(async () => {
      await tf.setBackend('cpu');
      tf.tensor1d([0]).dispose(); // the cpu backend greets Node users at its first write
    }, messages);
    res.backends.cpu = {
      available: tf.getBackend() === 'cpu',
      reason: tf.getBackend() === 'cpu' ? null : 'setBackend("cpu") failed',
      threads: 1,
      note: 'tfjs-backend-cpu: plain JavaScript kernels, one thread',
    };
  } catch (e) {
    res.backends.cpu = { available: false, reason: String(e.message).split('\n')[0], threads: 1 };
  }
  try {
    const wasm = await quietly(() => import('@tensorflow/tfjs-backend-wasm'), messages);
    const wasmDir = `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
    wasm.setWasmPaths(wasmDir);
    const ok = await quietly(() => tf.setBackend('wasm'), messages);
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('setBackend("wasm") returned false');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    res.backends.wasm = {
      available: true,
      reason: null,
      threads: wasm.getThreadsCount?.() ?? 1,
      simd: Boolean(simd),
      multithreadSupport: Boolean(mt),
      wasmPath: wasmDir,
      note: `tfjs-backend-wasm (XNNPACK), SIMD ${simd ? 'on' : 'off'}; ${mt ? 'multi-threaded' : 'single-threaded: WASM_HAS_MULTITHREAD_SUPPORT is false in Node'}`,
    };
  } catch (e) {
    const msg = String(e?.message ?? e).split('\n')[0];
    res.backends.wasm = {
      available: false,
      reason: /Cannot find (package|module)/.test(msg)
        ? `@tensorflow/tfjs-backend-wasm is not installed: \`npm i -D @tensorflow/tfjs-backend-wasm@4\``
        : msg,
      threads: null,
    };
  }
  return res;
}

/** Makes `name` tfjs's active backend (quietly); false when it cannot. */
export async function useTfBackend(t, name) {
  if (t.tf.getBackend() === name) return true;
  return quietly(() => t.tf.setBackend(name), t.messages);
}
