/**
 * N-way K-shot classification tasks (Vinyals et al. 2016; the MAML paper's Omniglot and
 * MiniImagenet setting) from any labelled dataset: a task picks N of the allowed classes at
 * random, relabels them 0..N−1 in the order picked, and draws K support and `queries` query
 * examples per class, all distinct. For Fashion-MNIST the classes are split disjointly
 * between meta-training and meta-testing (FASHION_MNIST_META_CLASSES).
 */
import { options as checkObject, count, describe, knownKeys, oneOf } from '../backend/validate.js';
import {
  FASHION_MNIST_CLASSES,
  type FashionMnist,
  loadFashionMnist,
} from '../data/fashion-mnist.js';
import { numel, shapeStr } from '../nn/tensor.js';
import { Rng } from '../random.js';
import type { Task, TaskFamily } from './task.js';

/** A dataset with class labels: a TensorDataset, or inputs [N, …] and N labels. */
export interface LabelledData {
  /** Inputs [N, …]. */
  readonly x: {
    /** The values, row-major. */
    readonly data: Float32Array;
    /** [N, ...sampleShape]. */
    readonly shape: readonly number[];
  };
  /** N class labels (an Int32Array; anything else is refused). */
  readonly y: Int32Array | unknown;
  /** The stored samples it consists of (a TensorDataset subset), or null/absent for all. */
  readonly indices?: Int32Array | null;
}

/** Options of {@link FewShotTasks}. */
export interface FewShotOptions {
  /** N: classes per task. */
  ways: number;
  /** K: support examples per class. */
  shots: number;
  /** Query examples per class (default 15). */
  queries?: number;
  /** The labels tasks draw their classes from (default: every label in the data). */
  classes?: readonly number[];
  /** Seed of the task stream (default 0). */
  seed?: number;
}

/** An N-way K-shot task: labels 0…N−1 in support and query sets. */
export interface FewShotTask extends Task {
  /** The original label of each task label: task label i is class `classes[i]`. */
  readonly classes: readonly number[];
}

const KEYS = ['ways', 'shots', 'queries', 'classes', 'seed'];

/** The counts of the options, checked (ways, shots and queries at least 1). */
function numbers(fn: string, o: Omit<FewShotOptions, 'classes'>) {
  const queries = o.queries ?? 15;
  for (const [k, v] of [
    ['ways', o.ways],
    ['shots', o.shots],
    ['queries', queries],
  ] as const) {
    count(fn, k, v);
    if (v < 1) throw new RangeError(`${fn}: ${k} must be at least 1, got ${v}`);
  }
  const seed = o.seed ?? 0;
  count(fn, 'seed', seed);
  return { ways: o.ways, shots: o.shots, queries, seed };
}

function tooManyWays(fn: string, ways: number, classes: readonly number[]): void {
  if (ways > classes.length)
    throw new RangeError(
      `${fn}: ways (N = ${ways}) is larger than the ${classes.length} classes available (${classes.join(', ')})`,
    );
}

/** N-way K-shot classification tasks (Vinyals et al. 2016) sampled from a labelled dataset. */
export class FewShotTasks implements TaskFamily<FewShotTask> {
  /** N: classes per task. */
  readonly ways: number;
  /** K: support examples per class. */
  readonly shots: number;
  /** Query examples per class. */
  readonly queries: number;
  /** The dataset labels tasks draw their classes from. */
  readonly classes: readonly number[];
  private readonly data: Float32Array;
  private readonly sampleShape: readonly number[];
  private readonly sampleSize: number;
  /** Stored sample indices of each allowed class, partially reshuffled by every task. */
  private readonly members: Int32Array[];
  private readonly order: Int32Array;
  private readonly rng: Rng;

