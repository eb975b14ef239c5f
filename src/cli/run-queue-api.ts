/**
 * The library side of `descent compare --queue` and `descent worker`: run a list of run specs
 * on a BullMQ queue in Redis, and serve such a queue from this machine.
 */
import { bool, optionsOf, positiveInt } from '../backend/validate.js';
import { queueExecutor } from './executor.js';
import type { RunSpec, StopSignal } from './experiment.js';
import type { RunHooks } from './pool.js';
import { checkJobSafe } from './queue-protocol.js';
import type { Serving } from './queue-worker.js';
import { checkReachable, parseRedisUrl, type RedisTarget } from './redis-url.js';
import { checkSpecs, type RunListResult } from './run-pool-api.js';

/** Options of {@link runOnQueue}; the `descent compare` flag each mirrors is named. */
export interface QueueRunOptions extends RunHooks {
  /** redis://HOST:PORT[/DB] (required; `--queue`). */
  queue: string;
  /**
   * Collect runs of the same grid an earlier caller left on the queue (default false;
   * `--resume`).
   */
  resume?: boolean;
  /**
   * Fashion-MNIST folder on this machine (`--data`; default: the usual lookup, as in
   * {@link PoolRunOptions.dir}). The caller loads the data too: workers holding other data
   * (another checksum) refuse the runs.
   */
  dir?: string;
  /** Use the bundled subset (default false); the workers must hold the same data. */
  subset?: boolean;
  /** Flatten images to 784 values (MLPs); false gives [1, 28, 28] for CNNs (default true). */
  flatten?: boolean;
  /**
   * Training loss whose first crossing is timed (default: none), as in
   * {@link PoolRunOptions.targetLoss}.
   */
  targetLoss?: number;
  /**
   * Set `stop` to true to stop waiting: the finished runs are returned, the rest are null and
   * stay on the queue for `resume`.
   */
  signal?: StopSignal;
}

/** Options of {@link serveQueue}; the `descent worker` flag each mirrors is named. */
export interface ServeQueueOptions {
  /** redis://HOST:PORT[/DB] (required; `--queue`). */
  queue: string;
  /** Runs at once, each in its own process (default 1; `--concurrency`). */
  concurrency?: number;
  /**
   * Fashion-MNIST folder on this machine (`--data`; default: the usual lookup, as in
   * {@link PoolRunOptions.dir}); it must hold the same data as the caller of {@link runOnQueue}.
   */
  dir?: string;
  /** Use the bundled subset (default false). */
  subset?: boolean;
  /**
   * Receives one line per event: a run taken, done or refused, a connection error (default:
   * silent).
   */
  log?: (line: string) => void;
}

/** The URL checked and pinged, with errors that name the function and the option. */
async function targetOf(fn: string, url: unknown): Promise<RedisTarget> {
  try {
    const t = parseRedisUrl('x', url);
    await checkReachable('x', t);
    return t;
  } catch (e) {
    const msg = (e as Error).message
      .replace(/^descent x: --queue/, 'queue')
      .replace(/^descent x: /, '');
    throw new RangeError(`${fn}: ${msg}`);
  }
}

const dataOptions = (fn: string, o: { dir?: string; subset?: boolean }) => {
  if (o.subset !== undefined) bool(fn, 'subset', o.subset);
  if (o.dir !== undefined && typeof o.dir !== 'string')
    throw new TypeError(`${fn}: dir must be a folder path (string)`);
};

/**
 * Runs `specs` on the queue's workers, as `descent compare --queue` does; results in the
 * order of `specs`. The data is named, not sent: each worker ({@link serveQueue} or
 * `descent worker`) reads its own and refuses runs whose data checksum or descent version
 * differs. A worker killed mid-run has its run retried by another; a run that throws is a
 * result with `stopped: 'failed'`.
 *
 * @example
 * ```ts
 * import { experiments } from 'descent-ml';
 *
 * const queue = 'redis://127.0.0.1:6379';
 * const worker = await experiments.serveQueue({ queue, subset: true }); // or `descent worker`
 * const specs = experiments.gridRuns({
 *   optimizers: ['adam'], lrs: [1e-3, 3e-3], activations: ['relu'], schedules: ['constant'],
 *   batchSizes: [128], batchNorm: [false], dropout: [0], l2: [0], seeds: [1],
 *   epochs: 1, kind: 'mlp', hidden: [64],
 * });
 * const { results } = await experiments.runOnQueue(specs, { queue, subset: true });
 * for (const r of results) console.log(r?.spec.group, r?.finalValAccuracy);
 * await worker.close();
 * ```
 */
export async function runOnQueue(
  specs: readonly RunSpec[],
  options: QueueRunOptions,
): Promise<RunListResult> {
  const fn = 'runOnQueue';
  checkSpecs(fn, specs);
  const o = optionsOf(fn, options, [
    'queue',
    'resume',
    'dir',
    'subset',
    'flatten',
    'targetLoss',
    'signal',
    'onStart',
    'onProgress',
    'onResult',
  ]);
  dataOptions(fn, o);
  if (o.resume !== undefined) bool(fn, 'resume', o.resume);
  if (o.flatten !== undefined) bool(fn, 'flatten', o.flatten);
  checkJobSafe(fn, specs, o.targetLoss ?? Number.NEGATIVE_INFINITY);
  const target = await targetOf(fn, o.queue);
  const exec = queueExecutor(fn, {
    target,
    resume: o.resume ?? false,
    data: { dir: o.dir, subset: o.subset ?? false, flatten: o.flatten ?? true },
  });
  const results = await exec.runAll(
    specs,
    o.targetLoss ?? Number.NEGATIVE_INFINITY,
    o.signal ?? { stop: false },
    o,
  );
  return { dataset: exec.loaded, results };
}

/**
 * Serves the queue from this machine, as `descent worker` does, until `close()` (or a refused
 * job) stops it: takes runs as they come, `concurrency` at a time, each in its own process.
 * Images are loaded flat up front and as [1, 28, 28] when a CNN run first asks for them.
 */
export async function serveQueue(options: ServeQueueOptions): Promise<Serving> {
  const fn = 'serveQueue';
  const o = optionsOf(fn, options, ['queue', 'concurrency', 'dir', 'subset', 'log']);
  const concurrency = o.concurrency ?? 1;
  positiveInt(fn, 'concurrency', concurrency);
  dataOptions(fn, o);
  const target = await targetOf(fn, o.queue);
  const { serve } = await import('./queue-worker.js'); // BullMQ, only when serving
  return serve({
    target,
    concurrency,
    data: { dir: o.dir, subset: o.subset ?? false },
    log: o.log,
  });
}
