/** Training: fit/evaluate/predict, callbacks, checkpoints, the TensorFlow.js layers format. */
export * from './callbacks/index.js';
export {
  type CheckpointManifest,
  LoadedCheckpoint,
  loadCheckpoint,
  type RestoreTargets,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from './checkpoint.js';
export {
  type Architecture,
  type BufferDtype,
  type BufferEntry,
  type BufferRole,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type LayerDescription,
  LIMITS as CHECKPOINT_LIMITS,
  type ModelEntry,
  type StateEntry,
} from './checkpoint-manifest.js';
export {
  type EvaluateOptions,
  evaluate,
  type FitOptions,
  fit,
  type History,
  type PredictOptions,
  predict,
} from './fit.js';
export { type LayerEntry, layerConfig, layerRng, walkLayers } from './introspect.js';
export { type ArrayData, MemoryDataset } from './memory-dataset.js';
export type { MetricName } from './metric-accumulators.js';
export { restoreSnapshot, takeSnapshot } from './snapshot.js';
export {
  type FromTfjsOptions,
  fromTfjs,
  type KerasLayer,
  loadTfjs,
  saveTfjs,
  TFJS_WEIGHTS_FILE,
  type TfjsArtifacts,
  type TfjsModelJson,
  toTfjs,
  type WeightSpec,
} from './tfjs-format.js';
