/** The `experiments` namespace of the library: what `descent compare` runs its grids with. */
export type {
  CurvePoint,
  EpochPoint,
  ProgressInfo,
  RunResult,
  RunSpec,
  StopSignal,
} from './experiment.js';
export { type GridAxes, gridRuns } from './grid.js';
export type { RunHooks } from './pool.js';
export type { Serving } from './queue-worker.js';
export type { ModelSpec } from './registry.js';
export { type PoolRunOptions, type RunListResult, runOnPool } from './run-pool-api.js';
export {
  type QueueRunOptions,
  runOnQueue,
  type ServeQueueOptions,
  serveQueue,
} from './run-queue-api.js';
export type { DataInfo } from './runner.js';
