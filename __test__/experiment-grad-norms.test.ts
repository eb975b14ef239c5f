/**
 * The run recorder's gradient norms (`RunSpec.gradNormEvery`, used by the activations preset):
 * recorded at steps 1, 1 + g, 1 + 2g, … for each weight matrix — every step when g is 1 (the
 * test `step % g === 1` recorded nothing then).
 */
import { describe, expect, it } from 'vitest';
import { type RunSpec, runExperiment } from '../src/cli/experiment.js';
import { DEFAULT_MODEL } from '../src/cli/registry.js';
import { Rng } from '../src/random.js';
import { ArrayDataset } from './helpers/train-fixtures.js';

function data(n: number, seed: number): ArrayDataset {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  return new ArrayDataset(rng.uniform(n * 784), y, [784], 10);
}

describe('gradNormEvery', () => {
  const spec = (g: number): RunSpec => ({
    group: 'g',
    optimizer: 'sgd',
    lr: 0.01,
    schedule: 'constant',
    batchSize: 8,
    epochs: 1,
    seed: 1,
    model: DEFAULT_MODEL,
    l2: 0,
    gradNormEvery: g,
  });
  const run = (g: number) =>
    runExperiment(
      spec(g),
      { train: data(40, 1), test: data(16, 2) },
      { targetLoss: Number.NEGATIVE_INFINITY, signal: { stop: false }, verbose: 0 },
    );

  it.each([
    [1, [1, 2, 3, 4, 5]],
    [2, [1, 3, 5]],
    [4, [1, 5]],
  ])('every %i step(s) of 5: steps %j, one norm per weight matrix', (g, steps) => {
    const r = run(g);
    const layers = [...new Set(r.gradNorms.map((n) => n.layer))];
    expect(layers).toHaveLength(3); // 784-256-128-10: three weight matrices
    expect([...new Set(r.gradNorms.map((n) => n.step))]).toEqual(steps);
    expect(r.gradNorms).toHaveLength(steps.length * 3);
    for (const n of r.gradNorms) expect(n.norm).toBeGreaterThan(0);
  });
});
