/**
 * The meta module against PyTorch: second-order MAML meta-gradients (within 1e-4), first-order
 * MAML and Reptile meta-gradients and updates (within 1e-5) from the loops of
 * scripts/fixtures/gen_meta.py, on both backends; the flat-arena inner loop allocating nothing
 * over meta-steps; evaluation leaving the model untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolStats } from '../src/autograd/index.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import {
  fashionMnistTasks,
  MAML,
  Pretraining,
  Reptile,
  SineTasks,
  type Task,
} from '../src/meta/index.js';
import { ReLU, Tanh } from '../src/nn/activation.js';
import type { Layer } from '../src/nn/layer.js';
import { Linear } from '../src/nn/linear.js';
import { CrossEntropyLoss, MSELoss } from '../src/nn/losses/index.js';
import { Model } from '../src/nn/model.js';
import { Sequential } from '../src/nn/sequential.js';
import { Adam, SGD } from '../src/optim/index.js';

interface Case {
  algo: 'maml2' | 'fomaml' | 'reptile';
  sizes: number[];
  act: 'tanh' | 'relu';
  loss: 'mse' | 'ce';
  inner: { optimizer: 'SGD' | 'Adam'; options: object; lr: number; steps: number };
  outer: { optimizer: 'SGD' | 'Adam'; options: { lr: number } };
  init: number[];
  batches: Array<Array<Record<'xs' | 'ys' | 'xq' | 'yq', number[]>>>;
  steps: Array<{ loss: number; metaGrad: number[]; params: number[] }>;
}

const fx: { cases: Record<string, Case> } = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'meta.json'), 'utf8'),
);

/** |a − b| ≤ tol·|b| + tol/10 elementwise (float32 against PyTorch's float32). */
function close(a: ArrayLike<number>, b: readonly number[], tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.abs(b[i]) + tol / 10))
      expect.fail(`${what}[${i}]: ${a[i]} vs torch ${b[i]}`);
}

const OPTIMIZERS = { SGD, Adam };

function mlp(sizes: number[], act: 'tanh' | 'relu', seed = 0): Model {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) layers.push(act === 'tanh' ? new Tanh() : new ReLU());
  }
  return new Model(new Sequential(layers), [sizes[0]], { seed });
}

function tasksOf(c: Case, batch: Case['batches'][number]): Task[] {
  const d = c.sizes[0];
  const set = (x: number[], y: number[]) => ({
    x: { data: Float32Array.from(x), shape: [x.length / d, d] },
    y: c.loss === 'ce' ? Int32Array.from(y) : { data: Float32Array.from(y), shape: [y.length, 1] },
  });
  return batch.map((t) => ({ support: set(t.xs, t.ys), query: set(t.xq, t.yq) }));
}

