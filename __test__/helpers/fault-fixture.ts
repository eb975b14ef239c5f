/** The training run the checkpoint fault tests interrupt and resume (same in both processes). */
import { StepLR } from '../../src/lr_scheduler/step-lr.js';
import { Adam } from '../../src/optim/adam.js';
import { blobs, LocalCE, mlp } from './train-fixtures.js';

export function faultRun(seed: number) {
  const model = mlp(seed, 0.25);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new StepLR(optimizer, { stepSize: 3, gamma: 0.8 });
  return {
    model,
    optimizer,
    scheduler,
    data: blobs(400, 2),
    options: {
      optimizer,
      scheduler,
      loss: new LocalCE(),
      batchSize: 16,
      seed: 5,
      verbose: 0 as const,
    },
  };
}
