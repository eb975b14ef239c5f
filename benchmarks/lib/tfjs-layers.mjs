// TensorFlow.js programs as a tfjs user writes them — a tf.sequential of tfjs-layers, compiled
// with tf.train.adam and 'categoricalCrossentropy', trained with model.fit and used with
// model.predict — run unchanged on tfjs's `descent` backend (descent-ml/tfjs, on descent's
// native or js kernels), `cpu` and `wasm`, for the training section:
//
//   fit       samples/s of model.fit over a run of batches (one fit call per sample, the batches
//             in each implementation's own seeded order, shuffle: false);
//   predict   samples/s of model.predict on test images (batchSize 256), output read back;
//   accuracy  test accuracy after equal epochs from the same initial weights and batch order
//             on descent and cpu (and wasm for the MLP), plus descent on other seeds for the
//             spread between seeds.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so a conv2d layer cannot train on
// it; the CNN's wasm figure is the manual step of lib/tfjs-train.mjs (its custom gradients
// avoid the missing kernel), the fastest way to train this CNN on wasm.
import { NETS, uniform } from './tfjs-train.mjs';

export const LAYERS_BACKENDS = ['descent', 'descent-js', 'cpu', 'wasm'];
export const WASM_NO_CONV_GRAD =
  "tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel: model.fit on a conv2d layer throws \"Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'\"";
export const PREDICT_BATCH = 256;

const inShape = (net) => (net.flatten ? [784] : [28, 28, 1]);

/** The tfjs-layers model of `net`, weights and biases U(±1/√fan_in) from `seed` (as every peer's). */
export function layersModel(tf, net, { seed = 1, lr = 1e-3 } = {}) {
  const m = tf.sequential();
  let first = true;
  const input = () => (first ? { inputShape: inShape(net) } : {});
  for (const [, out, k] of net.conv) {
    m.add(
      tf.layers.conv2d({
        ...input(),
        filters: out,
        kernelSize: k,
        padding: 'same',
        activation: 'relu',
      }),
    );
    first = false;
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  }
  if (net.conv.length) m.add(tf.layers.flatten());
  net.dense.forEach(([, out], i) => {
    const last = i === net.dense.length - 1;
    m.add(tf.layers.dense({ ...input(), units: out, activation: last ? 'softmax' : 'relu' }));
    first = false;
  });
  m.compile({
    optimizer: tf.train.adam(lr),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const fans = [...net.conv.map(([ci, , k]) => ci * k * k), ...net.dense.map(([ci]) => ci)];
  m.setWeights(
    m.getWeights().map((w, i) => {
      const a = 1 / Math.sqrt(fans[i >> 1]);
      return tf.tensor(uniform(w.size, a, seed * 100 + i), w.shape);
    }),
  );
  return m;
}

/** Tensors of the first `rows` samples of x (Float32Array, 784 per image) and y (labels). */
function tensors(tf, net, x, y, rows) {
  return tf.tidy(() => [
    tf.tensor(x.subarray(0, rows * 784), [rows, ...inShape(net)]),
    tf.oneHot(tf.tensor1d(y.subarray(0, rows), 'int32'), 10).toFloat(),
  ]);
}

/**
 * A fit sampler: `sample(iters)` trains `iters` batches from `batcher` in one model.fit call
 * and returns seconds per batch (gathering the batches and making the tensors included, as
 * model.fit's callers pay them); `loss` keeps the loss of each sample.
 */
export function fitSampler(tf, net, model, batcher) {
  let buf = new Float32Array(0);
  let lab = new Int32Array(0);
  const losses = [];
  return {
    losses,
    async sample(iters) {
      const t0 = performance.now();
      const rows = iters * net.batch;
      if (buf.length < rows * 784) {
        buf = new Float32Array(rows * 784);
        lab = new Int32Array(rows);
      }
      for (let i = 0; i < iters; i++) {
        const b = batcher.next();
        buf.set(b.x, i * net.batch * 784);
        lab.set(b.y, i * net.batch);
      }
      const [xt, yt] = tensors(tf, net, buf, lab, rows);
      const h = await model.fit(xt, yt, {
        batchSize: net.batch,
        epochs: 1,
        shuffle: false,
        verbose: 0,
      });
      tf.dispose([xt, yt]);
      losses.push(h.history.loss[0]);
      return (performance.now() - t0) / 1e3 / iters;
    },
  };
}

/**
 * A predict sampler: seconds per model.predict call on `count` test images (output read back);
 * `count` images per call.
 */
export function predictSampler(tf, net, model, test, count) {
  const [xt] = tensors(tf, net, test.x, test.y, count);
  return {
    count,
    async sample(iters) {
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) {
        const p = model.predict(xt, { batchSize: PREDICT_BATCH });
        await p.data();
        p.dispose();
      }
      return (performance.now() - t0) / 1e3 / iters;
    },
    dispose: () => xt.dispose(),
  };
}

/** Test accuracy of `model` on the first `count` test images. */
export async function testAccuracy(tf, net, model, test, count) {
  const [xt, yt] = tensors(tf, net, test.x, test.y, count);
  const am = tf.tidy(() => tf.argMax(model.predict(xt, { batchSize: PREDICT_BATCH }), 1));
  const p = await am.data();
  tf.dispose([xt, yt, am]);
  let ok = 0;
  for (let i = 0; i < count; i++) if (p[i] === test.y[i]) ok++;
  return ok / count;
}

/**
 * Trains a fresh model (weights from `seed`) for `epochs` epochs on the first `rows` training
 * images, each epoch in descent's seeded permutation order (`seed + epoch`, the same on every
 * backend), then measures test accuracy. Returns { accuracy, seconds, losses }.
 */
export async function trainForAccuracy(tf, lib, net, arrays, { seed, epochs, rows, testRows }) {
  const model = layersModel(tf, net, { seed });
  const x = new Float32Array(rows * 784);
  const y = new Int32Array(rows);
  const losses = [];
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    const order = lib.data.permutation(rows, seed * 1000 + e);
    for (let i = 0; i < rows; i++) {
      x.set(arrays.train.x.subarray(order[i] * 784, order[i] * 784 + 784), i * 784);
      y[i] = arrays.train.y[order[i]];
    }
    const [xt, yt] = tensors(tf, net, x, y, rows);
    const h = await model.fit(xt, yt, {
      batchSize: net.batch,
      epochs: 1,
      shuffle: false,
      verbose: 0,
    });
    tf.dispose([xt, yt]);
    losses.push(h.history.loss[0]);
  }
  const seconds = (performance.now() - t0) / 1e3;
  const accuracy = await testAccuracy(tf, net, model, arrays.test, testRows);
  model.dispose();
  return { accuracy, seconds, losses };
}

export { NETS };
