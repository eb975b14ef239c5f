#!/usr/bin/env node
// Conv2d benchmark: forward + backward of Conv2d(32→64, 3×3, padding 1) on a [64, 32, 28, 28]
// batch (MNIST-sized feature maps), native vs js, through the layer API on the tape: forward
// records autograd's conv2d (im2col + GEMM per image, bias kernels; see
// src/autograd/ops/conv.ts), `model.backward(dy)` runs the tape from the output and returns
// dx (weight, bias and input gradients: GEMMs, col2im, biasGrad).
//
//   node benchmarks/conv.mjs [--quick] [--json <path>] [--rounds <n>] [--batch <n>]
//
// Every figure is the median over interleaved rounds (one sample of each backend per round,
// in rotated order), with the spread given as ± half the interquartile range. GFLOPS counts
// the three GEMMs' multiply-adds as 2 flops: forward 2·N·out·in·kh·kw·Ho·Wo, backward twice
// that (weight and input gradients). Results and the machine description go to
// benchmarks/results/conv-<ISO date>.json unless --json says otherwise. Needs dist/ (`npx tsc
// -p tsconfig.build.json`) and, for the native column, the addon.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import { fmtSpread, interleave, itersFor, stats, statsOf, table, warmUp } from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    batch: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/conv.mjs [--quick] [--json <path>] [--rounds <n>] [--batch <n>]\n' +
      '  --quick        fewer and shorter rounds (rough numbers)\n' +
      '  --json <path>  where to save the results (default benchmarks/results/conv-<ISO date>.json)\n' +
      '  --rounds <n>   interleaved rounds (default 7, quick 3)\n' +
      '  --batch <n>    batch size (default 64)',
  );
  process.exit(0);
}
const positive = (name, v, dflt) => {
  if (v === undefined) return dflt;
  const r = Number(v);
  if (!Number.isInteger(r) || r < 1) throw new RangeError(`--${name}: expected a positive integer`);
  return r;
};
const CFG = opt.quick
  ? { rounds: 3, sampleSec: 0.3, warmSec: 0.5 }
  : { rounds: 7, sampleSec: 1, warmSec: 1.5 };
CFG.rounds = positive('rounds', opt.rounds, CFG.rounds);
const SHAPE = { n: positive('batch', opt.batch, 64), c: 32, o: 64, h: 28, w: 28, k: 3, pad: 1 };

