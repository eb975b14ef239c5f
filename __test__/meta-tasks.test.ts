/**
 * The meta module's task families and its refusals. Sine tasks follow the MAML paper's ranges
 * and are the same on both backends for a seed; N-way K-shot tasks relabel their classes
 * 0..N−1, draw distinct examples, and keep Fashion-MNIST's meta-training and meta-testing
 * classes apart. Bad input (too many shots or ways, a model without parameters, an inner
 * optimizer that needs a closure or cannot be differentiated, bad numbers, tasks that do not
 * fit the model) is an error naming the argument, raised before anything changes.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '../src/backend/select.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import {
  FASHION_MNIST_META_CLASSES,
  FewShotTasks,
  fashionMnistTasks,
  MAML,
  Pretraining,
  Reptile,
  SineTasks,
  type Task,
} from '../src/meta/index.js';
import { ReLU } from '../src/nn/activation.js';
import { Linear } from '../src/nn/linear.js';
import { MSELoss } from '../src/nn/losses/index.js';
import { Model } from '../src/nn/model.js';
import { Sequential } from '../src/nn/sequential.js';
import { Adam, LBFGS, Lookahead, SAM, SGD } from '../src/optim/index.js';

describe('sine tasks', () => {
  it('amplitude in [0.1, 5], phase in [0, π], inputs in [−5, 5], y = A·sin(x − φ), [K, 1] and [queries, 1]', () => {
    const tasks = new SineTasks({ shots: 5, queries: 9, seed: 1 }).sample(200);
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of tasks) {
      expect(t.amplitude).toBeGreaterThanOrEqual(0.1);
      expect(t.amplitude).toBeLessThan(5);
      expect(t.phase).toBeGreaterThanOrEqual(0);
      expect(t.phase).toBeLessThan(Math.PI);
      expect(t.support.x.shape).toEqual([5, 1]);
      expect(t.query.x.shape).toEqual([9, 1]);
      for (const set of [t.support, t.query]) {
        const y = (set.y as { data: Float32Array }).data;
        set.x.data.forEach((x, i) => {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
          expect(Math.abs(y[i] - t.amplitude * Math.sin(x - t.phase))).toBeLessThan(1e-5);
        });
      }
    }
    expect(lo).toBeGreaterThanOrEqual(-5);
    expect(hi).toBeLessThan(5);
    // the draws spread over the ranges
    expect(lo).toBeLessThan(-4.9);
    expect(hi).toBeGreaterThan(4.9);
    expect(Math.min(...tasks.map((t) => t.amplitude))).toBeLessThan(0.5);
    expect(Math.max(...tasks.map((t) => t.phase))).toBeGreaterThan(3);
  });

  it('a seed gives the same tasks on both backends; another seed other tasks', () => {
    const prev = getBackend().name;
    setBackend('js');
    const a = new SineTasks({ seed: 7 }).sample(3);
    setBackend('native');
    const b = new SineTasks({ seed: 7 }).sample(3);
    const c = new SineTasks({ seed: 8 }).sample(3);
    setBackend(prev);
    expect(b).toEqual(a);
    expect(c[0].amplitude).not.toBe(a[0].amplitude);
  });
});

/** 4 classes of 6, 5, 9 and 7 examples whose single feature is the sample's index. */
function toyData() {
  const labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 2, 3, 2, 3, 2, 2];
  const n = labels.length;
  return {
    x: { data: Float32Array.from({ length: n }, (_, i) => i), shape: [n, 1] },
    y: Int32Array.from(labels),
  };
}

