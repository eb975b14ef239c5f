/**
 * Plain pre-training, the baseline MAML is measured against (Finn et al. 2017, §5.1): one model
 * trained jointly on every task's points with no inner loop, minimising the mean loss over all
 * the support and query points of a meta-batch; at test time it is fine-tuned the same way as
 * the meta-learners (`evaluate`, `adapt`).
 */
import type { Model } from '../nn/model.js';
import { backwardScaled, type LearnerOptions, MetaLearner } from './learner.js';
import type { Task } from './task.js';

/** Options of {@link Pretraining}: those of every meta-learner. */
export type PretrainingOptions = LearnerOptions;

/**
 * The pre-training baseline of Finn et al. 2017 (§5.1): one model trained jointly on every
 * task's points, no inner loop; fine-tuned at test time like the meta-learners.
 */
export class Pretraining extends MetaLearner {
  constructor(model: Model, options: PretrainingOptions) {
    super('Pretraining', model, options);
  }

  /** Each set's mean loss weighted by its share of the meta-batch's points. */
  protected metaGradient(tasks: Task[]): number {
    let points = 0;
    for (const t of tasks) points += t.support.x.shape[0] + t.query.x.shape[0];
    let total = 0;
    for (const t of tasks)
      for (const set of [t.support, t.query]) {
        const w = set.x.shape[0] / points;
        const l = this.lossOn(null, set);
        total += w * l.item();
        backwardScaled(l, w);
      }
    return total;
  }
}
