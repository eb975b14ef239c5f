/**
 * Small local implementations of the Loss and Dataset contracts for the training tests (so
 * they depend only on the contracts), a synthetic 3-class problem and a small MLP.
 */
import { getBackend } from '../../src/backend/select.js';
import type { Batch, BatchOptions, Dataset } from '../../src/data/dataset.js';
import { Dropout } from '../../src/nn/dropout.js';
import { type Layer, Linear, Model, ReLU, Sequential, Tanh } from '../../src/nn/index.js';
import type { Loss, Target } from '../../src/nn/loss.js';
import type { Tensor } from '../../src/nn/tensor.js';
import { Rng } from '../../src/random.js';

/** Mean softmax cross-entropy through the fused kernel. */
export class LocalCE implements Loss {
  readonly name = 'LocalCE';
  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    const [rows, cols] = pred.shape;
    const labels = target as Int32Array;
    const k = getBackend().kernelsFor(8 * rows * cols);
    return k.softmaxCrossEntropy(pred.data, labels, grad ?? null, rows, cols, 1 / rows) / rows;
  }
}

/** Mean squared error over all elements. */
export class LocalMSE implements Loss {
  readonly name = 'LocalMSE';
  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    const t = (target as Tensor).data;
    const n = pred.data.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = pred.data[i] - t[i];
      s += d * d;
      if (grad) grad[i] = (2 * d) / n;
    }
    return s / n;
  }
}

/** An in-memory dataset; shuffled passes gather into reusable buffers. */
export class ArrayDataset implements Dataset {
  readonly length: number;
  readonly inputShape: readonly number[];
  readonly numClasses: number | null;
  private readonly sample: number;
  private readonly targetSize: number;

  constructor(
    readonly x: Float32Array,
    readonly y: Int32Array | Float32Array,
    inputShape: readonly number[],
    numClasses: number | null,
    readonly targetShape: readonly number[] = [],
  ) {
    this.inputShape = inputShape;
    this.sample = inputShape.reduce((a, d) => a * d, 1);
    this.length = x.length / this.sample;
    this.numClasses = numClasses;
    this.targetSize = targetShape.reduce((a, d) => a * d, 1);
  }

  *batches(o: BatchOptions): Iterable<Batch> {
    const n = this.length;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (o.shuffle) {
      const u = new Rng(o.seed ?? 0).uniform(n);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.min(i, Math.floor(u[i] * (i + 1)));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    for (let s = 0; s < n; s += o.batchSize) {
      const rows = Math.min(o.batchSize, n - s);
      if (rows < o.batchSize && o.dropLast) break;
      const x = new Float32Array(rows * this.sample);
      const ts = this.targetSize;
      const y = this.y instanceof Int32Array ? new Int32Array(rows) : new Float32Array(rows * ts);
      for (let r = 0; r < rows; r++) {
        const i = order[s + r];
        x.set(this.x.subarray(i * this.sample, (i + 1) * this.sample), r * this.sample);
        if (this.y instanceof Int32Array) y[r] = this.y[i];
        else y.set(this.y.subarray(i * ts, (i + 1) * ts), r * ts);
      }
      yield {
        x: { data: x, shape: [rows, ...this.inputShape] },
        y: y instanceof Int32Array ? y : { data: y, shape: [rows, ...this.targetShape] },
        size: rows,
      };
    }
  }
}

/** Three Gaussian blobs in 4-D (class c centred at 2·e_c), n samples. */
export function blobs(n: number, seed = 1): ArrayDataset {
  const rng = new Rng(seed);
  const x = rng.normal(n * 4, 0, 0.6);
  const y = new Int32Array(n);
  const u = rng.uniform(n);
  for (let i = 0; i < n; i++) {
    const c = Math.min(2, Math.floor(u[i] * 3));
    y[i] = c;
    x[i * 4 + c] += 2;
  }
  return new ArrayDataset(x, y, [4], 3);
}

/** A 4 → 16 → 3 MLP (optionally with dropout after the hidden layer). */
export function mlp(seed = 0, dropout = 0): Model {
  const layers: Layer[] = [new Linear(4, 16), new Tanh()];
  if (dropout > 0) layers.push(new Dropout(dropout));
  layers.push(new Linear(16, 3));
  return new Model(new Sequential(layers), [4], { seed });
}

/** A 4 → 8 → 1 regression MLP. */
export function regressor(seed = 0): Model {
  return new Model(new Sequential([new Linear(4, 8), new ReLU(), new Linear(8, 1)]), [4], { seed });
}
