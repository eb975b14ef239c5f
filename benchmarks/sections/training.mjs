// Training on Fashion-MNIST, two figures per network (the MLP 784-256-128-10, batch 128, and
// the small CNN conv16-pool-conv32-pool-fc128, batch 64; Adam lr 1e-3, softmax cross-entropy):
//
//   steps       training samples/s of one step (gather the batch, forward, loss, backward,
//               Adam), measured like every other section: interleaved rounds, median ± half
//               IQR, every implementation on its own seeded shuffle of the real training set:
//                 native     descent, native backend, all threads
//                 native-1t  the same in the worker process with DESCENT_THREADS=1
//                 js         descent, js backend
//                 tfjs-cpu / tfjs-wasm  TensorFlow.js, lib/tfjs-train.mjs 'manual' step
//                 pytorch / pytorch-1t  torch on CPU (benchmarks/py/train_bench.py), when
//                            importable, on 2 threads (DESCENT_BENCH_TORCH_THREADS) and on 1
//               at several batch sizes (BATCHES; js and tfjs-cpu at the net's default batch
//               only), each also as GFLOP/s of useful work (lib/flops.mjs) and as a fraction
//               of descent's own GEMM at a large size on the same thread count: measured
//               in the same interleaved rounds as the steps (`gemm-peak`, `gemm-peak-1t`), the
//               fraction taken per round (so that load from other work cancels), and also
//               against the gemm section's best (gemmPeak below)
//   layers      TensorFlow.js programs unchanged on tfjs backends: tfjs-layers model.fit and
//               model.predict samples/s on `descent` (descent-ml/tfjs), `cpu` and `wasm`, and
//               test accuracy after equal epochs (sections/training-layers.mjs)
//   accuracy    seconds to 88% test accuracy and memory (peak RSS, growth from the end of
//               epoch 2 to the last), each run in a fresh process (lib/train-child.mjs; for
//               PyTorch py/train_bench.py accuracy), one after the other: descent through
//               train.fit, tfjs through its manual step, PyTorch through its usual loop.
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineProcess } from '../lib/cref.mjs';
import { stepFlops } from '../lib/flops.mjs';
import { fillRandom } from '../lib/gemm-data.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { useTfBackend } from '../lib/tfjs.mjs';
import { makeTfjsTrainer } from '../lib/tfjs-train.mjs';
import { fmtSpread, stats, statsOf, table, timeBatch } from '../lib/timing.mjs';
import { Batcher, loadArrays, makeDescentTrainer, NETS } from '../lib/train-data.mjs';
import { printLayers, runLayers } from './training-layers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PY_SCRIPT = join(HERE, '..', 'py', 'train_bench.py');
const CHILD = join(HERE, '..', 'lib', 'train-child.mjs');
export const TRAIN_IMPLS = [
  'native',
  'native-1t',
  'js',
  'tfjs-cpu',
  'tfjs-wasm',
  'pytorch',
  'pytorch-1t',
];
/** Measured at the net's default batch only: slow, and the others show the scaling. */
const DEFAULT_BATCH_ONLY = ['js', 'tfjs-cpu'];
const TARGET = 0.88;
const SEED = 1;

/** Batch sizes of the step rows per mode (the net's default batch is among them). */
export const BATCHES = {
  full: { mlp: [32, 128, 512], cnn: [32, 64, 128] },
  quick: { mlp: [32, 128, 512], cnn: [32, 64, 128] },
  smoke: { mlp: [128], cnn: [64] }, // the smoke test's time budget
};

/**
 * The time-to-accuracy runs per mode: [impl, net, budget seconds, max epochs]. The quick run
 * keeps one short native run (for the memory figures), the smoke run one epoch of the subset.
 */
