#!/usr/bin/env node
// descent's benchmark suite (`npm run bench`):
//   1. bandwidth   STREAM-style triad in C, one thread and OpenMP (what memory allows)
//   2. optimizers  every elementwise optimizer, M params/s at 64K / 1M / 16M: descent native
//                  (class and raw kernel, all threads and one), descent js, a C loop, and
//                  TensorFlow.js cpu/wasm where tfjs has the optimizer
//   3. gemm        GFLOPS for 128×784×256, 128×256×128, 512³, 1024³: descent native (all
//                  threads and one), js, tfjs cpu/wasm, OpenBLAS (threads 1/all × CORETYPE)
//   4. boundary    N-API call cost, js/native crossovers, and a verdict on the routing
//                  threshold DEFAULT_MIN_NATIVE_LENGTH
//   5. training    Fashion-MNIST MLP and CNN: samples/s per step at batch 32/128/512 (CNN
//                  32/64/128) (descent native, one thread, js; tfjs cpu/wasm; PyTorch on 2 and
//                  1 threads when importable), useful GFLOP/s and the fraction of descent's
//                  GEMM peak (sampled in the same rounds), seconds to 88% test accuracy and the
//                  run's memory (peak RSS, growth across epochs)
//   6. autograd    the tape's per-call overhead on tiny tensors beside PyTorch eager, and
//                  train.fit against a hand-written loop
//   7. models      whole steps of the meta-learning and generative models beside PyTorch CPU:
//                  a MAML meta-step (sine, 10 inner steps, meta-batch 25), both orders, and a
//                  DCGAN step on 28×28 images
//
//   node benchmarks/run.mjs [--quick | --smoke] [--only a,b] [--json path] [--rounds n]
//                           [--no-install] [--readme]
//
// Every figure is the median over interleaved rounds (one sample of each implementation per
// round, order rotated each round) with the spread as ± half the interquartile range. Tables
// go to stdout, progress to stderr, everything (machine, `uptime` at start and end, commands,
// raw samples) to benchmarks/results/suite-<mode>-<ISO date>.json. At the end every figure is
// set beside the newest earlier result of the same mode (lib/compare.mjs) and those that got
// slower beyond the noise are listed (and stored under `comparison`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareWithPrevious, comparisonLines } from './lib/compare.mjs';
import { LineProcess } from './lib/cref.mjs';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { errText } from './lib/measure.mjs';
import { prepareOpenBlas } from './lib/openblas.mjs';
import { OPTIMIZER_IDS } from './lib/optimizers.mjs';
import { commandLine, fileStamp, RESULTS_DIR, writeJsonAtomic } from './lib/report.mjs';
import { loadTfjs, tfjsVersions } from './lib/tfjs.mjs';
import { printAutograd, runAutograd } from './sections/autograd.mjs';
import { printBandwidth, runBandwidth } from './sections/bandwidth.mjs';
import { printBoundary, runBoundary } from './sections/boundary.mjs';
import { printGemm, runGemm } from './sections/gemm.mjs';
import { printModels, runModels } from './sections/models.mjs';
import { printOptimizers, runOptimizers } from './sections/optimizers.mjs';
import { printTraining, runTraining } from './sections/training.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SECTIONS = ['bandwidth', 'optimizers', 'gemm', 'boundary', 'training', 'autograd', 'models'];
const WITHOUT = ['tfjs', 'wasm', 'openblas', 'c', 'openmp', 'worker', 'torch'];

const USAGE = `usage: node benchmarks/run.mjs [options]
  (default)          full run: 9 rounds of ~50 ms samples (~10-15 min: tfjs's cpu backend is slow)
  --quick            3 rounds of short samples, slow cases skipped past a 2 s budget (minutes)
  --smoke            tiny sizes, one round: checks that everything runs (the smoke test)
  --only <list>      sections, comma-separated: ${SECTIONS.join(', ')}
  --optimizers <ids> only these optimizers: ${OPTIMIZER_IDS.join(', ')}
  --json <path>      where to write the results (default benchmarks/results/suite-<mode>-<date>.json)
  --rounds <n>       interleaved rounds per measurement
  --no-install       do not apt-get install libopenblas-dev when it is missing
  --without <list>   act as if these peers were missing (to test the fallbacks): ${WITHOUT.join(', ')}
  --readme           regenerate README.md's performance section from the results afterwards`;

/** parseArgs, with a bad flag reported as a usage error (exit 2) rather than a stack trace. */
function parseOrExit(config) {
  try {
    return parseArgs(config);
  } catch (e) {
    console.error(`run.mjs: ${e.message} (see --help)`);
    process.exit(2);
  }
}

