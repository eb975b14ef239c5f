/**
 * A child process of `descent compare --jobs N`: one per job, so that each has its own native
 * thread pool (rayon's pool is per process, sized by DESCENT_THREADS, which the parent sets).
 * Training runs in a TrainingWorker thread so this process stays free to hear "stop" (and
 * SIGINT, which the terminal sends to the whole process group) in the middle of a run.
 */
import type { RunSpec } from './experiment.js';
import type { WorkerInit } from './run-worker.js';
import { TrainingWorker } from './runner.js';

export type ChildRequest =
  | { type: 'run'; id: number; spec: RunSpec; targetLoss: number }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; info: Awaited<TrainingWorker['ready']> }
  | { type: 'error'; message: string }
  | { type: 'progress'; id: number; step: number; steps: number; epoch: number; loss: number }
  | { type: 'result'; id: number; result: import('./experiment.js').RunResult }
  | { type: 'failed'; id: number; message: string };

const send = (m: ChildMessage) => process.send?.(m);

if (process.send) {
  const data = JSON.parse(process.argv[2] ?? '{}') as WorkerInit['data'];
  const worker = new TrainingWorker(data);
  // The parent decides what Ctrl-C means; here it only stops the current run cleanly.
  process.on('SIGINT', () => worker.stop());
  // A parent that died (SIGKILL) leaves nobody to report to.
  process.on('disconnect', () => process.exit(0));
  worker.ready.then(
    (info) => send({ type: 'ready', info }),
    (e: Error) => send({ type: 'error', message: e.message }),
  );
  process.on('message', (m: ChildRequest) => {
    if (m.type === 'stop') return worker.stop();
    worker
      .run(m.spec, m.targetLoss, (p) => {
        const { type: _t, ...rest } = p;
        send({ type: 'progress', id: m.id, ...rest });
      })
      .then(
        (result) => send({ type: 'result', id: m.id, result }),
        (e: Error) => send({ type: 'failed', id: m.id, message: e.message }),
      );
  });
}
