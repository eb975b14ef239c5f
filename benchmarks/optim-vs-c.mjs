#!/usr/bin/env node
// Native optimizer steps against their C loops (benchmarks/c/optim.c), for tuning the fused
// kernels: per optimizer and size, the step time of optimizer.step() on the native backend
// (`native`), of the raw kernels.optimStep call it makes (`kernel`) and of the C loop, in
// interleaved rounds (lib/measure.mjs), and the ratios C time / native time (≥ 1: native
// faster). Runs once with DESCENT_THREADS=1 and once with all threads (each a child process,
// since the thread pool is sized at first use).
//
//   node benchmarks/optim-vs-c.mjs [--only adam,lion] [--sizes 65536,1048576,16777216]
//                                  [--threads 1,all] [--rounds 7] [--sample 0.05]
// Besides the wall clock, every sample records the CPU time the process used (the sum over its
// threads of /proc/<pid>/task/*/schedstat, in ns): on a loaded machine the CPU-time ratio is the
// steadier one. Needs dist/ built (Linux for the CPU times).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileC, LineProcess } from './lib/cref.mjs';
import { measure } from './lib/measure.mjs';
import {
  cOptions,
  makeDescent,
  makeKernelReplay,
  OPTIMIZERS,
  optionsOf,
  startArrays,
} from './lib/optimizers.mjs';

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string', default: '65536,1048576,16777216' },
    threads: { type: 'string', default: '1,all' },
    rounds: { type: 'string', default: '7' },
    sample: { type: 'string', default: '0.05' },
    child: { type: 'boolean', default: false },
  },
  strict: true,
});

if (!opt.child) {
  const self = fileURLToPath(import.meta.url);
  const args = process.argv.slice(2).filter((a) => a !== '--child');
  console.log(`CPU: ${os.cpus()[0]?.model} × ${os.cpus().length}; load ${os.loadavg()[0]}`);
  for (const t of opt.threads.split(',')) {
    const env = { ...process.env };
    if (t === 'all') delete env.DESCENT_THREADS;
    else env.DESCENT_THREADS = t;
    console.log(`\n== threads: ${t}`);
    spawnSync(process.execPath, [self, ...args, '--child'], { stdio: 'inherit', env });
  }
  console.log(`\nload at end ${os.loadavg()[0]}`);
  process.exit(0);
}

const lib = await import('../dist/index.js');
const sizes = opt.sizes.split(',').map(Number);
const specs = OPTIMIZERS.filter((s) => !opt.only || opt.only.split(',').includes(s.id));
const build = compileC('optim.c', { name: 'optim_ref' });
if (!build.ok) throw new Error(`C reference: ${build.error}`);
const c = new LineProcess(build.bin, [], { label: 'C' });
const cfg = {
  rounds: Number(opt.rounds),
  sampleSec: Number(opt.sample),
  warmSec: 0.1,
  caseBudgetSec: 10,
  mode: 'full',
};
/** Nanoseconds on CPU of all threads of process `pid` so far. */
function cpuNs(pid) {
  let t = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      t += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return t;
}

/** An Impl for measure() whose samples also record CPU seconds per op into `cpu`. */
function timed(name, pid, run, cpu) {
  return {
    name,
    sample: async (iters) => {
      const c0 = cpuNs(pid);
      const wall = await run(iters);
      cpu.push((cpuNs(pid) - c0) / 1e9 / iters);
      return wall;
    },
  };
}
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const fmt = (s) => `${(s * 1e6).toFixed(1)}`.padStart(8);
console.log(
  `${'optimizer'.padEnd(12)} ${'n'.padStart(9)} ${'native µs'.padStart(10)} ${'kernel µs'.padStart(10)} ${'C µs'.padStart(8)}  C/native  C/kernel   cpu µs: native  kernel    C  C/native C/kernel`,
);
try {
  for (const spec of specs) {
    for (const n of sizes) {
      startArrays(n);
      await c.request(`init ${spec.id} ${n} ${cOptions(optionsOf(lib, spec)).join(' ')}`);
      const d = makeDescent(lib, spec, n, 'native');
      d.activate();
      const r = makeKernelReplay(lib, spec, n, 'native', 8);
      const loop = (fn) => (iters) => {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < iters; i++) fn();
        return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
      };
      const cpu = { native: [], kernel: [], c: [] };
      const impls = [
        timed('native', process.pid, loop(d.step), cpu.native),
        timed('kernel', process.pid, loop(r.step), cpu.kernel),
        timed('c', c.child.pid, (iters) => c.run(iters), cpu.c),
      ];
      const m = await measure(impls, cfg);
      const med = (k) => m[k].secPerOp.median;
      // the first samples are warm-up and calibration
      const mc = (k) => median(cpu[k].slice(-m[k].rounds));
      const ratio = (a, b) => (a / b).toFixed(2).padStart(8);
      console.log(
        `${spec.id.padEnd(12)} ${String(n).padStart(9)} ${fmt(med('native'))}   ${fmt(med('kernel'))} ${fmt(med('c'))}  ${ratio(med('c'), med('native'))}  ${ratio(med('c'), med('kernel'))}   cpu: ${fmt(mc('native'))} ${fmt(mc('kernel'))} ${fmt(mc('c'))} ${ratio(mc('c'), mc('native'))} ${ratio(mc('c'), mc('kernel'))}`,
      );
    }
  }
} finally {
  c.close();
}
process.exit(0);
