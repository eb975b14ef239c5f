#!/usr/bin/env node
// One training run in a process of its own, for the training section's time-to-accuracy and
// memory figures (sequential runs, in a clean process: nothing else allocated, no tfjs in a
// descent run). Trains the MLP (or CNN) epoch by epoch, evaluating test accuracy after each
// epoch, until the target accuracy is reached and at least --min-epochs are done, or
// --max-epochs, or --budget seconds of training+evaluation have passed. Prints one JSON
// object on stdout.
//
//   node benchmarks/lib/train-child.mjs <native|js|wasm|tfjs-wasm|tfjs-cpu> [--net mlp|cnn]
//     [--target 0.88] [--max-epochs 15] [--min-epochs 1] [--budget 600] [--subset]
//     [--rss-every 50] [--seed 1]
//
// descent runs call train.fit (one epoch per call, validationData = the test set, metrics
// ['accuracy']); tfjs runs the manual step of lib/tfjs-train.mjs over the same seeded shuffle,
// last short batch included. Times exclude loading the data and building the model. RSS
// (process.memoryUsage().rss) is sampled every --rss-every batches and after each epoch; the
// peak is getrusage's maxRSS.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o, positionals } = parseArgs({
  options: {
    net: { type: 'string', default: 'mlp' },
    target: { type: 'string', default: '0.88' },
    'max-epochs': { type: 'string', default: '15' },
    'min-epochs': { type: 'string', default: '1' },
    budget: { type: 'string', default: '600' },
    subset: { type: 'boolean', default: false },
    'rss-every': { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
  },
  allowPositionals: true,
});
const impl = positionals[0];
const target = Number(o.target);
const maxEpochs = Number(o['max-epochs']);
const minEpochs = Number(o['min-epochs']);
const budget = Number(o.budget);
const rssEvery = Number(o['rss-every']);
const seed = Number(o.seed);
const MB = 2 ** 20;
const log = (s) => process.stderr.write(`${s}\n`);

const lib = await import('../../dist/index.js');
const { NETS, makeTfjsTrainer } = await import('./tfjs-train.mjs');
const net = NETS[o.net];
if (!net) throw new Error(`unknown net ${o.net}`);

const rssStart = process.memoryUsage().rss;
const fm = lib.data.loadFashionMnist({ flatten: net.flatten, subset: o.subset });
const rssData = process.memoryUsage().rss;
const rssSamples = []; // { t, epoch, batch, rssMB }
const epochs = []; // { epoch, valAccuracy, trainSec, evalSec, cumSec, samplesPerSec, rssMB, heapMB }
let t0 = 0;
let reached = null;
let stoppedBy = 'max-epochs';
const elapsed = () => (performance.now() - t0) / 1e3;
const sampleRss = (epoch, batch) =>
  rssSamples.push({
    t: +elapsed().toFixed(3),
    epoch,
    batch,
    rssMB: +(process.memoryUsage().rss / MB).toFixed(1),
  });

function endEpoch(epoch, valAccuracy, trainSec, evalSec, samplesPerSec, partial = false) {
  const cumSec = elapsed();
  const m = process.memoryUsage();
  epochs.push({
    epoch: epoch + 1,
    ...(partial ? { partial: true } : {}),
    valAccuracy,
    trainSec,
    evalSec,
    cumSec,
    samplesPerSec,
    rssMB: +(m.rss / MB).toFixed(1),
    heapUsedMB: +(m.heapUsed / MB).toFixed(1),
    externalMB: +(m.external / MB).toFixed(1),
  });
  sampleRss(epoch + 1, 0);
  log(
    `  ${impl} epoch ${epoch + 1}: test accuracy ${(valAccuracy * 100).toFixed(2)}%, ${cumSec.toFixed(1)} s, rss ${(m.rss / MB).toFixed(0)} MB`,
  );
  if (reached === null && !partial && valAccuracy >= target)
    reached = { epochs: epoch + 1, seconds: cumSec, trainSeconds: sumTrain() };
  if (reached !== null && epoch + 1 >= minEpochs) {
    stoppedBy = 'target';
    return true;
  }
  if (cumSec > budget) {
    stoppedBy = 'budget';
    return true;
  }
  return false;
}
const sumTrain = () => epochs.reduce((a, e) => a + e.trainSec, 0);

