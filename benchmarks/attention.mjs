#!/usr/bin/env node
// Attention and group-norm benchmark: forward + backward (the gradients of ⟨dy, y⟩ for a fixed
// dy with respect to the input and every parameter, as autograd.grad returns them) beside
// PyTorch CPU in the same run. Each descent step gives its output and gradients back to the
// buffer pool, as the tape does for a layer inside a network (a JS loop that dropped them
// would measure V8 allocating and collecting megabyte arrays every step; torch frees them by
// reference counting as the step ends).
//
//   node benchmarks/attention.mjs [--quick | --smoke] [--js] [--json <path>] [--rounds <n>]
//
// Cases (self-attention, batch-first, B 32, S 64, E 128, 4 heads — a small GPT block's size):
//   mha, weights  need_weights=True, no mask (torch's default: its explicit-matmul path)
//   mha, causal   causal mask, need_weights=False (torch's fused scaled-dot-product path)
//   groupnorm     GroupNorm(8, 64) on [32, 64, 28, 28]
// Implementations: descent native (the fused node / the fused kernels), descent native with
// the tape composite (attention: setAttentionFusion(false); group norm: reshape + layerNorm +
// scale + shift), descent js with --js, and PyTorch (benchmarks/py/attention_bench.py, its
// own threads: DESCENT_BENCH_TORCH_THREADS, default 2; DESCENT_BENCH_PYTHON picks the Python).
// Every implementation is warmed up, then sampled in interleaved rounds (order rotated each
// round); figures are medians ± half the IQR, and "PyTorch / native" is the median of the
// per-round ratios. Needs dist/ (`npx tsc -p tsconfig.build.json`). Results and the machine
// description go to benchmarks/results/attention-<ISO date>.json unless --json says otherwise.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LineProcess } from './lib/cref.mjs';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { errText, measure, unavailable } from './lib/measure.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import { fmtSpread, pairedRatio, table, timeBatch } from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    js: { type: 'boolean', default: false },
    json: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/attention.mjs [--quick | --smoke] [--js] [--json <path>] [--rounds <n>]\n' +
      '  --quick        fewer and shorter rounds (rough numbers)\n' +
      '  --smoke        tiny sizes, one short round: only checks that everything runs\n' +
      '  --js           also the js backend (slow)\n' +
      '  --json <path>  where to save the results (default benchmarks/results/attention-<ISO date>.json)\n' +
      '  --rounds <n>   interleaved rounds (default 9, quick 3)',
  );
  process.exit(0);
}
const CFG = opt.smoke
  ? { mode: 'smoke', rounds: 1, sampleSec: 0.01, warmSec: 0, caseBudgetSec: 5 }
  : opt.quick
    ? { mode: 'quick', rounds: 3, sampleSec: 0.3, warmSec: 0.5, caseBudgetSec: 20 }
    : { mode: 'full', rounds: 9, sampleSec: 1, warmSec: 1.5, caseBudgetSec: 60 };
if (opt.rounds !== undefined) {
  const r = Number(opt.rounds);
  if (!Number.isInteger(r) || r < 1) throw new RangeError('--rounds: expected a positive integer');
  CFG.rounds = r;
}