const ACCURACY_PLAN = {
  full: [
    ['native', 'mlp', 300, 20],
    ['js', 'mlp', 600, 20],
    ['tfjs-wasm', 'mlp', 600, 20],
    ['tfjs-cpu', 'mlp', 240, 20],
    ['pytorch', 'mlp', 300, 20],
    ['native', 'cnn', 600, 15],
    ['tfjs-wasm', 'cnn', 600, 15],
    ['pytorch', 'cnn', 600, 15],
  ],
  quick: [['native', 'mlp', 15, 10]],
  smoke: [
    ['native', 'mlp', 20, 2],
    ['pytorch', 'mlp', 20, 1],
  ],
};

export async function runTraining(ctx) {
  const { lib, cfg, log } = ctx;
  const subset = cfg.mode === 'smoke';
  const arrays = loadArrays(lib, { subset });
  log(`training data: ${arrays.source} (${arrays.train.n} training, ${arrays.test.n} test images)`);
  const [torch, torch1] = await startTorch(ctx, cfg);
  const peak = await gemmPeak(ctx);
  const all = peak.byThreads[ctx.machine.nativeThreads];
  if (ctx.machine.nativeThreads > 1 && all && peak.byThreads[1]?.gflops > all.gflops) {
    // two threads can always do what one does: the machine was busy during the GEMM samples
    peak.note = `the ${ctx.machine.nativeThreads}-thread GEMM peak (${all.gflops.toFixed(1)} GFLOP/s) came out below the 1-thread one (${peak.byThreads[1].gflops.toFixed(1)}): other work held the cores during its samples, so the ${ctx.machine.nativeThreads}-thread fractions of that peak (fractionOfSectionPeak) are overstated; the interleaved ones (fractionOfPeak) are not affected that way`;
    ctx.notes.push(`training: ${peak.note}`);
  }
  log(
    `GEMM peak: ${Object.entries(peak.byThreads)
      .map(([t, p]) => `${t} thread(s) ${p.gflops?.toFixed(1) ?? 'n/a'} GFLOP/s`)
      .join(', ')} (${peak.source})`,
  );
  const peakGemm = await startPeakGemm(ctx);
  const result = {
    available: true,
    data: { source: arrays.source, path: arrays.path, train: arrays.train.n, test: arrays.test.n },
    nets: Object.fromEntries(Object.values(NETS).map((n) => [n.id, n.description])),
    impls: TRAIN_IMPLS,
    target: TARGET,
    batches: BATCHES[cfg.mode],
    defaultBatchOnly: DEFAULT_BATCH_ONLY,
    flops:
      'useful FLOPs per step: forward and backward GEMMs and convolutions (im2col shapes), 2 per multiply-add, no dX for the input layer, nothing for elementwise work (benchmarks/lib/flops.mjs)',
    gemmPeak: peak,
    pytorch: torch.info ?? unavailable(torch.reason, { command: torch.command }),
    pytorch1t: torch1.info ?? unavailable(torch1.reason, { command: torch1.command }),
    api: {
      native:
        "setBackend('native'); per batch: model.zeroGrad(), model.forward(x, {training: true}) recording the tape, CrossEntropyLoss.forward (dL/dlogits), logits.backward(dL/dlogits), Adam.step() (the step train.fit takes)",
      'native-1t': 'the same in the worker process started with DESCENT_THREADS=1',
      js: "the same with setBackend('js')",
      'tfjs-cpu':
        "tf.variable weights, optimizer.minimize(() => softmaxCrossEntropy(forward(x))) with setBackend('cpu'), loss read back each step (lib/tfjs-train.mjs)",
      'tfjs-wasm': "the same with setBackend('wasm')",
      pytorch: `${torch.command ?? 'python3 benchmarks/py/train_bench.py'}: zero_grad, forward, CrossEntropyLoss, backward, Adam.step, torch.set_num_threads(${torch.info?.threads ?? 2})`,
      'pytorch-1t': `the same in a second child with DESCENT_BENCH_TORCH_THREADS=1 (${torch1.info ? `${torch1.info.threads} thread` : torch1.reason})`,
    },
    rows: [],
    accuracy: [],
    memory: null,
  };
  try {
    for (const base of Object.values(NETS)) {
      for (const batch of BATCHES[cfg.mode][base.id]) {
        const row = await stepCell(ctx, base, batch, arrays, [torch, torch1], peak, peakGemm);
        result.rows.push(row);
        log(
          `${base.label} batch ${batch}: ${TRAIN_IMPLS.filter((k) => row.impls[k].available)
            .map(
              (k) =>
                `${k} ${row.impls[k].samplesPerSec.median.toFixed(0)}/s ${row.impls[k].gflops.median.toFixed(1)} GFLOP/s`,
            )
            .join(', ')}`,
        );
      }
    }
  } finally {
    torch.proc?.close();
    torch1.proc?.close();
    peakGemm.worker?.close();
  }
  try {
    result.layers = await runLayers(ctx, arrays, Object.values(NETS));
  } catch (e) {
    result.layers = unavailable(`failed: ${errText(e)}`);
    ctx.notes.push(`training (tfjs-layers) failed: ${e?.stack ?? e}`);
  }
  for (const [impl, net, budget, maxEpochs] of ACCURACY_PLAN[cfg.mode]) {
    const r = await accuracyRun(ctx, impl, net, { budget, maxEpochs, subset, arrays, torch });
    result.accuracy.push(r);
    log(
      r.available
        ? `${impl} ${net}: ${r.reached ? `${(TARGET * 100).toFixed(0)}% after ${r.epochsToTarget} epochs, ${r.secondsToTarget.toFixed(1)} s` : `best ${(r.bestAccuracy * 100).toFixed(2)}%, stopped by ${r.stoppedBy}`}; peak RSS ${r.memory.peakRssMB} MB`
        : `${impl} ${net}: ${r.reason}`,
    );
  }
  const mem = result.accuracy.find((r) => r.available && r.impl === 'native' && r.net === 'mlp');
  result.memory = mem
    ? {
        available: true,
        run: 'native mlp (time-to-accuracy run)',
        peakRssMB: mem.memory.peakRssMB,
        rssByEpochMB: mem.memory.rssByEpochMB,
        growthFromEpoch2MB: mem.memory.growthFromEpoch2MB,
        growthFromEpoch2Pct: mem.memory.growthFromEpoch2Pct,
      }
    : unavailable('no native MLP run');
  return result;
}

