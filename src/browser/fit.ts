/** `fit` for the browser: the same loop as in Node; `resumeFrom` (a directory) is refused. */
import type { Dataset } from '../data/dataset.js';
import type { Target } from '../nn/loss.js';
import type { Model } from '../nn/model.js';
import type { Tensor } from '../nn/tensor.js';
import { type FitOptions, fitLoop, type History } from '../train/fit-loop.js';

function noFiles(dir: string): never {
  throw new Error(
    `fit: option resumeFrom (${JSON.stringify(dir)}) names a checkpoint directory, which needs Node's file system; in a browser, keep weights with train.takeSnapshot and put them back with train.restoreSnapshot`,
  );
}

/**
 * Trains `model` on `data`; returns the per-epoch history. The same loop, step order and
 * results as `fit` in Node (see the Node API's `train.fit`), bit for bit on the same backend;
 * only `resumeFrom` is unavailable, as a page has no checkpoint directory to read.
 *
 * @example
 * ```ts
 * import { init, nn, optim, train } from 'descent-ml/browser';
 *
 * await init();
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
 *   verbose: 0,
 * });
 * console.log(history.loss.at(-1));
 * ```
 */
export function fit(
  model: Model,
  data: Dataset | { x: Tensor; y: Target },
  options: FitOptions,
): History {
  return fitLoop(model, data, options, noFiles);
}
