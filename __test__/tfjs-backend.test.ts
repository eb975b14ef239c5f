/**
 * The `descent` TensorFlow.js backend as a whole: registration (every cpu kernel, importing
 * does not change tfjs's default), tfjs-layers models trained with `model.fit` on descent
 * ending where the cpu backend ends from the same weights and batches (on descent's js and
 * native kernels), `tf.memory()` flat over many training steps under `tf.tidy` and over
 * repeated `fit`s, and the array recycling never touching an array something else can still
 * see (read results, views kept by cpu kernels, shared data ids, user arrays).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../src/backend/select.js';
import type { DescentBackend } from '../src/tfjs/backend.js';
import { BACKEND_NAME, DESCENT_KERNELS } from '../src/tfjs/index.js';

const root = join(import.meta.dirname, '..');

/** A seeded uniform array in [lo, hi). */
function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  }
  return out;
}

describe('registration', () => {
  it("registers 'descent' with every kernel of tfjs's cpu backend", async () => {
    expect(BACKEND_NAME).toBe('descent');
    expect(await tf.setBackend('descent')).toBe(true);
    expect(tf.getBackend()).toBe('descent');
    const names = (b: string) =>
      tf
        .getKernelsForBackend(b)
        .map((k) => k.kernelName)
        .sort();
    expect(names('descent')).toEqual(names('cpu'));
    // the kernels descent runs (the README lists them), each one of cpu's to fall back to
    expect(DESCENT_KERNELS).toEqual(
      [
        ...['_FusedMatMul', 'BatchMatMul', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropInput'],
        ...['Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad'],
        ...['Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference'],
        ...['AddN', 'Abs', 'Neg', 'Square', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'Sigmoid'],
        ...['Tanh', 'Relu', 'Relu6', 'Elu', 'Selu', 'Softplus', 'LeakyRelu', 'ClipByValue'],
        ...['Step', 'Sum', 'Mean', 'Max', 'Softmax', 'GatherV2'],
      ].sort(),
    );
    for (const k of DESCENT_KERNELS) expect(names('cpu')).toContain(k);
  });

  it('importing it leaves the default backend alone, and it loads from CommonJS', () => {
    spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: root,
    });
    const esm = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as tf from '@tensorflow/tfjs'; import './dist/tfjs/index.js';
         await tf.ready(); console.log(tf.getBackend(), await tf.setBackend('descent'), tf.getBackend());`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(esm.stdout.trim().split('\n').at(-1)).toBe('cpu true descent');
    const cjs = spawnSync(
      process.execPath,
      [
        '-e',
        `const tf = require('@tensorflow/tfjs'); const d = require('./dist/tfjs/index.js');
         tf.setBackend('descent').then((ok) => console.log(ok, d.BACKEND_NAME, tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]));`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(cjs.stdout.trim().split('\n').at(-1)).toBe('true descent 6');
  });
});

type Net = 'mlp' | 'cnn';

function layersModel(net: Net, optimizer: tf.Optimizer): tf.Sequential {
  const m = tf.sequential();
  if (net === 'mlp') {
    m.add(tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  } else {
    m.add(
      tf.layers.conv2d({
        inputShape: [9, 8, 2],
        filters: 5,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  }
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  // the same weights on every backend
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(rand(w.size, 100 + i, -0.4, 0.4), w.shape)));
  return m;
}

function dataset(net: Net, n: number) {
  const x = tf.tensor(
    rand(n * (net === 'mlp' ? 20 : 144), 7),
    net === 'mlp' ? [n, 20] : [n, 9, 8, 2],
  );
  const labels = Array.from(rand(n, 8, 0, 4), Math.floor);
  return { x, y: tf.oneHot(tf.tensor(labels, undefined, 'int32'), 4) };
}

/** Trains `net` with model.fit on `backend` (SGD, fixed batches) and reads the weights and losses. */
async function fitOn(backend: string, net: Net, optimizer: () => tf.Optimizer) {
  await tf.setBackend(backend);
  const model = layersModel(net, optimizer());
  const { x, y } = dataset(net, 48);
  const h = await model.fit(x, y, { batchSize: 12, epochs: 3, shuffle: false, verbose: 0 });
  const weights = model.getWeights().map((w) => (w.dataSync() as Float32Array).slice());
  model.dispose();
  tf.dispose([x, y]);
  return { weights, loss: h.history.loss as number[] };
}

for (const name of ['js', 'native'] as const) {
  describe(`tfjs-layers model.fit on descent (${name} kernels) ends where cpu does`, () => {
    beforeAll(() => {
      setBackend(name);
    });
    afterAll(() => {
      setBackend('native');
    });
    for (const net of ['mlp', 'cnn'] as const)
      for (const [opt, make] of [
        ['SGD', () => tf.train.sgd(0.1)],
        ['Adam', () => tf.train.adam(0.01)],
      ] as const)
        it(`${net}, ${opt}`, async () => {
          const cpu = await fitOn('cpu', net, make);
          const ours = await fitOn('descent', net, make);
          expect(cpu.loss[2]).toBeLessThan(cpu.loss[0]); // it trained
          for (let e = 0; e < cpu.loss.length; e++)
            expect(Math.abs(ours.loss[e] - cpu.loss[e])).toBeLessThan(1e-5 * cpu.loss[e]);
          // 12 steps of float32 rounding differences; Adam's normalised steps amplify them most
          const tol = opt === 'SGD' ? 2e-6 : 2e-5;
          cpu.weights.forEach((w, i) => {
            for (let j = 0; j < w.length; j++)
              if (!(Math.abs(ours.weights[i][j] - w[j]) <= tol))
                expect.fail(`weight ${i}[${j}]: descent ${ours.weights[i][j]}, cpu ${w[j]}`);
          });
        });
  });
}

describe('memory', () => {
  beforeAll(async () => {
    setBackend('native');
    await tf.setBackend('descent');
  });

  it('tf.memory() stays flat over many training steps under tf.tidy', () => {
    const w1 = tf.variable(tf.tensor(rand(64 * 48, 1, -0.1, 0.1), [64, 48]));
    const w2 = tf.variable(tf.tensor(rand(48 * 10, 2, -0.1, 0.1), [48, 10]));
    const opt = tf.train.adam(1e-3);
    const x = tf.tensor(rand(32 * 64, 3), [32, 64]);
    const y = tf.oneHot(
      tf.tensor(Array.from(rand(32, 4, 0, 10), Math.floor), undefined, 'int32'),
      10,
    );
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() =>
          tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.relu(tf.matMul(x, w1)), w2)),
        );
      });
    const seen: Array<{ numTensors: number; numBytes: number }> = [];
    for (let i = 0; i < 60; i++) {
      step();
      if (i === 4 || i === 59) seen.push(tf.memory());
    }
    expect(seen[1].numTensors).toBe(seen[0].numTensors);
    expect(seen[1].numBytes).toBe(seen[0].numBytes);
    const pool = (tf.backend() as DescentBackend).retained().pooledBytes;
    expect(pool).toBeGreaterThan(0); // the arrays of each step's intermediates are recycled
    step();
    expect((tf.backend() as DescentBackend).retained().pooledBytes).toBe(pool); // and no more are kept
    tf.dispose([w1, w2, x, y]);
    opt.dispose();
  });

  it('tf.memory() is the same after each model.fit', async () => {
    const model = layersModel('cnn', tf.train.adam(1e-3));
    const { x, y } = dataset('cnn', 40);
    const after: Array<{ numTensors: number; numBytes: number }> = [];
    for (let i = 0; i < 3; i++) {
      await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0 });
      after.push(tf.memory());
    }
    expect(after[2].numTensors).toBe(after[1].numTensors);
    expect(after[2].numBytes).toBe(after[1].numBytes);
    // the max pools' argmax positions kept for their gradients went with their outputs
    expect((tf.backend() as DescentBackend).retained().attachments).toBe(0);
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('recycled arrays are never ones something else can see', () => {
  const N = 4096; // pooled (≥ 1024 elements)
  const churn = () => {
    // disposed outputs of every size in play, then as many new ones: each reuses an array
    for (let i = 0; i < 4; i++)
      tf.tidy(() => [tf.relu(tf.tensor(rand(N, 10 + i))), tf.relu(tf.tensor(rand(N / 2, 20 + i)))]);
    return tf.tidy(() => [0, 1, 2, 3].map((i) => tf.relu(tf.tensor(rand(N, 30 + i)))));
  };
  beforeAll(async () => {
    setBackend('native');
    await tf.setBackend('descent');
  });

  it('an array read by dataSync()', () => {
    const u = tf.relu(tf.tensor(rand(N, 1)));
    const read = u.dataSync() as Float32Array;
    const copy = read.slice();
    u.dispose();
    const kept = churn();
    expect(read).toEqual(copy);
    tf.dispose(kept);
  });

  it('a view a cpu kernel stored for another tensor (a contiguous slice)', () => {
    const big = tf.relu(tf.tensor(rand(N, 2)));
    const half = tf.slice(big, [0], [N / 2]);
    big.dispose(); // (not read: a read would keep its array out of the pool anyway)
    const kept = churn();
    const want = tf
      .relu(tf.tensor(rand(N, 2)))
      .dataSync()
      .slice(0, N / 2);
    expect(half.dataSync()).toEqual(want);
    tf.dispose([half, ...kept]);
  });

  it('a data id shared by a reshape, and a user array given to tf.tensor', () => {
    const big = tf.relu(tf.tensor(rand(N, 3)));
    const r = tf.reshape(big, [64, N / 64]);
    const user = rand(N, 4);
    const userCopy = user.slice();
    const t = tf.tensor(user);
    big.dispose();
    t.dispose();
    const kept = churn();
    expect((r.dataSync() as Float32Array).slice()).toEqual(
      tf.relu(tf.tensor(rand(N, 3))).dataSync(),
    );
    expect(user).toEqual(userCopy);
    tf.dispose([r, ...kept]);
  });

  it('an array moved to another backend (the cpu backend keeps it)', async () => {
    const c = tf.relu(tf.tensor(rand(N, 7))); // made by descent's Relu
    const want = Float32Array.from(rand(N, 7), (v) => Math.max(v, 0));
    await tf.setBackend('cpu');
    const d = tf.mul(c, 1); // moves c's data (and its array) to cpu
    c.dispose();
    await tf.setBackend('descent');
    const kept = churn();
    await tf.setBackend('cpu');
    expect(d.dataSync()).toEqual(want);
    await tf.setBackend('descent');
    const back = tf.add(d, tf.zerosLike(d)); // and back to descent
    expect(back.dataSync()).toEqual(want);
    tf.dispose([d, back, ...kept]);
  });

  it('while arrays of disposed outputs are reused', () => {
    const b = tf.backend() as DescentBackend;
    tf.tidy(() => {
      tf.relu(tf.tensor(rand(N * 3, 5)));
    });
    const pooled = b.retained().pooledBytes;
    expect(pooled).toBeGreaterThanOrEqual(N * 3 * 4);
    const t = tf.relu(tf.tensor(rand(N * 3, 6)));
    expect(b.retained().pooledBytes).toBe(pooled - N * 3 * 4);
    t.dispose();
  });
});