describe('N-way K-shot tasks', () => {
  it('relabel the picked classes 0..N−1, draw distinct examples of them, K support and queries per class', () => {
    const data = toyData();
    const fam = new FewShotTasks(data, { ways: 3, shots: 2, queries: 3, seed: 5 });
    const seen = new Set<string>();
    for (const t of fam.sample(50)) {
      expect(new Set(t.classes).size).toBe(3);
      seen.add([...t.classes].sort().join());
      expect(t.support.x.shape).toEqual([6, 1]);
      expect(t.query.x.shape).toEqual([9, 1]);
      expect([...(t.support.y as Int32Array)]).toEqual([0, 0, 1, 1, 2, 2]);
      expect([...(t.query.y as Int32Array)]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
      const used = [...t.support.x.data, ...t.query.x.data];
      expect(new Set(used).size).toBe(used.length); // no example twice in a task
      const check = (set: Task['support']) =>
        set.x.data.forEach((idx, i) =>
          expect(data.y[idx]).toBe(t.classes[(set.y as Int32Array)[i]]),
        );
      check(t.support);
      check(t.query);
    }
    expect(seen.size).toBe(4); // every 3-of-4 class choice turns up
  });

  it('only the allowed classes, and a seed repeats the stream', () => {
    const data = toyData();
    const a = new FewShotTasks(data, { ways: 2, shots: 1, queries: 2, classes: [3, 1], seed: 2 });
    for (const t of a.sample(20)) for (const c of t.classes) expect([1, 3]).toContain(c);
    const b = new FewShotTasks(data, { ways: 2, shots: 1, queries: 2, classes: [3, 1], seed: 2 });
    expect(b.sample(5)).toEqual(
      new FewShotTasks(data, { ways: 2, shots: 1, queries: 2, classes: [3, 1], seed: 2 }).sample(5),
    );
  });

  it('Fashion-MNIST: meta-training tasks use training images of classes 0–4, meta-testing tasks test images of 5–9', () => {
    const fm = loadFashionMnist({ flatten: true, subset: true });
    expect(
      FASHION_MNIST_META_CLASSES.train.filter((c) => FASHION_MNIST_META_CLASSES.test.includes(c)),
    ).toEqual([]);
    const train = fashionMnistTasks({
      split: 'train',
      data: fm,
      ways: 5,
      shots: 5,
      queries: 3,
      seed: 1,
    });
    const test = fashionMnistTasks({
      split: 'test',
      data: fm,
      ways: 5,
      shots: 1,
      queries: 3,
      seed: 1,
    });
    const [a] = train.sample(1);
    const [b] = test.sample(1);
    expect([...a.classes].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...b.classes].sort()).toEqual([5, 6, 7, 8, 9]);
    expect(a.support.x.shape).toEqual([25, 784]);
    expect(b.support.x.shape).toEqual([5, 784]);
    // the images are the sets' own: the first support image of task label 0 is in the test file
    const d = 784;
    const img = b.support.x.data.subarray(0, d);
    let found = false;
    for (let i = 0; i < fm.test.length && !found; i++)
      if (fm.test.y instanceof Int32Array && fm.test.y[i] === b.classes[0])
        found = fm.test.x.data.subarray(i * d, (i + 1) * d).every((v, j) => v === img[j]);
    expect(found).toBe(true);
  });
});

const mlp = () =>
  new Model(new Sequential([new Linear(1, 8), new ReLU(), new Linear(8, 1)]), [1], { seed: 1 });

function base(model: Model) {
  return {
    loss: new MSELoss(),
    outerOptimizer: new Adam(model.parameters(), { lr: 1e-3 }),
  };
}

