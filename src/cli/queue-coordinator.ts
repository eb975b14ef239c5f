/**
 * The coordinator side of `descent compare --queue`: puts a grid's runs on the BullMQ queue
 * and gathers their results for the report. Events give the results at once; a poll of the
 * jobs' states backs them up (events sent while Redis restarts are lost, states are not).
 * Job ids are stable per grid, so `--resume` collects what an earlier coordinator left; a
 * finished grid's jobs are removed, an interrupted one's are left for `--resume`.
 */
import { type Job, Queue, QueueEvents } from 'bullmq';
import { UsageError } from './args.js';
import type { RunResult, RunSpec, StopSignal } from './experiment.js';
import { failedRun } from './failed-run.js';
import type { RunHooks } from './pool.js';
import {
  checkJobSafe,
  decodeResult,
  gridId,
  jobIdOf,
  QUEUE_NAME,
  type RunJob,
} from './queue-protocol.js';
import { connectionOf, type RedisTarget } from './redis-url.js';
import { VERSION } from './version.js';

const POLL_MS = 500;

export interface QueueRunOptions {
  target: RedisTarget;
  checksum: string;
  flatten: boolean;
  /** Keep the runs an earlier coordinator of the same grid finished (or left running). */
  resume: boolean;
  command?: string;
}

export async function runOnQueueWith(
  specs: readonly RunSpec[],
  targetLoss: number,
  signal: StopSignal,
  hooks: RunHooks,
  o: QueueRunOptions,
): Promise<Array<RunResult | null>> {
  // Job data is JSON: refuse what it would silently change, before anything is queued.
  const jobTarget = checkJobSafe('descent compare --queue', specs, targetLoss);
  const cmd = o.command ?? 'compare';
  const connection = connectionOf(o.target);
  const queue = new Queue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  const grid = gridId({ version: VERSION, checksum: o.checksum, specs, targetLoss });
  const indexOf = new Map(specs.map((_, i) => [jobIdOf(grid, i), i]));
  const results: Array<RunResult | null> = specs.map(() => null);
  let left = specs.length;
  let wake: () => void = () => {};
  const settle = (i: number, r: RunResult) => {
    if (results[i] !== null) return; // one result per run, however many events say so
    results[i] = r;
    left--;
    hooks.onResult?.(i, r);
    wake();
  };
  /** Reads a finished job into the results; false while it is still to run. */
  const read = async (job: Job | undefined, i: number) => {
    if (!job?.id) return false;
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return false;
    // `job` may have been read while still active: read it again now that it is finished.
    const done = await queue.getJob(job.id);
    if (state === 'completed' && typeof done?.returnvalue === 'string')
      settle(i, decodeResult(done.returnvalue));
    else if (state === 'failed' && done) settle(i, failedRun(specs[i], done.failedReason));
    else return false;
    return true;
  };
  try {
    await events.waitUntilReady();
    events.on('active', ({ jobId }) => {
      const i = indexOf.get(jobId);
      if (i !== undefined) hooks.onStart?.(i, specs[i]);
    });
    events.on('progress', ({ jobId, data }) => {
      const i = indexOf.get(jobId);
      if (i !== undefined && typeof data === 'object') hooks.onProgress?.(i, data as never);
    });
    const onFinished = ({ jobId }: { jobId: string }) => {
      const i = indexOf.get(jobId);
      if (i !== undefined && results[i] === null)
        void queue.getJob(jobId).then(
          (j) => read(j, i),
          () => {},
        );
    };
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    const fresh: Array<{ name: string; data: RunJob; opts: object }> = [];
    // One round trip each, all at once: a grid of hundreds of runs starts in milliseconds.
    const olds = await Promise.all(specs.map((_, i) => queue.getJob(jobIdOf(grid, i))));
    const states = await Promise.all(olds.map((j) => j?.getState()));
    // Checked before anything is removed: a refusal leaves the queue as it found it.
    if (!o.resume && states.includes('active'))
      throw new UsageError(
        `descent ${cmd}: workers are running this grid's runs for an earlier coordinator; pass --resume to collect them, or wait until they finish`,
      );
    for (const [i, spec] of specs.entries()) {
      const id = jobIdOf(grid, i);
      const old = olds[i];
      if (old) {
        if (o.resume && states[i] !== 'failed' && (await read(old, i))) continue;
        if (o.resume && states[i] !== 'failed') continue; // waiting or running: wait for it
        await old.remove();
      }
      fresh.push({
        name: 'run',
        data: {
          version: VERSION,
          checksum: o.checksum,
          grid,
          index: i,
          spec,
          targetLoss: jobTarget,
          flatten: o.flatten,
        },
        opts: {
          jobId: id,
          attempts: 3,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      });
    }
    if (fresh.length) await queue.addBulk(fresh);
    while (left > 0 && !signal.stop) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, POLL_MS);
      });
      const open = specs.flatMap((_, i) => (results[i] === null ? [i] : []));
      if (!signal.stop)
        await Promise.all(open.map(async (i) => read(await queue.getJob(jobIdOf(grid, i)), i)));
    }
    // A finished grid leaves nothing behind; an interrupted one stays for --resume.
    if (left === 0)
      await Promise.all(
        specs.map(async (_, i) => (await queue.getJob(jobIdOf(grid, i)))?.remove()),
      );
    return results;
  } finally {
    await events.close();
    await queue.close();
  }
}