  constructor(dataset: LabelledData, options: FewShotOptions) {
    const fn = 'FewShotTasks';
    if (
      dataset === null ||
      typeof dataset !== 'object' ||
      !dataset.x ||
      !(dataset.x.data instanceof Float32Array) ||
      !Array.isArray(dataset.x.shape) ||
      dataset.x.shape.length < 1 ||
      numel(dataset.x.shape) !== dataset.x.data.length
    )
      throw new TypeError(
        `${fn}: dataset must have x, a float32 tensor {data, shape: [N, …]} whose shape matches its data, got ${describe(dataset)}`,
      );
    const labels = dataset.y;
    const n = dataset.x.shape[0];
    if (!(labels instanceof Int32Array) || labels.length !== n)
      throw new TypeError(
        `${fn}: dataset.y must be an Int32Array of ${n} class labels (one per sample of x ${shapeStr(dataset.x.shape)}), got ${describe(labels)}`,
      );
    checkObject(fn, 'options', options);
    knownKeys(fn, 'option', options, KEYS);
    const { ways, shots, queries, seed } = numbers(fn, options);
    // Which stored samples belong to the dataset, and how many of each label.
    const idx = dataset.indices ?? null;
    const m = idx ? idx.length : n;
    const byLabel = new Map<number, number[]>();
    for (let i = 0; i < m; i++) {
      const s = idx ? idx[i] : i;
      const list = byLabel.get(labels[s]);
      if (list) list.push(s);
      else byLabel.set(labels[s], [s]);
    }
    let classes: number[];
    if (options.classes === undefined) classes = [...byLabel.keys()].sort((a, b) => a - b);
    else {
      if (!Array.isArray(options.classes) || options.classes.length === 0)
        throw new TypeError(
          `${fn}: classes must be a non-empty array of labels, got ${describe(options.classes)}`,
        );
      classes = [...options.classes];
      classes.forEach((c, i) => {
        if (!Number.isInteger(c))
          throw new TypeError(`${fn}: classes[${i}] must be an integer label, got ${describe(c)}`);
        if (classes.indexOf(c) !== i)
          throw new RangeError(`${fn}: classes[${i}] = ${c} appears twice`);
        if (!byLabel.has(c))
          throw new RangeError(`${fn}: classes[${i}] = ${c} has no examples in the dataset`);
      });
    }
    tooManyWays(fn, ways, classes);
    const per = shots + queries;
    for (const c of classes) {
      const have = byLabel.get(c)?.length ?? 0;
      if (per > have)
        throw new RangeError(
          `${fn}: shots + queries (K = ${shots} + ${queries} = ${per} distinct examples per class) exceeds the ${have} examples of class ${c}; lower shots or queries`,
        );
    }
    this.ways = ways;
    this.shots = shots;
    this.queries = queries;
    this.classes = Object.freeze(classes);
    this.data = dataset.x.data;
    this.sampleShape = Object.freeze(dataset.x.shape.slice(1));
    this.sampleSize = numel(this.sampleShape);
    this.members = classes.map((c) => Int32Array.from(byLabel.get(c) as number[]));
    this.order = Int32Array.from(classes.keys());
    this.rng = new Rng(seed);
  }

  /**
   * `n` fresh tasks. Each draws N uniforms to pick its classes (a partial Fisher–Yates over
   * the allowed classes), then K + queries per class to pick examples the same way; the first
   * K picked are the support set. Both sets are ordered by task label.
   */
  sample(n = 1): FewShotTask[] {
    count('FewShotTasks.sample', 'n', n);
    const { ways, shots, queries, sampleSize: d } = this;
    const per = shots + queries;
    const u = new Float32Array(ways * (1 + per));
    const tasks: FewShotTask[] = [];
    for (let t = 0; t < n; t++) {
      this.rng.uniform(u, 0, 1);
      pick(this.order, ways, u, 0);
      const sx = new Float32Array(ways * shots * d);
      const sy = new Int32Array(ways * shots);
      const qx = new Float32Array(ways * queries * d);
      const qy = new Int32Array(ways * queries);
      const chosen: number[] = [];
      for (let c = 0; c < ways; c++) {
        const ci = this.order[c];
        chosen.push(this.classes[ci]);
        const list = this.members[ci];
        pick(list, per, u, ways + c * per);
        for (let j = 0; j < per; j++) {
          const src = this.data.subarray(list[j] * d, (list[j] + 1) * d);
          if (j < shots) {
            sx.set(src, (c * shots + j) * d);
            sy[c * shots + j] = c;
          } else {
            qx.set(src, (c * queries + j - shots) * d);
            qy[c * queries + j - shots] = c;
          }
        }
      }
      tasks.push({
        classes: chosen,
        support: { x: { data: sx, shape: [ways * shots, ...this.sampleShape] }, y: sy },
        query: { x: { data: qx, shape: [ways * queries, ...this.sampleShape] }, y: qy },
      });
    }
    return tasks;
  }

