#!/usr/bin/env node
// The training step's GEMMs with warm and with cold caches: each product back to back (its
// operands stay in cache) and after a sweep over a buffer larger than the L2s (as in a step,
// where the optimizer streams all parameters and states between two forwards). Native backend,
// all threads (DESCENT_THREADS to change); mean µs and GFLOP/s per call.
//
//   node benchmarks/gemm-cold.mjs [--sweep-mb 16] [--calls 300]
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'sweep-mb': { type: 'string', default: '16' },
    calls: { type: 'string', default: '300' },
  },
  strict: true,
});
const sweepMb = Number(opt['sweep-mb']);
const calls = Number(opt.calls);
for (const [name, v] of [
  ['--sweep-mb', sweepMb],
  ['--calls', calls],
]) {
  if (!(Number.isInteger(v) && v > 0)) {
    console.error(`gemm-cold: ${name} must be a positive integer, got ${v}`);
    process.exit(2);
  }
}

const lib = await import('../dist/index.js');
const k = lib.backend('native').kernels;
const junk = new Float32Array((sweepMb << 20) >> 2);
const sweep = () => {
  for (let j = 0; j < junk.length; j += 16) junk[j] += 1;
};

// The MLP 784-256-128-10 step at batch 128: forward x·Wᵀ and the first layer's weight gradient.
const cases = [
  { label: 'Linear 784→256 forward, x·Wᵀ', ta: false, tb: true, m: 128, k: 784, n: 256 },
  { label: 'Linear 256→128 forward, x·Wᵀ', ta: false, tb: true, m: 128, k: 256, n: 128 },
  { label: 'Linear 784→256 dW = dyᵀ·x', ta: true, tb: false, m: 256, k: 128, n: 784 },
];
console.log(
  `CPU ${os.cpus()[0]?.model} × ${os.cpus().length}; sweep ${sweepMb} MB; ${calls} calls`,
);
for (const c of cases) {
  const a = new Float32Array(c.m * c.k).map(() => Math.random() - 0.5);
  const b = new Float32Array(c.k * c.n).map(() => Math.random() - 0.5);
  const out = new Float32Array(c.m * c.n);
  const call = () => k.gemm(c.ta, c.tb, c.m, c.n, c.k, 1, a, b, 0, out);
  for (let i = 0; i < 50; i++) call();
  const time = (cold) => {
    let ns = 0;
    for (let i = 0; i < calls; i++) {
      if (cold) sweep();
      const t = process.hrtime.bigint();
      call();
      ns += Number(process.hrtime.bigint() - t);
    }
    return ns / calls;
  };
  const warm = Math.min(time(false), time(false));
  const cold = time(true);
  const gf = (ns) => ((2 * c.m * c.n * c.k) / ns).toFixed(0);
  console.log(
    `${c.label} (${c.m}×${c.k}×${c.n}): warm ${(warm / 1000).toFixed(0)} µs (${gf(warm)} GFLOP/s), cold ${(cold / 1000).toFixed(0)} µs (${gf(cold)} GFLOP/s)`,
  );
}
