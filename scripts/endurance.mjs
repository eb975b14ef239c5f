#!/usr/bin/env node
// Endurance: long runs must not grow. Three phases, each measured in this process:
//   1. optimizer steps  Adam over 16K parameters in three tensors, --steps times; RSS and the
//                       heap (after gc) sampled 50 times; growth after the first 10% (warm-up)
//   2. handles          --models models with their optimizers built, trained one step and
//                       dropped; a FinalizationRegistry counts how many the GC reclaimed, and
//                       the process's active handles are compared before and after
//   3. training         an MLP trained with fit for --epochs epochs on Fashion-MNIST; RSS after
//                       each epoch, growth from the end of epoch 2 to the last
// Prints one JSON line; exits 1 when a phase grows by 5% or more or leaves objects behind.
//
//   node --expose-gc scripts/endurance.mjs [--steps 1000000] [--epochs 20] [--models 200]
//     [--subset] [--backend native|js]
// The test suite runs a shortened form (__test__/endurance.test.ts).
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000000' },
    epochs: { type: 'string', default: '20' },
    models: { type: 'string', default: '200' },
    subset: { type: 'boolean', default: false },
    backend: { type: 'string' },
  },
});
if (typeof globalThis.gc !== 'function') {
  console.error('endurance: run with node --expose-gc');
  process.exit(2);
}
const gc = globalThis.gc;
const MB = 2 ** 20;
const LIMIT = 0.05;
const d = await import('../dist/index.js');
if (o.backend) d.setBackend(o.backend);
const { nn, optim, data } = d;
const rss = () => process.memoryUsage().rss / MB;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed / MB;
};
const growth = (from, values) => (Math.max(...values) - from) / from;
const failures = [];

// 1. optimizer steps
const steps = Number(o.steps);
const sizes = [8192, 6144, 2048];
const params = sizes.map((n) => ({
  data: new Float32Array(n).fill(0.5),
  grad: new Float32Array(n).map((_, i) => Math.sin(i) * 1e-3),
}));
const adam = new optim.Adam(params, { lr: 1e-4, weightDecay: 1e-4 });
const every = Math.max(1, Math.floor(steps / 50));
const warm = Math.floor(steps / 10);
const samples = [];
let rssWarm = 0;
let heapWarm = 0;
const t0 = performance.now();
for (let i = 1; i <= steps; i++) {
  adam.step();
  if (i === warm || (warm === 0 && i === 1)) {
    rssWarm = rss();
    heapWarm = heap();
  }
  if (i % every === 0 && i >= warm) samples.push({ step: i, rssMB: rss(), heapMB: heap() });
}
const stepPhase = {
  steps,
  params: sizes.reduce((a, b) => a + b, 0),
  usPerStep: ((performance.now() - t0) * 1e3) / steps,
  rssWarmMB: rssWarm,
  heapWarmMB: heapWarm,
  rssGrowth: growth(
    rssWarm,
    samples.map((s) => s.rssMB),
  ),
  heapGrowth: growth(
    heapWarm,
    samples.map((s) => s.heapMB),
  ),
  finite: params.every((p) => p.data.every(Number.isFinite)),
  samples,
};
if (stepPhase.rssGrowth >= LIMIT) failures.push(`optimizer steps: RSS grew ${stepPhase.rssGrowth}`);
if (stepPhase.heapGrowth >= LIMIT)
  failures.push(`optimizer steps: heap grew ${stepPhase.heapGrowth}`);
if (!stepPhase.finite) failures.push('optimizer steps: non-finite parameters');

// 2. objects and handles left behind
const nModels = Number(o.models);
let reclaimed = 0;
const registry = new FinalizationRegistry(() => {
  reclaimed++;
});
const handlesBefore = process.getActiveResourcesInfo().length;
const heapBefore = heap();
const x = { data: new Float32Array(16 * 64).fill(0.1), shape: [16, 64] };
// in a function of its own, so that no stack slot keeps the last model alive
function churn(i) {
  const model = new nn.Model(
    new nn.Sequential([new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 10)]),
    [64],
    { seed: i },
  );
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
  const y = model.forward(x, { training: true });
  model.backward({ data: new Float32Array(y.data.length).fill(0.01), shape: y.shape });
  opt.step();
  registry.register(model, 'model');
  registry.register(opt, 'optimizer');
}
for (let i = 0; i < nModels; i++) churn(i);
for (let round = 0; round < 20 && reclaimed < 2 * nModels; round++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
const objectPhase = {
  created: 2 * nModels,
  reclaimed,
  heapBeforeMB: heapBefore,
  heapAfterMB: heap(),
  handlesBefore,
  handlesAfter: process.getActiveResourcesInfo().length,
};
if (objectPhase.reclaimed !== objectPhase.created)
  failures.push(`objects: ${objectPhase.created - objectPhase.reclaimed} never reclaimed`);
if (objectPhase.handlesAfter > objectPhase.handlesBefore)
  failures.push(`handles: ${objectPhase.handlesBefore} → ${objectPhase.handlesAfter}`);

// 3. a training run
const epochs = Number(o.epochs);
const fm = data.loadFashionMnist({ flatten: true, subset: o.subset });
const model = new nn.Model(
  new nn.Sequential([
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  ]),
  [784],
  { seed: 1 },
);
const byEpoch = [];
const h = d.train.fit(model, fm.train, {
  optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
  loss: new nn.losses.CrossEntropyLoss(),
  epochs,
  batchSize: 128,
  validationData: fm.test,
  metrics: ['accuracy'],
  seed: 1,
  verbose: 0,
  callbacks: [{ onEpochEnd: () => byEpoch.push(rss()) }],
});
const half = Math.floor(epochs / 2);
const trainPhase = {
  epochs,
  data: `${fm.source} (${fm.train.length} images)`,
  rssByEpochMB: byEpoch,
  rssGrowthFromEpoch2: epochs >= 2 ? growth(byEpoch[1], byEpoch.slice(1)) : null,
  // a leak keeps growing; a warm-up levels off: the second half says which
  rssGrowthSecondHalf: epochs >= 2 ? growth(byEpoch[half], byEpoch.slice(half)) : null,
  finalValAccuracy: h.metrics.valAccuracy.at(-1),
};
if (trainPhase.rssGrowthFromEpoch2 !== null && trainPhase.rssGrowthFromEpoch2 >= LIMIT)
  failures.push(`training: RSS grew ${trainPhase.rssGrowthFromEpoch2} from epoch 2`);

console.log(
  JSON.stringify({
    backend: d.getBackend().name,
    limit: LIMIT,
    optimizerSteps: stepPhase,
    objects: objectPhase,
    training: trainPhase,
    failures,
  }),
);
process.exit(failures.length ? 1 : 0);
