#!/usr/bin/env node
// Core benchmark: Adam step throughput (descent native, descent js, and a plain C loop compiled
// here with `cc -O3 -march=native -fno-math-errno`) and GEMM GFLOPS (native, js).
//
//   node benchmarks/core.mjs [--quick] [--json <path>] [--rounds <n>]
//
// Every figure is the median over interleaved rounds (one sample of each implementation per
// round, in rotated order), with the spread given as ± half the interquartile range. Results
// and the machine description go to benchmarks/results/core-<ISO date>.json unless --json says
// otherwise. Progress goes to stderr, the tables to stdout.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { adamSource, CProcess, compileC, fillAdam } from './lib/cref.mjs';
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
  timeBatch,
  warmUp,
} from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/core.mjs [--quick] [--json <path>] [--rounds <n>]\n' +
      '  --quick        fewer and shorter rounds (rough numbers in ~1 minute)\n' +
      '  --json <path>  where to save the results (default benchmarks/results/core-<ISO date>.json)\n' +
      '  --rounds <n>   interleaved rounds per measurement (default 11, quick 5)',
  );
  process.exit(0);
}

const CFG = opt.quick
  ? { rounds: 5, sampleSec: 0.03, warmSec: 0.1, jsBudgetSec: 20 }
  : { rounds: 11, sampleSec: 0.1, warmSec: 0.3, jsBudgetSec: 90 };
if (opt.rounds !== undefined) {
  const r = Number(opt.rounds);
  if (!Number.isInteger(r) || r < 1) throw new RangeError(`--rounds: expected a positive integer`);
  CFG.rounds = r;
}

