/**
 * `--jobs N`: N child processes (run-child.ts), each with its own share of the native thread
 * pool, take the grid's runs in order as they come free. Results come back in spec order,
 * whatever order they finished in; a run that throws becomes a failed row, not a crash.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProgressInfo, RunResult, RunSpec, StopSignal } from './experiment.js';
import { failedRun } from './failed-run.js';
import type { ChildMessage, ChildRequest } from './run-child.js';
import type { WorkerInit } from './run-worker.js';
import type { DataInfo } from './runner.js';

/** What a caller hears while a list of runs is executed (index = position in the list). */
export interface RunHooks {
  /** Called when run `index` starts (on a queue: each time a worker takes it, retries included). */
  onStart?: (index: number, spec: RunSpec) => void;
  /** Called as run `index` trains (throttled to about every 100 ms). */
  onProgress?: (index: number, p: ProgressInfo) => void;
  /** Called with each run's result as it finishes (failed runs included), in finishing order. */
  onResult?: (index: number, r: RunResult) => void;
}

/** How a failed run reads when its process died (a worker may retry it elsewhere). */
export const PROCESS_DIED = 'job process exited';

interface Child {
  proc: ChildProcess;
  alive: boolean;
  busy: boolean;
  pending: Map<number, (m: ChildMessage) => void>;
}

/** run-child.js next to this file, or in dist/ when this is the TypeScript source (tests). */
function childScript(): string {
  const here = fileURLToPath(new URL('./run-child.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../dist/cli/run-child.js', import.meta.url));
}

export class RunPool {
  readonly ready: Promise<DataInfo>;
  private readonly children: Child[];

  constructor(o: { jobs: number; threadsPerJob: number; data: WorkerInit['data'] }) {
    const script = childScript();
    this.children = Array.from({ length: o.jobs }, () => {
      const proc = fork(script, [JSON.stringify(o.data)], {
        env: { ...process.env, DESCENT_THREADS: String(o.threadsPerJob) },
        // Structured clone keeps NaN, -0 and every float bit of the results (JSON would not).
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      return { proc, alive: true, busy: false, pending: new Map() };
    });
    this.ready = Promise.all(this.children.map((c) => this.start(c))).then((infos) => {
      const other = infos.find((i) => i.checksum !== infos[0].checksum);
      if (other) throw new Error('descent compare: the job processes loaded different data');
      return infos[0];
    });
  }

  private start(c: Child): Promise<DataInfo> {
    return new Promise((resolve, reject) => {
      c.proc.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') resolve(m.info);
        else if (m.type === 'error') reject(new Error(m.message));
        else c.pending.get(m.id)?.(m);
      });
      c.proc.on('exit', (code, sig) => {
        c.alive = false;
        const why = `${PROCESS_DIED} (${sig ?? `code ${code}`}) during the run`;
        reject(new Error(why));
        for (const done of c.pending.values()) done({ type: 'failed', id: -1, message: why });
      });
    });
  }

  /** Runs `specs` on the pool; a run not started before `signal.stop` is null. */
  async runAll(
    specs: readonly RunSpec[],
    targetLoss: number,
    signal: StopSignal,
    hooks: RunHooks = {},
  ): Promise<Array<RunResult | null>> {
    const results: Array<RunResult | null> = specs.map(() => null);
    let next = 0;
    const loop = async (c: Child) => {
      while (c.alive && !signal.stop && next < specs.length) {
        const i = next++;
        hooks.onStart?.(i, specs[i]);
        const r = await this.runOne(c, i, specs[i], targetLoss, hooks);
        results[i] = r;
        hooks.onResult?.(i, r);
      }
    };
    await Promise.all(this.children.map(loop));
    // Every job process died: what is left fails rather than vanishing from the report.
    for (; next < specs.length && !signal.stop; next++) {
      results[next] = failedRun(specs[next], 'no job process left to run it');
      hooks.onResult?.(next, results[next] as RunResult);
    }
    return results;
  }

  /** Runs one spec on an idle process (callers keep at most `jobs` runs going). */
  run(spec: RunSpec, targetLoss: number, onProgress?: (p: ProgressInfo) => void) {
    const c = this.children.find((x) => x.alive && !x.busy);
    if (!c) return Promise.resolve(failedRun(spec, `${PROCESS_DIED}: no idle job process`));
    const id = this.nextId++;
    return this.runOne(c, id, spec, targetLoss, { onProgress: (_i, p) => onProgress?.(p) });
  }

  private nextId = 0;

  private runOne(c: Child, id: number, spec: RunSpec, targetLoss: number, hooks: RunHooks) {
    c.busy = true;
    return new Promise<RunResult>((resolve) => {
      c.pending.set(id, (m) => {
        if (m.type === 'progress') {
          const { type: _t, id: _i, ...p } = m;
          return hooks.onProgress?.(id, p);
        }
        c.pending.delete(id);
        c.busy = false;
        if (m.type === 'result') resolve(m.result);
        else if (m.type === 'failed') resolve(failedRun(spec, m.message));
      });
      c.proc.send({ type: 'run', id, spec, targetLoss } satisfies ChildRequest);
    });
  }

  /** Asks every running experiment to stop after its current batch. */
  stop(): void {
    for (const c of this.children)
      if (c.alive) c.proc.send({ type: 'stop' } satisfies ChildRequest);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (!c.alive) return resolve();
            c.proc.once('exit', () => resolve());
            c.proc.disconnect();
          }),
      ),
    );
  }
}
