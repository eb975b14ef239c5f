#!/usr/bin/env node
// The sine MAML/Reptile experiment with descent and with PyTorch at the same settings: does
// descent's meta-learning reach the same post-adaptation error? Second-order MAML, first-order
// MAML, Reptile and plain pre-training train the MAML paper's MLP (1-40-40-1, ReLU) on 5-shot
// sine tasks for each seed; each trained model is then fine-tuned with SGD on the support set
// of the same unseen test tasks (made here, handed to PyTorch) and scored on their query
// points after 0, 1, …, 10 steps. The PyTorch leg is benchmarks/py/meta_sine.py (optional:
// skipped when torch cannot be imported or with --without torch). Reported: the mean query
// MSE over the test tasks, as mean ± standard deviation over seeds, per framework.
//
//   node benchmarks/meta-sine.mjs [--quick] [--seeds 1,2,3] [--meta-steps n] [--algos list]
//                                 [--without torch] [--json path]
//
// Settings (both legs): meta-batch 10 tasks of 5 support and 10 query points, inner SGD at
// lr 0.02 (one step for MAML, five for Reptile), outer Adam at 2e-3 (MAML, pre-training) or
// SGD at 0.1 (Reptile's ε), 1,500 meta-steps (300 with --quick); 500 test tasks of 5 support
// and 50 query points. Needs dist/ (`npx tsc -p tsconfig.build.json`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { errText } from './lib/measure.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import { table } from './lib/timing.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PY = join(HERE, 'py', 'meta_sine.py');
const ALGOS = {
  maml2: 'MAML (second order)',
  fomaml: 'first-order MAML',
  reptile: 'Reptile',
  pretrain: 'pre-training',
};

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seeds: { type: 'string' },
    'meta-steps': { type: 'string' },
    algos: { type: 'string' },
    without: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(
    'usage: node benchmarks/meta-sine.mjs [--quick] [--seeds 1,2,3] [--meta-steps n] [--algos list]\n' +
      '                                     [--without torch] [--json path]\n' +
      `  --algos   comma-separated: ${Object.keys(ALGOS).join(', ')} (default all)`,
  );
  process.exit(0);
}
const fail = (m) => {
  console.error(`meta-sine.mjs: ${m}`);
  process.exit(2);
};
const seeds = (opt.seeds ?? '1,2,3').split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) fail('--seeds: non-negative integers');
const algos = opt.algos ? opt.algos.split(',').map((s) => s.trim()) : Object.keys(ALGOS);
for (const a of algos) if (!(a in ALGOS)) fail(`--algos: unknown ${a}`);
const metaSteps = Number(opt['meta-steps'] ?? (opt.quick ? 300 : 1500));
if (!Number.isInteger(metaSteps) || metaSteps < 1) fail('--meta-steps: a positive integer');
if (opt.without && opt.without !== 'torch') fail('--without: only torch');

const CFG = {
  algos,
  seeds,
  metaSteps,
  tasksPerBatch: 10,
  shots: 5,
  queries: 10,
  innerLr: 0.02,
  innerSteps: { maml2: 1, fomaml: 1, reptile: 5, pretrain: 1 },
  outerLr: { maml2: 2e-3, fomaml: 2e-3, reptile: 0.1, pretrain: 2e-3 },
  evalSteps: 10,
  testTasks: 500,
  testQueries: 50,
};

let lib;
try {
  lib = await import('../dist/index.js');
} catch (e) {
  console.error(
    `meta-sine.mjs: cannot load dist/index.js (${errText(e)}); build it with \`npx tsc -p tsconfig.build.json\``,
  );
  process.exit(1);
}
const { meta, nn, optim } = lib;
let nativeInfo;
try {
  nativeInfo = lib.backend('native').info();
  lib.setBackend('native');
} catch (e) {
  nativeInfo = { error: errText(e) };
}
const startedAt = new Date();
const log = (s) => process.stderr.write(`${s}\n`);
const tests = new meta.SineTasks({
  shots: CFG.shots,
  queries: CFG.testQueries,
  seed: 12_345,
}).sample(CFG.testTasks);

function descentRun(algo, seed) {
  const model = new nn.Model(
    new nn.Sequential([
      new nn.Linear(1, 40),
      new nn.ReLU(),
      new nn.Linear(40, 40),
      new nn.ReLU(),
      new nn.Linear(40, 1),
    ]),
    [1],
    { seed },
  );
  const outerOptimizer =
    algo === 'reptile'
      ? new optim.SGD(model.parameters(), { lr: CFG.outerLr[algo] })
      : new optim.Adam(model.parameters(), { lr: CFG.outerLr[algo] });
  const o = {
    loss: new nn.losses.MSELoss(),
    outerOptimizer,
    innerLr: CFG.innerLr,
    innerSteps: CFG.innerSteps[algo],
    tasksPerBatch: CFG.tasksPerBatch,
  };
  const learner =
    algo === 'reptile'
      ? new meta.Reptile(model, o)
      : algo === 'pretrain'
        ? new meta.Pretraining(model, o)
        : new meta.MAML(model, { ...o, firstOrder: algo === 'fomaml' });
  const family = new meta.SineTasks({
    shots: CFG.shots,
    queries: CFG.queries,
    seed: 10_000 + seed,
  });
  const t0 = performance.now();
  for (let i = 0; i < CFG.metaSteps; i++) learner.step(family);
  const seconds = (performance.now() - t0) / 1e3;
  // every learner fine-tunes with its inner optimizer, SGD at the inner rate, as the PyTorch leg
  return { algo, seed, loss: learner.evaluate(tests, { steps: CFG.evalSteps }).loss, seconds };
}

