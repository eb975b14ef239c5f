#!/usr/bin/env node
// The N-API boundary: what one native call costs on tiny arrays, and for elementwise ops the
// smallest length at which the native kernel beats the JS one. Calls the raw (unchecked)
// `kernels` of each backend, so the library's routing (`setMinNativeLength`) is not involved.
//
//   node benchmarks/boundary.mjs [--quick] [--json <path>] [--rounds <n>] [--simd <level>]
//
// Each figure is the median over interleaved rounds (native and js alternate, order rotated);
// a sample is a batch of back-to-back calls lasting a few milliseconds. "Crossover" for an op
// is the smallest tested n from which native is faster at every larger tested n.
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import {
  fmtSpread,
  interleave,
  itersFor,
  pairedRatio,
  stats,
  table,
  timeBatch,
  warmUp,
} from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    simd: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/boundary.mjs [--quick] [--json <path>] [--rounds <n>] [--simd <level>]\n' +
      '  --quick         fewer, shorter rounds\n' +
      '  --json <path>   where to save results (default benchmarks/results/boundary-<ISO date>.json)\n' +
      '  --rounds <n>    interleaved rounds per point (default 9, quick 5)\n' +
      '  --simd <level>  cap the native instruction set first (setSimd: scalar, avx2, avx512, neon)',
  );
  process.exit(0);
}
const CFG = opt.quick
  ? { rounds: 5, sampleSec: 0.002, warmSec: 0.01 }
  : { rounds: 9, sampleSec: 0.005, warmSec: 0.03 };
if (opt.rounds !== undefined) {
  const r = Number(opt.rounds);
  if (!Number.isInteger(r) || r < 1) throw new RangeError('--rounds: expected a positive integer');
  CFG.rounds = r;
}

let lib;
try {
  lib = await import('../dist/index.js');
} catch (e) {
  console.error(
    `boundary.mjs: cannot load ../dist/index.js (${e.message}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { backend, DEFAULT_MIN_NATIVE_LENGTH, setSimd } = lib;
let native;
try {
  native = backend('native');
} catch (e) {
  console.error(`boundary.mjs: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
if (opt.simd !== undefined) setSimd(opt.simd);
const nk = native.kernels;
const jk = backend('js').kernels;
const startedAt = new Date();
const nativeInfo = native.info();
const machine = describeMachine({ nativeInfo });
const log = (s) => process.stderr.write(`${s}\n`);

console.log(`descent N-API boundary benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  raw kernels (no routing, no validation); median of ${CFG.rounds} interleaved rounds, ` +
    `batches of ~${CFG.sampleSec * 1e3} ms${opt.quick ? ' (--quick)' : ''}`,
);
console.log('');

function randomArray(n, seed) {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 2 ** 32) * 6 - 3; // [-3, 3): exercises both branches of every activation
  }
  return a;
}

/** A call of `op` on arrays of length n for kernels `k`: binary ops or unary ops. */
const BINARY = new Set(['add', 'sub', 'mul', 'div', 'max', 'min']);
function makeCall(k, op, n) {
  const a = randomArray(n, 1);
  const b = randomArray(n, 2);
  const out = new Float32Array(n);
  if (BINARY.has(op)) return () => k.binary(op, out, a, b);
  if (op === 'fill') return () => k.fill(out, 0.5);
  return () => k.unary(op, out, a, 0, 0);
}