/**
 * The PyTorch children, when `python3 -c "import torch"` works (DESCENT_BENCH_PYTHON
 * overrides): [on train_bench.py's default thread count, on one thread]. One child per thread
 * count: switching torch.set_num_threads between samples in one process would charge the
 * switch to PyTorch. Each is { proc, info, command } or { reason, command }.
 */
async function startTorch(ctx, cfg) {
  const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
  const command = `${py} ${PY_SCRIPT}`;
  if (cfg.without.has('torch')) {
    const r = { reason: 'disabled (--without torch)', command };
    return [r, r];
  }
  const probe = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = probe.error
      ? probe.error.message
      : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    const reason = `PyTorch leg skipped: ${py} cannot import torch (${why}); to enable it, pip install torch numpy (CPU wheel) or point DESCENT_BENCH_PYTHON at a Python that has them`;
    ctx.notes.push(reason);
    return [
      { reason, command },
      { reason, command },
    ];
  }
  const start = async (threads) => {
    const env = threads
      ? { ...process.env, DESCENT_BENCH_TORCH_THREADS: String(threads) }
      : undefined;
    const proc = new LineProcess(py, [PY_SCRIPT], {
      env,
      label: `PyTorch training child${threads ? ` (${threads} thread)` : ''}`,
    });
    try {
      return { proc, info: { available: true, ...(await proc.request('info')) }, command };
    } catch (e) {
      proc.close();
      return { reason: errText(e), command };
    }
  };
  return Promise.all([start(), start(1)]); // both import torch at once (seconds each)
}

/**
 * Descent's GEMM peak per thread count, { byThreads: { [t]: { gflops, shape, source } }, source }:
 * the best native GEMM GFLOP/s of the gemm section at its large shapes (m·k·n ≥ 512³) when it
 * ran in this suite, else measured here at 1024³ (smoke: 128³), in-process for all threads and
 * in the one-thread worker. It is what a step made only of GEMMs could reach.
 */
