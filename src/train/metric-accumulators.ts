/**
 * Streaming metrics for the training loop over the batch metrics of metrics.ts: each batch
 * adds its counts, the epoch's value is the count-weighted mean (so a short last batch weighs
 * what it holds). Buffers grow to the largest batch and are reused. Names: 'accuracy' (alias 'acc'), 'mae' (alias
 * 'meanAbsoluteError'), 'topK:k' (e.g. 'topK:5').
 *
 * Accuracy: the argmax of each prediction row against the label (class-index targets) or the
 * argmax of the dense target row (one-hot / probabilities); a single-output model compares
 * `pred ≥ 0.5` with `target ≥ 0.5` (Keras's binary accuracy). Top-k: the label's score has
 * fewer than k scores strictly above it. MAE: mean |pred − target| over all elements (dense
 * targets of the prediction's shape).
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import type { Target } from '../nn/loss.js';
import { sameShape, shapeStr, type Tensor } from '../nn/tensor.js';
import { accuracy, meanAbsoluteError, topKAccuracy } from './metrics.js';

/**
 * A metric `fit` and `evaluate` can log: `'accuracy'` (alias `'acc'`; binary accuracy at 0.5 for
 * a single output), `'mae'` (alias `'meanAbsoluteError'`), or `'topK:k'` (e.g. `'topK:5'`).
 */
export type MetricName = 'accuracy' | 'acc' | 'mae' | 'meanAbsoluteError' | `topK:${number}`;

export interface MetricAccumulator {
  /** The name the metric is logged under (as given). */
  readonly name: string;
  reset(): void;
  /** Adds one batch. */
  add(pred: Tensor, target: Target): void;
  /** The mean so far (NaN before any sample). */
  value(): number;
}

/** A [rows, cols] view of a prediction (the batch metrics take 2-D logits). */
function as2d(pred: Tensor, rows: number, cols: number): Tensor {
  return pred.shape.length === 2 ? pred : { data: pred.data, shape: [rows, cols] };
}

function rowsCols(pred: Tensor): [number, number] {
  const rows = pred.shape[0];
  return [rows, rows > 0 ? pred.data.length / rows : 0];
}

/** A reusable Int32Array handing out exact-length views (cached per length). */
class Int32Scratch {
  private buf = new Int32Array(0);
  private views: Int32Array[] = [];
  get(n: number): Int32Array {
    for (const v of this.views) if (v.length === n) return v;
    if (this.buf.length < n) {
      this.buf = new Int32Array(n);
      this.views = [];
    }
    const v = this.buf.subarray(0, n);
    if (this.views.length >= 4) this.views.shift();
    this.views.push(v);
    return v;
  }
}

function denseTarget(fn: string, name: string, pred: Tensor, target: Target): Tensor {
  if (target instanceof Int32Array) {
    throw new TypeError(
      `${fn}: metric ${name} needs dense targets of the prediction's shape ${shapeStr(pred.shape)}, got class indices`,
    );
  }
  if (target.data.length !== pred.data.length) {
    throw new RangeError(
      `${fn}: metric ${name}: targets of shape ${shapeStr(target.shape)} do not match predictions of shape ${shapeStr(pred.shape)}`,
    );
  }
  return target;
}

/** The class index of each row: labels as given, or the argmax of a dense target. */
function labelsOf(
  fn: string,
  name: string,
  pred: Tensor,
  target: Target,
  scratch: Int32Scratch,
): Int32Array {
  const [rows, cols] = rowsCols(pred);
  if (target instanceof Int32Array) {
    if (target.length !== rows)
      throw new RangeError(
        `${fn}: metric ${name}: ${target.length} labels for ${rows} predictions`,
      );
    return target;
  }
  const t = denseTarget(fn, name, pred, target);
  const out = scratch.get(rows);
  getBackend()
    .kernelsFor(rows * cols)
    .argmaxRows(out, t.data, rows, cols);
  return out;
}

