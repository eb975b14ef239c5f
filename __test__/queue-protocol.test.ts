/**
 * Job data travels as JSON (BullMQ): what JSON would change is refused before anything is
 * queued, and "no target" (−∞) has an explicit form instead of arriving as null (which a
 * worker would have compared as 0).
 */
import { describe, expect, it } from 'vitest';
import {
  checkJobSafe,
  decodeTarget,
  encodeTarget,
  unsafeForJson,
} from '../src/cli/queue-protocol.js';
import { experiments } from '../src/index.js';

const spec = () =>
  experiments.gridRuns({
    optimizers: ['adam'],
    lrs: [1e-3],
    activations: ['relu'],
    schedules: ['constant'],
    batchSizes: [32],
    batchNorm: [false],
    dropout: [0],
    l2: [0],
    seeds: [1],
    epochs: 1,
    kind: 'mlp',
    hidden: [8],
  })[0];

describe('queue job data', () => {
  it('round-trips the target loss through JSON, −∞ included', () => {
    for (const t of [Number.NEGATIVE_INFINITY, 0.25, 0, -3]) {
      expect(decodeTarget(JSON.parse(JSON.stringify(encodeTarget(t))))).toBe(t);
    }
    expect(() => encodeTarget(Number.NaN)).toThrow(
      /targetLoss must be finite or -Infinity, got NaN/,
    );
    expect(() => encodeTarget(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
    expect(() => decodeTarget('0.5')).toThrow(
      /targetLoss must be a finite number or null, got "0.5"/,
    );
  });

  it('names the first value of a spec that JSON would change', () => {
    const s = spec();
    expect(unsafeForJson(s)).toBeNull();
    expect(unsafeForJson({ ...s, timeBudget: Number.POSITIVE_INFINITY })).toBe(
      'spec.timeBudget is Infinity',
    );
    expect(unsafeForJson({ a: [1, Number.NaN] })).toBe('spec.a[1] is NaN');
    expect(unsafeForJson({ a: [1, undefined] })).toBe('spec.a[1] is undefined');
  });

  it('runOnQueue refuses such a spec before connecting, naming the run and the field', async () => {
    const s = { ...spec(), timeBudget: Number.POSITIVE_INFINITY };
    // The URL is never reached: the refusal comes first.
    await expect(experiments.runOnQueue([s], { queue: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /runOnQueue: run 0 \(.*\): spec\.timeBudget is Infinity, which a queue job \(JSON\) cannot carry/,
    );
    await expect(
      experiments.runOnQueue([spec()], { queue: 'redis://127.0.0.1:1', targetLoss: Number.NaN }),
    ).rejects.toThrow(/runOnQueue: targetLoss must be finite or -Infinity, got NaN/);
    expect(checkJobSafe('f', [spec()], Number.NEGATIVE_INFINITY)).toBeNull();
  });
});
