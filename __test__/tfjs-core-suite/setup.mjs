// Bundled first (see entry.mjs): registers tfjs's gradients, its cpu backend and the descent
// backend, and points tfjs-core's test files at the backend named in TFJS_SUITE_BACKEND before
// any of them is evaluated (they read the test environments as they load).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/tfjs/index.ts';
import { setTestEnvs } from '@tensorflow/tfjs-core/dist/jasmine_util';
import { getBackend } from '../../src/backend/select.ts';
import { descentKernels } from '../../src/tfjs/all.ts';

const backendName = process.env.TFJS_SUITE_BACKEND;
if (backendName !== 'cpu' && backendName !== 'descent')
  throw new Error(`TFJS_SUITE_BACKEND must be cpu or descent, got ${backendName}`);
setTestEnvs([{ name: backendName, backendName, isDataSync: true }]);
// for the runner's table: which descent backend ran, and its instruction set
globalThis.__descentSuiteBackend = () => {
  const i = getBackend().info();
  return `${i.name}, ${i.simd}`;
};

// How often each of descent's kernels ran, and how often it handed the call to tfjs cpu: the
// runner prints these, so the counts show the suite exercised descent's kernels.
const stats = {};
for (const k of descentKernels) {
  const run = k.run;
  const s = (stats[k.kernelName] = { descent: 0, cpu: 0 });
  k.run = (args) => {
    const r = run(args);
    if (r === null) s.cpu++;
    else s.descent++;
    return r;
  };
}
globalThis.__descentSuiteStats = () => stats;
