#!/usr/bin/env node
// Where the time of one training step goes: mean wall µs per phase (gather, zeroGrad, forward,
// loss, backward, Adam) of the step benchmarks/lib/train-data.mjs defines, over many steps
// after a warm-up, plus the step's wall and CPU µs (all threads). For a profile by function,
// run it under `perf record -g --delay 5000 node --perf-basic-prof ...`.
//
//   node benchmarks/step-phases.mjs [--net mlp|cnn] [--batch n] [--steps n] [--backend native|js]
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    net: { type: 'string', default: 'mlp' },
    batch: { type: 'string' },
    steps: { type: 'string', default: '400' },
    backend: { type: 'string', default: 'native' },
  },
  strict: true,
});
const lib = await import('../dist/index.js');
const td = await import('./lib/train-data.mjs');
if (!td.NETS[opt.net]) {
  console.error(`step-phases: --net must be one of ${Object.keys(td.NETS).join(', ')}`);
  process.exit(2);
}
const net = { ...td.NETS[opt.net] };
if (opt.batch !== undefined) net.batch = Number(opt.batch);
const steps = Number(opt.steps);
for (const [k, v] of [
  ['batch', net.batch],
  ['steps', steps],
]) {
  if (!(Number.isInteger(v) && v > 0)) {
    console.error(`step-phases: --${k} must be a positive integer, got ${v}`);
    process.exit(2);
  }
}
const batch = net.batch;
const inShape = net.flatten ? [784] : [1, 28, 28];
const arrays = td.loadArrays(lib);
lib.setBackend(opt.backend);
const model = new lib.nn.Model(td.descentNet(lib, net), inShape, { seed: 1 });
const adam = new lib.optim.Adam(model.parameters(), { lr: 1e-3 });
const loss = new lib.nn.losses.CrossEntropyLoss();
const grad = { data: new Float32Array(batch * 10), shape: [batch, 10] };
const b = new td.Batcher(lib, arrays.train, batch, 1);
const names = ['gather', 'zeroGrad', 'forward', 'loss', 'backward', 'adam'];
const acc = new Float64Array(names.length);
const run = (n, record) => {
  const t = new Float64Array(names.length + 1);
  for (let s = 0; s < n; s++) {
    t[0] = performance.now();
    b.next();
    t[1] = performance.now();
    model.zeroGrad();
    t[2] = performance.now();
    const pred = model.forward({ data: b.x, shape: [batch, ...inShape] }, { training: true });
    t[3] = performance.now();
    loss.forward(pred, b.y, grad.data);
    t[4] = performance.now();
    pred.backward(grad);
    t[5] = performance.now();
    adam.step();
    t[6] = performance.now();
    if (record) for (let i = 0; i < names.length; i++) acc[i] += t[i + 1] - t[i];
  }
};
run(Math.min(100, steps), false);
const c0 = process.cpuUsage();
const t0 = performance.now();
run(steps, true);
const wall = ((performance.now() - t0) * 1e3) / steps;
const c = process.cpuUsage(c0);
const us = (ms) => ((ms * 1e3) / steps).toFixed(0);
console.log(
  `${opt.net} ${opt.backend} batch ${batch}: step ${wall.toFixed(0)} µs wall, ` +
    `${((c.user + c.system) / steps).toFixed(0)} µs CPU; ` +
    names.map((n, i) => `${n} ${us(acc[i])}`).join(', '),
);
