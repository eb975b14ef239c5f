/**
 * The worker side of the queue: takes runs from BullMQ and trains them on a local RunPool
 * (one process per concurrent run, each with its share of the native threads). It refuses
 * jobs from another descent version or for other data than its own, saying why. A run that
 * throws fails at once (retrying would throw again); a job process that dies is retried.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { getBackend } from '../backend/select.js';
import type { RunResult } from './experiment.js';
import { PROCESS_DIED, RunPool } from './pool.js';
import { decodeTarget, encodeResult, QUEUE_NAME, type RunJob, refusal } from './queue-protocol.js';
import { connectionOf, type RedisTarget } from './redis-url.js';
import type { DataInfo } from './runner.js';
import { VERSION } from './version.js';

export interface ServeOptions {
  target: RedisTarget;
  concurrency: number;
  data: { dir?: string; subset: boolean };
  /** Lines for the operator (job taken, done, refused). */
  log?: (line: string) => void;
}

/** A worker serving a queue from this machine, as {@link serveQueue} returns it. */
export interface Serving {
  /** Data loaded and connected: what this worker holds. */
  ready: Promise<DataInfo>;
  /** Settles when the worker has stopped; the reason it stopped on its own, if it did. */
  done: Promise<string | null>;
  /** Finish the runs under way, take no more, stop. */
  close(): Promise<void>;
}

export function serve(o: ServeOptions): Serving {
  const log = o.log ?? (() => {});
  const threadsPerJob = Math.max(1, Math.floor(getBackend().info().threads / o.concurrency));
  // One pool per image layout; the flat one (MLPs, the default grid) is loaded up front.
  const pools = new Map<boolean, RunPool>();
  const poolFor = (flatten: boolean) => {
    let p = pools.get(flatten);
    if (!p) {
      p = new RunPool({ jobs: o.concurrency, threadsPerJob, data: { ...o.data, flatten } });
      pools.set(flatten, p);
    }
    return p;
  };
  let refused: string | null = null;
  let worker: Worker | null = null;
  let finish: (why: string | null) => void = () => {};
  const done = new Promise<string | null>((r) => {
    finish = r;
  });
  const closePools = () => Promise.all([...pools.values()].map((p) => p.close()));
  const ready = poolFor(true).ready.then((mine) => {
    worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        const data = job.data as RunJob;
        const why = refusal(data, { version: VERSION, checksum: mine.checksum });
        if (why) {
          // Another worker may be able to run it; this one stops taking jobs.
          if (!refused) {
            refused = why;
            log(`descent worker: refusing run ${job.id}: ${why}`);
            setImmediate(() => void stop());
          }
          throw new Error(`refused by a worker: ${why}`);
        }
        log(`descent worker: run ${job.id} (${data.spec.group}, seed ${data.spec.seed})`);
        let target: number;
        try {
          target = decodeTarget(data.targetLoss);
        } catch (e) {
          throw new UnrecoverableError((e as Error).message);
        }
        const pool = poolFor(data.flatten);
        await pool.ready;
        const r: RunResult = await pool.run(data.spec, target, (p) => {
          void job.updateProgress(p).catch(() => {});
        });
        // Ctrl-C in this worker's terminal reaches its job processes too: the run is not
        // done, so it goes back to the queue rather than into the report cut short.
        if (r.stopped === 'interrupted')
          throw new Error('the worker was interrupted during the run');
        if (r.stopped === 'failed') {
          if (r.error?.startsWith(PROCESS_DIED)) throw new Error(r.error);
          throw new UnrecoverableError(r.error ?? 'the run failed');
        }
        log(`descent worker: run ${job.id} done`);
        return encodeResult(r);
      },
      {
        connection: connectionOf(o.target),
        concurrency: o.concurrency,
        // A killed worker's runs go back to the queue within seconds, not the default 30 s.
        lockDuration: 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 2,
      },
    );
    worker.on('error', (e) => log(`descent worker: ${e.message} (reconnecting)`));
    return mine;
  });
  const stop = async () => {
    await worker?.close();
    await closePools();
    finish(refused);
  };
  ready.catch(async () => {
    await closePools();
    finish(null);
  });
  return { ready, done, close: stop };
}
