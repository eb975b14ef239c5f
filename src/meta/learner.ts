/**
 * What every meta-learner shares: the inner loop (a fresh inner optimizer per task stepping a
 * flat copy of the parameters, fast-weights.ts), the meta-step driver (sample or take a
 * meta-batch, check it, zero the model's gradients, let the algorithm fill them, one outer
 * optimizer step), and evaluation: adapt to a task's support set and score the query set after
 * each step, on the copy, so the model's own parameters never change.
 */
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { Tensor, type TensorLike } from '../autograd/tensor.js';
import { getBackend } from '../backend/select.js';
import { options as checkObject, count, describe, finite, knownKeys } from '../backend/validate.js';
import type { Target } from '../nn/loss.js';
import { Model } from '../nn/model.js';
import type { Optimizer, OptimizerLike } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { FastWeights } from './fast-weights.js';
import { checkInner, checkOuter, type OptimizerClass } from './inner.js';
import { checkTasks, isFamily, type Task, type TaskFamily, type TaskSet } from './task.js';

/** A loss that puts itself on the tape (every loss in nn.losses). */
export interface TapeLoss {
  /** The loss's name, used in error messages. */
  readonly name: string;
  /** The loss of `pred` against `target` as a recorded scalar tensor (differentiable). */
  apply(pred: Tensor, target: Target | TensorLike): Tensor;
}

/** The inner loop's settings: task loss, inner optimizer, its learning rate and steps. */
export interface InnerLoopOptions {
  /** The task loss, e.g. new nn.losses.MSELoss() or CrossEntropyLoss(). */
  loss: TapeLoss;
  /** The inner optimizer's class (default optim.SGD), built afresh for every task. */
  innerOptimizer?: OptimizerClass;
  /** Its options other than the learning rate (e.g. { momentum: 0.9 }). */
  innerOptions?: object;
  /** Inner learning rate α (default 0.01, the MAML paper's for sine). MAML reference code (cbfinn/maml): `update_lr`. */
  innerLr?: number;
  /** Inner steps per task in meta-training, and the default for evaluate/adapt (default 1). MAML reference code (cbfinn/maml): `num_updates`. */
  innerSteps?: number;
}

/** Options shared by every meta-learner: the inner loop's plus the outer optimizer and meta-batch size. */
export interface LearnerOptions extends InnerLoopOptions {
  /** An optimizer over the model's parameters (e.g. new optim.Adam(model.parameters(), { lr: 1e-3 })). */
  outerOptimizer: OptimizerLike;
  /** Tasks per meta-batch when `step` is given a task family (default 25). MAML reference code (cbfinn/maml): `meta_batch_size`. */
  tasksPerBatch?: number;
}

/** Options of {@link MetaLearner.evaluate} and {@link MetaLearner.adapt}. */
export interface AdaptOptions {
  /** Adaptation steps (default the learner's innerSteps). */
  steps?: number;
}

/** Query scores after 0, 1, …, steps adaptation steps (index = steps taken), over the tasks. */
export interface Evaluation {
  /** Mean query loss. */
  loss: number[];
  /** Its standard deviation over tasks. */
  lossStd: number[];
  /** Mean query accuracy for tasks with class labels (argmax of the output), else null. */
  accuracy: number[] | null;
  /** Standard deviation of the query accuracy over tasks, or null without class labels. */
  accuracyStd: number[] | null;
  /** Number of tasks evaluated. */
  tasks: number;
}

const COMMON = ['loss', 'innerOptimizer', 'innerOptions', 'innerLr', 'innerSteps'];

/**
 * The base of the meta-learners ({@link MAML}, {@link Reptile}, {@link Pretraining}): the inner
 * loop on a flat copy of the parameters, the meta-step driver (`step`) and evaluation by
 * adaptation (`evaluate`, `adapt`, `predict`). A subclass implements `metaGradient`.
 */
export abstract class MetaLearner {
  /** The model being meta-trained (its parameters change only in `step`). */
  readonly model: Model;
  /** The task loss. */
  readonly loss: TapeLoss;
  /** The inner optimizer's class, built afresh for every task. */
  readonly innerOptimizer: OptimizerClass;
  /** Inner learning rate α. */
  readonly innerLr: number;
  /** Inner steps per task in meta-training, and the default number of adaptation steps. */
  readonly innerSteps: number;
  /** The optimizer of the meta-update (over the model's parameters). */
  readonly outerOptimizer: OptimizerLike;
  /** Tasks per meta-batch when `step` samples from a family. */
  readonly tasksPerBatch: number;
  /** The inner optimizer's checked options (lr included). */
  protected readonly innerConfig: Record<string, unknown>;
  /** The flat copy of the parameters the inner loop adapts (reused for every task). */
  protected readonly fast: FastWeights;
  private labels = new Int32Array(0);

