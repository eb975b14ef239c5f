import { jsKernels } from '../../src/backend/js/index.js';
import type { Kernels } from '../../src/backend/kernels.js';
import { loadNative, nativeKernels } from '../../src/backend/native.js';
import { wasmKernels } from '../../src/backend/wasm/kernels.js';
import { loadWasm, loadWasmBuild, type WasmBuild } from '../../src/backend/wasm/load.js';

/**
 * The native kernels. The test suite needs them (the parity tests are the point); a missing
 * addon is a failure with the loader's reason, not a skip.
 */
export function nativeUnderTest(): Kernels {
  const n = loadNative();
  if ('error' in n) {
    throw new Error(
      `the native addon did not load (${n.error}); build it with \`npm run build:native\``,
    );
  }
  return nativeKernels(n.binding);
}

/**
 * The wasm kernels (by default the build the backend picks: the shared one under Node); like
 * the addon, a module that does not load is a failure, not a skip.
 */
export function wasmUnderTest(build?: WasmBuild): Kernels {
  const w = build ? loadWasmBuild(build) : loadWasm();
  if ('error' in w) {
    throw new Error(`the wasm module did not load (${w.error}); build it with \`npm run build\``);
  }
  return wasmKernels(w.exports);
}

/** Every backend the kernel tests run against, as [name, kernels] pairs. */
export function kernelsUnderTest(): Array<[string, Kernels]> {
  return [
    ['js', jsKernels],
    ['native', nativeUnderTest()],
    ['wasm', wasmUnderTest()],
    ['wasm-plain', wasmUnderTest('plain')],
  ];
}
