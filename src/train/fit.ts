/**
 * `fit` for Node: the loop of fit-loop.ts (shared with the browser entry), with `resumeFrom`
 * read from a checkpoint directory on disk.
 */
import type { Dataset } from '../data/dataset.js';
import type { Target } from '../nn/loss.js';
import type { Model } from '../nn/model.js';
import type { Tensor } from '../nn/tensor.js';
import { loadCheckpoint } from './checkpoint.js';
import { type FitOptions, fitLoop, type History } from './fit-loop.js';

export {
  type EvaluateOptions,
  evaluate,
  type FitOptions,
  type History,
  type PredictOptions,
  predict,
} from './fit-loop.js';

/**
 * Trains `model` on `data`; returns the per-epoch history (Keras's `model.fit`, with PyTorch's
 * step order: zero grads, forward, loss, backward, `optimizer.step()`, scheduler).
 *
 * @example
 * ```ts
 * import { nn, optim, train } from 'descent-ml';
 *
 * const x = { data: new Float32Array(64 * 4).map(() => Math.random()), shape: [64, 4] };
 * const y = new Int32Array(64).map((_, i) => i % 3);
 * const model = new nn.Model(
 *   new nn.Sequential([new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3)]),
 *   [4],
 *   { seed: 1 },
 * );
 * const history = train.fit(model, { x, y }, {
 *   optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }),
 *   loss: new nn.losses.CrossEntropyLoss(),
 *   epochs: 5,
 *   batchSize: 16,
 *   metrics: ['accuracy'],
 *   verbose: 0,
 * });
 * console.log(history.loss.at(-1), history.metrics.accuracy.at(-1));
 * ```
 */
export function fit(
  model: Model,
  data: Dataset | { x: Tensor; y: Target },
  options: FitOptions,
): History {
  return fitLoop(model, data, options, loadCheckpoint);
}
