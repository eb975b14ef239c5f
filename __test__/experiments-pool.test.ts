/**
 * experiments.runOnPool, the library call behind `descent compare --jobs`: results in spec
 * order, a run that throws at run time (an optimizer refusing its learning rate) or diverges
 * becomes a row with its reason while the others complete, and bad options are refused.
 */
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/index.js';
import { buildDist } from './helpers/dist.js';

// The pool's child processes run the built dist/.
buildDist();

const base = (over: Partial<experiments.RunSpec>): experiments.RunSpec => ({
  group: 'x',
  optimizer: 'sgd',
  lr: 0.1,
  schedule: 'constant',
  batchSize: 256,
  epochs: 1,
  seed: 1,
  model: { kind: 'mlp', hidden: [16], activation: 'relu', batchNorm: false, dropout: 0 },
  l2: 0,
  ...over,
});

describe('experiments.runOnPool', () => {
  it('keeps spec order, fails the throwing run with its message, completes the rest', async () => {
    const specs = [
      base({ group: 'ok-1' }),
      base({ group: 'throws', lr: -1 }),
      base({ group: 'nan', lr: 1e30 }),
      base({ group: 'ok-2', optimizer: 'adam', lr: 0.001 }),
    ];
    const started: number[] = [];
    const progress: Array<{ i: number; step: number; steps: number; epoch: number }> = [];
    const { dataset, results } = await experiments.runOnPool(specs, {
      jobs: 2,
      subset: true,
      onStart: (i) => started.push(i),
      onProgress: (i, p) => progress.push({ i, ...p }),
    });
    expect(dataset.source).toBe('bundled');
    expect(dataset.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(started.sort()).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => r?.spec.group)).toEqual(['ok-1', 'throws', 'nan', 'ok-2']);
    expect(results[1]?.stopped).toBe('failed');
    expect(results[1]?.error).toMatch(/lr/);
    expect(results[2]?.stopped).toBe('diverged');
    // Progress reaches the caller (the bar's feed): steps of 24 per epoch of 6,000 at 256.
    const first = progress.find((p) => p.i === 0);
    expect(first).toMatchObject({ step: 1, steps: 24, epoch: 1 });
    for (const i of [0, 3]) {
      expect(results[i]?.stopped).toBeNull();
      expect(results[i]?.finalValAccuracy).toBeGreaterThan(0.3);
    }
  }, 120_000);

  it('refuses bad options before starting anything', async () => {
    const specs = [base({})];
    await expect(experiments.runOnPool(specs, { jobs: 2 })).rejects.toThrow(
      /runOnPool: jobs \(2\) is more than the 1 specs/,
    );
    await expect(experiments.runOnPool(specs, { jobs: 0 })).rejects.toThrow(RangeError);
    await expect(experiments.runOnPool(specs, { job: 1 } as never)).rejects.toThrow(
      /runOnPool: .*job.*jobs/,
    );
    await expect(experiments.runOnPool([], {})).rejects.toThrow(/non-empty array/);
  });
});
