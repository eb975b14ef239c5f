/**
 * A meta-learning task: a support set the model adapts on and a query set that scores the
 * adapted model (Finn et al. 2017's D_train / D_test of a task). A task family samples them
 * (sine.ts, few-shot.ts). The checks here run before a learner does any work, so a bad task
 * never leaves a model half-updated.
 */
import type { TensorLike } from '../autograd/tensor.js';
import { describe } from '../backend/validate.js';
import type { Model } from '../nn/model.js';
import { numel, shapeStr } from '../nn/tensor.js';

/** Inputs [n, …] and targets: class indices (Int32Array of n) or a float32 tensor [n, …]. */
export interface TaskSet {
  /** Inputs [n, ...inputShape] (float32). */
  readonly x: TensorLike;
  /** Targets: n class labels, or a float32 tensor [n, …] for regression. */
  readonly y: Int32Array | TensorLike;
}

/** One meta-learning task (Finn et al. 2017's D_train and D_test of a task). */
export interface Task {
  /** The points the model adapts on in the inner loop. */
  readonly support: TaskSet;
  /** The points that score the adapted model (the meta-objective). */
  readonly query: TaskSet;
}

/** Anything that samples tasks (a learner's `step` draws `tasksPerBatch` from it). */
export interface TaskFamily<T extends Task = Task> {
  /** `n` fresh tasks, drawn from the family's own seeded stream. */
  sample(n: number): T[];
}

export function isFamily(v: unknown): v is TaskFamily {
  return v !== null && typeof v === 'object' && typeof (v as TaskFamily).sample === 'function';
}

function checkSet(fn: string, where: string, s: unknown, inputShape: readonly number[] | null) {
  if (s === null || typeof s !== 'object')
    throw new TypeError(`${fn}: ${where} must be {x, y}, got ${describe(s)}`);
  const { x, y } = s as TaskSet;
  if (
    x === null ||
    typeof x !== 'object' ||
    !(x.data instanceof Float32Array) ||
    !Array.isArray(x.shape) ||
    x.shape.length < 1 ||
    x.shape.some((d) => !Number.isSafeInteger(d) || d < 0) ||
    numel(x.shape) !== x.data.length
  )
    throw new TypeError(
      `${fn}: ${where}.x must be a float32 tensor {data: Float32Array, shape: [n, …]} whose shape matches its data, got ${describe(x)}`,
    );
  const n = x.shape[0];
  if (n === 0)
    throw new RangeError(`${fn}: ${where}.x holds no samples (shape ${shapeStr(x.shape)})`);
  if (inputShape) {
    const per = x.shape.slice(1);
    if (per.length !== inputShape.length || per.some((d, i) => d !== inputShape[i]))
      throw new RangeError(
        `${fn}: ${where}.x has samples of shape ${shapeStr(per)}, the model takes ${shapeStr(inputShape)} (x is ${shapeStr(x.shape)})`,
      );
  }
  if (y instanceof Int32Array) {
    if (y.length !== n)
      throw new RangeError(
        `${fn}: ${where}.y has ${y.length} labels, ${where}.x has ${n} samples (shape ${shapeStr(x.shape)})`,
      );
    return;
  }
  if (
    y === null ||
    typeof y !== 'object' ||
    !(y.data instanceof Float32Array) ||
    !Array.isArray(y.shape) ||
    numel(y.shape) !== y.data.length
  )
    throw new TypeError(
      `${fn}: ${where}.y must be an Int32Array of labels or a float32 tensor {data, shape} whose shape matches its data, got ${describe(y)}`,
    );
  if (y.shape[0] !== n)
    throw new RangeError(
      `${fn}: ${where}.y has shape ${shapeStr(y.shape)}, ${where}.x has ${n} samples (shape ${shapeStr(x.shape)})`,
    );
}

/** Refuses what is not a non-empty array of tasks fitting `model`, naming the task and set. */
export function checkTasks(fn: string, name: string, tasks: unknown, model: Model): Task[] {
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new TypeError(
      `${fn}: ${name} must be a non-empty array of tasks, got ${describe(tasks)}`,
    );
  const shape = model.hasShape ? model.inputShape : null;
  tasks.forEach((t, i) => {
    if (t === null || typeof t !== 'object')
      throw new TypeError(
        `${fn}: ${name}[${i}] must be a task {support, query}, got ${describe(t)}`,
      );
    checkSet(fn, `${name}[${i}].support`, (t as Task).support, shape);
    checkSet(fn, `${name}[${i}].query`, (t as Task).query, shape);
  });
  return tasks as Task[];
}
