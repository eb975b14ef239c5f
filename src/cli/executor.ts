/**
 * Where `descent compare` runs a grid: on local processes (--jobs) or on a BullMQ queue that
 * `descent worker`s serve (--queue). Either way the runs come back in grid order.
 */
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { UsageError } from './args.js';
import { dataChecksum } from './data-checksum.js';
import type { RunResult, RunSpec, StopSignal } from './experiment.js';
import { type RunHooks, RunPool } from './pool.js';
import type { RedisTarget } from './redis-url.js';
import type { DataInfo } from './runner.js';

export interface Executor {
  loaded: DataInfo;
  runAll(
    specs: readonly RunSpec[],
    targetLoss: number,
    signal: StopSignal,
    hooks: RunHooks,
  ): Promise<Array<RunResult | null>>;
  stop(): void;
  close(): Promise<void>;
}

type Data = { dir?: string; subset: boolean; flatten: boolean };

export async function localExecutor(
  command: string,
  o: { jobs: number; threadsPerJob: number; data: Data },
): Promise<Executor> {
  const pool = new RunPool(o);
  try {
    const loaded = await pool.ready;
    return {
      loaded,
      runAll: (specs, t, signal, hooks) => pool.runAll(specs, t, signal, hooks),
      stop: () => pool.stop(),
      close: () => pool.close(),
    };
  } catch (e) {
    await pool.close();
    throw new UsageError(`descent ${command}: ${(e as Error).message}`);
  }
}

/** The coordinator loads the data too: its checksum is what workers must match. */
export function queueExecutor(
  command: string,
  o: { target: RedisTarget; resume: boolean; data: Data },
): Executor {
  let loaded: DataInfo;
  try {
    const d = loadFashionMnist(o.data);
    loaded = {
      source: d.source,
      path: d.path,
      train: d.train.length,
      test: d.test.length,
      checksum: dataChecksum([d.train, d.test]),
    };
  } catch (e) {
    throw new UsageError(`descent ${command}: ${(e as Error).message}`);
  }
  return {
    loaded,
    // BullMQ is loaded only when a queue is used: the library and --jobs do not pay for it.
    runAll: async (specs, t, signal, hooks) =>
      (await import('./queue-coordinator.js')).runOnQueueWith(specs, t, signal, hooks, {
        target: o.target,
        checksum: loaded.checksum,
        flatten: o.data.flatten,
        resume: o.resume,
        command,
      }),
    // The coordinator's loop watches the signal; the runs themselves stay on the queue.
    stop: () => {},
    close: async () => {},
  };
}
