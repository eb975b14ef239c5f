#!/usr/bin/env node
// ConvTranspose2d benchmark: forward + backward of a DCGAN generator block,
// ConvTranspose2d(128→64, 4×4, stride 2, padding 1) on [64, 128, 7, 7] → [64, 64, 14, 14],
// descent (native backend, through the layer API on the tape: `model.forward(x)` then
// `model.backward(dy)`, which computes dx, dW and db) beside PyTorch CPU
// (torch.nn.ConvTranspose2d, `y.backward(dy)` with x requiring grad; benchmarks/py/
// conv_transpose_bench.py, a child process speaking the suite's line protocol).
//
//   node benchmarks/conv-transpose.mjs [--quick | --smoke] [--json <path>] [--rounds <n>]
//                                      [--batch <n>]
//
// Both are warmed up, then measured in interleaved rounds (one sample of each per round, the
// order rotated); every figure is the median over rounds with ± half the interquartile range,
// and the ratio is the median of the per-round ratios (paired). GFLOPS counts 2 flops per
// multiply-add: forward N·in·out·k²·H·W MACs (the GEMM of the col2im lowering), backward
// twice that. PyTorch threads: DESCENT_BENCH_TORCH_THREADS (default 2, as the suite);
// DESCENT_BENCH_PYTHON picks the Python. Needs dist/ (`npx tsc -p tsconfig.build.json`) and the
// native addon. Results go to benchmarks/results/conv-transpose-<ISO date>.json.
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LineProcess } from './lib/cref.mjs';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import {
  fmtSpread,
  interleave,
  itersFor,
  pairedRatio,
  stats,
  statsOf,
  table,
  warmUp,
} from './lib/timing.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    batch: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/conv-transpose.mjs [--quick | --smoke] [--json <path>] [--rounds <n>] [--batch <n>]\n' +
      '  --quick        fewer and shorter rounds (rough numbers)\n' +
      '  --smoke        a batch of 2, one short round: checks that everything runs\n' +
      '  --json <path>  where to save the results (default benchmarks/results/conv-transpose-<ISO date>.json)\n' +
      '  --rounds <n>   interleaved rounds (default 9, quick 3)\n' +
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
const CFG = opt.smoke
  ? { rounds: 1, sampleSec: 0.02, warmSec: 0.05 }
  : opt.quick
    ? { rounds: 3, sampleSec: 0.3, warmSec: 1 }
    : { rounds: 9, sampleSec: 1, warmSec: 2 };
CFG.rounds = positive('rounds', opt.rounds, CFG.rounds);
const SHAPE = {
  n: positive('batch', opt.batch, opt.smoke ? 2 : 64),
  cin: 128,
  cout: 64,
  h: 7,
  w: 7,
  k: 4,
  stride: 2,
  padding: 1,
};
const { n, cin, cout, h, w, k, stride, padding } = SHAPE;
const ho = (h - 1) * stride - 2 * padding + k;
const wo = (w - 1) * stride - 2 * padding + k;
const macs = n * cin * cout * k * k * h * w;
const flop = { forward: 2 * macs, backward: 4 * macs };
const log = (s) => process.stderr.write(`${s}\n`);

let lib;
let nn;
try {
  lib = await import('../dist/index.js');
  nn = await import('../dist/nn/index.js');
} catch (e) {
  console.error(
    `conv-transpose.mjs: cannot load ../dist (${e.message}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
let nativeInfo;
try {
  nativeInfo = lib.backend('native').info();
} catch (e) {
  console.error(`conv-transpose.mjs: the native backend is needed: ${e.message.split('\n')[0]}`);
  process.exit(1);
}

const startedAt = new Date();
const machine = describeMachine({ nativeInfo });
const notes = [];

// descent: the layer on the tape, native backend.
lib.setBackend('native');
const model = new nn.Model(new nn.ConvTranspose2d(cin, cout, k, { stride, padding }), [cin, h, w], {
  seed: 1,
});
const rng = new lib.Rng(7);
const x = { data: rng.uniform(n * cin * h * w, -1, 1), shape: [n, cin, h, w] };
const dy = { data: rng.uniform(n * cout * ho * wo, -1, 1), shape: [n, cout, ho, wo] };
let fwdSec = 0;
const step = () => {
  const t0 = process.hrtime.bigint();
  model.forward(x, { training: true });
  const t1 = process.hrtime.bigint();
  model.backward(dy);
  fwdSec += Number(t1 - t0) / 1e9;
};

// PyTorch, when importable.
const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
const PY = join(HERE, 'py', 'conv_transpose_bench.py');
let torch = null;
let torchInfo = null;
if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
  notes.push(
    `PyTorch skipped: ${py} cannot import torch (pip install torch, or set DESCENT_BENCH_PYTHON)`,
  );
} else {
  torch = new LineProcess(py, [PY], { label: 'PyTorch ConvTranspose2d child' });
  torchInfo = { ...(await torch.request('info')), command: `${py} ${PY}` };
  const init = await torch.request(`init ${n} ${cin} ${cout} ${h} ${w} ${k} ${stride} ${padding}`);
  if (init.outShape.join() !== [n, cout, ho, wo].join())
    throw new Error(
      `PyTorch output ${init.outShape} differs from descent's [${n}, ${cout}, ${ho}, ${wo}]`,
    );
}