export async function gemmPeak(ctx) {
  const { cfg, peers, machine } = ctx;
  const all = machine.nativeThreads ?? 1;
  const byThreads = {};
  const rows = (ctx.results.gemm?.rows ?? []).filter((r) => r.m * r.k * r.n >= 512 ** 3);
  if (rows.length) {
    for (const [name, t] of [
      ['native', all],
      ['native-1t', 1],
    ]) {
      const best = rows
        .filter((r) => r.impls[name]?.available)
        .reduce((p, r) => (!p || r.impls[name].gflops.median > p.gflops ? pick(r, name) : p), null);
      if (best) byThreads[t] = best;
    }
    return { byThreads, source: 'gemm section of this run, best native GEMM at m·k·n ≥ 512³' };
  }
  const n = cfg.mode === 'smoke' ? 128 : 1024;
  const impls = [];
  if (peers.native) {
    const a = fillRandom(new Float32Array(n * n), 1);
    const b = fillRandom(new Float32Array(n * n), 2);
    const c = new Float32Array(n * n);
    const o = { m: n, n, k: n };
    impls.push({
      name: 'native',
      sample: (iters) => timeBatch(() => peers.native.gemm(a, b, c, o), iters),
      meta: { threads: all },
    });
  }
  if (peers.worker) {
    try {
      await peers.worker.request(`init gemm ${n} ${n} ${n}`);
      impls.push({ name: 'native-1t', sample: (it) => peers.worker.run(it), meta: { threads: 1 } });
    } catch {
      // no one-thread peak: the one-thread fractions stay n/a
    }
  }
  const measured = await measure(impls, cfg, { log: ctx.log });
  const row = { m: n, k: n, n, impls: {} };
  for (const [name, r] of Object.entries(measured))
    if (r.available)
      row.impls[name] = { ...r, gflops: statsOf(r.samplesSec, (s) => (2 * n ** 3) / s / 1e9) };
  if (row.impls.native) byThreads[all] = pick(row, 'native');
  if (row.impls['native-1t']) byThreads[1] = pick(row, 'native-1t');
  return {
    byThreads,
    source: `measured in the training section (the gemm section did not run), native GEMM ${n}³`,
  };
}

const pick = (r, name) => ({
  gflops: r.impls[name].gflops.median,
  spread: r.impls[name].gflops.spread,
  shape: `${r.m}×${r.k}×${r.n}`,
  impl: name,
});

/**
 * The GEMM interleaved with every step row as its peak: n³ (1024³; smoke 128³) on descent's
 * native backend, all threads in-process and one thread in a worker of its own
 * (DESCENT_THREADS=1; the suite's worker runs the one-thread step).
 */
async function startPeakGemm(ctx) {
  const { cfg, peers } = ctx;
  const n = cfg.mode === 'smoke' ? 128 : 1024;
  const out = { n, flop: 2 * n ** 3, native: null, worker: null, reasons: {} };
  if (peers.native) {
    const a = fillRandom(new Float32Array(n * n), 1);
    const b = fillRandom(new Float32Array(n * n), 2);
    const c = new Float32Array(n * n);
    const o = { m: n, n, k: n };
    out.native = () => peers.native.gemm(a, b, c, o);
  } else out.reasons['gemm-peak'] = peers.nativeReason;
  if (!peers.worker) out.reasons['gemm-peak-1t'] = peers.workerReason;
  else {
    const w = new LineProcess(process.execPath, [join(HERE, '..', 'lib', 'worker.mjs')], {
      env: { ...process.env, DESCENT_THREADS: '1' },
      label: 'descent GEMM-peak worker (DESCENT_THREADS=1)',
    });
    try {
      await w.request(`init gemm ${n} ${n} ${n}`);
      out.worker = w;
    } catch (e) {
      w.close();
      out.reasons['gemm-peak-1t'] = errText(e);
    }
  }
  return out;
}