const { values: opt } = parseOrExit({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    optimizers: { type: 'string' },
    json: { type: 'string' },
    rounds: { type: 'string' },
    'no-install': { type: 'boolean', default: false },
    without: { type: 'string' },
    readme: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
if (opt.quick && opt.smoke) {
  console.error('run.mjs: --quick and --smoke are exclusive');
  process.exit(2);
}

const mode = opt.smoke ? 'smoke' : opt.quick ? 'quick' : 'full';
const pow2 = (lo, hi) => {
  const a = [];
  for (let n = lo; n <= hi; n *= 2) a.push(n);
  return a;
};
const REAL_SHAPES = [
  { m: 128, k: 784, n: 256 },
  { m: 128, k: 256, n: 128 },
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
];
const CONFIGS = {
  full: {
    rounds: 9,
    sampleSec: 0.05,
    warmSec: 0.2,
    caseBudgetSec: 45,
    settleMs: 150,
    optimSizes: [65_536, 1_048_576, 16_777_216],
    gemmShapes: REAL_SHAPES,
    boundaryRounds: 9,
    boundarySampleSec: 0.005,
    boundaryWarmSec: 0.03,
    boundarySizes: pow2(1, 4096),
  },
  quick: {
    rounds: 3,
    sampleSec: 0.01,
    warmSec: 0.03,
    caseBudgetSec: 2,
    settleMs: 120,
    optimSizes: [65_536, 1_048_576, 16_777_216],
    gemmShapes: REAL_SHAPES,
    boundaryRounds: 5,
    boundarySampleSec: 0.002,
    boundaryWarmSec: 0.01,
    boundarySizes: pow2(1, 4096),
  },
  smoke: {
    rounds: 1,
    sampleSec: 0.0005,
    warmSec: 0,
    caseBudgetSec: 1,
    settleMs: 0,
    optimSizes: [1000, 4096],
    gemmShapes: [
      { m: 8, k: 16, n: 12 },
      { m: 32, k: 32, n: 32 },
    ],
    boundaryRounds: 1,
    boundarySampleSec: 0.0002,
    boundaryWarmSec: 0,
    boundarySizes: [1, 16, 256, 4096],
  },
};
const cfg = { mode, ...CONFIGS[mode] };
if (opt.rounds !== undefined) {
  const r = Number(opt.rounds);
  if (!Number.isInteger(r) || r < 1) {
    console.error('run.mjs: --rounds: expected a positive integer');
    process.exit(2);
  }
  cfg.rounds = r;
  cfg.boundaryRounds = r;
}
const only = opt.only ? opt.only.split(',').map((s) => s.trim()) : SECTIONS;
cfg.without = new Set(opt.without ? opt.without.split(',').map((s) => s.trim()) : []);
for (const w of cfg.without) {
  if (!WITHOUT.includes(w)) {
    console.error(`run.mjs: --without: unknown peer ${w} (known: ${WITHOUT.join(', ')})`);
    process.exit(2);
  }
}
const disabled = (what) => `disabled (--without ${what})`;
for (const s of only) {
  if (!SECTIONS.includes(s)) {
    console.error(`run.mjs: --only: unknown section ${s} (known: ${SECTIONS.join(', ')})`);
    process.exit(2);
  }
}
if (opt.optimizers) {
  cfg.optimizers = opt.optimizers.split(',').map((s) => s.trim());
  for (const id of cfg.optimizers) {
    if (!OPTIMIZER_IDS.includes(id)) {
      console.error(`run.mjs: --optimizers: unknown ${id} (known: ${OPTIMIZER_IDS.join(', ')})`);
      process.exit(2);
    }
  }
}

/** `uptime`'s line (the load the run shared the machine with), or null where there is none. */
const uptime = () => {
  const r = spawnSync('uptime', [], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
};
const uptimeStart = uptime();
const startedAt = new Date();
const log = (s) => process.stderr.write(`${s}\n`);
const out = (s = '') => process.stdout.write(`${s}\n`);
const notes = [];

// ---------------------------------------------------------------------------------------------
// descent itself, and the peers

let lib;
try {
  lib = await import('../dist/index.js');
} catch (e) {
  console.error(
    `run.mjs: cannot load dist/index.js (${errText(e)}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const peers = {
  native: null,
  nativeReason: null,
  worker: null,
  workerReason: null,
  tfjs: null,
  openblas: null,
};
let nativeInfo;
try {
  peers.native = lib.backend('native');
  nativeInfo = peers.native.info();
} catch (e) {
  peers.nativeReason = errText(e);
  nativeInfo = { error: peers.nativeReason };
}
const needs = (...s) => s.some((x) => only.includes(x));

if (needs('optimizers', 'gemm', 'training')) {
  if (!peers.native) peers.workerReason = `native backend unavailable: ${peers.nativeReason}`;
  else if (cfg.without.has('worker')) peers.workerReason = disabled('worker');
  else {
    const w = new LineProcess(process.execPath, [join(HERE, 'lib', 'worker.mjs')], {
      env: { ...process.env, DESCENT_THREADS: '1' },
      label: 'descent worker (DESCENT_THREADS=1)',
    });
    try {
      const info = await w.request('info');
      if (info.threads !== 1) throw new Error(`worker runs ${info.threads} threads, expected 1`);
      peers.worker = w;
      peers.workerInfo = info;
    } catch (e) {
      w.close();
      peers.workerReason = errText(e);
    }
  }
  if (cfg.without.has('tfjs')) {
    const reason = disabled('tfjs');
    peers.tfjs = {
      available: false,
      reason,
      ...tfjsVersions(),
      backends: {
        cpu: { available: false, reason, threads: 1 },
        wasm: { available: false, reason, threads: null },
      },
    };
  } else {
    log('loading TensorFlow.js…');
    peers.tfjs = await loadTfjs();
    if (cfg.without.has('wasm'))
      peers.tfjs.backends.wasm = { available: false, reason: disabled('wasm'), threads: null };
  }
}
if (needs('gemm')) {
  const install = !opt['no-install'] && mode !== 'smoke';
  peers.openblas = cfg.without.has('openblas')
    ? { available: false, reason: disabled('openblas'), compile: null, install: null }
    : prepareOpenBlas({ install, log });
  if (!peers.openblas.available) notes.push(`OpenBLAS: ${peers.openblas.reason}`);
}

const pkg = JSON.parse(readFileSync(join(HERE, '..', 'package.json'), 'utf8'));
const machine = describeMachine({
  nativeInfo,
  versions: {
    descent: pkg.version,
    tfjs: peers.tfjs?.version ?? tfjsVersions().tfjs,
    tfjsBackendWasm: peers.tfjs?.wasmVersion ?? tfjsVersions().tfjsBackendWasm,
    openblas: peers.openblas?.available ? (peers.openblas.debianPackage ?? 'found') : null,
  },
});
const ctx = { lib, cfg, log, notes, peers, machine, results: {} };

out(`descent benchmark suite (${mode}) — ${startedAt.toISOString()}`);
out(formatMachine(machine));
out(
  `Method  median of ${cfg.rounds} interleaved rounds (order rotated each round), ±half IQR; samples of ~${cfg.sampleSec * 1e3} ms after ${cfg.warmSec * 1e3} ms warm-up; at most ${cfg.caseBudgetSec} s of samples per implementation and case`,
);
out(
  `Peers   native: ${peers.native ? 'yes' : `no (${peers.nativeReason})`}; one-thread worker: ${peers.worker ? 'yes' : `no (${peers.workerReason ?? 'not needed'})`}; tfjs ${peers.tfjs ? (peers.tfjs.available ? `${peers.tfjs.version} (cpu: ${peers.tfjs.backends.cpu.available ? 'yes' : 'no'}, wasm: ${peers.tfjs.backends.wasm.available ? peers.tfjs.backends.wasm.note : `no (${peers.tfjs.backends.wasm.reason})`})` : `no (${peers.tfjs.reason})`) : 'not needed'}; OpenBLAS ${peers.openblas ? (peers.openblas.available ? (peers.openblas.debianPackage ?? 'yes') : `no (${peers.openblas.reason})`) : 'not needed'}`,
);
out('');

// ---------------------------------------------------------------------------------------------
// sections

const runners = {
  bandwidth: [runBandwidth, printBandwidth],
  optimizers: [runOptimizers, printOptimizers],
  gemm: [runGemm, printGemm],
  boundary: [runBoundary, printBoundary],
  training: [runTraining, printTraining],
  autograd: [runAutograd, printAutograd],
  models: [runModels, printModels],
};
const timings = {};
for (const name of SECTIONS) {
  if (!only.includes(name)) {
    ctx.results[name] = { available: false, reason: `not run (--only ${only.join(',')})` };
    continue;
  }
  const [run, print] = runners[name];
  const t0 = performance.now();
  log(`── ${name}`);
  try {
    ctx.results[name] = await run(ctx);
  } catch (e) {
    ctx.results[name] = { available: false, reason: `failed: ${errText(e)}` };
    notes.push(`${name} failed: ${e?.stack ?? e}`);
    log(`${name} failed: ${e?.stack ?? e}`);
  }
  timings[name] = (performance.now() - t0) / 1e3;
  print(ctx.results[name], out, ctx);
  out('');
}
peers.worker?.close();
machine.loadAvgEnd = os.loadavg().map((x) => +x.toFixed(2));
machine.uptime = { start: uptimeStart, end: uptime() };
{
  const v = Object.values(ctx.results.gemm?.openblas?.variants ?? {}).find((x) => x.available);
  if (v) machine.versions.openblasConfig = v.config.replace(/ \S+ MAX_THREADS.*$/, '');
}

// ---------------------------------------------------------------------------------------------
// JSON

const finishedAt = new Date();
const tf = peers.tfjs;
const result = {
  schema: 'descent-bench-suite/1',
  benchmark: 'suite',
  mode,
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  durationSec: (finishedAt - startedAt) / 1e3,
  sectionSeconds: timings,
  sections: only,
  commands: {
    run: commandLine(import.meta.url),
    cwd: process.cwd(),
    node: process.execPath,
    readme: 'node benchmarks/readme-table.mjs',
  },
  method: {
    rounds: cfg.rounds,
    sampleSeconds: cfg.sampleSec,
    warmupSeconds: cfg.warmSec,
    caseBudgetSeconds: cfg.caseBudgetSec,
    settleMs: cfg.settleMs,
    statistic:
      'median over interleaved rounds (order rotated each round); spread = IQR / median (printed as ± half of it)',
    sample:
      'mean time of one op over a batch of back-to-back ops, timed in-process or by the child process running it',
    config: { ...cfg, without: [...cfg.without] },
  },
  machine,
  peers: {
    native: peers.native
      ? { available: true, reason: null, info: nativeInfo }
      : { available: false, reason: peers.nativeReason },
    worker: peers.worker
      ? { available: true, reason: null, command: peers.worker.command, info: peers.workerInfo }
      : { available: false, reason: peers.workerReason ?? 'not needed by the sections run' },
    c: {
      available: Boolean(machine.cc) && !cfg.without.has('c'),
      reason: cfg.without.has('c') ? disabled('c') : machine.cc ? null : 'no C compiler (cc) found',
      compiler: machine.cc,
      flags: '-O3 -march=native -fno-math-errno',
    },
    tfjs: tf
      ? {
          available: tf.available,
          reason: tf.reason,
          version: tf.version ?? tf.tfjs ?? null,
          wasmVersion: tf.wasmVersion ?? tf.tfjsBackendWasm ?? null,
          backends: tf.backends,
        }
      : { available: false, reason: 'not needed by the sections run' },
    openblas: peers.openblas
      ? {
          available: peers.openblas.available,
          reason: peers.openblas.reason,
          compile: peers.openblas.compile,
          install: peers.openblas.install,
          debianPackage: peers.openblas.debianPackage ?? null,
        }
      : { available: false, reason: 'not needed by the sections run' },
    pytorch: { available: false, reason: 'used by the training section only (pending)' },
  },
  bandwidth: ctx.results.bandwidth,
  optimizers: ctx.results.optimizers,
  gemm: ctx.results.gemm,
  boundary: ctx.results.boundary,
  training: ctx.results.training,
  autograd: ctx.results.autograd,
  models: ctx.results.models,
  notes,
};

const jsonPath =
  opt.json ??
  (mode === 'smoke'
    ? join(os.tmpdir(), `descent-suite-smoke-${fileStamp(startedAt)}.json`)
    : join(RESULTS_DIR, `suite-${mode}-${fileStamp(startedAt)}.json`));
try {
  result.comparison = compareWithPrevious(result, jsonPath, RESULTS_DIR);
} catch (e) {
  result.comparison = { available: false, reason: errText(e) };
}
writeJsonAtomic(jsonPath, result);
if (result.comparison.baselines) {
  for (const l of comparisonLines(result.comparison)) out(l);
  out('');
}
if (notes.length) {
  out('Notes:');
  for (const n of notes) out(`- ${n.split('\n')[0]}`);
}
const shown = relative(process.cwd(), jsonPath);
out(
  `saved ${shown && !shown.startsWith('..') ? shown : jsonPath} (${result.durationSec.toFixed(0)} s)`,
);
if (opt.readme) {
  const r = spawnSync(process.execPath, [join(HERE, 'readme-table.mjs'), jsonPath], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exitCode = 1;
} else if (mode !== 'smoke') {
  out('README section: node benchmarks/readme-table.mjs');
}