console.log(`descent ConvTranspose2d benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  median of ${CFG.rounds} interleaved rounds (order rotated each round), ±half IQR; ` +
    `samples of ≥ ${CFG.sampleSec * 1e3} ms after ${CFG.warmSec * 1e3} ms warm-up${opt.quick ? ' (--quick)' : opt.smoke ? ' (--smoke)' : ''}`,
);
console.log('');

const per = warmUp(step, CFG.warmSec, 3);
const iters = itersFor(per, CFG.sampleSec);
log(`descent: ~${(per * 1e3).toFixed(1)} ms per forward+backward, ${iters} per sample`);
const forward = { descent: [], pytorch: [] };
const cases = [
  {
    name: 'descent',
    sample: () => {
      lib.setBackend('native');
      fwdSec = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iters; i++) step();
      forward.descent.push(fwdSec / iters);
      return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
    },
  },
];
if (torch) {
  const r = await torch.request('run 3');
  const tIters = itersFor(r.sec, CFG.sampleSec);
  log(`pytorch: ~${(r.sec * 1e3).toFixed(1)} ms per forward+backward, ${tIters} per sample`);
  cases.push({
    name: 'pytorch',
    sample: async () => {
      const a = await torch.request(`run ${tIters}`);
      forward.pytorch.push(a.forwardSec);
      return a.sec;
    },
  });
}
let samples;
try {
  samples = await interleave(cases, CFG.rounds, {
    onRound: (r) => log(`round ${r + 1}/${CFG.rounds}`),
  });
} finally {
  torch?.close();
}

const rows = {};
for (const c of cases) {
  const total = samples[c.name];
  const fw = forward[c.name];
  const bw = total.map((t, i) => t - fw[i]);
  rows[c.name] = {
    forwardSec: stats(fw),
    backwardSec: stats(bw),
    totalSec: stats(total),
    forwardGflops: statsOf(fw, (t) => flop.forward / t / 1e9),
    backwardGflops: statsOf(bw, (t) => flop.backward / t / 1e9),
    totalGflops: statsOf(total, (t) => (flop.forward + flop.backward) / t / 1e9),
    samplesSec: { total, forward: fw },
  };
}
const ratio = torch ? pairedRatio(samples.pytorch, samples.descent) : null;
const ratioFwd = torch ? pairedRatio(forward.pytorch, forward.descent) : null;

const ms = (s) => `${(s.median * 1e3).toFixed(1)} ${fmtSpread(s.spread)}`;
const gf = (s) => `${s.median.toFixed(1)} ${fmtSpread(s.spread)}`;
console.log(
  `ConvTranspose2d(${cin}→${cout}, ${k}×${k}, stride ${stride}, padding ${padding}) on [${n}, ${cin}, ${h}, ${w}] → [${n}, ${cout}, ${ho}, ${wo}], fp32; ` +
    `${(flop.forward / 1e9).toFixed(2)} GFLOP forward, ${(flop.backward / 1e9).toFixed(2)} backward`,
);
console.log(
  table(
    ['', 'forward ms', 'backward ms', 'fwd+bwd ms', 'GFLOPS fwd+bwd'],
    cases.map(({ name }) => {
      const r = rows[name];
      const label =
        name === 'descent'
          ? `descent native (${nativeInfo.threads} threads, ${nativeInfo.simd})`
          : `PyTorch ${torchInfo.torch} (${torchInfo.threads} threads${torchInfo.mkldnn ? ', oneDNN' : ''})`;
      return [label, ms(r.forwardSec), ms(r.backwardSec), ms(r.totalSec), gf(r.totalGflops)];
    }),
  ),
);
if (ratio)
  console.log(
    `PyTorch time / descent time (paired per round): forward+backward ${ratio.median.toFixed(2)}× ${fmtSpread(ratio.spread)}, forward ${ratioFwd.median.toFixed(2)}× ${fmtSpread(ratioFwd.spread)} (> 1: descent is faster)`,
  );
if (notes.length) {
  console.log('');
  console.log('Notes:');
  for (const t of notes) console.log(`- ${t}`);
}

const jsonPath = resultPath('conv-transpose', startedAt, opt.json);
writeJsonAtomic(jsonPath, {
  benchmark: 'conv-transpose',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  command: commandLine(import.meta.url),
  cwd: process.cwd(),
  method: {
    rounds: CFG.rounds,
    sampleSeconds: CFG.sampleSec,
    warmupSeconds: CFG.warmSec,
    mode: opt.smoke ? 'smoke' : opt.quick ? 'quick' : 'full',
    statistic:
      'median over interleaved rounds; spread = IQR / median; ratio = median of per-round ratios',
    api: 'descent: nn.Model(new nn.ConvTranspose2d(...)).forward(x, {training: true}) then model.backward(dy); PyTorch: layer(x).backward(dy), x.requires_grad',
    flopCount: '2 per multiply-add; forward N·in·out·k²·H·W MACs, backward twice that',
  },
  shape: { ...SHAPE, out: [n, cout, ho, wo] },
  flop,
  machine,
  pytorch: torchInfo,
  results: rows,
  pytorchOverDescent: ratio && { total: ratio, forward: ratioFwd },
  notes,
});
console.log('');
console.log(`saved ${relative(process.cwd(), jsonPath) || jsonPath}`);