async function stepCell(ctx, base, batch, arrays, [torch, torch1], peak, peakGemm) {
  const { lib, cfg, peers } = ctx;
  const net = { ...base, batch };
  const isDefault = batch === base.batch;
  const flops = stepFlops(net, batch);
  const row = {
    net: net.id,
    label: net.label,
    batch,
    defaultBatch: isDefault,
    flopsPerStep: flops,
    loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
    impls: {},
    ratios: {},
    loss: {},
  };
  const missing = {};
  const impls = [];
  const losses = {};
  const notHere = `measured at the default batch ${base.batch} only (slow; the other implementations show the scaling)`;
  for (const name of ['native', 'js']) {
    if (name === 'native' && !peers.native) {
      missing.native = peers.nativeReason;
      continue;
    }
    if (!isDefault && DEFAULT_BATCH_ONLY.includes(name)) {
      missing[name] = notHere;
      continue;
    }
    const tr = makeDescentTrainer(lib, net, name, { seed: SEED });
    const b = new Batcher(lib, arrays.train, batch, SEED);
    losses[name] = [];
    impls.push({
      name,
      sample: (iters) => {
        tr.activate();
        const t0 = performance.now();
        let v = 0;
        for (let i = 0; i < iters; i++) v = tr.step(b.next().x, b.y);
        const sec = (performance.now() - t0) / 1e3 / iters;
        losses[name].push(v);
        return sec;
      },
      meta: { threads: name === 'native' ? ctx.machine.nativeThreads : 1 },
    });
  }
  if (peers.worker) {
    try {
      await peers.worker.request(
        `init train ${net.id} ${SEED}${cfg.mode === 'smoke' ? ' subset' : ''} batch=${batch}`,
      );
      impls.push({
        name: 'native-1t',
        sample: (iters) => peers.worker.run(iters),
        meta: { threads: 1 },
      });
    } catch (e) {
      missing['native-1t'] = errText(e);
    }
  } else missing['native-1t'] = peers.workerReason;
  const tfs = [];
  for (const be of ['cpu', 'wasm']) {
    const name = `tfjs-${be}`;
    const t = peers.tfjs;
    if (!isDefault && DEFAULT_BATCH_ONLY.includes(name)) missing[name] = notHere;
    else if (!t?.available) missing[name] = t?.reason ?? 'tfjs not loaded';
    else if (!t.backends[be].available) missing[name] = t.backends[be].reason;
    else {
      try {
        if (!(await useTfBackend(t, be))) throw new Error(`tf.setBackend('${be}') failed`);
        const tr = makeTfjsTrainer(t.tf, net, { variant: 'manual', seed: SEED });
        tfs.push([be, tr]);
        const b = new Batcher(lib, arrays.train, batch, SEED, { library: false });
        losses[name] = [];
        impls.push({
          name,
          sample: async (iters) => {
            await useTfBackend(t, be);
            const t0 = performance.now();
            let v = 0;
            for (let i = 0; i < iters; i++) v = await tr.step(b.next().x, b.y);
            const sec = (performance.now() - t0) / 1e3 / iters;
            losses[name].push(v);
            return sec;
          },
          meta: { threads: t.backends[be].threads },
        });
      } catch (e) {
        missing[name] = errText(e);
      }
    }
  }
  const torchKeys = [];
  for (const [name, t] of [
    ['pytorch', torch],
    ['pytorch-1t', torch1],
  ]) {
    if (!t.proc) {
      missing[name] = t.reason;
      continue;
    }
    const key = `${net.id}-${batch}`;
    try {
      await t.proc.request(`init ${net.id} ${arrays.path} ${SEED} ${batch} 0 ${key}`);
      torchKeys.push([t, key]);
      impls.push({
        name,
        sample: async (iters) => (await t.proc.request(`run ${iters} ${key}`)).sec,
        meta: { threads: t.info.threads },
      });
    } catch (e) {
      missing[name] = errText(e);
    }
  }

  // descent's GEMM at a large size, sampled in the same rounds: the peak each step is set against
  if (peakGemm.native)
    impls.push({
      name: 'gemm-peak',
      sample: (iters) => timeBatch(peakGemm.native, iters),
      meta: { threads: ctx.machine.nativeThreads },
    });
  if (peakGemm.worker)
    impls.push({
      name: 'gemm-peak-1t',
      sample: (iters) => peakGemm.worker.run(iters),
      meta: { threads: 1 },
    });

  // A training step is milliseconds long and touches a few MB of weights and optimizer
  // state: samples of at least 0.2 s, so that the cold first step after another
  // implementation's sample (caches refilled) weighs little.
  const tcfg =
    cfg.mode === 'smoke'
      ? cfg
      : {
          ...cfg,
          sampleSec: Math.max(cfg.sampleSec, 0.2),
          caseBudgetSec: Math.max(cfg.caseBudgetSec, 3),
        };
  let measured;
  try {
    measured = await measure(impls, tcfg, { log: ctx.log });
  } finally {
    for (const [be, tr] of tfs) {
      await useTfBackend(peers.tfjs, be);
      tr.dispose();
    }
    for (const [t, key] of torchKeys) await t.proc.request(`drop ${key}`).catch(() => {});
  }
  const { n: pn, flop: pflop } = peakGemm;
  row.gemmPeak = { shape: `${pn}×${pn}×${pn}` };
  for (const name of ['gemm-peak', 'gemm-peak-1t']) {
    const r = measured[name];
    row.gemmPeak[name] = r?.available
      ? { ...r, gflops: statsOf(r.samplesSec, (x) => pflop / x / 1e9) }
      : (r ?? unavailable(peakGemm.reasons[name] ?? 'not measured'));
  }
  const peakFor = (threads) =>
    typeof threads !== 'number'
      ? null
      : threads === 1
        ? peak.byThreads[1]
        : peak.byThreads[ctx.machine.nativeThreads];
  for (const name of TRAIN_IMPLS) {
    const r = measured[name];
    if (!r) {
      row.impls[name] = unavailable(missing[name] ?? 'not measured');
      continue;
    }
    if (!r.available) {
      row.impls[name] = r;
      continue;
    }
    const gflops = statsOf(r.samplesSec, (s) => flops.total / s / 1e9);
    const p = peakFor(r.threads);
    // the interleaved GEMM at this implementation's thread count, round by round:
    // (flops / step time) / (GEMM flops / GEMM time) per round, median over rounds
    const pk =
      typeof r.threads !== 'number'
        ? null
        : row.gemmPeak[r.threads === 1 ? 'gemm-peak-1t' : 'gemm-peak'];
    const frac = pk?.available
      ? pairedFraction(pk.samplesSec, r.samplesSec, flops.total / pflop)
      : null;
    row.impls[name] = {
      ...r,
      samplesPerSec: statsOf(r.samplesSec, (s) => batch / s),
      gflops,
      peakGflops: pk?.available ? pk.gflops.median : null,
      fractionOfPeak: frac?.median ?? null,
      fractionOfPeakSpread: frac?.spread ?? null,
      // against the gemm section's best GEMM at this thread count (not interleaved)
      sectionPeakGflops: p?.gflops ?? null,
      fractionOfSectionPeak: p?.gflops ? gflops.median / p.gflops : null,
    };
  }
  // the loss after each sample: it should fall from ln 10 ≈ 2.3 in every implementation
  for (const [name, v] of Object.entries(losses)) if (v.length) row.loss[name] = v;
  const s = (x) => (row.impls[x]?.available ? row.impls[x].samplesPerSec.median : null);
  const div = (p, q) => (p !== null && q !== null && q > 0 ? p / q : null);
  // PyTorch at its best thread count here
  const torchBest = ['pytorch', 'pytorch-1t']
    .filter((k) => s(k) !== null)
    .reduce((a, k) => (a === null || s(k) > s(a) ? k : a), null);
  row.ratios = {
    nativeOverTfjsWasm: div(s('native'), s('tfjs-wasm')),
    nativeOverTfjsCpu: div(s('native'), s('tfjs-cpu')),
    nativeOverPytorch: div(s('native'), torchBest && s(torchBest)),
    pytorchReference: torchBest,
    nativeOverPytorch2t: div(s('native'), s('pytorch')),
    native1tOverPytorch1t: div(s('native-1t'), s('pytorch-1t')),
    nativeOverJs: div(s('native'), s('js')),
    nativeOverNative1t: div(s('native'), s('native-1t')),
    jsOverTfjsWasm: div(s('js'), s('tfjs-wasm')),
  };
  return row;
}