let lib;
try {
  lib = await import('../dist/index.js');
} catch (e) {
  console.error(
    `core.mjs: cannot load ../dist/index.js (${e.message}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { backend } = lib;
const js = backend('js');
let native = null;
let nativeInfo;
try {
  native = backend('native');
  nativeInfo = native.info();
} catch (e) {
  nativeInfo = { error: e.message.split('\n')[0] };
}

const startedAt = new Date();
const machine = describeMachine({ nativeInfo });
const notes = [];
const log = (s) => process.stderr.write(`${s}\n`);
const command = commandLine(import.meta.url);

console.log(`descent core benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  median of ${CFG.rounds} interleaved rounds (order rotated each round), ±half IQR; ` +
    `samples of ~${CFG.sampleSec * 1e3} ms after ${CFG.warmSec * 1e3} ms warm-up${opt.quick ? ' (--quick)' : ''}`,
);
console.log('');

// ---------------------------------------------------------------------------------------------
// Adam

const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const ADAM_SIZES = [65_536, 1_048_576, 16_777_216];
const fmtN = (n) => (n >= 1 << 20 ? `${n / (1 << 20)}M` : n >= 1024 ? `${n / 1024}K` : `${n}`);

const cSource = adamSource(ADAM);
const cBuild = compileC(cSource, { name: 'adam_ref' });
let cproc = null;
if (cBuild.ok) {
  cproc = new CProcess(cBuild.bin);
  log(`C reference: ${cBuild.cmd}`);
} else {
  const msg = `C reference unavailable (${cBuild.cmd ?? 'cc'}: ${cBuild.error}); its columns say n/a`;
  notes.push(msg);
  log(`note: ${msg}`);
}

/** Adam state plus a stepping closure for one backend. */
function adamState(b, n) {
  const s = {
    p: new Float32Array(n),
    g: new Float32Array(n),
    m: new Float32Array(n),
    v: new Float32Array(n),
  };
  fillAdam(s.p, s.g, s.m, s.v);
  const o = {
    ...ADAM,
    weightDecay: 0,
    decoupled: false,
    amsgrad: false,
    maximize: false,
    step: 0,
  };
  s.step = () => {
    o.step++;
    b.adamStep(s.p, s.g, s.m, s.v, null, o);
  };
  s.sum = () => {
    let t = 0;
    for (let i = 0; i < n; i++) t += Math.abs(s.p[i]);
    return t;
  };
  return s;
}

async function cSample(iters) {
  return (await cproc.request(`run ${iters}`)).sec;
}

async function benchAdam(n) {
  const row = { n, iters: {}, check: {}, skipped: {} };
  const impl = {};
  if (native) impl.native = adamState(native, n);
  impl.js = adamState(js, n);

  // Same update? Three steps of each from the same start, compared by Σ|params|.
  const CHECK_STEPS = 3;
  for (const s of Object.values(impl)) for (let i = 0; i < CHECK_STEPS; i++) s.step();
  const sums = Object.fromEntries(Object.entries(impl).map(([k, s]) => [k, s.sum()]));
  if (cproc) {
    try {
      await cproc.request(`init ${n}`);
      await cproc.request(`run ${CHECK_STEPS}`);
      sums.c = (await cproc.request('sum')).sum;
    } catch (e) {
      notes.push(`C reference failed at n=${n}: ${e.message}`);
      cproc = null;
    }
  }
  const ref = sums.c ?? sums.js;
  for (const [k, v] of Object.entries(sums)) {
    row.check[k] = { sumAbsParams: v, relDiff: Math.abs(v - ref) / Math.max(1e-30, Math.abs(ref)) };
    if (row.check[k].relDiff > 1e-5) {
      const msg = `Adam n=${fmtN(n)}: ${k} disagrees with the reference after ${CHECK_STEPS} steps (Σ|p| ${v} vs ${ref})`;
      notes.push(msg);
      log(`WARNING: ${msg}`);
    }
  }

  // Warm-up and calibration: C runs exactly as many steps per sample as native.
  const per = {};
  if (impl.native) per.native = warmUp(impl.native.step, CFG.warmSec);
  per.js = warmUp(impl.js.step, CFG.warmSec);
  const nIters = itersFor(per.native ?? per.js, CFG.sampleSec);
  if (cproc) {
    const one = (await cproc.request('run 1')).sec;
    await cproc.request(`run ${itersFor(one, CFG.warmSec, { min: 3 })}`);
    per.c = one;
  }
  const cases = [];
  if (impl.native) {
    row.iters.native = nIters;
    cases.push({ name: 'native', sample: () => timeBatch(impl.native.step, nIters) });
  }
  const jsIters = itersFor(per.js, CFG.sampleSec);
  const jsTotal = per.js * jsIters * CFG.rounds;
  if (jsTotal > CFG.jsBudgetSec) {
    row.skipped.js = `~${per.js.toFixed(3)} s per step; ${CFG.rounds} rounds would take ~${jsTotal.toFixed(0)} s (budget ${CFG.jsBudgetSec} s)`;
    notes.push(`js skipped at n=${fmtN(n)}: ${row.skipped.js}`);
  } else {
    row.iters.js = jsIters;
    cases.push({ name: 'js', sample: () => timeBatch(impl.js.step, jsIters) });
  }
  if (cproc) {
    row.iters.c = nIters;
    cases.push({ name: 'c', sample: () => cSample(nIters) });
  }
  log(
    `Adam n=${fmtN(n)}: steps/sample ${Object.entries(row.iters)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; ${CFG.rounds} rounds`,
  );
  let samples;
  try {
    samples = await interleave(cases, CFG.rounds);
  } catch (e) {
    // the C child died mid-run: keep going without it
    notes.push(`C reference failed at n=${n}: ${e.message}`);
    cproc = null;
    return benchAdam(n);
  }
  for (const [k, sec] of Object.entries(samples)) {
    row[k] = {
      mParamsPerSec: statsOf(sec, (t) => n / t / 1e6),
      secPerStep: stats(sec),
      samplesSec: sec,
    };
  }
  if (samples.native && samples.c) {
    row.nativeOverC = row.native.mParamsPerSec.median / row.c.mParamsPerSec.median;
    // paired per round: time_c / time_native = throughput ratio native / C
    row.nativeOverCPaired = pairedRatio(samples.c, samples.native);
  }
  if (samples.native && samples.js) {
    row.nativeOverJs = row.native.mParamsPerSec.median / row.js.mParamsPerSec.median;
  }
  return row;
}

const adamRows = [];
for (const n of ADAM_SIZES) adamRows.push(await benchAdam(n));
cproc?.close();

const cell = (r, k) =>
  r[k] ? `${r[k].mParamsPerSec.median.toFixed(1)} ${fmtSpread(r[k].mParamsPerSec.spread)}` : null;
console.log('Adam step, fp32, PyTorch semantics (lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 0)');
console.log('throughput in M params/s (higher is better)');
console.log(
  table(
    ['params', 'native', 'js', 'C loop', 'native/C', 'paired', 'native/js', 'steps/sample n·js·c'],
    adamRows.map((r) => [
      `${fmtN(r.n)} (${r.n})`,
      cell(r, 'native') ?? 'n/a',
      cell(r, 'js') ?? (r.skipped.js ? 'skipped' : 'n/a'),
      cell(r, 'c') ?? 'n/a',
      r.nativeOverC ? `${r.nativeOverC.toFixed(2)}×` : 'n/a',
      r.nativeOverCPaired ? `${r.nativeOverCPaired.median.toFixed(2)}×` : 'n/a',
      r.nativeOverJs ? `${r.nativeOverJs.toFixed(1)}×` : 'n/a',
      `${r.iters.native ?? '-'}·${r.iters.js ?? '-'}·${r.iters.c ?? '-'}`,
    ]),
  ),
);
console.log(
  `native: ${native ? `backend('native').adamStep (checked op), ${nativeInfo.threads} threads, ${nativeInfo.simd}` : 'unavailable'}; ` +
    `js: backend('js').adamStep; C: ${cBuild.ok ? cBuild.cmd.replace(/ -o .*/, '') : `n/a (${cBuild.error})`}, single thread, same steps per sample as native.`,
);
console.log('paired = median over rounds of (C time / native time) from the same round.');
for (const r of adamRows) {
  if (r.skipped.js) console.log(`js skipped at ${fmtN(r.n)}: ${r.skipped.js}`);
}
const slow = adamRows.filter((r) => r.nativeOverC !== undefined && r.nativeOverC < 0.9);
if (slow.length) {
  const msg =
    `native is below 0.9× the C loop at ${slow.map((r) => fmtN(r.n)).join(', ')}; to isolate, ` +
    're-run with DESCENT_SIMD=avx2|scalar (instruction set) or RAYON_NUM_THREADS=1 (threading)';
  notes.push(msg);
  console.log(`! ${msg}`);
}
console.log('');

// ---------------------------------------------------------------------------------------------
// GEMM

const GEMM_SHAPES = [
  { m: 128, k: 784, n: 256 },
  { m: 512, k: 512, n: 512 },
];

function fillRandom(a, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 2 ** 32) * 2 - 1;
  }
  return a;
}

async function benchGemm({ m, k, n }) {
  const a = fillRandom(new Float32Array(m * k), 1);
  const bm = fillRandom(new Float32Array(k * n), 2);
  const flop = 2 * m * n * k;
  const o = { m, n, k, transA: false, transB: false, alpha: 1, beta: 0 };
  const row = { m, k, n, flop, iters: {} };
  const impls = { js };
  if (native) impls.native = native;
  const cases = [];
  const cs = {};
  for (const [name, b] of Object.entries(impls)) {
    const c = new Float32Array(m * n);
    cs[name] = c;
    const run = () => b.gemm(a, bm, c, o);
    const per = warmUp(run, CFG.warmSec);
    const iters = itersFor(per, CFG.sampleSec);
    row.iters[name] = iters;
    cases.push({ name, sample: () => timeBatch(run, iters) });
  }
  if (cs.native) {
    let maxDiff = 0;
    for (let i = 0; i < m * n; i++) maxDiff = Math.max(maxDiff, Math.abs(cs.native[i] - cs.js[i]));
    row.maxAbsDiffNativeJs = maxDiff;
  }
  cases.sort((x, y) => (x.name === 'native' ? -1 : y.name === 'native' ? 1 : 0));
  log(`GEMM ${m}×${k}×${n}: calls/sample ${JSON.stringify(row.iters)}; ${CFG.rounds} rounds`);
  const samples = await interleave(cases, CFG.rounds);
  for (const [name, sec] of Object.entries(samples)) {
    row[name] = {
      gflops: statsOf(sec, (t) => flop / t / 1e9),
      secPerCall: stats(sec),
      samplesSec: sec,
    };
  }
  if (row.native) row.nativeOverJs = row.native.gflops.median / row.js.gflops.median;
  return row;
}

const gemmRows = [];
for (const s of GEMM_SHAPES) gemmRows.push(await benchGemm(s));

console.log(
  'GEMM C = A·B, fp32, row-major, no transposes: GFLOPS = 2·m·n·k / time (higher is better)',
);
const gcell = (r, k) =>
  r[k] ? `${r[k].gflops.median.toFixed(2)} ${fmtSpread(r[k].gflops.spread)}` : 'n/a';
console.log(
  table(
    ['m×k×n', 'native', 'js', 'native/js', 'ms/call native', 'ms/call js'],
    gemmRows.map((r) => [
      `${r.m}×${r.k}×${r.n}`,
      gcell(r, 'native'),
      gcell(r, 'js'),
      r.nativeOverJs ? `${r.nativeOverJs.toFixed(1)}×` : 'n/a',
      r.native ? (r.native.secPerCall.median * 1e3).toFixed(3) : 'n/a',
      (r.js.secPerCall.median * 1e3).toFixed(3),
    ]),
  ),
);
console.log(
  '(m×k×n: A is m×k, B is k×n; native uses the gemm crate, threaded above 2^21 multiply-adds)',
);
if (notes.length) {
  console.log('');
  console.log('Notes:');
  for (const n of notes) console.log(`- ${n}`);
}

// ---------------------------------------------------------------------------------------------
// JSON

const jsonPath = resultPath('core', startedAt, opt.json);
const result = {
  benchmark: 'core',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  commands: {
    run: command,
    cwd: process.cwd(),
    cCompile: cBuild.cmd,
    cRun: cBuild.ok
      ? `${cBuild.bin} (persistent child, line protocol: init <n> / run <iters> / sum)`
      : null,
    cStandalone: cBuild.ok ? `${cBuild.bin} <n> <warmupSteps> <reps> <iters>` : null,
  },
  method: {
    rounds: CFG.rounds,
    sampleSeconds: CFG.sampleSec,
    warmupSeconds: CFG.warmSec,
    quick: opt.quick,
    statistic: 'median over interleaved rounds; spread = IQR / median',
    adam: { ...ADAM, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false },
    adamApi:
      'backend(name).adamStep (checked op); C: plain loop, same init, same steps per sample as native',
    gemmApi: 'backend(name).gemm (checked op)',
  },
  machine,
  adam: adamRows,
  gemm: gemmRows,
  cSource,
  notes,
};
writeJsonAtomic(jsonPath, result);
console.log('');
console.log(`saved ${relative(process.cwd(), jsonPath) || jsonPath}`);
