/**
 * Shared argument checks and helpers of the losses: every check throws before anything is
 * written, with a message naming the loss, the argument and what was given.
 */

import { f32Pool } from '../../autograd/pool.js';
import type { Kernels } from '../../backend/kernels.js';
import {
  describe,
  f32,
  i32,
  knownKeys,
  lengthIs,
  noOverlap,
  oneOf,
  options,
} from '../../backend/validate.js';
import type { Target } from '../loss.js';
import { numel, sameShape, shapeStr, type Tensor } from '../tensor.js';

/**
 * How a loss reduces its per-element (or per-sample) terms; 'none' keeps them, so it is for
 * the tensor API (`apply`, the functional forms) only.
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of the losses that only take a reduction ({@link MSELoss}, {@link L1Loss}). */
export interface ReductionOptions {
  /** 'mean' (default, torch's), 'sum', or 'none' (a tensor of the unreduced terms; `apply` only). PyTorch: `reduction`. */
  reduction?: Reduction;
}

/** The number API refuses 'none' (it returns one number): the tensor API gives the terms. */
export function refuseNone(loss: string, reduction: string): void {
  if (reduction === 'none')
    throw new TypeError(
      `${loss}.forward: reduction 'none' gives a tensor of unreduced losses, not a number; use loss.apply(pred, target) (or the functional form) for it`,
    );
}

let pendingName: string | null = null;

/**
 * Constructs a loss (in `make`) whose messages and tape nodes name the functional form `fn`
 * (e.g. 'crossEntropy') rather than its class.
 */
export function named<T>(fn: string, make: () => T): T {
  pendingName = fn;
  try {
    return make();
  } finally {
    pendingName = null;
  }
}

/** A loss's name: its class name, or the functional form constructing it (see `named`). */
export function lossName(cls: string): string {
  return pendingName ?? cls;
}

const EMPTY = new Float32Array(0);

/** `count` pooled buffers of `n` floats for the duration of `fn` (given back even on throw). */
export function withTemps<R>(n: number, count: number, fn: (bufs: Float32Array[]) => R): R {
  const bufs: Float32Array[] = [];
  for (let i = 0; i < count; i++) bufs.push(n === 0 ? EMPTY : f32Pool.take(n));
  try {
    return fn(bufs);
  } finally {
    for (const b of bufs) f32Pool.put(b);
  }
}

type View = Float32Array | Int32Array;

/** Checks an options object (plain object, known keys) and returns it (`{}` when undefined). */
export function lossOptions<T extends object>(
  loss: string,
  o: T | undefined,
  keys: readonly string[],
): T {
  const opts = o ?? ({} as T);
  options(loss, 'options', opts);
  knownKeys(loss, 'option', opts, keys);
  return opts;
}

/** The reduction option, validated against `choices`. */
export function reductionOf<R extends string>(
  loss: string,
  v: unknown,
  choices: readonly R[],
  fallback: R,
): R {
  const r = v ?? fallback;
  oneOf(loss, 'reduction', r, choices);
  return r;
}

/** A tensor argument: a Float32Array whose length is the product of the shape. */
export function checkTensor(loss: string, name: string, t: unknown): asserts t is Tensor {
  if (t === null || typeof t !== 'object' || ArrayBuffer.isView(t)) {
    throw new TypeError(`${loss}: ${name} must be a tensor {data, shape}, got ${describe(t)}`);
  }
  const { data, shape } = t as Tensor;
  f32(loss, `${name}.data`, data);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new TypeError(
      `${loss}: ${name}.shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  if (numel(shape) !== data.length) {
    throw new RangeError(
      `${loss}: ${name} shape ${shapeStr(shape)} has ${numel(shape)} elements, its data has ${data.length}`,
    );
  }
}

/** A dense target of exactly the prediction's shape. */
export function denseTarget(loss: string, pred: Tensor, target: Target): Tensor {
  if (target instanceof Int32Array) {
    throw new TypeError(
      `${loss}: target must be a tensor of the prediction's shape ${shapeStr(pred.shape)}, got Int32Array(${target.length}) (class indices are for CrossEntropyLoss/NLLLoss; numeric targets read from a CSV come as class indices when they are all integers: pass labelType: 'float' to readCsv/parseCsv)`,
    );
  }
  checkTensor(loss, 'target', target);
  if (!sameShape(target.shape, pred.shape)) {
    throw new RangeError(
      `${loss}: target shape ${shapeStr(target.shape)} does not match prediction shape ${shapeStr(pred.shape)}`,
    );
  }
  return target;
}

