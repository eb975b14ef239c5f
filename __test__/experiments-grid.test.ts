/**
 * experiments.gridRuns: the cartesian product of the axes, one spec per run and seed; names
 * it cannot run are refused at once naming the axis, the index and the nearest valid name
 * (they used to fail as a bare TypeError, or only when the run started in a worker).
 */
import { describe, expect, it } from 'vitest';
import { experiments } from '../src/index.js';

const axes = (over: Partial<experiments.GridAxes> = {}): experiments.GridAxes => ({
  optimizers: ['sgd', 'adam'],
  lrs: null,
  activations: ['relu'],
  schedules: ['constant'],
  batchSizes: [32, 64],
  batchNorm: [false],
  dropout: [0],
  l2: [0],
  seeds: [1, 2],
  epochs: 1,
  kind: 'mlp',
  hidden: [16],
  ...over,
});

describe('gridRuns', () => {
  it('one spec per combination and seed, each optimizer at its default lr when none is given', () => {
    const runs = experiments.gridRuns(axes());
    expect(runs).toHaveLength(2 * 2 * 2);
    expect(new Set(runs.map((r) => `${r.optimizer}/${r.batchSize}/${r.seed}`)).size).toBe(8);
    for (const r of runs) expect(Number.isFinite(r.lr)).toBe(true);
  });

  it.each([
    [
      'optimizers',
      { optimizers: ['sgd', 'adamm'] },
      /gridRuns: optimizers\[1\] must be one of .*got string "adamm" \(did you mean "adam"\?\)/,
    ],
    [
      'activations',
      { activations: ['rleu'] },
      /gridRuns: activations\[0\] must be one of .*\(did you mean "relu"\?\)/,
    ],
    [
      'schedules',
      { schedules: ['constant', 7 as never] },
      /gridRuns: schedules\[1\] must be one of .*got number 7/,
    ],
  ])('refuses an unknown name in %s', (_axis, over, re) => {
    expect(() => experiments.gridRuns(axes(over as Partial<experiments.GridAxes>))).toThrow(re);
  });
});
