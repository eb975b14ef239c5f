/**
 * Reptile (Nichol, Achiam & Schulman 2018, Algorithm 2, batched): adapt a copy of θ to each
 * task with k inner steps, giving φ_task, and move θ towards their mean. The outer optimizer
 * receives θ − mean(φ) as the gradient, so plain SGD with lr ε is θ ← θ + ε(mean(φ) − θ), and
 * Adam or any other descent optimizer can take it instead (as §6 of the paper suggests). The
 * inner loop never differentiates through itself: any inner optimizer works.
 */
import { getBackend } from '../backend/select.js';
import type { Model } from '../nn/model.js';
import { type LearnerOptions, MetaLearner } from './learner.js';
import type { Task } from './task.js';

/** Options of {@link Reptile}: those of every meta-learner. */
export type ReptileOptions = LearnerOptions;

/**
 * Reptile (Nichol, Achiam & Schulman 2018, batched): moves θ towards the mean of the task-adapted
 * parameters; any inner optimizer, no second-order terms.
 */
export class Reptile extends MetaLearner {
  constructor(model: Model, options: ReptileOptions) {
    super('Reptile', model, options);
  }

  /** Fills the gradient arena with θ − mean(φ); returns the mean query loss at the φ. */
  protected metaGradient(tasks: Task[]): number {
    const n = tasks.length;
    const k = getBackend().kernelsFor(this.model.paramCount);
    const phi = this.fast.params;
    let total = 0;
    for (const task of tasks) {
      this.adaptFast(task.support, this.innerSteps);
      total += this.score(task.query).loss;
      // θ − φ per task: exactly 0 for a parameter the inner loop did not move (a dead unit),
      // which an adaptive outer optimizer would otherwise turn rounding noise into a full step.
      k.binary('sub', phi, this.model.params, phi);
      k.axpy(1 / n, phi, this.model.grads);
    }
    return total / n;
  }
}
