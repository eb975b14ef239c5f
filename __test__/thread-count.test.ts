/**
 * Native results do not depend on the thread count, nor on which thread made the first kernel
 * call (the main thread then joins the pool as worker 0; a worker_threads thread does not):
 * an MLP and a CNN trained a few Adam steps give the same parameter bits at 1, 2 and 3 threads.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeUnderTest } from './helpers/backends.js';

const root = join(import.meta.dirname, '..');
const lib = pathToFileURL(join(root, 'dist', 'index.js')).href;
const script = join(root, '__test__', 'fixtures', 'thread-count-train.mjs');

function hashes(threads: number, worker: boolean) {
  const out = execFileSync(process.execPath, [script, lib, ...(worker ? ['--worker'] : [])], {
    env: { ...process.env, DESCENT_THREADS: String(threads), DESCENT_BACKEND: 'native' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as { threads: number; mlp: string; cnn: string };
}

describe('native thread count', () => {
  it('MLP and CNN parameters are bit-identical at 1, 2 and 3 threads, from the main thread or a worker', () => {
    nativeUnderTest(); // a missing addon fails here with the loader's reason
    const one = hashes(1, false);
    expect(one.threads).toBe(1);
    for (const [threads, worker] of [
      [2, false],
      [3, false],
      [2, true],
    ] as const) {
      const r = hashes(threads, worker);
      expect(r.threads).toBe(threads);
      expect({ mlp: r.mlp, cnn: r.cnn }).toEqual({ mlp: one.mlp, cnn: one.cnn });
    }
  });
});
