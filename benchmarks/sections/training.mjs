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
//                 pytorch    torch on CPU (benchmarks/py/train_bench.py), when importable
//   layers      TensorFlow.js programs unchanged on tfjs backends: tfjs-layers model.fit and
//               model.predict samples/s on `descent` (descent-ml/tfjs), `cpu` and `wasm`, and
//               test accuracy after equal epochs (sections/training-layers.mjs)
//   accuracy    seconds to 88% test accuracy and memory (peak RSS, growth from the end of
//               epoch 2 to the last), each run in a fresh process (lib/train-child.mjs; for
//               PyTorch py/train_bench.py accuracy), one after the other: descent through
//               train.fit, tfjs through its manual step, PyTorch through its usual loop.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineProcess } from '../lib/cref.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { useTfBackend } from '../lib/tfjs.mjs';
import { makeTfjsTrainer } from '../lib/tfjs-train.mjs';
import { fmtSpread, statsOf, table } from '../lib/timing.mjs';
import { Batcher, loadArrays, makeDescentTrainer, NETS } from '../lib/train-data.mjs';
import { printLayers, runLayers } from './training-layers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PY_SCRIPT = join(HERE, '..', 'py', 'train_bench.py');
const CHILD = join(HERE, '..', 'lib', 'train-child.mjs');
export const TRAIN_IMPLS = ['native', 'native-1t', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'];
const TARGET = 0.88;
const SEED = 1;

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
  const torch = await startTorch(ctx, cfg);
  const result = {
    available: true,
    data: { source: arrays.source, path: arrays.path, train: arrays.train.n, test: arrays.test.n },
    nets: Object.fromEntries(Object.values(NETS).map((n) => [n.id, n.description])),
    impls: TRAIN_IMPLS,
    target: TARGET,
    pytorch: torch.info ?? unavailable(torch.reason, { command: torch.command }),
    api: {
      native:
        "setBackend('native'); per batch: model.zeroGrad(), model.forward(x, {training: true}) recording the tape, CrossEntropyLoss.forward (dL/dlogits), logits.backward(dL/dlogits), Adam.step() (the step train.fit takes)",
      'native-1t': 'the same in the worker process started with DESCENT_THREADS=1',
      js: "the same with setBackend('js')",
      'tfjs-cpu':
        "tf.variable weights, optimizer.minimize(() => softmaxCrossEntropy(forward(x))) with setBackend('cpu'), loss read back each step (lib/tfjs-train.mjs)",
      'tfjs-wasm': "the same with setBackend('wasm')",
      pytorch: `${torch.command ?? 'python3 benchmarks/py/train_bench.py'}: zero_grad, forward, CrossEntropyLoss, backward, Adam.step`,
    },
    rows: [],
    accuracy: [],
    memory: null,
  };
  try {
    for (const net of Object.values(NETS)) {
      const row = await stepCell(ctx, net, arrays, torch);
      result.rows.push(row);
      log(
        `${net.label}: ${TRAIN_IMPLS.filter((k) => row.impls[k].available)
          .map((k) => `${k} ${row.impls[k].samplesPerSec.median.toFixed(0)}`)
          .join(', ')} samples/s`,
      );
    }
  } finally {
    torch.proc?.close();
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

/** The PyTorch child, when `python3 -c "import torch"` works (DESCENT_BENCH_PYTHON overrides). */
async function startTorch(ctx, cfg) {
  const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
  const command = `${py} ${PY_SCRIPT}`;
  if (cfg.without.has('torch')) return { reason: 'disabled (--without torch)', command };
  const probe = spawnSync(py, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = probe.error
      ? probe.error.message
      : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    const reason = `PyTorch leg skipped: ${py} cannot import torch (${why}); to enable it, pip install torch numpy (CPU wheel) or point DESCENT_BENCH_PYTHON at a Python that has them`;
    ctx.notes.push(reason);
    return { reason, command };
  }
  const proc = new LineProcess(py, [PY_SCRIPT], { label: 'PyTorch training child' });
  try {
    return { proc, info: { available: true, ...(await proc.request('info')) }, command };
  } catch (e) {
    proc.close();
    return { reason: errText(e), command };
  }
}

async function stepCell(ctx, net, arrays, torch) {
  const { lib, cfg, peers } = ctx;
  const row = { net: net.id, label: net.label, batch: net.batch, impls: {}, ratios: {}, loss: {} };
  const missing = {};
  const impls = [];
  const losses = {};
  for (const name of ['native', 'js']) {
    if (name === 'native' && !peers.native) {
      missing.native = peers.nativeReason;
      continue;
    }
    const tr = makeDescentTrainer(lib, net, name, { seed: SEED });
    const b = new Batcher(lib, arrays.train, net.batch, SEED);
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
        `init train ${net.id} ${SEED}${cfg.mode === 'smoke' ? ' subset' : ''}`,
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
    if (!t?.available) missing[name] = t?.reason ?? 'tfjs not loaded';
    else if (!t.backends[be].available) missing[name] = t.backends[be].reason;
    else {
      try {
        if (!(await useTfBackend(t, be))) throw new Error(`tf.setBackend('${be}') failed`);
        const tr = makeTfjsTrainer(t.tf, net, { variant: 'manual', seed: SEED });
        tfs.push([be, tr]);
        const b = new Batcher(lib, arrays.train, net.batch, SEED);
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
  if (torch.proc) {
    try {
      await torch.proc.request(`init ${net.id} ${arrays.path} ${SEED}`);
      impls.push({
        name: 'pytorch',
        sample: (iters) => torch.proc.run(iters),
        meta: { threads: torch.info.threads },
      });
    } catch (e) {
      missing.pytorch = errText(e);
    }
  } else missing.pytorch = torch.reason;

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
  }
  for (const name of TRAIN_IMPLS) {
    const r = measured[name];
    if (!r) row.impls[name] = unavailable(missing[name] ?? 'not measured');
    else
      row.impls[name] = r.available
        ? { ...r, samplesPerSec: statsOf(r.samplesSec, (s) => net.batch / s) }
        : r;
  }
  // the loss after each sample: it should fall from ln 10 ≈ 2.3 in every implementation
  for (const [name, v] of Object.entries(losses)) if (v.length) row.loss[name] = v;
  const s = (x) => (row.impls[x]?.available ? row.impls[x].samplesPerSec.median : null);
  const div = (p, q) => (p !== null && q !== null && q > 0 ? p / q : null);
  row.ratios = {
    nativeOverTfjsWasm: div(s('native'), s('tfjs-wasm')),
    nativeOverTfjsCpu: div(s('native'), s('tfjs-cpu')),
    nativeOverPytorch: div(s('native'), s('pytorch')),
    nativeOverJs: div(s('native'), s('js')),
    nativeOverNative1t: div(s('native'), s('native-1t')),
    jsOverTfjsWasm: div(s('js'), s('tfjs-wasm')),
  };
  return row;
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
        ratio(r.ratios.nativeOverPytorch),
        ratio(r.ratios.jsOverTfjsWasm),
      ]),
    ),
  );
  for (const r of res.rows)
    for (const c of res.impls)
      if (!r.impls[c].available) out(`  ${r.label} ${c}: not measured: ${r.impls[c].reason}`);
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
