/**
 * Classification and regression metrics on one batch (plain functions; the training loop's
 * streaming accumulators live in metric-accumulators.ts). Predictions are logits (or scores)
 * of shape [batch, classes], labels an Int32Array of class indices, one per row.
 *
 * - `accuracy`: the row's first maximum (`argmaxRows`) equals the label.
 * - `topKAccuracy`: fewer than k scores are strictly above the label's score (ties at the
 *   boundary count as hits, `tf.math.in_top_k`'s convention; a NaN label score is a miss).
 * - `meanAbsoluteError`: mean |pred − target| over all elements.
 * - `confusionMatrix`: counts[true · numClasses + predicted] (rows = true class, scikit-learn's
 *   and torchmetrics' layout).
 *
 * Everything O(batch · classes) runs in kernels; only O(batch) loops over labels run in JS.
 */
import { getBackend } from '../backend/select.js';
import { count, describe, f32, i32 } from '../backend/validate.js';
import { numel, Scratch, sameShape, shapeStr, type Tensor } from '../nn/tensor.js';

const diffBuf = new Scratch();
const negBuf = new Scratch();
const countBuf = new Scratch();
let argmaxBuf = new Int32Array(0);

function argmaxOut(rows: number): Int32Array {
  if (argmaxBuf.length < rows) argmaxBuf = new Int32Array(rows);
  return argmaxBuf.subarray(0, rows);
}

