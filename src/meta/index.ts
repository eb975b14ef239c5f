/**
 * Meta-learning: MAML (second and first order), Reptile and the pre-training baseline over any
 * `nn.Model`, with the inner and outer optimizers as parameters, and the task families of the
 * MAML paper (sine regression, N-way K-shot classification, here from Fashion-MNIST).
 */

export type { FastWeights } from './fast-weights.js';
export {
  FASHION_MNIST_META_CLASSES,
  type FashionMnistTaskOptions,
  type FewShotOptions,
  type FewShotTask,
  FewShotTasks,
  fashionMnistTasks,
  type LabelledData,
} from './few-shot.js';
export type { OptimizerClass } from './inner.js';
export {
  type AdaptOptions,
  type Evaluation,
  type InnerLoopOptions,
  type LearnerOptions,
  MetaLearner,
  type TapeLoss,
} from './learner.js';
export { MAML, type MAMLOptions } from './maml.js';
export { Pretraining, type PretrainingOptions } from './pretraining.js';
export { Reptile, type ReptileOptions } from './reptile.js';
export {
  SINE_AMPLITUDE,
  SINE_INPUT,
  SINE_PHASE,
  type SineTask,
  type SineTaskOptions,
  SineTasks,
  sineValue,
} from './sine.js';
export type { Task, TaskFamily, TaskSet } from './task.js';
