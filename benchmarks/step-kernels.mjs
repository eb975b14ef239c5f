#!/usr/bin/env node
// Where a training step's time goes, by native kernel: every function of the native binding
// is wrapped in a timer, then the suite's step (lib/train-data.mjs) runs many times. Prints per
// kernel (GEMMs per shape: transposes, m×n×k, beta) the wall µs per step and calls per step,
// the native total, and the rest of the step (JS: the layers, the tape, zeroGrad's fill,
// validation). Each timer costs well under a µs; kernels are synchronous, so their times
// are their own.
//
//   node benchmarks/step-kernels.mjs [--net mlp|cnn] [--batch n] [--steps n]
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    net: { type: 'string', default: 'mlp' },
    batch: { type: 'string' },
    steps: { type: 'string', default: '1000' },
  },
  strict: true,
});
const binding = createRequire(import.meta.url)('../native/binding.cjs');
const acc = new Map();
let on = false;
for (const name of Object.keys(binding)) {
  const f = binding[name];
  if (typeof f !== 'function') continue;
  binding[name] = function (...a) {
    if (!on) return f.apply(this, a);
    const key =
      name === 'gemm'
        ? `gemm ${a[0] ? 'T' : 'N'}${a[1] ? 'T' : 'N'} ${a[2]}×${a[3]}×${a[4]} β${a[8]}`
        : name;
    const t0 = performance.now();
    const r = f.apply(this, a);
    const e = acc.get(key) ?? [0, 0];
    e[0] += performance.now() - t0;
    e[1]++;
    acc.set(key, e);
    return r;
  };
}
const lib = await import('../dist/index.js');
const td = await import('./lib/train-data.mjs');
const base = td.NETS[opt.net];
if (!base) throw new Error(`--net must be one of ${Object.keys(td.NETS).join(', ')}`);
const net = { ...base, batch: Number(opt.batch ?? base.batch) };
const steps = Number(opt.steps);
const batcher = new td.Batcher(lib, td.loadArrays(lib).train, net.batch, 1);
const tr = td.makeDescentTrainer(lib, net, 'native');
const step = () => {
  const b = batcher.next();
  tr.step(b.x, b.y);
};
for (let i = 0; i < 100; i++) step();
on = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const wall = ((performance.now() - t0) * 1e3) / steps;
on = false;
const rows = [...acc].sort((a, b) => b[1][0] - a[1][0]);
let native = 0;
console.log(
  `${net.label ?? opt.net}, batch ${net.batch}, ${steps} steps; ${os.cpus()[0]?.model} × ${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`,
);
for (const [k, [ms, n]] of rows) {
  const us = (ms * 1e3) / steps;
  native += us;
  console.log(
    `  ${k.padEnd(30)} ${us.toFixed(1).padStart(8)} µs  ${(n / steps).toFixed(1).padStart(4)} calls  ${((100 * us) / wall).toFixed(1).padStart(5)}%`,
  );
}
console.log(
  `  native total ${native.toFixed(0)} µs, the rest (JS) ${(wall - native).toFixed(0)} µs, step ${wall.toFixed(0)} µs`,
);
