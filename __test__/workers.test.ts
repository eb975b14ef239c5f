/**
 * worker_threads: several workers training models of their own at once (the native thread
 * pool is shared by the process) give bit for bit what each gives alone, on both backends.
 * A model cannot be driven from two threads: the only
 * memory two threads share is a SharedArrayBuffer, and descent refuses it with a TypeError
 * (documented in the README).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const lib = pathToFileURL(join(root, 'dist', 'index.js')).href;
const script = join(root, '__test__', 'fixtures', 'worker-train.mjs');

interface Result {
  params?: Float32Array;
  loss?: number[];
  stepped?: boolean;
  error?: { name: string; message: string };
}

function inWorker(data: object): Promise<Result> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: { lib, ...data } });
    let got: Result | null = null;
    w.on('message', (m: Result) => (got = m));
    w.on('error', reject);
    w.on('exit', (code) =>
      code === 0 && got ? resolve(got) : reject(new Error(`worker exited ${code}`)),
    );
  });
}

// The js backend has no thread pool to share, so its workers need not be large: a quarter of
// the samples (the same layer sizes) tests the same independence in a quarter of the time.
describe.each([
  ['native', 2048],
  ['js', 512],
])('%s backend', (backend, samples) => {
  it('workers training at once match each alone, bit for bit', async () => {
    const seeds = [1, 2, 3];
    const alone: Result[] = [];
    for (const seed of seeds) alone.push(await inWorker({ backend, seed, samples }));
    for (const r of alone) {
      expect(r.error).toBeUndefined();
      expect(r.loss?.at(-1)).toBeLessThan(r.loss?.[0] as number);
    }
    expect(alone[0].params).not.toEqual(alone[1].params);
    // twice the seeds at once: two workers per seed, six threads on two cores
    const together = await Promise.all(
      [...seeds, ...seeds].map((seed) => inWorker({ backend, seed, samples })),
    );
    together.forEach((r, i) => {
      expect(r.error).toBeUndefined();
      expect(r.params, `seed ${seeds[i % 3]}`).toEqual(alone[i % 3].params);
      expect(r.loss).toEqual(alone[i % 3].loss);
    });
  }, 120_000);

  it('a model cannot be driven from two threads: shared memory is refused by name', async () => {
    const shared = new Float32Array(new SharedArrayBuffer(4 * 64)).fill(1);
    const r = await inWorker({ backend, shared });
    expect(r.stepped).toBeUndefined();
    expect(r.error?.name).toBe('TypeError');
    expect(r.error?.message).toMatch(/params\[0\]\.data is backed by a SharedArrayBuffer/);
    expect(Array.from(shared).every((v) => v === 1)).toBe(true);
  });
});
