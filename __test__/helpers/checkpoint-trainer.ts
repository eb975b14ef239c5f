/**
 * Child process of the kill-and-resume fault test (bundled by the test, run with
 * DESCENT_BACKEND=js): trains the shared fixture with a checkpoint after every epoch into
 * argv[2], printing `epoch e` after each, for argv[3] epochs or until killed.
 */
import { fit, ModelCheckpoint } from '../../src/train/index.js';
import { faultRun } from './fault-fixture.js';

const [dir, epochs] = [process.argv[2], Number(process.argv[3])];
const run = faultRun(1);
fit(run.model, run.data, {
  ...run.options,
  epochs,
  callbacks: [
    new ModelCheckpoint({ dir }),
    { onEpochEnd: (e: number) => process.stdout.write(`epoch ${e + 1}\n`) },
  ],
});
