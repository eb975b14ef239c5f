/** Training callbacks (Keras semantics, camelCase names). */
export {
  BaseCallback,
  type Callback,
  type Logs,
  type SchedulerLike,
  type TrainContext,
} from './callback.js';
export { CSVLogger, type CSVLoggerOptions } from './csv-logger.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { LambdaCallback, type LambdaCallbackOptions } from './lambda.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export type { MonitorMode } from './monitor.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress-bar.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauCallbackOptions,
} from './reduce-lr-on-plateau.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