describe('bad input', () => {
  it('task families: K larger than a class holds, N larger than the classes, bad numbers and options', () => {
    const data = toyData();
    expect(() => new FewShotTasks(data, { ways: 2, shots: 4, queries: 2 })).toThrow(
      /FewShotTasks: shots \+ queries \(K = 4 \+ 2 = 6 .*exceeds the 5 examples of class 1/,
    );
    expect(() => new FewShotTasks(data, { ways: 5, shots: 1 })).toThrow(
      /FewShotTasks: ways \(N = 5\) is larger than the 4 classes available/,
    );
    expect(() => new FewShotTasks(data, { ways: 3, shots: 1, classes: [0, 1] })).toThrow(
      /ways \(N = 3\) is larger than the 2 classes/,
    );
    expect(() => new FewShotTasks(data, { ways: 2, shots: 1, classes: [0, 9] })).toThrow(
      /classes\[1\] = 9 has no examples/,
    );
    expect(() => new FewShotTasks(data, { ways: 2, shots: 0 })).toThrow(/shots must be at least 1/);
    expect(() => new FewShotTasks(data, { ways: 2.5, shots: 1 })).toThrow(
      /ways must be an integer/,
    );
    expect(() => new FewShotTasks(data, { ways: 2, shots: 1, queries: Number.NaN })).toThrow(
      /queries must be an integer/,
    );
    expect(
      () => new FewShotTasks({ x: data.x, y: Float32Array.from(data.y) }, { ways: 2, shots: 1 }),
    ).toThrow(/dataset.y must be an Int32Array/);
    expect(() => new FewShotTasks(data, { ways: 2, shot: 1 } as never)).toThrow(
      /unknown option "shot" \(did you mean "shots"\?\)/,
    );
    expect(() => new SineTasks({ shots: 0 })).toThrow(/SineTasks: shots must be at least 1/);
    expect(() => new SineTasks({ queries: 2.5 })).toThrow(/SineTasks: queries must be an integer/);
    expect(() => new SineTasks({ seed: -1 })).toThrow(/SineTasks: seed must be in/);
    expect(() => new SineTasks({ K: 5 } as never)).toThrow(/unknown option "K"/);
  });

  it('fashionMnistTasks refuses impossible ways and shots before reading any data', () => {
    // a directory that does not exist: an error about it would mean the data was looked for first
    const dir = '/nonexistent/fashion-mnist';
    expect(() => fashionMnistTasks({ split: 'test', dir, ways: 6, shots: 1 })).toThrow(
      /fashionMnistTasks: ways \(N = 6\) is larger than the 5 classes available \(5, 6, 7, 8, 9\)/,
    );
    expect(() => fashionMnistTasks({ split: 'train', dir, ways: 5, shots: -1 })).toThrow(
      /fashionMnistTasks: shots must be in/,
    );
    expect(() => fashionMnistTasks({ split: 'val' as never, dir, ways: 5, shots: 1 })).toThrow(
      /split must be one of train, test/,
    );
    const fm = loadFashionMnist({ flatten: true, subset: true });
    expect(() =>
      fashionMnistTasks({ split: 'test', data: fm, ways: 5, shots: 90, queries: 15 }),
    ).toThrow(/shots \+ queries \(K = 90 \+ 15 = 105 .*exceeds the 100 examples of class 5/);
  });

  it('learners: a model without parameters, closure-needing or non-differentiable inner optimizers, bad numbers', () => {
    const empty = new Model(new Sequential([new ReLU()]), [3]);
    expect(
      () =>
        new MAML(empty, {
          loss: new MSELoss(),
          outerOptimizer: new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }]),
        }),
    ).toThrow(/MAML: model has no parameters/);
    const m = mlp();
    const o = base(m);
    expect(() => new MAML(m, { ...o, innerOptimizer: LBFGS as never, firstOrder: true })).toThrow(
      /MAML: innerOptimizer LBFGS needs a closure/,
    );
    expect(() => new Reptile(m, { ...o, innerOptimizer: SAM as never })).toThrow(
      /Reptile: innerOptimizer SAM needs a closure/,
    );
    expect(() => new Reptile(m, { ...o, innerOptimizer: Lookahead as never })).toThrow(
      /innerOptimizer must be an optimizer class of this library/,
    );
    expect(
      () => new Reptile(m, { ...o, innerOptimizer: new SGD(m.parameters()) as never }),
    ).toThrow(/innerOptimizer must be an optimizer class such as optim.SGD, not an instance/);
    expect(() => new MAML(m, { ...o, innerOptimizer: Adam })).toThrow(
      /MAML: innerOptimizer Adam cannot be differentiated.*firstOrder: true/,
    );
    expect(() => new MAML(m, { ...o, innerOptimizer: Adam, firstOrder: true })).not.toThrow();
    expect(
      () => new MAML(m, { ...o, outerOptimizer: new SAM(new SGD(m.parameters())) as never }),
    ).toThrow(/MAML: outerOptimizer SAM needs a closure/);
    expect(
      () => new MAML(m, { ...o, outerOptimizer: new Lookahead(new LBFGS(m.parameters())) }),
    ).toThrow(/MAML: outerOptimizer LBFGS needs a closure/);
    const other = mlp();
    expect(() => new MAML(m, { ...o, outerOptimizer: new SGD(other.parameters()) })).toThrow(
      /outerOptimizer's paramGroups\[0\].params\[0\] is not one of the model's parameters/,
    );
    for (const [k, v, re] of [
      ['innerLr', Number.NaN, /innerLr must be a finite number, got NaN/],
      ['innerLr', -0.1, /innerLr must be > 0, got -0.1/],
      ['innerLr', '0.1', /innerLr must be a finite number, got string/],
      ['innerSteps', 0, /innerSteps must be at least 1/],
      ['innerSteps', 1.5, /innerSteps must be an integer/],
      ['tasksPerBatch', Infinity, /tasksPerBatch must be an integer/],
      ['firstOrder', 1, /firstOrder must be a boolean/],
      ['innerLR', 0.1, /unknown option "innerLR" \(did you mean "innerLr"\?\)/],
      [
        'innerOptions',
        { lr: 0.1 },
        /innerOptions.lr: give the inner learning rate as the innerLr option/,
      ],
      ['innerOptions', { momentun: 0.9 }, /MAML: innerOptions: SGD: unknown option "momentun"/],
      ['innerOptions', { momentum: -1 }, /MAML: innerOptions: SGD: invalid momentum/],
      ['loss', (p: number) => p, /loss must be a loss with apply/],
      ['outerOptimizer', undefined, /outerOptimizer is required/],
    ] as const)
      expect(() => new MAML(m, { ...o, [k]: v } as never), `${k} = ${String(v)}`).toThrow(re);
  });

  it('tasks that do not fit the model are refused naming the task and both shapes, before the model changes', () => {
    const m = mlp();
    const learner = new Reptile(m, base(m));
    const good = new SineTasks({ seed: 1 }).sample(3);
    const before = Float32Array.from(m.params);
    const wide: Task = {
      support: good[1].support,
      query: { x: { data: new Float32Array(20), shape: [10, 2] }, y: good[1].query.y },
    };
    expect(() => learner.step([good[0], wide, good[2]])).toThrow(
      /Reptile.step: tasks\[1\].query.x has samples of shape \[2\], the model takes \[1\] \(x is \[10, 2\]\)/,
    );
    const short: Task = {
      support: { x: good[0].support.x, y: { data: new Float32Array(3), shape: [3, 1] } },
      query: good[0].query,
    };
    expect(() => learner.step([good[0], good[1], short])).toThrow(
      /tasks\[2\].support.y has shape \[3, 1\], tasks\[2\].support.x has 10 samples/,
    );
    expect(() => learner.step([])).toThrow(/tasks must be a non-empty array of tasks/);
    expect(() => learner.evaluate(good, { steps: -1 })).toThrow(
      /Reptile.evaluate: steps must be in/,
    );
    expect(() => learner.evaluate(good, { step: 2 } as never)).toThrow(/unknown option "step"/);
    expect(() => learner.predict(good[0].query.x, new Float32Array(3))).toThrow(
      /predict: params must be a Float32Array of 25 parameters/,
    );
    expect(m.params).toEqual(before);
    const pre = new Pretraining(m, base(m));
    expect(() => pre.step([wide])).toThrow(/Pretraining.step: tasks\[0\].query.x/);
    expect(m.params).toEqual(before);
  });
});
