#!/usr/bin/env node
// Where a training step's time goes: the suite's step (lib/train-data.mjs: gather the batch,
// zeroGrad, forward recording the tape, softmax cross-entropy, backward, Adam) cut into its
// phases, each timed with performance.now() around it, over many steps.
//
//   node benchmarks/step-profile.mjs [--net mlp|cnn] [--batch n] [--backend native|js|wasm]
//                                    [--rounds n] [--steps n] [--json]
//   DESCENT_THREADS=1 node benchmarks/step-profile.mjs …   one native thread
//
// Prints per phase the median over rounds of its mean µs per step (± half the IQR), its share
// of the step, and for forward and backward the useful GFLOP/s (lib/flops.mjs); and the same
// in CPU µs (process.cpuUsage, all threads of the process summed): on a machine loaded by
// other work the wall times grow with the waiting, the CPU times much less (with one thread
// they are the work itself). The timers cost about a µs per phase. Native calls are
// synchronous, so each phase's time is its own.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { stepFlops } from './lib/flops.mjs';
import { stats } from './lib/timing.mjs';
import { Batcher, descentNet, loadArrays, NETS } from './lib/train-data.mjs';

const { values: opt } = parseArgs({
  options: {
    net: { type: 'string', default: 'mlp' },
    batch: { type: 'string' },
    backend: { type: 'string', default: 'native' },
    rounds: { type: 'string', default: '7' },
    steps: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/step-profile.mjs [--net mlp|cnn] [--batch n] [--backend native|js|wasm] [--rounds n] [--steps n] [--json]',
  );
  process.exit(0);
}
const base = NETS[opt.net];
if (!base) {
  console.error(`step-profile: --net: unknown net ${opt.net} (known: ${Object.keys(NETS)})`);
  process.exit(2);
}
const batch = Number(opt.batch ?? base.batch);
const rounds = Number(opt.rounds);
const steps = Number(opt.steps);
for (const [k, v] of [
  ['batch', batch],
  ['rounds', rounds],
  ['steps', steps],
]) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`step-profile: --${k}: expected a positive integer`);
    process.exit(2);
  }
}
const net = { ...base, batch };

const lib = await import('../dist/index.js');
const { nn, optim } = lib;
lib.setBackend(opt.backend);
const arrays = loadArrays(lib);
const inShape = net.flatten ? [784] : [1, 28, 28];
// the same step as makeDescentTrainer (lib/train-data.mjs), opened up between its phases
const model = new nn.Model(descentNet(lib, net), inShape, { seed: 1 });
const adam = new optim.Adam(model.parameters(), { lr: 1e-3 });
const loss = new nn.losses.CrossEntropyLoss();
const grad = { data: new Float32Array(batch * 10), shape: [batch, 10] };
const b = new Batcher(lib, arrays.train, batch, 1);

const PHASES = ['gather', 'zeroGrad', 'forward', 'loss', 'backward', 'optimizer'];
const acc = Object.fromEntries(PHASES.map((p) => [p, 0]));
const accCpu = Object.fromEntries(PHASES.map((p) => [p, 0]));
let total = 0;
let totalCpu = 0;
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
function step() {
  const t = [performance.now()];
  const c = [cpuUs()];
  const mark = () => {
    t.push(performance.now());
    c.push(cpuUs());
  };
  b.next();
  mark();
  model.zeroGrad();
  mark();
  const pred = model.forward({ data: b.x, shape: [batch, ...inShape] }, { training: true });
  mark();
  loss.forward(pred, b.y, grad.data);
  mark();
  pred.backward(grad);
  mark();
  adam.step();
  mark();
  PHASES.forEach((p, i) => {
    acc[p] += t[i + 1] - t[i]; // ms
    accCpu[p] += c[i + 1] - c[i]; // µs
  });
  total += t[6] - t[0];
  totalCpu += c[6] - c[0];
}

for (let i = 0; i < Math.max(20, steps / 2); i++) step(); // warm-up: JIT, pages, thread pool
const perRound = Object.fromEntries([...PHASES, 'step'].map((p) => [p, []]));
const perRoundCpu = Object.fromEntries([...PHASES, 'step'].map((p) => [p, []]));
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const p of PHASES) {
    acc[p] = 0;
    accCpu[p] = 0;
  }
  total = 0;
  totalCpu = 0;
  for (let i = 0; i < steps; i++) step();
  for (const p of PHASES) {
    perRound[p].push((acc[p] / steps) * 1e3);
    perRoundCpu[p].push(accCpu[p] / steps);
  }
  perRound.step.push((total / steps) * 1e3);
  perRoundCpu.step.push(totalCpu / steps);
}
const cpu = process.cpuUsage(cpu0);
const wallSec = (performance.now() - wall0) / 1e3;

const fl = stepFlops(net, batch);
const res = {
  net: net.id,
  batch,
  backend: opt.backend,
  threads: opt.backend === 'native' ? lib.backend('native').info().threads : 1,
  rounds,
  steps,
  cpu: os.cpus()[0]?.model,
  loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
  cpuSecondsPerWallSecond: (cpu.user + cpu.system) / 1e6 / wallSec,
  flops: fl,
  us: Object.fromEntries(Object.entries(perRound).map(([p, v]) => [p, stats(v)])),
  cpuUs: Object.fromEntries(Object.entries(perRoundCpu).map(([p, v]) => [p, stats(v)])),
};
const med = (p) => res.us[p].median;
res.gflops = {
  forward: fl.forward / (med('forward') * 1e3),
  backward: (fl.backwardData + fl.backwardWeights) / (med('backward') * 1e3),
  step: fl.total / (med('step') * 1e3),
};
if (opt.json) {
  console.log(JSON.stringify(res));
} else {
  console.log(
    `${net.label}, batch ${batch}, ${opt.backend} (${res.threads} thread(s)), ${rounds} rounds × ${steps} steps; ${res.cpu}, load ${res.loadAvg.join(' ')}, ${res.cpuSecondsPerWallSecond.toFixed(2)} CPU s per wall s`,
  );
  console.log('  phase         wall µs  ±½IQR  share  GFLOP/s    CPU µs  ±½IQR');
  for (const p of [...PHASES, 'step']) {
    const s = res.us[p];
    const c = res.cpuUs[p];
    const g = res.gflops[p] === undefined ? '' : res.gflops[p].toFixed(1);
    console.log(
      `  ${p.padEnd(10)} ${s.median.toFixed(0).padStart(10)} ${`${((s.spread / 2) * 100).toFixed(0)}%`.padStart(6)} ${`${((s.median / med('step')) * 100).toFixed(0)}%`.padStart(6)} ${g.padStart(8)} ${c.median.toFixed(0).padStart(9)} ${`${((c.spread / 2) * 100).toFixed(0)}%`.padStart(6)}`,
    );
  }
  console.log(
    `  samples/s ${((batch / med('step')) * 1e6).toFixed(0)}; useful MFLOP per step ${(fl.total / 1e6).toFixed(1)} (forward ${(fl.forward / 1e6).toFixed(1)}, backward ${((fl.backwardData + fl.backwardWeights) / 1e6).toFixed(1)})`,
  );
}
