/** The main-thread side of the training worker (see run-worker.ts): sends runs, draws progress. */
import { Worker } from 'node:worker_threads';
import type { RunResult, RunSpec } from './experiment.js';
import type { WorkerInit, WorkerMessage } from './run-worker.js';

/** What a worker loaded: where from, how many images, and a checksum of the tensors. */
export interface DataInfo {
  /**
   * Where Fashion-MNIST was found: `'dir'` (the `dir` option), `'env'` (the
   * DESCENT_FASHION_MNIST variable), `'debian'` (/usr/share/datasets/fashion-mnist) or
   * `'bundled'` (the subset shipped with the library).
   */
  source: string;
  /** The folder the images were read from. */
  path: string;
  /** Training images (60,000; 6,000 in the bundled subset). */
  train: number;
  /** Test images (10,000; 1,000 in the bundled subset). */
  test: number;
  /** sha256 of the loaded tensors: workers elsewhere must hold the same data. */
  checksum: string;
}

export class TrainingWorker {
  private readonly worker: Worker;
  private readonly flag: Int32Array;
  readonly ready: Promise<DataInfo>;
  private pending: { resolve: (r: RunResult) => void; reject: (e: Error) => void } | null = null;
  private progress: ((m: Extract<WorkerMessage, { type: 'progress' }>) => void) | null = null;

  constructor(data: WorkerInit['data']) {
    const stop = new SharedArrayBuffer(4);
    this.flag = new Int32Array(stop);
    this.worker = new Worker(new URL('./run-worker.js', import.meta.url), {
      workerData: { data, stop } satisfies WorkerInit,
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'ready') {
          const { type: _t, ...info } = m;
          resolve(info);
        } else if (m.type === 'error' && !this.pending)
          reject(Object.assign(new Error(m.message), { usage: m.usage }));
        else if (m.type === 'error' && this.pending) this.pending.reject(new Error(m.message));
        else if (m.type === 'result' && this.pending) {
          const p = this.pending;
          this.pending = null;
          p.resolve(m.result);
        } else if (m.type === 'progress') this.progress?.(m);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', (e) => {
        reject(e);
        this.pending?.reject(e);
      });
    });
  }

  /** Asks the running experiment to stop after its current batch. */
  stop(): void {
    Atomics.store(this.flag, 0, 1);
  }

  run(
    spec: RunSpec,
    targetLoss: number,
    onProgress?: (m: Extract<WorkerMessage, { type: 'progress' }>) => void,
  ): Promise<RunResult> {
    this.progress = onProgress ?? null;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ spec, targetLoss });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A one-line progress bar on a TTY (nothing otherwise). */
export function drawProgress(
  label: string,
  m: { step: number; steps: number; epoch: number; loss: number },
): void {
  if (!process.stdout.isTTY) return;
  const width = 24;
  const done = Math.min(width, Math.round((width * m.step) / Math.max(1, m.steps)));
  const bar = `${'█'.repeat(done)}${'░'.repeat(width - done)}`;
  const line = `  ${label} ${bar} step ${m.step}/${m.steps} epoch ${m.epoch} loss ${m.loss.toFixed(4)}`;
  process.stdout.write(`\r${line.slice(0, (process.stdout.columns ?? 120) - 1)}\x1b[K`);
}

export function clearProgress(): void {
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
}
