/**
 * The library side of `descent compare --jobs`: run a list of run specs on a pool of local
 * processes and get their results back in order (what the CLI itself calls).
 */
import { getBackend } from '../backend/select.js';
import { bool, optionsOf, positiveInt } from '../backend/validate.js';
import type { RunResult, RunSpec, StopSignal } from './experiment.js';
import { type RunHooks, RunPool } from './pool.js';
import type { DataInfo } from './runner.js';

export interface PoolRunOptions extends RunHooks {
  /** Runs at once, each in its own process (default 1). */
  jobs?: number;
  /** Native threads per process (default: the backend's threads divided by `jobs`). */
  threadsPerJob?: number;
  /** Fashion-MNIST folder (else the usual lookup, as in `descent compare --data`). */
  dir?: string;
  /** Use the bundled subset. */
  subset?: boolean;
  /** Flatten images to 784 (MLPs; default true). */
  flatten?: boolean;
  /** Training loss whose first crossing is timed (default: none). */
  targetLoss?: number;
  /** Set `stop` to true to stop after the current batch (the rest of the runs are null). */
  signal?: StopSignal;
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

/** Runs `specs` on `jobs` local processes; results in the order of `specs`. */
export async function runOnPool(
  specs: readonly RunSpec[],
  options?: PoolRunOptions,
): Promise<{ dataset: DataInfo; results: Array<RunResult | null> }> {
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
