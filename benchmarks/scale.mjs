#!/usr/bin/env node
// Scaling `descent compare` out (issue 18), two figures, each side by side in one run:
//
//   jobs    runs per minute of the default grid (8 optimizers × seeds 1,2 × 3 epochs on
//           Fashion-MNIST, MLP 784-256-128-10): one run at a time with all native threads
//           (--jobs 1, what compare did before) vs N runs at once with threads/N each
//           (--jobs N, N = available cores). Rounds alternate the two, order rotated; wall
//           time of experiments.runOnPool, process start and data loading included.
//   queue   overhead per run of the BullMQ queue: K small runs through a local redis-server
//           (started here, free port) and one local worker (concurrency 1) vs the same K runs
//           on an already started local pool of one process (both warmed up by one round); (queue − local) / K is the cost
//           of enqueueing, waiting for a worker to start it, and getting the result back.
//
//   node benchmarks/scale.mjs [--quick] [--rounds n] [--only jobs,queue] [--json path]
//
// --quick: the grid at 1 epoch and seed 1 (8 runs), 2 rounds. Needs dist/ and redis-server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, formatMachine } from './lib/machine.mjs';
import { commandLine, resultPath, writeJsonAtomic } from './lib/report.mjs';
import { table } from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string', default: 'jobs,queue' },
    json: { type: 'string' },
  },
});
const lib = await import('../dist/index.js');
const { DEFAULT_OPTIMIZERS, DEFAULT_MODEL } = await import('../dist/cli/registry.js');
const { experiments } = lib;
const { RunPool } = await import('../dist/cli/pool.js');
const rounds = Number(opt.rounds ?? (opt.quick ? 2 : 2));
const only = new Set(opt.only.split(','));
const nativeInfo = lib.getBackend ? lib.getBackend().info() : null;
const machine = describeMachine({ nativeInfo });
console.log(formatMachine(machine));
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const results = { command: commandLine(import.meta.url), machine, rounds };

if (only.has('jobs')) {
  const specs = experiments.gridRuns({
    optimizers: DEFAULT_OPTIMIZERS,
    lrs: null,
    activations: [DEFAULT_MODEL.activation],
    schedules: ['constant'],
    batchSizes: [128],
    batchNorm: [false],
    dropout: [0],
    l2: [0],
    seeds: opt.quick ? [1] : [1, 2],
    epochs: opt.quick ? 1 : 3,
    kind: 'mlp',
    hidden: DEFAULT_MODEL.hidden,
  });
  const threads = nativeInfo?.threads ?? 1;
  const n = Math.min(os.availableParallelism(), specs.length);
  const modes = [
    { name: `--jobs 1 × ${threads} threads`, jobs: 1, threadsPerJob: threads },
    {
      name: `--jobs ${n} × ${Math.max(1, Math.floor(threads / n))} thread(s)`,
      jobs: n,
      threadsPerJob: Math.max(1, Math.floor(threads / n)),
    },
  ];
  const samples = modes.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      const { results: rs } = await experiments.runOnPool(specs, {
        jobs: modes[k].jobs,
        threadsPerJob: modes[k].threadsPerJob,
      });
      const s = (performance.now() - t0) / 1000;
      if (rs.some((x) => x === null || x.stopped))
        throw new Error(`${modes[k].name}: a run did not finish`);
      samples[k].push(s);
      console.error(
        `round ${r + 1}: ${modes[k].name}: ${s.toFixed(1)} s, load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
  }
  const rpm = samples.map((v) => (60 * specs.length) / median(v));
  console.log(
    `\njobs: ${specs.length} runs of the default grid${opt.quick ? ' (1 epoch, seed 1)' : ''}, median of ${rounds} rounds`,
  );
  console.log(
    table(
      ['mode', 'seconds (median)', 'runs/min', 'vs --jobs 1'],
      modes.map((m, k) => [
        m.name,
        median(samples[k]).toFixed(1),
        rpm[k].toFixed(1),
        `${(rpm[k] / rpm[0]).toFixed(2)}×`,
      ]),
    ),
  );
  results.jobs = {
    runs: specs.length,
    modes,
    samples,
    runsPerMinute: rpm,
    speedup: rpm[1] / rpm[0],
  };
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

if (only.has('queue')) {
  const port = await freePort();
  const dir = mkdtempSync(join(os.tmpdir(), 'descent-bench-redis-'));
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((res) => {
      const c = new Socket()
        .once('connect', () => {
          c.destroy();
          res(true);
        })
        .once('error', () => res(false));
      c.connect(port, '127.0.0.1');
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const K = opt.quick ? 10 : 30;
  const base = {
    group: 'tiny',
    optimizer: 'sgd',
    lr: 0.1,
    schedule: 'constant',
    batchSize: 1000,
    epochs: 1,
    model: { kind: 'mlp', hidden: [8], activation: 'relu', batchNorm: false, dropout: 0 },
    l2: 0,
  };
  const url = `redis://127.0.0.1:${port}`;
  const worker = await experiments.serveQueue({ queue: url, concurrency: 1, subset: true });
  await worker.ready;
  // The local side also started beforehand, so that only the queue's own costs differ.
  const pool = new RunPool({
    jobs: 1,
    threadsPerJob: nativeInfo?.threads ?? 1,
    data: { subset: true, flatten: true },
  });
  await pool.ready;
  const samples = { local: [], queue: [] };
  let round = 0;
  for (let r = 0; r < rounds + 1; r++) {
    // Fresh seeds each round: a new grid, nothing to resume.
    const specs = Array.from({ length: K }, (_, i) => ({ ...base, seed: 1000 * r + i }));
    const t0 = performance.now();
    const q = await experiments.runOnQueue(specs, { queue: url, subset: true });
    const tq = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const lr = await pool.runAll(specs, Number.NEGATIVE_INFINITY, { stop: false });
    const tl = (performance.now() - t1) / 1000;
    if ([...q.results, ...lr].some((x) => x === null || x.stopped))
      throw new Error('a run did not finish');
    if (r === 0) continue; // warm-up round (connections, caches)
    round++;
    samples.queue.push(tq);
    samples.local.push(tl);
    console.error(
      `round ${round}: queue ${tq.toFixed(2)} s, local ${tl.toFixed(2)} s for ${K} runs`,
    );
  }
  await worker.close();
  await pool.close();
  redis.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  const perRun = (1000 * (median(samples.queue) - median(samples.local))) / K;
  console.log(
    `\nqueue: ${K} small runs (MLP 784-8-10, 1 epoch of the bundled subset), median of ${rounds} rounds`,
  );
  console.log(
    table(
      ['path', 'seconds (median)', 'ms per run'],
      [
        [
          'local pool, 1 process (already started)',
          median(samples.local).toFixed(2),
          ((1000 * median(samples.local)) / K).toFixed(0),
        ],
        [
          'queue, 1 local worker (already started)',
          median(samples.queue).toFixed(2),
          ((1000 * median(samples.queue)) / K).toFixed(0),
        ],
      ],
    ),
  );
  console.log(`queue overhead per run: ${perRun.toFixed(1)} ms (queue − local) / ${K}`);
  results.queue = { runs: K, samples, overheadMsPerRun: perRun };
}

const path = resultPath('scale', new Date(), opt.json);
writeJsonAtomic(path, results);
console.log(`\nresults: ${path}`);
process.exit(0);
