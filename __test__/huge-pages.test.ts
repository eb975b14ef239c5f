/**
 * Arenas from 1 MiB (parameters, gradients, optimizer state) start on a 2 MiB boundary with
 * their huge pages advised where the native addon runs: with 4 KiB pages the page walks over
 * them cost the MLP step ~5%. Small arenas keep their plain cache-line alignment, and every
 * array is zeroed and sized as asked.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from '../src/backend/native.js';
import { getBackend, setBackend } from '../src/index.js';
import { allocArena } from '../src/memory.js';
import { nativeUnderTest } from './helpers/backends.js';

const HUGE = 2 ** 21;

function binding() {
  const n = loadNative();
  if ('error' in n) throw new Error(n.error);
  return n.binding;
}

/** Bytes from a's start to the next 2 MiB boundary (0 when it starts on one). */
const toBoundary = (a: Float32Array) => {
  const advise = binding().adviseHugePages;
  if (!advise) throw new Error('the addon has no adviseHugePages');
  return advise(a);
};

/** This process's anonymous memory on huge pages, in kB (Linux). */
const hugeKb = () =>
  Number(/AnonHugePages:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1]);

describe('huge pages for big arenas (native)', () => {
  nativeUnderTest();
  const before = getBackend().name;
  afterEach(() => {
    setBackend(before);
  });

  it('puts arenas from 1 MiB on a 2 MiB boundary, zeroed; smaller ones on cache lines', () => {
    setBackend('native');
    for (const lengths of [[2 ** 18], [5, 2 ** 20 + 3, 7], [1000]]) {
      const arrays = allocArena(lengths);
      const big = lengths.reduce((a, b) => a + b, 0) * 4 >= 2 ** 20;
      arrays.forEach((a, i) => {
        expect(a.length).toBe(lengths[i]);
        expect(a.every((v) => v === 0)).toBe(true);
        expect(binding().cacheLineOffset(a)).toBe(0);
      });
      if (big) expect(toBoundary(arrays[0])).toBe(0);
    }
  });

  it('the advised pages are backed by huge pages where the kernel offers them', () => {
    setBackend('native');
    const mode = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8');
    const start = hugeKb();
    const [a] = allocArena([HUGE]); // 8 MiB
    a.fill(1); // first touch
    const gained = hugeKb() - start;
    if (mode.includes('[never]')) expect(gained).toBe(0);
    else expect(gained).toBeGreaterThanOrEqual(2048);
    expect(a[a.length - 1]).toBe(1);
  });

  it('refuses an empty array, naming the argument', () => {
    expect(() => toBoundary(new Float32Array(0))).toThrow(/adviseHugePages: a is empty/);
  });
});