/**
 * Per round: (step flops / step seconds) / (GEMM flops / GEMM seconds) = GEMM seconds / step
 * seconds × `scale` (step flops / GEMM flops); stats over the rounds both have.
 */
function pairedFraction(peakSec, stepSec, scale) {
  const n = Math.min(peakSec.length, stepSec.length);
  return n ? stats(Array.from({ length: n }, (_, i) => (peakSec[i] / stepSec[i]) * scale)) : null;
}

/** One time-to-accuracy run in a fresh process (lib/train-child.mjs); its JSON, or why not. */
async function accuracyRun(ctx, impl, net, { budget, maxEpochs, subset, arrays, torch }) {
  const t = ctx.peers.tfjs;
  if (impl === 'native' && !ctx.peers.native) return skipped(impl, net, ctx.peers.nativeReason);
  if (impl === 'pytorch') {
    if (!torch.info) return skipped(impl, net, torch.reason);
    const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
    const args = [PY_SCRIPT, 'accuracy', net, arrays.path, SEED, TARGET, maxEpochs, budget];
    return childRun(ctx, impl, net, py, args.map(String));
  }
  if (impl.startsWith('tfjs-')) {
    const be = impl.slice(5);
    if (!t?.available) return skipped(impl, net, t?.reason ?? 'tfjs not loaded');
    if (!t.backends[be].available) return skipped(impl, net, t.backends[be].reason);
  }
  const args = [
    CHILD,
    impl,
    '--net',
    net,
    '--target',
    String(TARGET),
    '--budget',
    String(budget),
    '--max-epochs',
    String(maxEpochs),
    '--seed',
    String(SEED),
    ...(subset ? ['--subset'] : []),
  ];
  return childRun(ctx, impl, net, process.execPath, args);
}