class Accuracy implements MetricAccumulator {
  private correct = 0;
  private total = 0;
  private readonly targetArgmax = new Int32Scratch();
  constructor(readonly name: string) {}
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  add(pred: Tensor, target: Target): void {
    const [rows, cols] = rowsCols(pred);
    if (cols === 1) {
      const t =
        target instanceof Int32Array ? target : denseTarget('fit', this.name, pred, target).data;
      if (t.length !== rows)
        throw new RangeError(
          `fit: metric ${this.name}: ${t.length} targets for ${rows} predictions`,
        );
      for (let r = 0; r < rows; r++) if (pred.data[r] >= 0.5 === t[r] >= 0.5) this.correct++;
      this.total += rows;
      return;
    }
    const labels = labelsOf('fit', this.name, pred, target, this.targetArgmax);
    if (rows === 0) return;
    this.correct += Math.round(accuracy(as2d(pred, rows, cols), labels) * rows);
    this.total += rows;
  }
  value(): number {
    return this.total > 0 ? this.correct / this.total : Number.NaN;
  }
}

class TopK implements MetricAccumulator {
  private hits = 0;
  private total = 0;
  private readonly targetArgmax = new Int32Scratch();
  constructor(
    readonly name: string,
    private readonly k: number,
  ) {}
  reset(): void {
    this.hits = 0;
    this.total = 0;
  }
  add(pred: Tensor, target: Target): void {
    const [rows, cols] = rowsCols(pred);
    const labels = labelsOf('fit', this.name, pred, target, this.targetArgmax);
    if (rows === 0) return;
    this.hits += Math.round(topKAccuracy(as2d(pred, rows, cols), labels, this.k) * rows);
    this.total += rows;
  }
  value(): number {
    return this.total > 0 ? this.hits / this.total : Number.NaN;
  }
}

class MeanAbsoluteError implements MetricAccumulator {
  private sum = 0;
  private count = 0;
  constructor(readonly name: string) {}
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  add(pred: Tensor, target: Target): void {
    const t = denseTarget('fit', this.name, pred, target);
    const n = pred.data.length;
    if (n === 0) return;
    this.sum +=
      meanAbsoluteError(
        pred,
        sameShape(t.shape, pred.shape) ? t : { data: t.data, shape: pred.shape },
      ) * n;
    this.count += n;
  }
  value(): number {
    return this.count > 0 ? this.sum / this.count : Number.NaN;
  }
}

const TOPK = /^topK:([1-9][0-9]*)$/;

/** Checks metric names (all before any is built) and builds their accumulators. */
export function makeMetrics(
  fn: string,
  names: unknown,
  outputShape: readonly number[],
): MetricAccumulator[] {
  if (names === undefined) return [];
  if (!Array.isArray(names))
    throw new TypeError(
      `${fn}: option metrics must be an array of metric names, got ${describe(names)}`,
    );
  const seen = new Set<string>();
  const cols = outputShape.length > 0 ? outputShape[outputShape.length - 1] : 1;
  return names.map((n, i) => {
    if (typeof n !== 'string')
      throw new TypeError(`${fn}: metrics[${i}] must be a string, got ${describe(n)}`);
    if (seen.has(n)) throw new RangeError(`${fn}: metric ${JSON.stringify(n)} is listed twice`);
    seen.add(n);
    if (n === 'accuracy' || n === 'acc') return new Accuracy(n);
    if (n === 'mae' || n === 'meanAbsoluteError') return new MeanAbsoluteError(n);
    const m = TOPK.exec(n);
    if (m) {
      const k = Number(m[1]);
      if (k > cols)
        throw new RangeError(`${fn}: metric ${n}: k = ${k} exceeds the model's ${cols} outputs`);
      return new TopK(n, k);
    }
    throw new TypeError(
      `${fn}: unknown metric ${JSON.stringify(n)}; valid: 'accuracy', 'mae', 'topK:<k>' (e.g. 'topK:5')`,
    );
  });
}