function learnerFor(c: Case, model: Model, firstOrder = c.algo !== 'maml2') {
  const outer = new OPTIMIZERS[c.outer.optimizer](model.parameters(), c.outer.options);
  const options = {
    loss: c.loss === 'ce' ? new CrossEntropyLoss() : new MSELoss(),
    outerOptimizer: outer,
    innerOptimizer: OPTIMIZERS[c.inner.optimizer],
    innerOptions: c.inner.options,
    innerLr: c.inner.lr,
    innerSteps: c.inner.steps,
  };
  return c.algo === 'reptile'
    ? new Reptile(model, options)
    : new MAML(model, { ...options, firstOrder });
}

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`meta-learning against PyTorch (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => {
      setBackend(prev);
    });

    for (const [name, c] of Object.entries(fx.cases)) {
      const tol = c.algo === 'maml2' ? 1e-4 : 1e-5;
      it(`${name}: two meta-steps give torch's losses, meta-gradients and parameters within ${tol}`, () => {
        const model = mlp(c.sizes, c.act);
        model.params.set(c.init);
        const learner = learnerFor(c, model);
        c.batches.forEach((batch, s) => {
          const loss = learner.step(tasksOf(c, batch));
          const want = c.steps[s];
          close([loss], [want.loss], tol, `step ${s} query loss`);
          close(model.grads, want.metaGrad, tol, `step ${s} meta-gradient`);
          close(model.params, want.params, tol, `step ${s} parameters`);
        });
      });
    }

    it('second order differs from first order by far more than the tolerance (the test can tell them apart)', () => {
      const c = fx.cases['maml2-sgd'];
      const model = mlp(c.sizes, c.act);
      model.params.set(c.init);
      learnerFor(c, model, true).step(tasksOf(c, c.batches[0]));
      const want = c.steps[0].metaGrad;
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs(model.grads[i] - want[i]) / (Math.abs(want[i]) + 1e-3));
      expect(worst).toBeGreaterThan(1e-2);
    });

    it('MAML (both orders), Reptile and pre-training allocate no pooled buffer after the first meta-step', () => {
      const family = new SineTasks({ shots: 5, queries: 7, seed: 3 });
      const tasks = family.sample(4);
      for (const make of [
        (m: Model) => new MAML(m, { ...common(m), innerSteps: 3 }),
        (m: Model) =>
          new MAML(m, {
            ...common(m),
            innerSteps: 2,
            innerOptions: { momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
          }),
        (m: Model) => new MAML(m, { ...common(m), firstOrder: true, innerSteps: 3 }),
        (m: Model) =>
          new Reptile(m, {
            ...common(m),
            innerOptimizer: Adam,
            innerOptions: { betas: [0, 0.999] },
          }),
        (m: Model) => new Pretraining(m, common(m)),
      ]) {
        const model = mlp([1, 13, 7, 1], 'relu', 1);
        const learner = make(model);
        learner.step(tasks);
        learner.evaluate(tasks, { steps: 2 });
        const before = poolStats().allocations;
        for (let i = 0; i < 5; i++) {
          learner.step(tasks);
          learner.evaluate(tasks, { steps: 2 });
        }
        expect(poolStats().allocations, learner.name).toBe(before);
      }
    });

    it('evaluate, adapt and predict leave the model’s parameters and gradients as they were', () => {
      const model = mlp([1, 13, 7, 1], 'tanh', 2);
      const learner = new MAML(model, { ...common(model), innerSteps: 2 });
      const tasks = new SineTasks({ shots: 5, seed: 4 }).sample(3);
      learner.step(tasks);
      const params = Float32Array.from(model.params);
      const grads = Float32Array.from(model.grads);
      const ev = learner.evaluate(tasks, { steps: 4 });
      expect(ev.loss).toHaveLength(5);
      expect(ev.accuracy).toBeNull();
      expect(ev.loss[4]).toBeLessThan(ev.loss[0]);
      const adapted = learner.adapt(tasks[0], { steps: 4 });
      expect(adapted).not.toEqual(params);
      const x = tasks[0].query.x;
      const own = learner.predict(x).toArray();
      const fine = learner.predict(x, adapted).toArray();
      expect(fine).not.toEqual(own);
      expect(model.params).toEqual(params);
      expect(model.grads).toEqual(grads);
      // The adapted parameters reproduce the query loss evaluate reports after 4 steps.
      const one = learner.evaluate(tasks[0], { steps: 4 });
      const y = tasks[0].query.y as { data: Float32Array };
      const mse = (fine as number[][]).reduce((s, [v], i) => s + (v - y.data[i]) ** 2, 0) / 10;
      expect(Math.abs(mse - one.loss[4])).toBeLessThan(1e-5 * one.loss[4] + 1e-6);
    });
  });
}

describe('evaluate on classification tasks', () => {
  it('reports query accuracy: the share of argmax predictions of the adapted model equal to the labels', () => {
    const fm = loadFashionMnist({ flatten: true, subset: true, normalize: true });
    const tasks = fashionMnistTasks({
      split: 'test',
      data: fm,
      ways: 5,
      shots: 2,
      queries: 7,
      seed: 3,
    }).sample(4);
    const model = new Model(
      new Sequential([new Linear(784, 13), new ReLU(), new Linear(13, 5)]),
      [784],
      {
        seed: 5,
      },
    );
    const learner = new MAML(model, {
      loss: new CrossEntropyLoss(),
      outerOptimizer: new SGD(model.parameters(), { lr: 0.1 }),
      innerLr: 0.5,
      innerSteps: 3,
      firstOrder: true,
    });
    const ev = learner.evaluate(tasks);
    expect(ev.accuracy).toHaveLength(4);
    const accuracy = (adapted: boolean) =>
      tasks
        .map((t) => {
          const out = learner
            .predict(t.query.x, adapted ? learner.adapt(t) : undefined)
            .toArray() as number[][];
          const labels = t.query.y as Int32Array;
          return (
            out.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length /
            labels.length
          );
        })
        .reduce((x, y) => x + y) / tasks.length;
    const acc = ev.accuracy as number[];
    expect(Math.abs(acc[0] - accuracy(false))).toBeLessThan(1e-12);
    expect(Math.abs(acc[3] - accuracy(true))).toBeLessThan(1e-12);
    expect(acc[3]).not.toBe(acc[0]);
    expect(ev.accuracyStd?.[3]).toBeGreaterThanOrEqual(0);
  });
});

function common(model: Model) {
  return {
    loss: new MSELoss(),
    outerOptimizer: new Adam(model.parameters(), { lr: 1e-3 }),
    innerLr: 0.02,
  };
}
