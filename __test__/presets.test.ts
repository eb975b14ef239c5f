/**
 * The preset logic that does not need training: the Adam-vs-SGD sentence (against plain SGD
 * and against SGD+Momentum, with the noise verdict) and the one-cycle schedule's peak.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../src/cli/presets.js';
import { SCHEDULES } from '../src/cli/registry.js';
import type { Summary } from '../src/cli/results.js';
import { SGD } from '../src/optim/index.js';

const summary = (group: string, acc: number[], seconds: number[], steps: number[]): Summary => ({
  group,
  runs: [],
  finalValAccuracy: acc,
  bestValAccuracy: acc,
  finalLoss: acc.map(() => 0.3),
  stepsToTarget: steps,
  secondsToTarget: seconds,
  missedTarget: 0,
  samplesPerSec: acc.map(() => 1),
});

describe('adam-vs-sgd finding', () => {
  const finding = PRESETS['adam-vs-sgd'].finding;

  it('compares Adam with plain SGD and with SGD+Momentum, saying when it is noise', () => {
    const text = finding([
      summary('SGD', [0.84, 0.845], [3.0, 3.0], [1500, 1500]),
      summary('SGD+Momentum', [0.86, 0.866], [1.2, 1.3], [640, 640]),
      summary('Adam', [0.874, 0.875], [1.0, 1.5], [600, 600]),
    ]);
    expect(text).toMatch(/^Adam reached the target loss 140% faster than plain SGD/);
    expect(text).toMatch(/2\.50× fewer steps/);
    expect(text).toMatch(/against SGD\+Momentum it was 0% faster \(within the seed spread\)/);
  });

  it('says slower when Adam is slower, and leaves out the noise verdict when it is clear', () => {
    const text = finding([
      summary('SGD', [0.84, 0.84], [1.0, 1.0], [1000, 1000]),
      summary('SGD+Momentum', [0.86, 0.86], [1.0, 1.0], [500, 500]),
      summary('Adam', [0.87, 0.87], [2.0, 2.0], [400, 400]),
    ]);
    expect(text).toMatch(/100% slower than plain SGD/);
    expect(text).toMatch(/against SGD\+Momentum it was 100% slower and ended/);
    expect(text).not.toMatch(/within the seed spread/);
  });
});

describe('one-cycle schedule of the presets', () => {
  it('peaks at twice the run learning rate and starts 25× below the peak', () => {
    const opt = new SGD([{ data: new Float32Array(2), grad: new Float32Array(2) }], {
      lr: 0.05,
      momentum: 0.9,
    });
    const s = SCHEDULES.onecycle(opt, 100, 0.05);
    expect(s).not.toBeNull();
    const lrs = [opt.paramGroups[0].lr];
    for (let i = 0; i < 100; i++) {
      s?.step();
      lrs.push(opt.paramGroups[0].lr);
    }
    // the peak falls between two steps (torch: phase end at pctStart·totalSteps − 1 = 29.3)
    expect(Math.max(...lrs)).toBeGreaterThan(0.0999);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(0.1);
    expect(lrs[0]).toBeCloseTo(0.1 / 25, 9);
  });
});