const runs = { descent: [], pytorch: [] };
for (const algo of algos)
  for (const seed of seeds) {
    const r = descentRun(algo, seed);
    runs.descent.push(r);
    log(
      `descent ${algo} seed ${seed}: ${r.seconds.toFixed(1)} s, MSE after 1 step ${r.loss[1].toFixed(3)}`,
    );
  }

const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
let pytorch = { available: false, reason: 'disabled (--without torch)' };
if (opt.without !== 'torch') {
  if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    pytorch = { available: false, reason: `${py} cannot import torch` };
  else {
    const dir = mkdtempSync(join(os.tmpdir(), 'descent-meta-sine-'));
    try {
      const cfgPath = join(dir, 'config.json');
      const tasksPath = join(dir, 'tasks.json');
      writeFileSync(cfgPath, JSON.stringify(CFG));
      writeFileSync(
        tasksPath,
        JSON.stringify(
          tests.map((t) => ({
            xs: [...t.support.x.data],
            ys: [...t.support.y.data],
            xq: [...t.query.x.data],
            yq: [...t.query.y.data],
          })),
        ),
      );
      const version = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], {
        encoding: 'utf8',
      });
      pytorch = {
        available: true,
        torch: version.stdout.trim(),
        command: `${py} ${PY} CONFIG TASKS`,
      };
      await new Promise((resolve, reject) => {
        const child = spawn(py, [PY, cfgPath, tasksPath], { stdio: ['ignore', 'pipe', 'inherit'] });
        let buf = '';
        child.stdout.on('data', (d) => {
          buf += d;
          let i = buf.indexOf('\n');
          while (i >= 0) {
            const r = JSON.parse(buf.slice(0, i));
            buf = buf.slice(i + 1);
            runs.pytorch.push(r);
            log(
              `pytorch ${r.algo} seed ${r.seed}: ${r.seconds.toFixed(1)} s, MSE after 1 step ${r.loss[1].toFixed(3)}`,
            );
            i = buf.indexOf('\n');
          }
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      });
    } catch (e) {
      pytorch = { available: false, reason: errText(e) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const machine = describeMachine({
  nativeInfo,
  versions: pytorch.available ? { torch: pytorch.torch } : {},
});
console.log(`descent sine meta-learning vs PyTorch — ${startedAt.toISOString()}`);
console.log(formatMachine(machine));
console.log(
  `Settings  MLP 1-40-40-1 (ReLU), ${CFG.metaSteps} meta-steps of ${CFG.tasksPerBatch} tasks (K = ${CFG.shots}, ${CFG.queries} query points), ` +
    `inner SGD lr ${CFG.innerLr}; ${CFG.testTasks} test tasks (K = ${CFG.shots}, ${CFG.testQueries} query points); seeds ${seeds.join(', ')}`,
);
console.log('Query MSE after fine-tuning steps, mean ± std over seeds (lower is better)\n');
const agg = (list, step) => {
  if (list.length === 0) return null;
  const v = list.map((r) => r.loss[step]);
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return { mean: m, std: sd, values: v };
};
const fmt = (a) => (a ? `${a.mean.toFixed(3)} ± ${a.std.toFixed(3)}` : '–');
const summary = [];
for (const algo of algos) {
  const row = { algo };
  for (const who of ['descent', 'pytorch']) {
    const list = runs[who].filter((r) => r.algo === algo);
    row[who] = {
      step0: agg(list, 0),
      step1: agg(list, 1),
      step10: agg(list, CFG.evalSteps),
      secondsPerMetaStep: list.length
        ? list.reduce((a, r) => a + r.seconds, 0) / list.length / CFG.metaSteps
        : null,
    };
  }
  summary.push(row);
}
console.log(
  table(
    [
      'algorithm',
      'descent 0 steps',
      'descent 1 step',
      'pytorch 1 step',
      'descent 10 steps',
      'pytorch 10 steps',
      'ms / meta-step (descent, pytorch)',
    ],
    summary.map((r) => [
      ALGOS[r.algo],
      fmt(r.descent.step0),
      fmt(r.descent.step1),
      fmt(r.pytorch.step1),
      fmt(r.descent.step10),
      fmt(r.pytorch.step10),
      `${(r.descent.secondsPerMetaStep * 1e3).toFixed(1)}, ${r.pytorch.secondsPerMetaStep ? (r.pytorch.secondsPerMetaStep * 1e3).toFixed(1) : '–'}`,
    ]),
  ),
);
if (!pytorch.available) console.log(`pytorch: ${pytorch.reason}`);
const path = resultPath('meta-sine', startedAt, opt.json);
writeJsonAtomic(path, {
  benchmark: 'meta-sine',
  startedAt: startedAt.toISOString(),
  command: commandLine(import.meta.url),
  config: CFG,
  machine,
  pytorch,
  runs,
  summary,
});
console.log(`\nresults: ${relative(process.cwd(), path)}`);
