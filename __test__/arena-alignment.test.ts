/**
 * Arenas start on 64-byte cache lines where the native addon runs: V8's buffers are only
 * 16-byte aligned, and a fused optimizer step streams parameters, gradients and states from
 * separate arenas, so unequal misalignments made its vector loop split cache lines (a C loop
 * over the Adamax step ran 20% slower with its buffers 16 bytes off).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from '../src/backend/native.js';
import { getBackend, nn, optim, setBackend } from '../src/index.js';
import { allocArena } from '../src/memory.js';
import { nativeUnderTest } from './helpers/backends.js';

function lineOffset(a: Float32Array): number {
  const n = loadNative();
  if ('error' in n) throw new Error(n.error);
  return n.binding.cacheLineOffset(a);
}

describe('arena alignment (native)', () => {
  nativeUnderTest();
  const before = getBackend().name;
  afterEach(() => {
    setBackend(before);
  });

  it('places every array of an arena on a cache line, whatever the lengths', () => {
    setBackend('native');
    for (const lengths of [[1], [3, 5, 7], [100, 1, 4096, 33], [0, 2]]) {
      for (let rep = 0; rep < 20; rep++) {
        const arrays = allocArena(lengths);
        arrays.forEach((a, i) => {
          expect(a.length).toBe(lengths[i]);
          if (a.length > 0) expect(lineOffset(a)).toBe(0);
          expect(a.every((v) => v === 0)).toBe(true);
        });
      }
    }
  });

  it("aligns a model's parameters and gradients and an optimizer's state", () => {
    setBackend('native');
    const model = new nn.Model(
      new nn.Sequential([new nn.Linear(13, 7), new nn.ReLU(), new nn.Linear(7, 3)]),
      [13],
      { seed: 1 },
    );
    expect(lineOffset(model.params)).toBe(0);
    expect(lineOffset(model.grads)).toBe(0);
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    model.grads.fill(0.5);
    opt.step();
    for (const name of ['expAvg', 'expAvgSq']) {
      const s = opt.stateBuffer(0, name);
      expect(s?.length).toBe(model.params.length);
      expect(lineOffset(s as Float32Array)).toBe(0);
    }
  });

  it('refuses an empty array, naming the argument', () => {
    expect(() => lineOffset(new Float32Array(0))).toThrow(/cacheLineOffset: a is empty/);
  });
});
