/** `descent info`: backend, SIMD level, threads, versions. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { getBackend, nativeAvailable, wasmAvailable } from '../backend/select.js';

export const INFO_HELP = `descent info — what descent will run on here

Prints the active backend (native, wasm or js), whether the native addon and the WebAssembly
module load, the SIMD instruction set the kernels use and the widest the CPU has, the thread
count, and versions.

Examples:
  descent info
  DESCENT_BACKEND=js descent info
  DESCENT_BACKEND=wasm descent info
  DESCENT_SIMD=avx2 DESCENT_THREADS=1 descent info`;

export function packageVersion(): string {
  try {
    const p = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    return p.version;
  } catch {
    return 'unknown';
  }
}

export function infoLines(): Array<[string, string]> {
  const b = getBackend();
  const i = b.info();
  const native = nativeAvailable();
  const wasm = wasmAvailable();
  return [
    ['descent', packageVersion()],
    ['backend', i.name],
    ['simd', i.simd],
    ['cpu simd', i.detectedSimd],
    ['threads', String(i.threads)],
    ['flush subnormals', i.flushDenormal ? 'yes (DESCENT_FLUSH_DENORMAL=1)' : 'no'],
    ['native addon', native.ok ? 'loaded' : `not available (${native.reason})`],
    ['wasm module', wasm.ok ? 'loaded' : `not available (${wasm.reason})`],
    ['node', process.version],
    ['platform', `${process.platform}-${process.arch}`],
    ['cpu', `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
  ];
}

export function runInfo(): number {
  const lines = infoLines();
  const w = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
  return 0;
}