let extra = {};
if (impl === 'native' || impl === 'js' || impl === 'wasm') {
  lib.setBackend(impl);
  const { descentNet } = await import('./train-data.mjs');
  const model = new lib.nn.Model(descentNet(lib, net), net.flatten ? [784] : [1, 28, 28], {
    seed,
  });
  const optimizer = new lib.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loss = new lib.nn.losses.CrossEntropyLoss();
  let epoch = 0;
  let seen = 0;
  const cb = {
    stopTraining: false,
    onBatchEnd(batch, logs) {
      seen += logs.size;
      if ((batch + 1) % rssEvery === 0) sampleRss(epoch, batch + 1);
      if (elapsed() > budget) {
        stoppedBy = 'budget';
        this.stopTraining = true;
      }
    },
  };
  t0 = performance.now();
  for (; epoch < maxEpochs; epoch++) {
    seen = 0;
    const h = lib.train.fit(model, fm.train, {
      optimizer,
      loss,
      epochs: epoch + 1,
      initialEpoch: epoch,
      batchSize: net.batch,
      validationData: fm.test,
      metrics: ['accuracy'],
      seed,
      verbose: 0,
      callbacks: [cb],
    });
    const trainSec = seen / h.samplesPerSec[0];
    const done = endEpoch(
      epoch,
      h.metrics.valAccuracy[0],
      trainSec,
      h.time[0] - trainSec,
      h.samplesPerSec[0],
      seen < fm.train.length,
    );
    if (done || cb.stopTraining) break;
  }
  extra = { api: 'train.fit, one epoch per call (initialEpoch), validationData = test set' };
} else if (impl === 'tfjs-wasm' || impl === 'tfjs-cpu') {
  const { loadTfjs, useTfBackend } = await import('./tfjs.mjs');
  const t = await loadTfjs();
  const be = impl.slice(5);
  if (!t.available || !t.backends[be].available || !(await useTfBackend(t, be)))
    throw new Error(`tfjs ${be} unavailable: ${t.reason ?? t.backends[be].reason}`);
  const tf = t.tf;
  const tr = makeTfjsTrainer(tf, net, { variant: 'manual', seed });
  const train = { x: fm.train.x.data, y: fm.train.y, n: fm.train.length };
  const test = { x: fm.test.x.data, y: fm.test.y, n: fm.test.length };
  const B = net.batch;
  const xb = new Float32Array(B * 784);
  const yb = new Int32Array(B);
  t0 = performance.now();
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    const te = performance.now();
    const order = lib.data.permutation(train.n, seed + epoch);
    let stop = false;
    let done = 0;
    for (let s = 0, batch = 0; s < train.n; s += B, batch++) {
      const rows = Math.min(B, train.n - s);
      done += rows;
      for (let i = 0; i < rows; i++) {
        const k = order[s + i];
        xb.set(train.x.subarray(k * 784, k * 784 + 784), i * 784);
        yb[i] = train.y[k];
      }
      await tr.step(rows === B ? xb : xb.subarray(0, rows * 784), yb, rows);
      if ((batch + 1) % rssEvery === 0) sampleRss(epoch, batch + 1);
      if (elapsed() > budget) {
        stoppedBy = 'budget';
        stop = true;
        break;
      }
    }
    const trainSec = (performance.now() - te) / 1e3;
    const tv = performance.now();
    let ok = 0;
    for (let s = 0; s < test.n; s += 1000) {
      const rows = Math.min(1000, test.n - s);
      ok += await tr.accuracy(
        test.x.subarray(s * 784, (s + rows) * 784),
        test.y.subarray(s, s + rows),
        rows,
      );
    }
    const evalSec = (performance.now() - tv) / 1e3;
    const seen = stop ? done : train.n;
    if (endEpoch(epoch, ok / test.n, trainSec, evalSec, seen / trainSec, stop) || stop) break;
  }
  extra = {
    api: 'tf.variable weights, optimizer.minimize with custom dense/conv gradients (lib/tfjs-train.mjs, manual)',
    tfjsNumTensors: tf.memory().numTensors,
    wasmNote: t.backends[be].note,
  };
  tr.dispose();
} else {
  throw new Error(`unknown implementation ${impl}`);
}

// Peak RSS of this process: /proc's VmHWM (getrusage's maxRSS survives exec on Linux, so it
// would report the parent's peak when that was higher).
function peakRssMB() {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    if (m) return +(Number(m[1]) / 1024).toFixed(1);
  } catch {
    // not Linux
  }
  return +(process.resourceUsage().maxRSS / 1024).toFixed(1);
}
const byEpoch = epochs.map((e) => e.rssMB);
// growth from the end of epoch 2 (the arena, scratch buffers and JIT are settled by then) to
// the end of the last epoch
const from = epochs.length >= 2 ? epochs[1].rssMB : null;
const to = epochs.length >= 2 ? epochs.at(-1).rssMB : null;
const result = {
  impl,
  net: net.id,
  batch: net.batch,
  target,
  data: { source: fm.source, path: fm.path, train: fm.train.length, test: fm.test.length },
  budgetSec: budget,
  maxEpochs,
  minEpochs,
  stoppedBy,
  reached: reached !== null,
  epochsToTarget: reached?.epochs ?? null,
  secondsToTarget: reached?.seconds ?? null,
  trainSecondsToTarget: reached?.trainSeconds ?? null,
  bestAccuracy: Math.max(...epochs.map((e) => e.valAccuracy)),
  epochs,
  memory: {
    rssStartMB: +(rssStart / MB).toFixed(1),
    rssAfterDataMB: +(rssData / MB).toFixed(1),
    peakRssMB: peakRssMB(),
    peakSampledRssMB: Math.max(...rssSamples.map((s) => s.rssMB), ...byEpoch),
    rssByEpochMB: byEpoch,
    growthFromEpoch2MB: from !== null ? +(to - from).toFixed(1) : null,
    growthFromEpoch2Pct: from !== null ? +(((to - from) / from) * 100).toFixed(2) : null,
    intervalSamples: rssSamples,
    rssEveryBatches: rssEvery,
  },
  pid: process.pid,
  node: process.version,
  ...extra,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
