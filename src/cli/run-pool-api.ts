/**
 * The library side of `descent compare --jobs`: run a list of run specs on a pool of local
 * processes and get their results back in order (what the CLI itself calls).
 */
import { getBackend } from '../backend/select.js';
import { bool, optionsOf, positiveInt } from '../backend/validate.js';
import type { RunResult, RunSpec, StopSignal } from './experiment.js';
import { type RunHooks, RunPool } from './pool.js';
import type { DataInfo } from './runner.js';

/** Options of {@link runOnPool}; the `descent compare` flag each mirrors is named. */
export interface PoolRunOptions extends RunHooks {
  /**
   * Runs at once, each in its own process (default 1; `--jobs`). At most the number of specs.
   */
  jobs?: number;
  /**
   * Native threads per process (default: the backend's threads divided by `jobs`, at least 1;
   * sets DESCENT_THREADS in each process).
   */
  threadsPerJob?: number;
  /**
   * Fashion-MNIST folder (`--data`; default: DESCENT_FASHION_MNIST, then
   * /usr/share/datasets/fashion-mnist, then the bundled subset). Not together with `subset`.
   */
  dir?: string;
  /**
   * Use the bundled subset (6,000 training / 1,000 test images) even when the full data is
   * installed (default false).
   */
  subset?: boolean;
  /**
   * Flatten images to 784 values, as MLPs take them; false gives [1, 28, 28] for CNNs
   * (default true).
   */
  flatten?: boolean;
  /**
   * Training loss whose first crossing is timed ({@link RunResult.stepsToTarget}; `--target-loss`).
   * Default: none, so those stay null (the CLI then picks a target from the results).
   */
  targetLoss?: number;
  /** Set `stop` to true to stop after the current batch (the rest of the runs are null). */
  signal?: StopSignal;
}

/** What {@link runOnPool} and {@link runOnQueue} return. */
export interface RunListResult {
  /** The data the runs trained on (the same in every process or worker). */
  dataset: DataInfo;
  /** One result per spec, in the order of the specs; null for a run stopped before it started. */
  results: Array<RunResult | null>;
}

const KEYS = [
  'jobs',
  'threadsPerJob',
  'dir',
  'subset',
  'flatten',
  'targetLoss',
  'signal',
  'onStart',
  'onProgress',
  'onResult',
];

export function checkSpecs(fn: string, specs: unknown): asserts specs is RunSpec[] {
  if (!Array.isArray(specs) || specs.length === 0)
    throw new TypeError(`${fn}: specs must be a non-empty array of run specs`);
  specs.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.optimizer !== 'string')
      throw new TypeError(`${fn}: specs[${i}] is not a run spec (no optimizer name)`);
  });
}

/**
 * Runs `specs` on `jobs` local processes, as `descent compare --jobs` does; results in the
 * order of `specs`, whatever order they finished in. A run that throws or whose process dies
 * is a result with `stopped: 'failed'` and its `error`, not a rejection. Each run's result is
 * the same bit for bit whatever `jobs` is (timings apart).
 *
 * @example
 * ```ts
 * import { experiments } from 'descent-ml';
 *
 * const specs = experiments.gridRuns({
 *   optimizers: ['sgd', 'adam'], lrs: null, activations: ['relu'], schedules: ['constant'],
 *   batchSizes: [128], batchNorm: [false], dropout: [0], l2: [0], seeds: [1],
 *   epochs: 1, kind: 'mlp', hidden: [64],
 * });
 * const { dataset, results } = await experiments.runOnPool(specs, {
 *   jobs: 2,
 *   subset: true,
 *   onResult: (i, r) => console.log(i, r.spec.group, r.finalValAccuracy),
 * });
 * console.log(dataset.train, results.length); // 6000 2
 * ```
 */
export async function runOnPool(
  specs: readonly RunSpec[],
  options?: PoolRunOptions,
): Promise<RunListResult> {
  const fn = 'runOnPool';
  checkSpecs(fn, specs);
  const o = optionsOf(fn, options, KEYS);
  const jobs = o.jobs ?? 1;
  positiveInt(fn, 'jobs', jobs);
  if (jobs > specs.length)
    throw new RangeError(`${fn}: jobs (${jobs}) is more than the ${specs.length} specs`);
  const threadsPerJob =
    o.threadsPerJob ?? Math.max(1, Math.floor(getBackend().info().threads / jobs));
  positiveInt(fn, 'threadsPerJob', threadsPerJob);
  if (o.subset !== undefined) bool(fn, 'subset', o.subset);
  if (o.flatten !== undefined) bool(fn, 'flatten', o.flatten);
  if (o.dir !== undefined && typeof o.dir !== 'string')
    throw new TypeError(`${fn}: dir must be a folder path (string)`);
  const pool = new RunPool({
    jobs,
    threadsPerJob,
    data: { dir: o.dir, subset: o.subset ?? false, flatten: o.flatten ?? true },
  });
  try {
    const dataset = await pool.ready;
    const signal = o.signal ?? { stop: false };
    const results = await pool.runAll(specs, o.targetLoss ?? Number.NEGATIVE_INFINITY, signal, o);
    return { dataset, results };
  } finally {
    await pool.close();
  }
}
