#!/usr/bin/env node
// MAML meta-step benchmark: one meta-step on sine regression (the MAML paper's MLP 1-40-40-1
// with ReLU, 25 tasks of K = 10 support and 10 query points, 10 inner SGD steps at lr 0.01,
// outer Adam at 1e-3), second order (differentiating through the inner loop) and first order,
// descent (meta.MAML, native backend) beside PyTorch CPU (benchmarks/py/meta_bench.py, the
// same loops written with torch.autograd.grad(create_graph=True) and torch.optim.SGD, the
// model called through torch.func.functional_call and, its fastest eager form, as hand-written
// F.linear calls) in the same run. Tensors this small make per-operation overhead the whole
// cost.
//
//   node benchmarks/meta.mjs [--quick] [--json <path>] [--rounds <n>] [--without torch]
//                            [--steps <n>] [--tasks <n>] [--cases maml2,maml1] [--js]
//
// Every figure is the median over interleaved rounds (one sample of each implementation per
// round, in rotated order) with the spread as ± half the interquartile range; both sides are
// warmed up first (V8's tiers; PyTorch's dispatcher and allocator caches). PyTorch runs with
// DESCENT_BENCH_TORCH_THREADS (default 1: nothing here is big enough to split, and idle
// OpenMP threads spinning on a shared machine only slow it down). Results and the machine go
// to benchmarks/results/meta-<ISO date>.json. Needs dist/ (`npx tsc -p tsconfig.build.json`).
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { errText, measure } from './lib/measure.mjs';
import {
  META_CASES as CASES,
  descentMetaStep,
  TORCH_STYLES as STYLES,
  startTorchMeta,
  torchInit,
} from './lib/meta-step.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import { fmtSpread, table, warmUp } from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    without: { type: 'string' },
    steps: { type: 'string' },
    tasks: { type: 'string' },
    cases: { type: 'string' },
    js: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/meta.mjs [--quick] [--json <path>] [--rounds <n>] [--without torch]\n' +
      '                                [--steps <n>] [--tasks <n>] [--cases maml2,maml1] [--js]\n' +
      '  --quick          fewer and shorter rounds (rough numbers)\n' +
      '  --json <path>    where to save the results (default benchmarks/results/meta-<ISO date>.json)\n' +
      '  --rounds <n>     interleaved rounds (default 7, quick 3)\n' +
      '  --without torch  skip the PyTorch leg\n' +
      '  --steps <n>      inner steps (default 10)\n' +
      '  --tasks <n>      tasks per meta-batch (default 25)\n' +
      '  --cases <list>   maml2 (second order), maml1 (first order); default both\n' +
      '  --js             also measure descent on the js backend',
  );
  process.exit(0);
}
const positive = (name, v, dflt) => {
  if (v === undefined) return dflt;
  const r = Number(v);
  if (!Number.isInteger(r) || r < 1) {
    console.error(`meta.mjs: --${name}: expected a positive integer`);
    process.exit(2);
  }
  return r;
};
const CFG = opt.quick
  ? { mode: 'quick', rounds: 3, sampleSec: 0.5, warmSec: 1, caseBudgetSec: 30 }
  : { mode: 'full', rounds: 7, sampleSec: 1.5, warmSec: 3, caseBudgetSec: 120 };
CFG.rounds = positive('rounds', opt.rounds, CFG.rounds);
const SET = {
  steps: positive('steps', opt.steps, 10),
  tasks: positive('tasks', opt.tasks, 25),
  k: 10,
  q: 10,
};
const cases = opt.cases ? opt.cases.split(',').map((s) => s.trim()) : Object.keys(CASES);
for (const c of cases)
  if (!(c in CASES)) {
    console.error(`meta.mjs: --cases: unknown ${c} (known: ${Object.keys(CASES).join(', ')})`);
    process.exit(2);
  }
const without = new Set(opt.without ? opt.without.split(',').map((s) => s.trim()) : []);
for (const w of without)
  if (w !== 'torch') {
    console.error(`meta.mjs: --without: unknown peer ${w} (known: torch)`);
    process.exit(2);
  }

