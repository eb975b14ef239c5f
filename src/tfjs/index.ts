/**
 * `descent-ml/tfjs`: registers the TensorFlow.js backend `descent` (see ./backend.ts). After
 * `await tf.setBackend('descent')` a tfjs-core or tfjs-layers program runs unchanged: every
 * kernel of tfjs's cpu backend is registered for it, and the ones in `DESCENT_KERNELS` run on
 * descent's kernels (native or js, whichever descent backend is active) for float32 inputs,
 * falling back to the cpu kernel otherwise.
 */
import '@tensorflow/tfjs-backend-cpu';
import {
  findBackendFactory,
  getKernel,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
} from '@tensorflow/tfjs-core';
import { descentKernels } from './all.js';
import { DescentBackend } from './backend.js';
import type { KernelArgs } from './kernels.js';

/** The name the backend is registered under: `await tf.setBackend(BACKEND_NAME)`. */
export const BACKEND_NAME = 'descent';

/** Names of the kernels that run on descent's kernels (float32); the rest are tfjs cpu's. */
export const DESCENT_KERNELS: readonly string[] = Object.freeze(
  descentKernels.map((k) => k.kernelName).sort(),
);

export { DescentBackend };

function register(): void {
  // another copy of descent-ml registered it already: one backend of that name is enough
  if (findBackendFactory(BACKEND_NAME) !== null) return;
  const ours = new Map(descentKernels.map((k) => [k.kernelName, k]));
  for (const name of ours.keys())
    if (getKernel(name, 'cpu') === undefined)
      throw new Error(`descent-ml/tfjs: tfjs's cpu backend has no kernel ${name} to fall back to`);
  // Priority 0: importing does not change tfjs's default backend; `setBackend('descent')` does.
  registerBackend(BACKEND_NAME, () => new DescentBackend(), 0);
  // cpu's kernels, as copyRegisteredKernels('cpu', 'descent') would, ours in place of theirs
  for (const cpu of getKernelsForBackend('cpu')) {
    const k = ours.get(cpu.kernelName);
    registerKernel(
      k
        ? {
            kernelName: k.kernelName,
            backendName: BACKEND_NAME,
            kernelFunc: (args) => k.run(args as unknown as KernelArgs) ?? cpu.kernelFunc(args),
          }
        : { ...cpu, backendName: BACKEND_NAME },
    );
  }
}

register();