function checkTensor(fn: string, name: string, t: unknown): asserts t is Tensor {
  if (t === null || typeof t !== 'object' || ArrayBuffer.isView(t)) {
    throw new TypeError(`${fn}: ${name} must be a tensor {data, shape}, got ${describe(t)}`);
  }
  const { data, shape } = t as Tensor;
  f32(fn, `${name}.data`, data);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new TypeError(
      `${fn}: ${name}.shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  if (numel(shape) !== data.length) {
    throw new RangeError(
      `${fn}: ${name} shape ${shapeStr(shape)} has ${numel(shape)} elements, its data has ${data.length}`,
    );
  }
}

/** Checks logits [rows, cols ≥ 1] and one label in [0, cols) per row. */
function checkClassification(
  fn: string,
  logits: unknown,
  labels: unknown,
): asserts logits is Tensor {
  checkTensor(fn, 'logits', logits);
  if (logits.shape.length !== 2 || logits.shape[1] < 1) {
    throw new RangeError(
      `${fn}: expected logits of shape [batch, classes], got ${shapeStr(logits.shape)}`,
    );
  }
  i32(fn, 'labels', labels);
  const [rows, cols] = logits.shape;
  if (labels.length !== rows) {
    throw new RangeError(
      `${fn}: labels of shape [${labels.length}] do not match logits of shape ${shapeStr(logits.shape)} (expected [${rows}])`,
    );
  }
  checkRange(fn, 'labels', labels, cols);
}

function checkRange(fn: string, name: string, v: Int32Array, classes: number): void {
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= classes) {
      throw new RangeError(
        `${fn}: ${name}[${i}] = ${v[i]} is out of range, expected a class index in [0, ${classes})`,
      );
    }
  }
}

/** Fraction of rows whose argmax (first maximum) is the label; NaN for an empty batch. */
export function accuracy(logits: Tensor, labels: Int32Array): number {
  const fn = 'accuracy';
  checkClassification(fn, logits, labels);
  const [rows, cols] = logits.shape;
  const am = argmaxOut(rows);
  getBackend()
    .kernelsFor(rows * cols)
    .argmaxRows(am, logits.data, rows, cols);
  let hits = 0;
  for (let r = 0; r < rows; r++) if (am[r] === labels[r]) hits++;
  return rows > 0 ? hits / rows : Number.NaN;
}

/**
 * Fraction of rows whose label is among the k highest scores: fewer than k scores strictly
 * above the label's (ties count as hits). NaN for an empty batch.
 */
export function topKAccuracy(logits: Tensor, labels: Int32Array, k: number): number {
  const fn = 'topKAccuracy';
  checkClassification(fn, logits, labels);
  count(fn, 'k', k);
  if (k < 1) throw new RangeError(`${fn}: k must be at least 1, got ${k}`);
  const [rows, cols] = logits.shape;
  if (rows === 0) return Number.NaN;
  const n = rows * cols;
  const kern = getBackend().kernelsFor(n);
  // d[r, c] = x[r, c] − x[r, y_r]; above[r] = #{c : d[r, c] > 0} via relu(sign(d)).
  const neg = negBuf.get([rows]).data;
  for (let r = 0; r < rows; r++) neg[r] = -logits.data[r * cols + labels[r]];
  const d = diffBuf.get([2 * n]).data;
  const diff = d.subarray(0, n);
  const sign = d.subarray(n);
  kern.copy(diff, logits.data);
  kern.biasAdd(diff, neg, 1, rows, cols);
  kern.fill(sign, 1);
  kern.unaryBackward('abs', sign, diff, sign, 0, 0);
  kern.unary('relu', sign, sign, 0, 0);
  const above = countBuf.get([rows]).data;
  kern.biasGrad(above, sign, 1, rows, cols, false);
  let hits = 0;
  for (let r = 0; r < rows; r++) if (above[r] < k && !Number.isNaN(neg[r])) hits++;
  return hits / rows;
}

/** Mean |pred − target| over all elements (NaN when empty). */
export function meanAbsoluteError(pred: Tensor, target: Tensor): number {
  const fn = 'meanAbsoluteError';
  checkTensor(fn, 'pred', pred);
  checkTensor(fn, 'target', target);
  if (!sameShape(pred.shape, target.shape)) {
    throw new RangeError(
      `${fn}: target shape ${shapeStr(target.shape)} does not match prediction shape ${shapeStr(pred.shape)}`,
    );
  }
  const n = pred.data.length;
  if (n === 0) return Number.NaN;
  const k = getBackend().kernelsFor(n);
  const d = diffBuf.get([n]).data;
  k.binary('sub', d, pred.data, target.data);
  return k.sumAbs(d) / n;
}

/**
 * The numClasses × numClasses confusion matrix (row-major Int32Array; rows = true class,
 * columns = predicted class) of predictions — logits [batch, numClasses] (argmax per row) or
 * predicted class indices — against the labels.
 */
export function confusionMatrix(
  pred: Tensor | Int32Array,
  labels: Int32Array,
  numClasses: number,
): Int32Array {
  const fn = 'confusionMatrix';
  count(fn, 'numClasses', numClasses);
  if (numClasses < 1) throw new RangeError(`${fn}: numClasses must be at least 1, got 0`);
  i32(fn, 'labels', labels);
  let predicted: Int32Array;
  if (pred instanceof Int32Array) {
    if (pred.length !== labels.length) {
      throw new RangeError(
        `${fn}: ${pred.length} predicted labels for ${labels.length} labels (shapes [${pred.length}] and [${labels.length}])`,
      );
    }
    checkRange(fn, 'pred', pred, numClasses);
    predicted = pred;
  } else {
    checkTensor(fn, 'pred', pred);
    if (pred.shape.length !== 2 || pred.shape[1] !== numClasses) {
      throw new RangeError(
        `${fn}: expected logits of shape [batch, ${numClasses}] (numClasses), got ${shapeStr(pred.shape)}`,
      );
    }
    const rows = pred.shape[0];
    if (labels.length !== rows) {
      throw new RangeError(
        `${fn}: labels of shape [${labels.length}] do not match logits of shape ${shapeStr(pred.shape)} (expected [${rows}])`,
      );
    }
    predicted = argmaxOut(rows);
    getBackend()
      .kernelsFor(rows * numClasses)
      .argmaxRows(predicted, pred.data, rows, numClasses);
  }
  checkRange(fn, 'labels', labels, numClasses);
  const m = new Int32Array(numClasses * numClasses);
  for (let i = 0; i < labels.length; i++) m[labels[i] * numClasses + predicted[i]]++;
  return m;
}
