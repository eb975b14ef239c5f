/**
 * Shared argument checks and helpers of the losses: every check throws before anything is
 * written, with a message naming the loss, the argument and what was given.
 */
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

/** How a loss reduces its per-element (or per-sample) terms. */
export type Reduction = 'mean' | 'sum';

export interface ReductionOptions {
  /** 'mean' (default, torch's) or 'sum'. */
  reduction?: Reduction;
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