  toString(): string {
    return `FewShotTasks(${this.ways}-way ${this.shots}-shot, ${this.queries} queries, classes ${this.classes.join(',')})`;
  }
}

/** Moves a uniformly random ordered choice of `m` entries to the front of `a` (u from `at`). */
function pick(a: Int32Array, m: number, u: Float32Array, at: number): void {
  const len = a.length;
  for (let i = 0; i < m; i++) {
    const j = Math.min(len - 1, i + Math.floor(u[at + i] * (len - i)));
    const v = a[i];
    a[i] = a[j];
    a[j] = v;
  }
}

/**
 * The disjoint class split of Fashion-MNIST for meta-learning: meta-training tasks use the
 * training images of labels 0–4 (T-shirt/top, Trouser, Pullover, Dress, Coat), meta-testing
 * tasks the test images of labels 5–9 (Sandal, Shirt, Sneaker, Bag, Ankle boot).
 */
export const FASHION_MNIST_META_CLASSES: Readonly<{
  /** Labels of the meta-training classes (0–4). */
  train: readonly number[];
  /** Labels of the meta-testing classes (5–9). */
  test: readonly number[];
}> = Object.freeze({
  train: Object.freeze([0, 1, 2, 3, 4]),
  test: Object.freeze([5, 6, 7, 8, 9]),
});

/** Options of {@link fashionMnistTasks}. */
export interface FashionMnistTaskOptions extends Omit<FewShotOptions, 'classes'> {
  /** 'train': meta-training tasks; 'test': meta-testing tasks (disjoint classes). */
  split: 'train' | 'test';
  /** Already loaded data (else loaded here, flattened to [784]). */
  data?: FashionMnist;
  /** Passed to loadFashionMnist when `data` is not given. */
  subset?: boolean;
  /** Directory of the Fashion-MNIST files, passed to `loadFashionMnist` when `data` is not given. */
  dir?: string;
}

/** N-way K-shot tasks from Fashion-MNIST on one side of FASHION_MNIST_META_CLASSES. */
export function fashionMnistTasks(options: FashionMnistTaskOptions): FewShotTasks {
  const fn = 'fashionMnistTasks';
  checkObject(fn, 'options', options);
  knownKeys(fn, 'option', options, [
    'split',
    'data',
    'subset',
    'dir',
    'ways',
    'shots',
    'queries',
    'seed',
  ]);
  oneOf(fn, 'split', options.split, ['train', 'test'] as const);
  const { split, data, subset, dir, ...rest } = options;
  // Everything that needs no data is checked before loading it.
  numbers(fn, rest);
  tooManyWays(fn, rest.ways, FASHION_MNIST_META_CLASSES[split]);
  if (data !== undefined && (subset !== undefined || dir !== undefined))
    throw new TypeError(`${fn}: give either data or subset/dir (where to load it from), not both`);
  if (
    data !== undefined &&
    (data === null || typeof data !== 'object' || !data.train || !data.test)
  )
    throw new TypeError(`${fn}: data must be what loadFashionMnist returns, got ${describe(data)}`);
  if (data && data.classes.length !== FASHION_MNIST_CLASSES.length)
    throw new RangeError(`${fn}: data has ${data.classes.length} classes, Fashion-MNIST has 10`);
  const fm = data ?? loadFashionMnist({ flatten: true, subset, dir });
  return new FewShotTasks(split === 'train' ? fm.train : fm.test, {
    ...rest,
    classes: FASHION_MNIST_META_CLASSES[split],
  });
}