  constructor(
    /** The algorithm's name (`'MAML'`, `'Reptile'`, `'Pretraining'`), used in error messages. */
    readonly name: string,
    model: Model,
    options: LearnerOptions,
    extraKeys: readonly string[] = [],
  ) {
    const fn = name;
    if (!(model instanceof Model))
      throw new TypeError(`${fn}: model must be an nn.Model, got ${describe(model)}`);
    if (model.paramCount === 0)
      throw new RangeError(
        `${fn}: model has no parameters, so there is nothing to adapt or meta-learn`,
      );
    checkObject(fn, 'options', options);
    knownKeys(fn, 'option', options, [...COMMON, 'outerOptimizer', 'tasksPerBatch', ...extraKeys]);
    const loss = options.loss;
    if (loss === null || typeof loss !== 'object' || typeof loss.apply !== 'function')
      throw new TypeError(
        `${fn}: loss must be a loss with apply(pred, target), e.g. new nn.losses.MSELoss(), got ${describe(loss)}`,
      );
    const innerLr = options.innerLr ?? 0.01;
    finite(fn, 'innerLr', innerLr);
    if (innerLr <= 0) throw new RangeError(`${fn}: innerLr must be > 0, got ${innerLr}`);
    const innerSteps = options.innerSteps ?? 1;
    count(fn, 'innerSteps', innerSteps);
    if (innerSteps < 1)
      throw new RangeError(`${fn}: innerSteps must be at least 1, got ${innerSteps}`);
    const tasksPerBatch = options.tasksPerBatch ?? 25;
    count(fn, 'tasksPerBatch', tasksPerBatch);
    if (tasksPerBatch < 1)
      throw new RangeError(`${fn}: tasksPerBatch must be at least 1, got ${tasksPerBatch}`);
    if (options.outerOptimizer === undefined)
      throw new TypeError(
        `${fn}: outerOptimizer is required (e.g. new optim.Adam(model.parameters(), { lr: 1e-3 }))`,
      );
    this.outerOptimizer = checkOuter(fn, options.outerOptimizer, model);
    const C = options.innerOptimizer ?? SGD;
    this.fast = new FastWeights(model);
    this.innerConfig = checkInner(fn, C, options.innerOptions ?? {}, innerLr, this.fast.list);
    this.model = model;
    this.loss = loss;
    this.innerOptimizer = C as OptimizerClass;
    this.innerLr = innerLr;
    this.innerSteps = innerSteps;
    this.tasksPerBatch = tasksPerBatch;
  }

  /**
   * One meta-step: `tasksPerBatch` tasks from a family (or the given tasks), the algorithm's
   * meta-gradient in the model's gradient arena, one outer optimizer step. Returns the mean
   * query loss after adaptation (the training loss for Pretraining).
   */
  step(source: Task[] | TaskFamily): number {
    const fn = `${this.name}.step`;
    if (!isGradEnabled())
      throw new Error(`${fn}: called inside noGrad; a meta-step needs gradients`);
    const tasks = checkTasks(
      fn,
      'tasks',
      isFamily(source) ? source.sample(this.tasksPerBatch) : source,
      this.model,
    );
    this.model.zeroGrad();
    const loss = this.metaGradient(tasks);
    this.outerOptimizer.step();
    return loss;
  }

  /** Fills the model's (zeroed) gradient arena with the meta-gradient; returns the mean loss. */
  protected abstract metaGradient(tasks: Task[]): number;

  /** A fresh inner optimizer over the fast weights. */
  protected innerOpt(): Optimizer<object> {
    return new this.innerOptimizer(this.fast.list, this.innerConfig);
  }

  /** `steps` inner steps on `set` from θ (the fast weights hold the result). */
  protected adaptFast(set: TaskSet, steps: number, after?: (s: number) => void): void {
    this.fast.load(this.model.params);
    after?.(0);
    if (steps === 0) return;
    const opt = this.innerOpt();
    for (let s = 1; s <= steps; s++) {
      this.fast.zeroGrad();
      const l = this.lossOn(this.fast.tensors, set);
      l._internal = true; // no one else holds it: recycled with the graph
      l.backward();
      opt.step();
      after?.(s);
    }
  }

