/**
 * The browser entry's `train` namespace: the training loop, evaluation, prediction and the
 * callbacks that need no file system (CSVLogger, ModelCheckpoint, checkpoints and the
 * TensorFlow.js files are Node-only: they write directories).
 */
export {
  BaseCallback,
  type Callback,
  type Logs,
  type SchedulerLike,
  type TrainContext,
} from '../train/callbacks/callback.js';
export { EarlyStopping, type EarlyStoppingOptions } from '../train/callbacks/early-stopping.js';
export { LambdaCallback, type LambdaCallbackOptions } from '../train/callbacks/lambda.js';
export type { MonitorMode } from '../train/callbacks/monitor.js';
export {
  ProgressBar,
  type ProgressBarOptions,
  type ProgressStream,
} from '../train/callbacks/progress-bar.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauCallbackOptions,
} from '../train/callbacks/reduce-lr-on-plateau.js';
export { TerminateOnNaN } from '../train/callbacks/terminate-on-nan.js';
export {
  type EvaluateOptions,
  evaluate,
  type FitOptions,
  type History,
  type PredictOptions,
  predict,
} from '../train/fit-loop.js';
export { type LayerEntry, layerConfig, layerRng, walkLayers } from '../train/introspect.js';
export { type ArrayData, MemoryDataset } from '../train/memory-dataset.js';
export type { MetricName } from '../train/metric-accumulators.js';
export { restoreSnapshot, takeSnapshot } from '../train/snapshot.js';
export { fit } from './fit.js';
