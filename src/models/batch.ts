/**
 * Batches handed to the models: a Tensor or `{ data, shape }` of float32 samples [n, …sample],
 * checked against the model's sample shape (both shapes named) before anything is computed;
 * and the slices of a dataset an evaluation walks through (views, no copies).
 */
import { asTensor } from '../autograd/ops/util.js';
import { type Tensor, type TensorLike, wrap } from '../autograd/tensor.js';
import { numel, shapeStr } from '../nn/tensor.js';

export function batchOf(fn: string, name: string, x: unknown, sample: readonly number[]): Tensor {
  const t = asTensor(fn, name, x, 'float32');
  const s = t.shape;
  if (s.length !== sample.length + 1 || sample.some((d, i) => s[i + 1] !== d))
    throw new RangeError(
      `${fn}: ${name} must have shape [n, ${sample.join(', ')}] (a batch of samples ${shapeStr(sample)}), got ${shapeStr(s)}`,
    );
  if (s[0] === 0) throw new RangeError(`${fn}: ${name} holds no samples (shape ${shapeStr(s)})`);
  return t;
}

/** Views of `x` [N, …] in batches of at most `size` samples. */
export function* slices(x: Tensor, size: number): Generator<Tensor> {
  const n = x.shape[0];
  const per = numel(x.shape.slice(1));
  const data = x._d as Float32Array;
  for (let i = 0; i < n; i += size) {
    const m = Math.min(size, n - i);
    yield wrap(data.subarray(i * per, (i + m) * per), [m, ...x.shape.slice(1)], 'float32');
  }
}

/** Refuses values outside [0, 1] (a Bernoulli likelihood's targets), naming the first. */
export function checkUnit(fn: string, name: string, x: Tensor): void {
  const d = x._d as Float32Array;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!(v >= 0 && v <= 1))
      throw new RangeError(
        `${fn}: ${name} must hold values in [0, 1] for a Bernoulli likelihood (pixel intensities), got ${v} at flat index ${i}; scale the data or use likelihood: 'gaussian'`,
      );
  }
}

export type { TensorLike };