let lib;
let nn;
try {
  lib = await import('../dist/index.js');
  nn = await import('../dist/nn/index.js');
} catch (e) {
  console.error(
    `conv.mjs: cannot load ../dist (${e.message}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { backend, setBackend, Rng } = lib;
const names = ['js'];
let nativeInfo;
try {
  nativeInfo = backend('native').info();
  names.unshift('native');
} catch (e) {
  nativeInfo = { error: e.message.split('\n')[0] };
}

const startedAt = new Date();
const machine = describeMachine({ nativeInfo });
const log = (s) => process.stderr.write(`${s}\n`);
const notes = [];
const { n, c, o, h, w, k, pad } = SHAPE;
const macs = n * o * c * k * k * h * w; // output is h×w (3×3, padding 1, stride 1)
const flop = { forward: 2 * macs, backward: 4 * macs };

console.log(`descent Conv2d benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  median of ${CFG.rounds} interleaved rounds (order rotated each round), ±half IQR; ` +
    `samples of ≥ ${CFG.sampleSec * 1e3} ms after ${CFG.warmSec * 1e3} ms warm-up${opt.quick ? ' (--quick)' : ''}`,
);
console.log('');

/** A built layer, its input and output gradient, on one backend. */
function setup(name) {
  setBackend(name);
  const model = new nn.Model(new nn.Conv2d(c, o, k, { padding: pad }), [c, h, w], { seed: 1 });
  const rng = new Rng(7);
  const x = { data: rng.uniform(n * c * h * w, -1, 1), shape: [n, c, h, w] };
  const dy = { data: rng.uniform(n * o * h * w, -1, 1), shape: [n, o, h, w] };
  const fwd = [];
  const run = () => {
    setBackend(name);
    const t0 = process.hrtime.bigint();
    model.forward(x, { training: true });
    const t1 = process.hrtime.bigint();
    model.backward(dy);
    const t2 = process.hrtime.bigint();
    fwd.push(Number(t1 - t0) / 1e9);
    return Number(t2 - t0) / 1e9;
  };
  return { model, x, dy, run, fwd };
}

const impl = Object.fromEntries(names.map((nm) => [nm, setup(nm)]));

// Same numbers? One forward/backward on each, compared against js.
if (impl.native) {
  const out = {};
  for (const nm of names) {
    const s = impl[nm];
    setBackend(nm);
    s.model.zeroGrad();
    const y = Float32Array.from(s.model.forward(s.x, { training: true }).data);
    const dx = Float32Array.from(s.model.backward(s.dy).data);
    out[nm] = { y, dx, dw: Float32Array.from(s.model.grads) };
  }
  const rel = (a, b) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return num / den;
  };
  notes.push(
    `native vs js, max |diff| / max |js|: y ${rel(out.native.y, out.js.y).toExponential(1)}, ` +
      `dx ${rel(out.native.dx, out.js.dx).toExponential(1)}, grads ${rel(out.native.dw, out.js.dw).toExponential(1)}`,
  );
}

const cases = [];
const iters = {};
for (const nm of names) {
  const s = impl[nm];
  const per = warmUp(s.run, nm === 'js' ? Math.min(CFG.warmSec, 1) : CFG.warmSec, 2);
  iters[nm] = itersFor(per, CFG.sampleSec);
  s.fwd.length = 0;
  cases.push({
    name: nm,
    sample: () => {
      let t = 0;
      const f0 = s.fwd.length;
      for (let i = 0; i < iters[nm]; i++) t += s.run();
      const f = s.fwd.slice(f0).reduce((a, b) => a + b, 0);
      s.fwdSamples = [...(s.fwdSamples ?? []), f / iters[nm]];
      return t / iters[nm];
    },
  });
  log(`${nm}: ~${(per * 1e3).toFixed(0)} ms per forward+backward, ${iters[nm]} per sample`);
}
const samples = await interleave(cases, CFG.rounds, {
  onRound: (r) => log(`round ${r + 1}/${CFG.rounds}`),
});

const rows = {};
for (const nm of names) {
  const total = samples[nm];
  const fw = impl[nm].fwdSamples;
  const bw = total.map((t, i) => t - fw[i]);
  rows[nm] = {
    iters: iters[nm],
    forwardSec: stats(fw),
    backwardSec: stats(bw),
    totalSec: stats(total),
    forwardGflops: statsOf(fw, (t) => flop.forward / t / 1e9),
    backwardGflops: statsOf(bw, (t) => flop.backward / t / 1e9),
    totalGflops: statsOf(total, (t) => (flop.forward + flop.backward) / t / 1e9),
    samplesSec: { total, forward: fw },
  };
}

const ms = (s) => `${(s.median * 1e3).toFixed(1)} ${fmtSpread(s.spread)}`;
const gf = (s) => `${s.median.toFixed(2)} ${fmtSpread(s.spread)}`;
console.log(
  `Conv2d(${c}→${o}, ${k}×${k}, padding ${pad}) on [${n}, ${c}, ${h}, ${w}] → [${n}, ${o}, ${h}, ${w}], fp32; ` +
    `${(flop.forward / 1e9).toFixed(2)} GFLOP forward, ${(flop.backward / 1e9).toFixed(2)} backward`,
);
console.log(
  table(
    [
      'backend',
      'forward ms',
      'backward ms',
      'fwd+bwd ms',
      'GFLOPS fwd',
      'GFLOPS bwd',
      'GFLOPS fwd+bwd',
    ],
    names.map((nm) => {
      const r = rows[nm];
      return [
        nm,
        ms(r.forwardSec),
        ms(r.backwardSec),
        ms(r.totalSec),
        gf(r.forwardGflops),
        gf(r.backwardGflops),
        gf(r.totalGflops),
      ];
    }),
  ),
);
if (rows.native) {
  console.log(
    `native/js: ${(rows.js.totalSec.median / rows.native.totalSec.median).toFixed(1)}× ` +
      `(native: ${nativeInfo.threads} threads, ${nativeInfo.simd})`,
  );
} else {
  notes.push(`native unavailable: ${nativeInfo.error}`);
}
if (notes.length) {
  console.log('');
  console.log('Notes:');
  for (const t of notes) console.log(`- ${t}`);
}

const jsonPath = resultPath('conv', startedAt, opt.json);
writeJsonAtomic(jsonPath, {
  benchmark: 'conv',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  command: commandLine(import.meta.url),
  cwd: process.cwd(),
  method: {
    rounds: CFG.rounds,
    sampleSeconds: CFG.sampleSec,
    warmupSeconds: CFG.warmSec,
    quick: opt.quick,
    statistic: 'median over interleaved rounds; spread = IQR / median',
    api: 'nn.Model(new nn.Conv2d(...)).forward(x, {training: true}) then model.backward(dy) (the tape, dx returned)',
    flopCount: '2 per multiply-add; forward N·out·in·k²·Ho·Wo MACs, backward twice that',
  },
  shape: SHAPE,
  flop,
  machine,
  results: rows,
  notes,
});
console.log('');
console.log(`saved ${relative(process.cwd(), jsonPath) || jsonPath}`);
