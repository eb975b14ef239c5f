/**
 * The library side of `descent compare --queue` and `descent worker`: run a list of run specs
 * on a BullMQ queue in Redis, and serve such a queue from this machine.
 */
import { bool, optionsOf, positiveInt } from '../backend/validate.js';
import { queueExecutor } from './executor.js';
import type { RunResult, RunSpec, StopSignal } from './experiment.js';
import type { RunHooks } from './pool.js';
import type { Serving } from './queue-worker.js';
import { checkReachable, parseRedisUrl, type RedisTarget } from './redis-url.js';
import { checkSpecs } from './run-pool-api.js';
import type { DataInfo } from './runner.js';

export interface QueueRunOptions extends RunHooks {
  /** redis://HOST:PORT[/DB] (required). */
  queue: string;
  /** Collect runs of the same grid an earlier caller left on the queue (default false). */
  resume?: boolean;
  dir?: string;
  subset?: boolean;
  flatten?: boolean;
  targetLoss?: number;
  signal?: StopSignal;
}

export interface ServeQueueOptions {
  /** redis://HOST:PORT[/DB] (required). */
  queue: string;
  /** Runs at once, each in its own process (default 1). */
  concurrency?: number;
  dir?: string;
  subset?: boolean;
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

/** Runs `specs` on the queue's workers; results in the order of `specs`. */
export async function runOnQueue(
  specs: readonly RunSpec[],
  options: QueueRunOptions,
): Promise<{ dataset: DataInfo; results: Array<RunResult | null> }> {
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

/** Serves the queue from this machine until `close()` (or a refused job) stops it. */
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