const HERE = dirname(fileURLToPath(import.meta.url));
let lib;
let fusion;
try {
  lib = await import('../dist/index.js');
  fusion = await import('../dist/autograd/ops/attention.js');
} catch (e) {
  console.error(
    `attention.mjs: cannot load ../dist (${e.message}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { nn, autograd: ag, Rng, backend, setBackend } = lib;
let nativeInfo;
try {
  nativeInfo = backend('native').info();
} catch (e) {
  console.error(`attention.mjs: the native backend is not available (${e.message.split('\n')[0]})`);
  process.exit(1);
}
const log = (s) => process.stderr.write(`${s}\n`);
const startedAt = new Date();
// Other jobs on the machine (multi-threaded PyTorch degrades first when its threads are preempted).
const loadBefore = loadavg();
const machine = describeMachine({ nativeInfo });

const MHA = opt.smoke ? { B: 2, S: 5, E: 8, H: 2 } : { B: 32, S: 64, E: 128, H: 4 };
const GN = opt.smoke ? { N: 2, C: 4, H: 3, W: 3, G: 2 } : { N: 32, C: 64, H: 28, W: 28, G: 8 };
const CASES = [
  {
    name: 'mha, weights',
    kind: 'mha',
    causal: false,
    py: `init mha ${MHA.B} ${MHA.S} ${MHA.E} ${MHA.H} weights`,
  },
  {
    name: 'mha, causal',
    kind: 'mha',
    causal: true,
    py: `init mha ${MHA.B} ${MHA.S} ${MHA.E} ${MHA.H} causal`,
  },
  {
    name: 'groupnorm',
    kind: 'groupnorm',
    py: `init groupnorm ${GN.N} ${GN.C} ${GN.H} ${GN.W} ${GN.G}`,
  },
];

/** Gives a step's results back to the buffer pool (internal API: the tape's own recycling). */
function release(...ts) {
  for (const t of ts.flat()) t?._release();
}

/** One descent step (forward, backward) for `c` on backend `be`, fused or composite. */
function descentStep(c, be, fused) {
  setBackend(be);
  const rng = new Rng(1);
  if (c.kind === 'mha') {
    const { B, S, E, H } = MHA;
    const layer = new nn.MultiheadAttention(E, H, { batchFirst: true });
    const model = new nn.Model(layer, null, { seed: 1 });
    const x = ag.tensor(rng.normal(B * S * E), [B, S, E], { requiresGrad: true });
    const wrt = [x, ...model.parameters().map((p) => p.tensor)];
    const dy = ag.tensor(rng.normal(B * S * E), [B, S, E]);
    return () => {
      setBackend(be);
      const prev = fusion.setAttentionFusion(fused);
      const [y, w] = layer.forward(x, x, x, { isCausal: c.causal, needWeights: !c.causal });
      release(ag.gradients(y, wrt, { gradOutputs: [dy] }), y, w);
      fusion.setAttentionFusion(prev);
    };
  }
  const { N, C, H, W, G } = GN;
  const model = new nn.Model(new nn.GroupNorm(G, C), [C, H, W], { seed: 1 });
  const x = ag.tensor(rng.normal(N * C * H * W), [N, C, H, W], { requiresGrad: true });
  const [gamma, beta] = model.parameters().map((p) => p.tensor);
  const wrt = [x, gamma, beta];
  const dy = ag.tensor(rng.normal(N * C * H * W), [N, C, H, W]);
  // The composite: group statistics by layer norm over [N, G, C/G·H·W], then γ and β.
  const composite = () =>
    ag
      .layerNorm(x.reshape([N, G, -1]), (C / G) * H * W)
      .reshape([N, C, H, W])
      .mul(gamma.reshape([C, 1, 1]))
      .add(beta.reshape([C, 1, 1]));
  return () => {
    setBackend(be);
    const y = fused ? model.forward(x) : composite();
    release(ag.gradients(y, wrt, { gradOutputs: [dy] }), y);
  };
}

const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
const PY = join(HERE, 'py', 'attention_bench.py');
let torch = null;
let torchInfo;
if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
  torchInfo = unavailable(
    `${py} cannot import torch (pip install torch, or set DESCENT_BENCH_PYTHON)`,
  );
else {
  torch = new LineProcess(py, [PY], {
    label: 'PyTorch attention child',
    env: { ...process.env, DESCENT_BENCH_TORCH_WARM: String(opt.smoke ? 0.01 : 1) },
  });
  try {
    torchInfo = { available: true, ...(await torch.request('info')), command: `${py} ${PY}` };
  } catch (e) {
    torchInfo = unavailable(errText(e));
    torch.close();
    torch = null;
  }
}

console.log(`descent attention benchmark — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Method  median of ${CFG.rounds} interleaved rounds (order rotated each round), ±half IQR; samples of ≥ ${CFG.sampleSec * 1e3} ms after ${CFG.warmSec * 1e3} ms warm-up${opt.quick || opt.smoke ? ` (--${CFG.mode})` : ''}; PyTorch ${torchInfo.available ? `${torchInfo.torch}, ${torchInfo.threads} threads` : `not measured: ${torchInfo.reason}`}`,
);
console.log('');

const results = [];
try {
  for (const c of CASES) {
    log(`${c.name} …`);
    const impls = [
      { name: 'native', fused: true, be: 'native' },
      { name: 'native composite', fused: false, be: 'native' },
      ...(opt.js ? [{ name: 'js', fused: true, be: 'js' }] : []),
    ].map(({ name, fused, be }) => {
      const step = descentStep(c, be, fused);
      return { name, sample: (n) => timeBatch(step, n) };
    });
    if (torch) {
      await torch.request(c.py);
      impls.push({ name: 'pytorch', sample: (n) => torch.run(n), settleMs: 50 });
    }
    const m = await measure(impls, CFG, { log });
    const ratio = (a, b) =>
      m[a]?.available && m[b]?.available ? pairedRatio(m[a].samplesSec, m[b].samplesSec) : null;
    results.push({
      case: c.name,
      ms: Object.fromEntries(
        Object.entries(m).map(([k, r]) => [k, r.available ? { ...r.secPerOp, unit: 's' } : r]),
      ),
      pytorchOverNative: ratio('pytorch', 'native'),
      compositeOverFused: ratio('native composite', 'native'),
      raw: m,
    });
  }
} finally {
  torch?.close();
}

const ms = (r) =>
  r?.available === false ? '–' : r ? `${(r.median * 1e3).toFixed(2)} ${fmtSpread(r.spread)}` : '–';
const x = (r) => (r ? `${r.median.toFixed(2)}×` : '–');
console.log(
  `Forward + backward (ms per step, lower is better). mha: self-attention, batch-first, [${MHA.B}, ${MHA.S}, ${MHA.E}], ${MHA.H} heads, inputs and parameters differentiated; groupnorm: GroupNorm(${GN.G}, ${GN.C}) on [${GN.N}, ${GN.C}, ${GN.H}, ${GN.W}]. native: ${nativeInfo.threads} threads, ${nativeInfo.simd}.`,
);
console.log(
  table(
    [
      'case',
      'native',
      'native composite',
      ...(opt.js ? ['js'] : []),
      'pytorch',
      'PyTorch / native',
      'composite / fused',
    ],
    results.map((r) => [
      r.case,
      ms(r.ms.native),
      ms(r.ms['native composite']),
      ...(opt.js ? [ms(r.ms.js)] : []),
      ms(r.ms.pytorch),
      x(r.pytorchOverNative),
      x(r.compositeOverFused),
    ]),
  ),
);
const jsonPath = resultPath('attention', startedAt, opt.json);
writeJsonAtomic(jsonPath, {
  benchmark: 'attention',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  command: commandLine(import.meta.url),
  method: {
    rounds: CFG.rounds,
    sampleSeconds: CFG.sampleSec,
    warmupSeconds: CFG.warmSec,
    statistic:
      'median over interleaved rounds; spread = IQR / median; ratios are medians of per-round ratios',
  },
  shapes: { mha: MHA, groupnorm: GN },
  machine,
  loadAverage: { before: loadBefore, after: loadavg() },
  pytorch: torchInfo,
  results,
});
console.log(
  `Load average (1, 5, 15 min) before ${loadBefore.map((v) => v.toFixed(1)).join(', ')}, after ${loadavg()
    .map((v) => v.toFixed(1))
    .join(', ')}`,
);
console.log('');
console.log(`saved ${relative(process.cwd(), jsonPath) || jsonPath}`);
