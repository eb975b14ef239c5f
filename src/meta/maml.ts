/**
 * MAML (Finn, Abbeel & Levine 2017): θ ← θ − β∇θ Σ_tasks L_query(θ'_task), where θ' is θ after
 * k inner steps on the task's support set. Second order differentiates through the inner
 * updates (the gradient of θ' with respect to θ, Hessian terms included); first order (FOMAML,
 * §5.2 of the paper) takes the query gradient at θ' as the gradient at θ, so its inner loop
 * runs any inner optimizer on the flat copy of the parameters and records no second graph.
 * The meta-gradient is the mean over the meta-batch.
 */
import { gradients } from '../autograd/functional.js';
import { collect } from '../autograd/scope.js';
import type { Tensor } from '../autograd/tensor.js';
import { getBackend } from '../backend/select.js';
import { bool } from '../backend/validate.js';
import type { Model } from '../nn/model.js';
import { sgdOptions, TensorSGD } from './inner.js';
import { backwardScaled, type LearnerOptions, MetaLearner } from './learner.js';
import type { Task } from './task.js';

/** Options of {@link MAML}. */
export interface MAMLOptions extends LearnerOptions {
  /** First-order MAML (default false: second order, which needs the SGD inner optimizer). */
  firstOrder?: boolean;
}

/**
 * Model-Agnostic Meta-Learning (Finn, Abbeel & Levine 2017): second order through the inner SGD
 * updates, or first order (FOMAML) with any inner optimizer.
 *
 * @example
 * ```ts
 * import { meta, nn, optim } from 'descent-ml';
 *
 * const model = new nn.Model(
 *   new nn.Sequential([new nn.Linear(1, 40), new nn.ReLU(), new nn.Linear(40, 1)]),
 *   [1],
 *   { seed: 0 },
 * );
 * const maml = new meta.MAML(model, {
 *   loss: new nn.losses.MSELoss(),
 *   innerLr: 0.01,
 *   outerOptimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
 *   tasksPerBatch: 10,
 * });
 * const tasks = new meta.SineTasks({ shots: 10, seed: 1 });
 * for (let i = 0; i < 100; i++) maml.step(tasks);
 * const result = maml.evaluate(tasks.sample(20), { steps: 5 });
 * console.log(result.loss); // query loss after 0…5 adaptation steps
 * ```
 */
export class MAML extends MetaLearner {
  /** Whether the meta-gradient is first order (FOMAML). */
  readonly firstOrder: boolean;
  /** The inner SGD's options, in tensor operations (second order). */
  private readonly sgd: TensorSGD | null;

  constructor(model: Model, options: MAMLOptions) {
    super('MAML', model, options, ['firstOrder']);
    const firstOrder = options.firstOrder ?? false;
    bool('MAML', 'firstOrder', firstOrder);
    this.firstOrder = firstOrder;
    const sgd = firstOrder ? null : sgdOptions(this.innerOptimizer, this.innerConfig);
    this.sgd = sgd && new TensorSGD(sgd);
    if (!firstOrder && !sgd)
      throw new TypeError(
        `MAML: innerOptimizer ${this.innerOptimizer.name} cannot be differentiated: second-order MAML differentiates through the inner updates, which needs them in tensor operations, and only SGD (with its momentum, dampening, Nesterov and weight decay) is written that way; use firstOrder: true or Reptile with ${this.innerOptimizer.name}`,
      );
  }

  protected metaGradient(tasks: Task[]): number {
    return this.sgd ? this.secondOrder(tasks, this.sgd) : this.firstOrderGradient(tasks);
  }

  /** Query gradients at the adapted fast weights, averaged into the model's gradient arena. */
  private firstOrderGradient(tasks: Task[]): number {
    const n = tasks.length;
    const k = getBackend().kernelsFor(this.model.paramCount);
    let total = 0;
    for (const task of tasks) {
      this.adaptFast(task.support, this.innerSteps);
      this.fast.zeroGrad();
      const q = this.lossOn(this.fast.tensors, task.query);
      total += q.item();
      q._internal = true;
      q.backward();
      k.axpy(1 / n, this.fast.grads, this.model.grads);
    }
    return total / n;
  }

  /** The inner loop in tensor operations from θ itself, so the query loss differentiates through it. */
  private secondOrder(tasks: Task[], sgd: TensorSGD): number {
    const n = tasks.length;
    const theta = this.model.parameters().map((p) => p.tensor as Tensor);
    let total = 0;
    for (const task of tasks) {
      const { made } = collect(() => {
        let w = theta;
        const bufs: (Tensor | null)[] = theta.map(() => null);
        for (let s = 0; s < this.innerSteps; s++) {
          const l = this.lossOn(w, task.support);
          const g = gradients(l, w, { createGraph: true });
          w = sgd.step(w, g, bufs);
        }
        const q = this.lossOn(w, task.query);
        total += q.item();
        backwardScaled(q, 1 / n);
      });
      // The task's whole graph (inner losses, their gradient graphs, the fast weights) died
      // with that backward, but nodes a createGraph pass went through leave their buffers to
      // the garbage collector; nothing made here is reachable any more, so recycle it all.
      for (const t of made) t._release();
    }
    return total / n;
  }
}