/** Runs one time-to-accuracy child and reads the JSON line it prints. */
async function childRun(ctx, impl, net, bin, args) {
  const rel = (a) => a.replace(`${join(HERE, '..', '..')}/`, '');
  const command = `${bin === process.execPath ? 'node' : bin} ${args.map(rel).join(' ')}`;
  const { code, stdout, stderr } = await new Promise((resolve) => {
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
      ctx.log(String(d).trimEnd());
    });
    c.on('error', (e) => resolve({ code: -1, stdout: out, stderr: e.message }));
    c.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
  if (code !== 0)
    return skipped(impl, net, `${command} exited ${code}: ${stderr.trim().split('\n').at(-1)}`);
  try {
    return { available: true, command, ...JSON.parse(stdout.trim().split('\n').at(-1)) };
  } catch (e) {
    return skipped(impl, net, `${command}: unreadable output (${errText(e)})`);
  }
}

const skipped = (impl, net, reason) => ({ impl, net, ...unavailable(reason) });

const cellOf = (m) =>
  m?.available
    ? `${m.samplesPerSec.median.toFixed(0)} ${fmtSpread(m.samplesPerSec.spread)}`
    : 'n/a';
const ratio = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}×`);

export function printTraining(res, out) {
  out('Training on Fashion-MNIST, Adam lr 1e-3: samples/s of one step (higher is better)');
  if (!res.available) {
    out(`  not measured: ${res.reason}`);
    return;
  }
  out(`data: ${res.data.source} (${res.data.train} training images)`);
  out(
    table(
      ['net', 'batch', ...res.impls, 'nat/wasm', 'nat/torch', 'js/wasm'],
      res.rows.map((r) => [
        r.label,
        String(r.batch),
        ...res.impls.map((c) => cellOf(r.impls[c])),
        ratio(r.ratios.nativeOverTfjsWasm),
        `${ratio(r.ratios.nativeOverPytorch)}${r.ratios.pytorchReference === 'pytorch-1t' ? ' (1t)' : ''}`,
        ratio(r.ratios.jsOverTfjsWasm),
      ]),
    ),
  );
  out('nat/torch: against PyTorch at its faster thread count here ((1t): one thread)');
  const pk = res.gemmPeak;
  out('');
  out(
    `Useful GFLOP/s per step (GEMMs and convolutions, forward and backward) and, in brackets, the fraction of descent's native GEMM at ${res.rows[0]?.gemmPeak?.shape ?? 'n/a'} on the same thread count, sampled in the same interleaved rounds (per-round ratio, median; "peak" columns: that GEMM's GFLOP/s in the row). The gemm section's best, for reference: ${Object.entries(
      pk?.byThreads ?? {},
    )
      .map(([t, p]) => `${t} thread(s): ${p.gflops.toFixed(1)} GFLOP/s at ${p.shape}`)
      .join('; ')} (${pk?.source ?? 'no peak'})`,
  );
  if (pk?.note) out(`! ${pk.note}`);
  const gf = (m) =>
    m?.available
      ? `${m.gflops.median.toFixed(1)}${m.fractionOfPeak === null ? '' : ` (${(m.fractionOfPeak * 100).toFixed(0)}%)`}`
      : 'n/a';
  out(
    table(
      ['net', 'batch', 'MFLOP/step', ...res.impls, 'peak', 'peak 1t'],
      res.rows.map((r) => [
        r.label,
        String(r.batch),
        (r.flopsPerStep.total / 1e6).toFixed(1),
        ...res.impls.map((c) => gf(r.impls[c])),
        ...['gemm-peak', 'gemm-peak-1t'].map((k) =>
          r.gemmPeak?.[k]?.available ? r.gemmPeak[k].gflops.median.toFixed(1) : 'n/a',
        ),
      ]),
    ),
  );
  for (const r of res.rows)
    for (const c of res.impls)
      if (!r.impls[c].available && !(r.defaultBatch === false && res.defaultBatchOnly?.includes(c)))
        out(`  ${r.label} batch ${r.batch} ${c}: not measured: ${r.impls[c].reason}`);
  out('');
  out(
    `Time to ${(res.target * 100).toFixed(0)}% test accuracy (one fresh process per run, train + evaluate each epoch)`,
  );
  out(
    table(
      [
        'impl',
        'net',
        'reached',
        'epochs',
        'seconds',
        'best acc',
        'samples/s',
        'peak RSS MB',
        'RSS growth ep2→last',
      ],
      res.accuracy.map((a) =>
        a.available
          ? [
              a.impl,
              a.net,
              a.reached ? 'yes' : `no (${a.stoppedBy})`,
              String(a.epochsToTarget ?? a.epochs.length),
              a.reached ? a.secondsToTarget.toFixed(1) : `> ${a.epochs.at(-1).cumSec.toFixed(0)}`,
              `${(a.bestAccuracy * 100).toFixed(2)}%`,
              (
                a.epochs.reduce((s, e) => s + e.samplesPerSec * e.trainSec, 0) /
                a.epochs.reduce((s, e) => s + e.trainSec, 0)
              ).toFixed(0),
              String(a.memory.peakRssMB),
              a.memory.growthFromEpoch2MB === null
                ? 'n/a (< 2 epochs)'
                : `${a.memory.growthFromEpoch2MB} MB (${a.memory.growthFromEpoch2Pct}%)`,
            ]
          : [a.impl, a.net, 'not run', '', '', '', '', '', ''],
      ),
    ),
  );
  for (const a of res.accuracy) if (!a.available) out(`  ${a.impl} ${a.net}: not run: ${a.reason}`);
  out('');
  printLayers(res.layers, out);
}