let lib;
try {
  lib = await import('../dist/index.js');
} catch (e) {
  console.error(
    `meta.mjs: cannot load dist/index.js (${errText(e)}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { autograd: ag } = lib;
let nativeInfo;
try {
  nativeInfo = lib.backend('native').info();
} catch (e) {
  nativeInfo = { error: errText(e) };
}
const backends = [...(nativeInfo.error ? [] : ['native']), ...(opt.js ? ['js'] : [])];

const startedAt = new Date();
const log = (s) => process.stderr.write(`${s}\n`);

// PyTorch children, one per forward style (each keeps its case warm between samples)
const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
const torchThreads = process.env.DESCENT_BENCH_TORCH_THREADS ?? '1';
const { children: torch, pytorch } = await startTorchMeta(Object.keys(STYLES), {
  py,
  threads: torchThreads,
  disabled: without.has('torch'),
});

const machine = describeMachine({
  nativeInfo,
  versions: pytorch.available ? { torch: pytorch.torch, python: pytorch.python } : {},
});
console.log(`descent MAML meta-step benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  median of ${CFG.rounds} interleaved rounds (order rotated each round), ±half IQR; ` +
    `samples of ≥ ${CFG.sampleSec * 1e3} ms after ${CFG.warmSec * 1e3} ms warm-up${opt.quick ? ' (--quick)' : ''}`,
);
console.log('');

const descentStep = (c, be) => descentMetaStep(lib, c, be, SET);

const results = [];
try {
  for (const c of cases) {
    const impls = [];
    const allocations = {};
    for (const be of backends) {
      const step = descentStep(c, be);
      warmUp(step, CFG.warmSec, 5);
      const a0 = ag.poolStats().allocations;
      step();
      allocations[be] = ag.poolStats().allocations - a0;
      impls.push({
        name: `descent-${be}`,
        sample: (n) => {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) step();
          return Number(process.hrtime.bigint() - t0) / 1e9 / n;
        },
      });
    }
    for (const [style, child] of Object.entries(torch)) {
      try {
        await child.request(torchInit(c, SET, style, 1));
        impls.push({ name: `pytorch-${style}`, sample: (n) => child.run(n), settleMs: 50 });
      } catch (e) {
        log(`pytorch ${style} ${c}: ${errText(e)}`);
      }
    }
    log(`${CASES[c]}: measuring ${impls.map((i) => i.name).join(', ')}`);
    const m = await measure(impls, { ...CFG, warmSec: 0 }, { log });
    results.push({ case: c, label: CASES[c], poolAllocationsPerStep: allocations, ...m });
  }
} finally {
  for (const c of Object.values(torch)) c.close();
}

const ms = (r) =>
  r?.available ? `${(r.secPerOp.median * 1e3).toFixed(1)} ${fmtSpread(r.secPerOp.spread)}` : '–';
const ratio = (a, b) =>
  a?.available && b?.available ? `${(a.secPerOp.median / b.secPerOp.median).toFixed(2)}×` : '–';
console.log(
  `One meta-step: MLP 1-40-40-1 (ReLU), ${SET.tasks} sine tasks (K = ${SET.k}, ${SET.q} query points), ` +
    `${SET.steps} inner SGD steps (lr 0.01), outer Adam; ms per meta-step, lower is better`,
);
const cols = backends.map((b) => `descent ${b}`);
const threads = `${torchThreads} thread${torchThreads === '1' ? '' : 's'}`;
const styles = Object.keys(torch);
/** PyTorch's faster form of the case. */
const best = (r) =>
  styles
    .map((s) => r[`pytorch-${s}`])
    .filter((x) => x?.available)
    .sort((a, b) => a.secPerOp.median - b.secPerOp.median)[0];
console.log(
  table(
    [
      'algorithm',
      ...cols,
      ...styles.map((s) => `pytorch ${STYLES[s]}`),
      'native / fastest pytorch',
      'pooled allocations / step',
    ],
    results.map((r) => [
      r.label,
      ...backends.map((b) => ms(r[`descent-${b}`])),
      ...styles.map((s) => ms(r[`pytorch-${s}`])),
      ratio(r['descent-native'], best(r)),
      backends.map((b) => `${b} ${r.poolAllocationsPerStep[b]}`).join(', '),
    ]),
  ),
);
if (pytorch.available) console.log(`pytorch: torch ${pytorch.torch}, ${threads}`);
if (!pytorch.available) console.log(`pytorch: ${pytorch.reason}`);

const path = resultPath('meta', startedAt, opt.json);
writeJsonAtomic(path, {
  benchmark: 'meta',
  startedAt: startedAt.toISOString(),
  command: commandLine(import.meta.url),
  config: { ...CFG, ...SET, torchThreads: Number(torchThreads) },
  machine,
  pytorch,
  results,
});
console.log(`\nresults: ${relative(process.cwd(), path)}`);
