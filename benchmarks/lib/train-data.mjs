// Training data and descent trainers for the training section and its child runs.
//
// Every implementation measured in-process (descent native and js, tfjs cpu and wasm) reads
// its batches through a `Batcher` of its own over the same Fashion-MNIST arrays: a seeded
// shuffle per epoch (descent's `data.permutation`), full batches only, gathered into a reused
// buffer. Each gets the same order, so in every round each implementation trains on the same
// kind of batch; the gather (≈400 KB per batch of 128) is part of every step, as it is in
// `fit`. descent's trainers gather with the library's `data.gatherRows` (what its datasets
// use), tfjs's with a row-by-row copy from JS (`{ library: false }`).
import { NETS } from './tfjs-train.mjs';

/**
 * Loads Fashion-MNIST once for a net: { train, test, source, path } where train and test are
 * { x: Float32Array [N·784], y: Int32Array [N], n }. `subset`: the bundled 6,000/1,000 subset.
 */
export function loadArrays(lib, { subset = false } = {}) {
  const fm = lib.data.loadFashionMnist({ flatten: true, subset });
  const arrays = (ds) => ({ x: ds.x.data, y: ds.y, n: ds.length });
  return { train: arrays(fm.train), test: arrays(fm.test), source: fm.source, path: fm.path };
}

/** Full batches of `batch` samples in a seeded shuffled order, reshuffled at each pass. */
export class Batcher {
  constructor(lib, arrays, batch, seed = 1, { library = true } = {}) {
    this.lib = lib;
    // Older checkouts (benchmarks/step-ab.mjs's baseline) have no gatherRows.
    this.gatherRows = library ? lib.data.gatherRows : undefined;
    this.a = arrays;
    this.batch = batch;
    this.seed = seed;
    this.epoch = 0;
    this.pos = 0;
    this.order = lib.data.permutation(arrays.n, seed);
    this.x = new Float32Array(batch * 784);
    this.y = new Int32Array(batch);
    this.stepsPerEpoch = Math.floor(arrays.n / batch);
  }

  /** The next batch, gathered into this.x / this.y (reused: copy what you keep). */
  next() {
    if (this.pos + this.batch > this.a.n) {
      this.epoch++;
      this.pos = 0;
      this.order = this.lib.data.permutation(this.a.n, this.seed + this.epoch);
    }
    const src = this.a;
    const rows = this.order.subarray(this.pos, this.pos + this.batch);
    if (this.gatherRows) this.gatherRows(src.x, 784, rows, this.x);
    else
      for (let i = 0; i < this.batch; i++)
        this.x.set(src.x.subarray(rows[i] * 784, rows[i] * 784 + 784), i * 784);
    for (let i = 0; i < this.batch; i++) this.y[i] = src.y[rows[i]];
    this.pos += this.batch;
    return this;
  }
}

/** descent's layers for `net` (the same architecture as NETS[net.id] everywhere). */
export function descentNet(lib, net) {
  const { nn } = lib;
  if (net.id === 'mlp')
    return new nn.Sequential([
      new nn.Linear(784, 256),
      new nn.ReLU(),
      new nn.Linear(256, 128),
      new nn.ReLU(),
      new nn.Linear(128, 10),
    ]);
  if (net.id === 'cnn')
    return new nn.Sequential([
      new nn.Conv2d(1, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(32 * 7 * 7, 128),
      new nn.ReLU(),
      new nn.Linear(128, 10),
    ]);
  throw new Error(`unknown net ${net.id}`);
}

/**
 * A descent trainer for `net` on backend `backendName`: the step `fit` takes per batch
 * (zeroGrad, forward in training mode recording the tape, CrossEntropyLoss writing dL/dlogits,
 * backward from the logits through the tape, Adam.step()), callable one batch at a time so
 * that samples interleave with the others.
 */
export function makeDescentTrainer(lib, net, backendName, { seed = 1, lr = 1e-3 } = {}) {
  const { nn, optim } = lib;
  lib.setBackend(backendName);
  const inShape = net.flatten ? [784] : [1, 28, 28];
  const model = new nn.Model(descentNet(lib, net), inShape, { seed });
  const opt = new optim.Adam(model.parameters(), { lr });
  const loss = new nn.losses.CrossEntropyLoss();
  const grad = { data: new Float32Array(net.batch * 10), shape: [net.batch, 10] };
  return {
    model,
    activate: () => lib.setBackend(backendName),
    step(x, y) {
      model.zeroGrad();
      const pred = model.forward({ data: x, shape: [net.batch, ...inShape] }, { training: true });
      const v = loss.forward(pred, y, grad.data);
      pred.backward(grad); // the input is data (no gradient), as in fit
      opt.step();
      return v;
    },
  };
}

export { NETS };
