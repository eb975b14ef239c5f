/**
 * Child process of the atomic-save test (bundled by the test, run with DESCENT_BACKEND=js):
 * saves checkpoints into argv[2] in a loop — save i has every parameter equal to i and
 * epoch i — printing `saved i` after each, until killed.
 */
import { Linear, Model, ReLU, Sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';

const dir = process.argv[2];
const model = new Model(
  new Sequential([new Linear(64, 256), new ReLU(), new Linear(256, 64)]),
  [64],
  { seed: 1 },
);
const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
model.grads.fill(0.5);
optimizer.step();
let start = 1;
try {
  start = loadCheckpoint(dir).epoch + 1;
} catch {
  // no checkpoint yet
}
for (let i = start; ; i++) {
  model.params.fill(i);
  saveCheckpoint(dir, { model, optimizer, epoch: i, extra: { i } });
  process.stdout.write(`saved ${i}\n`);
}