/** Interleaved native-vs-js timing of `op` at length `n`; seconds per call. */
async function measure(op, n) {
  const calls = { native: makeCall(nk, op, n), js: makeCall(jk, op, n) };
  const cases = [];
  const iters = {};
  for (const [name, f] of Object.entries(calls)) {
    const per = warmUp(f, CFG.warmSec, 50);
    iters[name] = itersFor(per, CFG.sampleSec, { min: 10 });
    cases.push({ name, sample: () => timeBatch(f, iters[name]) });
  }
  const s = await interleave(cases, CFG.rounds);
  return {
    n,
    iters,
    native: stats(s.native),
    js: stats(s.js),
    // js time / native time per round: > 1 means native is faster
    speedup: pairedRatio(s.js, s.native),
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Cost of one call on tiny arrays

const TINY = [
  ['fill', 1],
  ['add', 1],
  ['sigmoid', 1],
  ['add', 16],
  ['sigmoid', 16],
];
log('tiny calls…');
const tiny = [];
for (const [op, n] of TINY) tiny.push({ op, ...(await measure(op, n)) });
const ns = (s) => (s * 1e9).toFixed(1);
console.log('Cost of one call on tiny arrays (ns per call, lower is better)');
console.log(
  table(
    ['call', 'n', 'native', 'js', 'native − js'],
    tiny.map((r) => [
      r.op === 'fill'
        ? 'kernels.fill(out, 0.5)'
        : BINARY.has(r.op)
          ? `kernels.binary('${r.op}', out, a, b)`
          : `kernels.unary('${r.op}', out, x, 0, 0)`,
      String(r.n),
      `${ns(r.native.median)} ${fmtSpread(r.native.spread)}`,
      `${ns(r.js.median)} ${fmtSpread(r.js.spread)}`,
      ns(r.native.median - r.js.median),
    ]),
  ),
);
console.log('');

// ---------------------------------------------------------------------------------------------
// 2. Crossover per op

const OPS = ['add', 'mul', 'relu', 'sigmoid', 'gelu', 'tanh'];
const SIZES = [];
for (let n = 1; n <= 4096; n *= 2) SIZES.push(n);

const sweep = {};
for (const op of OPS) {
  log(`sweep ${op}…`);
  sweep[op] = [];
  for (const n of SIZES) sweep[op].push(await measure(op, n));
}

/** Smallest tested n from which native is faster at every larger tested n (null: never). */
function crossover(rows) {
  let c = null;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (rows[i].speedup.median > 1) c = rows[i].n;
    else break;
  }
  return c;
}
const cross = Object.fromEntries(OPS.map((op) => [op, crossover(sweep[op])]));
const firstWin = Object.fromEntries(
  OPS.map((op) => [op, sweep[op].find((r) => r.speedup.median > 1)?.n ?? null]),
);

console.log('js time / native time per length (paired per round; > 1 means native is faster)');
console.log(
  table(
    ['n', ...OPS],
    SIZES.map((n, i) => [
      String(n),
      ...OPS.map((op) => `${sweep[op][i].speedup.median.toFixed(2)}×`),
    ]),
  ),
);
console.log('');
console.log('ns per call, native / js (medians)');
console.log(
  table(
    ['n', ...OPS],
    SIZES.map((n, i) => [
      String(n),
      ...OPS.map((op) => `${ns(sweep[op][i].native.median)} / ${ns(sweep[op][i].js.median)}`),
    ]),
  ),
);
console.log('');

/**
 * Cost of routing with threshold T (n < T runs in JS): over every op and tested n, the
 * geometric mean and the worst of (time of the routed choice / time of the faster one).
 */
function routingCost(T) {
  let logSum = 0;
  let count = 0;
  let worst = { loss: 1, op: null, n: null };
  for (const op of OPS) {
    for (const r of sweep[op]) {
      const chosen = r.n < T ? r.js.median : r.native.median;
      const best = Math.min(r.js.median, r.native.median);
      const loss = chosen / best;
      logSum += Math.log(loss);
      count++;
      if (loss > worst.loss) worst = { loss, op, n: r.n };
    }
  }
  return { T, geomeanLoss: Math.exp(logSum / count), worst };
}
const candidates = [0, ...SIZES, 8192].map(routingCost);
const best = candidates.reduce((a, b) => (b.geomeanLoss < a.geomeanLoss ? b : a));
const current = routingCost(DEFAULT_MIN_NATIVE_LENGTH);
const finite = Object.values(cross).filter((c) => c !== null);
const conservative = finite.length ? Math.max(...finite) : null;

console.log('Crossover per op (native faster from this n on, up to 4096)');
console.log(
  table(
    ['op', 'crossover n', 'first n native wins', 'speedup @4096'],
    OPS.map((op) => [
      op,
      cross[op] === null ? 'never ≤ 4096' : String(cross[op]),
      firstWin[op] === null ? '-' : String(firstWin[op]),
      `${sweep[op][sweep[op].length - 1].speedup.median.toFixed(2)}×`,
    ]),
  ),
);
console.log('');
const pct = (x) => `${((x - 1) * 100).toFixed(1)}%`;
const fmtCost = (c) =>
  `mean slowdown ${pct(c.geomeanLoss)} vs always-fastest, worst ${pct(c.worst.loss)}${c.worst.op ? ` (${c.worst.op} @ n=${c.worst.n})` : ''}`;
console.log(`Recommended single threshold: ${best.T} — ${fmtCost(best)}`);
console.log(
  `Conservative threshold (largest per-op crossover): ${conservative ?? 'n/a'}${conservative !== null ? ` — ${fmtCost(routingCost(conservative))}` : ''}`,
);
console.log(
  `Current DEFAULT_MIN_NATIVE_LENGTH = ${DEFAULT_MIN_NATIVE_LENGTH} — ${fmtCost(current)}`,
);
const within = current.geomeanLoss - best.geomeanLoss < 0.02 && current.worst.loss < 1.5;
console.log(
  within
    ? `→ the measurement supports ${DEFAULT_MIN_NATIVE_LENGTH} (within 2% of the best threshold on average, worst case < 1.5×).`
    : `→ the measurement does not support ${DEFAULT_MIN_NATIVE_LENGTH}: ${best.T} routes better here.`,
);
console.log('Threshold costs: T → mean slowdown / worst');
console.log(
  candidates.map((c) => `${c.T}: ${pct(c.geomeanLoss)} / ${pct(c.worst.loss)}`).join(', '),
);

const jsonPath = resultPath('boundary', startedAt, opt.json);
writeJsonAtomic(jsonPath, {
  benchmark: 'boundary',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  commands: { run: commandLine(import.meta.url), cwd: process.cwd() },
  method: {
    rounds: CFG.rounds,
    sampleSeconds: CFG.sampleSec,
    warmupSeconds: CFG.warmSec,
    quick: opt.quick,
    simdCap: opt.simd ?? null,
    api: "backend('native').kernels vs backend('js').kernels (unchecked, no routing)",
    statistic: 'median over interleaved rounds; spread = IQR / median; speedup = paired js/native',
  },
  machine,
  tiny,
  sweep,
  crossover: cross,
  firstNativeWin: firstWin,
  recommendedThreshold: best,
  conservativeThreshold: conservative,
  currentThreshold: current,
  thresholdCosts: candidates,
});
console.log('');
console.log(`saved ${jsonPath}`);