  /**
   * The loss on `set` with the model's parameters replaced by `params` (its own when null),
   * recorded on the tape. The output is internal: only the loss leaves this function.
   */
  protected lossOn(params: readonly Tensor[] | null, set: TaskSet): Tensor {
    const run = () => {
      const out = this.model.forward(set.x);
      const l = this.loss.apply(out, set.y as Target);
      if (!(l instanceof Tensor) || l.size !== 1)
        throw new TypeError(
          `${this.name}: the loss must give a scalar tensor (reduction 'mean' or 'sum'), got ${describe(l)}`,
        );
      if (out._node) out._internal = true;
      return l;
    };
    return params ? this.model.withParameters(params, run) : run();
  }

  /** Query loss and accuracy (null for non-label targets) at the fast weights, recording nothing. */
  protected score(set: TaskSet): {
    /** The query loss. */
    loss: number;
    /** The fraction of correct argmax predictions, or null for non-label targets. */
    accuracy: number | null;
  } {
    return noGrad(() =>
      this.model.withParameters(this.fast.tensors, () => {
        const out = this.model.forward(set.x);
        const l = this.loss.apply(out, set.y as Target);
        const loss = l.item();
        l._release();
        let accuracy: number | null = null;
        if (set.y instanceof Int32Array) {
          const rows = out.shape[0];
          const cols = out.size / rows;
          if (this.labels.length < rows) this.labels = new Int32Array(rows);
          const pred = this.labels.subarray(0, rows);
          getBackend().kernelsFor(out.size).argmaxRows(pred, out._d, rows, cols);
          let hit = 0;
          for (let i = 0; i < rows; i++) if (pred[i] === set.y[i]) hit++;
          accuracy = hit / rows;
        }
        out._release();
        return { loss, accuracy };
      }),
    );
  }

  private steps(fn: string, options: AdaptOptions | undefined): number {
    if (options === undefined) return this.innerSteps;
    checkObject(fn, 'options', options);
    knownKeys(fn, 'option', options, ['steps']);
    const steps = options.steps ?? this.innerSteps;
    count(fn, 'steps', steps);
    return steps;
  }

  /**
   * Adapts to each task's support set with the inner optimizer and scores its query set after
   * 0, 1, …, `steps` steps. The model's parameters and gradients are not touched.
   */
  evaluate(tasks: Task | Task[], options?: AdaptOptions): Evaluation {
    const fn = `${this.name}.evaluate`;
    const list = checkTasks(fn, 'tasks', Array.isArray(tasks) ? tasks : [tasks], this.model);
    const steps = this.steps(fn, options);
    const losses = Array.from({ length: steps + 1 }, () => new Float64Array(list.length));
    const accs = Array.from({ length: steps + 1 }, () => new Float64Array(list.length));
    let labelled = true;
    list.forEach((task, ti) => {
      this.adaptFast(task.support, steps, (s) => {
        const r = this.score(task.query);
        losses[s][ti] = r.loss;
        if (r.accuracy === null) labelled = false;
        else accs[s][ti] = r.accuracy;
      });
    });
    return {
      loss: losses.map(mean),
      lossStd: losses.map(std),
      accuracy: labelled ? accs.map(mean) : null,
      accuracyStd: labelled ? accs.map(std) : null,
      tasks: list.length,
    };
  }

  /** The parameters after `steps` adaptation steps on the task's support set (a new array, arena layout). */
  adapt(task: Task, options?: AdaptOptions): Float32Array {
    const fn = `${this.name}.adapt`;
    const [t] = checkTasks(fn, 'task', [task], this.model);
    this.adaptFast(t.support, this.steps(fn, options));
    return Float32Array.from(this.fast.params);
  }

  /** The model's output on `x` with `params` (from adapt; default its own), recording nothing. */
  predict(x: TensorLike, params?: Float32Array): Tensor {
    const fn = `${this.name}.predict`;
    if (params === undefined) return noGrad(() => this.model.forward(x));
    if (!(params instanceof Float32Array) || params.length !== this.model.paramCount)
      throw new TypeError(
        `${fn}: params must be a Float32Array of ${this.model.paramCount} parameters (as adapt returns), got ${describe(params)}`,
      );
    this.fast.load(params);
    return noGrad(() => this.model.withParameters(this.fast.tensors, () => this.model.forward(x)));
  }
}

/** Backpropagates c·l into the leaves (l a scalar no one else holds: recycled with its graph). */
export function backwardScaled(l: Tensor, c: number): void {
  l._internal = true;
  l.backward({ data: Float32Array.of(c), shape: l.shape });
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

function std(a: Float64Array): number {
  const m = mean(a);
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return Math.sqrt(s / a.length);
}
