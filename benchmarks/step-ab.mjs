#!/usr/bin/env node
// A/B of the training step between two checkouts of descent (e.g. before and after a change):
// samples/s of the step benchmarks/lib/train-data.mjs defines (gather the batch, forward, loss,
// backward, Adam) on Fashion-MNIST, each checkout with its own dist/ and train-data.mjs.
//
//   node benchmarks/step-ab.mjs --a <checkout> --b <checkout> [--net cnn|mlp]
//                               [--backend native|js] [--rounds n] [--seconds s] [--subset]
//                               [--batch n]  (default: the net's own, 64 cnn / 128 mlp)
//
// Each checkout runs in a persistent child process (line protocol of lib/cref.mjs: `run
// <steps>` answers the mean seconds per step); after a warm-up, every round takes one sample of
// --seconds from each, order alternated, so load from other processes on the machine falls on
// both alike. Prints each round and the median of the per-round ratios b/a with their range,
// by the wall clock and per CPU second of the child (steadier on a loaded machine).
// Both checkouts need dist/ built.
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LineProcess } from './lib/cref.mjs';

const { values: opt } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    child: { type: 'string' },
    net: { type: 'string', default: 'cnn' },
    backend: { type: 'string', default: 'native' },
    rounds: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '2' },
    subset: { type: 'boolean', default: false },
    batch: { type: 'string' },
  },
  strict: true,
});
if (opt.batch !== undefined && !(Number.isInteger(Number(opt.batch)) && Number(opt.batch) > 0)) {
  console.error(`step-ab: --batch must be a positive integer, got ${opt.batch}`);
  process.exit(2);
}

if (opt.child) {
  // The checkout at opt.child, answering `run <steps>` with {"sec": mean seconds per step}.
  const root = resolve(opt.child);
  const lib = await import(pathToFileURL(`${root}/dist/index.js`).href);
  const td = await import(pathToFileURL(`${root}/benchmarks/lib/train-data.mjs`).href);
  const net = { ...td.NETS[opt.net] };
  if (opt.batch) net.batch = Number(opt.batch);
  const arrays = td.loadArrays(lib, { subset: opt.subset });
  const tr = td.makeDescentTrainer(lib, net, opt.backend, { seed: 1 });
  const b = new td.Batcher(lib, arrays.train, net.batch, 1);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [cmd, n] = line.trim().split(/\s+/);
    if (cmd === 'quit') process.exit(0);
    const steps = Number(n);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) tr.step(b.next().x, b.y);
    const c = process.cpuUsage(c0);
    const sec = (performance.now() - t0) / 1e3 / steps;
    console.log(JSON.stringify({ iters: steps, sec, cpuSec: (c.user + c.system) / 1e6 / steps }));
  });
} else {
  if (!opt.a || !opt.b) {
    console.error('usage: node benchmarks/step-ab.mjs --a <checkout> --b <checkout> [options]');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const start = (root, label) =>
    new LineProcess(
      process.execPath,
      [self, '--child', root, '--net', opt.net, '--backend', opt.backend].concat(
        opt.subset ? ['--subset'] : [],
        opt.batch ? ['--batch', opt.batch] : [],
      ),
      { label },
    );
  const procs = { a: start(opt.a, 'a'), b: start(opt.b, 'b') };
  const batch = opt.batch ? Number(opt.batch) : { cnn: 64, mlp: 128 }[opt.net];
  // Warm up (≥ 1.5 s each), then size samples to --seconds from the warm-up's speed.
  const steps = {};
  for (const k of ['a', 'b']) {
    let n = 4;
    let sec = await procs[k].run(n);
    while (n * sec < 1.5) sec = await procs[k].run((n = Math.ceil(1.5 / sec)));
    steps[k] = Math.max(1, Math.round(Number(opt.seconds) / sec));
  }
  const median = (xs) => {
    const s = [...xs].sort((p, q) => p - q);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  // samples/s by the wall clock, and per CPU second (all the process's threads): the latter
  // moves less when other processes take the cores.
  const wall = { a: [], b: [] };
  const cpu = { a: [], b: [] };
  for (let r = 0; r < Number(opt.rounds); r++) {
    const order = r % 2 ? ['b', 'a'] : ['a', 'b'];
    for (const k of order) {
      const v = await procs[k].request(`run ${steps[k]}`);
      wall[k].push(batch / v.sec);
      cpu[k].push(batch / v.cpuSec);
    }
    const f = (m) =>
      `a ${m.a[r].toFixed(0)}  b ${m.b[r].toFixed(0)}  b/a ${(m.b[r] / m.a[r]).toFixed(3)}`;
    console.log(`round ${r + 1}: wall ${f(wall)}; per CPU second ${f(cpu)}`);
  }
  procs.a.close();
  procs.b.close();
  const summary = (m) => {
    const ratios = m.a.map((v, i) => m.b[i] / v);
    const q = [...ratios].sort((p, r) => p - r);
    return (
      `a median ${median(m.a).toFixed(0)}, b median ${median(m.b).toFixed(0)} samples/s; ` +
      `b/a per round: median ${median(ratios).toFixed(3)} (min ${q[0].toFixed(3)}, max ${q[q.length - 1].toFixed(3)})`
    );
  };
  console.log(`${opt.net} ${opt.backend} batch ${batch}, a = ${opt.a}, b = ${opt.b}`);
  console.log(`  wall clock:     ${summary(wall)}`);
  console.log(`  per CPU second: ${summary(cpu)}`);
}