/** A [batch, classes] prediction (classes ≥ 1): returns [rows, cols]. */
export function rowsCols(loss: string, pred: Tensor): [number, number] {
  if (pred.shape.length !== 2 || pred.shape[1] < 1) {
    throw new RangeError(
      `${loss}: expected a prediction of shape [batch, classes] (classes ≥ 1), got ${shapeStr(pred.shape)}`,
    );
  }
  return [pred.shape[0], pred.shape[1]];
}

/** Integer labels, one per row of a [rows, cols] prediction. */
export function checkLabelsShape(loss: string, pred: Tensor, labels: Int32Array): void {
  i32(loss, 'target', labels);
  if (labels.length !== pred.shape[0]) {
    throw new RangeError(
      `${loss}: target labels of shape [${labels.length}] do not match prediction shape ${shapeStr(pred.shape)} (expected [${pred.shape[0]}])`,
    );
  }
}

/**
 * Validates labels (each in [0, cols) or equal to `ignoreIndex`) and returns the number of
 * ignored rows and the sum of the class weights of the others (their count without weights):
 * torch's 'mean' denominator.
 */
export function scanLabels(
  loss: string,
  labels: Int32Array,
  cols: number,
  ignoreIndex: number | null,
  weight: Float32Array | null,
): { ignored: number; weightSum: number } {
  let ignored = 0;
  let weightSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y === ignoreIndex) {
      ignored++;
      continue;
    }
    if (y < 0 || y >= cols) {
      throw new RangeError(
        `${loss}: label out of range: target[${i}] = ${y}, expected a class index in [0, ${cols})${
          ignoreIndex === null ? '' : ` or the ignoreIndex ${ignoreIndex}`
        }`,
      );
    }
    weightSum += weight === null ? 1 : weight[y];
  }
  return { ignored, weightSum };
}

/** A class-weight vector given at construction, checked against the class count now. */
export function checkClassWeight(loss: string, weight: Float32Array | null, cols: number): void {
  if (weight !== null)
    lengthIs(loss, 'weight', weight, cols, 'one weight per class of the prediction');
}

/** Checks the gradient buffer: the prediction's length, no overlap with any input. */
export function checkGrad(
  loss: string,
  pred: Tensor,
  grad: Float32Array | undefined,
  inputs: ReadonlyArray<[string, View | null | undefined]>,
): void {
  if (grad === undefined) return;
  f32(loss, 'grad', grad);
  lengthIs(loss, 'grad', grad, pred.data.length, `the prediction's ${shapeStr(pred.shape)}`);
  noOverlap(loss, 'grad', grad, 'the prediction', pred.data, false);
  for (const [name, v] of inputs) if (v) noOverlap(loss, 'grad', grad, name, v, false);
}

/** An optional Float32Array option. */
export function optionalF32(loss: string, name: string, v: unknown): Float32Array | null {
  if (v === undefined || v === null) return null;
  f32(loss, name, v);
  return v;
}

/** 1/n for 'mean' (NaN when n = 0, as torch's mean of nothing), 1 for 'sum'. */
export function meanScale(reduction: string, n: number): number {
  if (reduction === 'sum') return 1;
  return n > 0 ? 1 / n : Number.NaN;
}

/**
 * A per-element weight as a full-length array: `w` itself, or `w` of the prediction's last
 * dimension broadcast over the leading axes into `buf` (one biasAdd).
 */
export function expandWeight(
  k: Kernels,
  loss: string,
  name: string,
  w: Float32Array | null,
  pred: Tensor,
  buf: Float32Array,
): Float32Array | null {
  if (w === null) return null;
  const n = pred.data.length;
  if (w.length === n) return w;
  const last = pred.shape.length > 0 ? pred.shape[pred.shape.length - 1] : 1;
  if (w.length !== last || last === 0) {
    throw new RangeError(
      `${loss}: ${name} has length ${w.length}, expected the prediction's ${n} elements or its last dimension ${last} (prediction shape ${shapeStr(pred.shape)})`,
    );
  }
  k.fill(buf, 0);
  k.biasAdd(buf, w, n / last, last, 1);
  return buf;
}
