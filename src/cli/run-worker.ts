/**
 * The training side of `descent compare`: a worker thread that loads the data once and runs
 * the experiments it is sent, so the main thread stays free to draw progress and to hear
 * Ctrl-C (a synchronous training loop would block signal delivery). The stop flag is shared
 * memory the training loop checks after every batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { dataChecksum } from './data-checksum.js';
import { type RunSpec, runExperiment, type StopSignal } from './experiment.js';

export interface WorkerInit {
  data: { dir?: string; subset: boolean; flatten: boolean };
  stop: SharedArrayBuffer;
}

export type WorkerMessage =
  | {
      type: 'ready';
      source: string;
      path: string;
      train: number;
      test: number;
      /** sha256 of the loaded tensors: workers elsewhere must hold the same data. */
      checksum: string;
    }
  | { type: 'progress'; step: number; steps: number; epoch: number; loss: number }
  | { type: 'result'; result: ReturnType<typeof runExperiment> }
  | { type: 'error'; message: string; usage: boolean };

const port = parentPort;
if (port) {
  const init = workerData as WorkerInit;
  const flag = new Int32Array(init.stop);
  const signal: StopSignal = {
    get stop() {
      return Atomics.load(flag, 0) === 1;
    },
  };
  try {
    const loaded = loadFashionMnist(init.data);
    port.postMessage({
      type: 'ready',
      source: loaded.source,
      path: loaded.path,
      train: loaded.train.length,
      test: loaded.test.length,
      checksum: dataChecksum([loaded.train, loaded.test]),
    } satisfies WorkerMessage);
    port.on('message', (m: { spec: RunSpec; targetLoss: number }) => {
      try {
        let last = 0;
        const result = runExperiment(m.spec, loaded, {
          targetLoss: m.targetLoss,
          signal,
          verbose: 0,
          onProgress: (p) => {
            const now = performance.now();
            if (now - last > 100) {
              last = now;
              port.postMessage({ type: 'progress', ...p } satisfies WorkerMessage);
            }
          },
        });
        port.postMessage({ type: 'result', result } satisfies WorkerMessage);
      } catch (e) {
        port.postMessage({
          type: 'error',
          message: e instanceof Error ? e.message : String(e),
          usage: false,
        } satisfies WorkerMessage);
      }
    });
  } catch (e) {
    port.postMessage({
      type: 'error',
      message: e instanceof Error ? e.message : String(e),
      usage: true,
    } satisfies WorkerMessage);
  }
}
