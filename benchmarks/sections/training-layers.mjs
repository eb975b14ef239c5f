// The training section's TensorFlow.js part: the suite's two networks as tfjs-layers models
// (lib/tfjs-layers.mjs), the same code on tfjs's `descent` backend (descent-ml/tfjs; descent's
// native kernels, and its js kernels as `descent-js`), `cpu` and `wasm`, in one run:
//
//   fit       model.fit samples/s, interleaved rounds, median ± half IQR; beside it wasm's
//             fastest way to train each network (`wasm-manual`: lib/tfjs-train.mjs's manual
//             step with custom gradients), which is the only way for the CNN (no
//             Conv2DBackpropFilter on wasm);
//   predict   model.predict samples/s on test images;
//   accuracy  test accuracy after equal epochs from the same weights and batch order, descent
//             beside cpu (and wasm for the MLP), and descent on more seeds for the spread.
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { useTfBackend } from '../lib/tfjs.mjs';
import {
  fitSampler,
  LAYERS_BACKENDS,
  layersModel,
  PREDICT_BATCH,
  predictSampler,
  trainForAccuracy,
  WASM_NO_CONV_GRAD,
} from '../lib/tfjs-layers.mjs';
import { makeTfjsTrainer } from '../lib/tfjs-train.mjs';
import { fmtSpread, statsOf, table } from '../lib/timing.mjs';
import { Batcher } from '../lib/train-data.mjs';

export const FIT_IMPLS = [...LAYERS_BACKENDS, 'wasm-manual'];
const SEED = 1;
/** Test images per model.predict sample. */
const PREDICT_COUNT = { full: 1024, quick: 512, smoke: 64 };

/** Accuracy runs per mode: net → { rows, epochs, testRows, descentSeeds, peers }. */
const ACCURACY = {
  full: {
    mlp: {
      rows: 12000,
      epochs: 2,
      testRows: 10000,
      descentSeeds: [1, 2, 3],
      peers: ['cpu', 'wasm'],
    },
    cnn: { rows: 1280, epochs: 1, testRows: 2000, descentSeeds: [1, 2, 3], peers: ['cpu'] },
  },
  quick: {
    mlp: { rows: 3000, epochs: 1, testRows: 2000, descentSeeds: [1, 2], peers: ['cpu', 'wasm'] },
    cnn: { rows: 640, epochs: 1, testRows: 1000, descentSeeds: [1, 2], peers: [] },
  },
  smoke: {
    mlp: { rows: 256, epochs: 1, testRows: 200, descentSeeds: [1], peers: ['cpu'] },
    cnn: { rows: 64, epochs: 1, testRows: 100, descentSeeds: [1], peers: [] },
  },
};

/** Which tfjs backend and descent kernels an implementation name means. */
const tfBackendOf = (impl) => (impl.startsWith('descent') ? 'descent' : impl.split('-')[0]);

export async function runLayers(ctx, arrays, nets) {
  const { lib, cfg, peers, log } = ctx;
  const t = peers.tfjs;
  if (!t?.available) return unavailable(t?.reason ?? 'tfjs not loaded');
  let descentReason = null;
  try {
    await import('../../dist/tfjs/index.js');
  } catch (e) {
    descentReason = `descent-ml/tfjs cannot load: ${errText(e)}`;
  }
  /** Why `impl` cannot run `net` for `purpose` ('fit' or 'predict'), or null. */
  const missing = (impl, net, purpose = 'fit') => {
    if (impl.startsWith('descent')) {
      if (descentReason) return descentReason;
      if (impl === 'descent' && !peers.native) return `native backend: ${peers.nativeReason}`;
      return null;
    }
    const be = tfBackendOf(impl);
    if (!t.backends[be].available) return t.backends[be].reason;
    if (impl === 'wasm' && net.conv.length && purpose === 'fit') return WASM_NO_CONV_GRAD;
    if (impl === 'cpu' && net.conv.length && cfg.mode !== 'full')
      return `skipped in --${cfg.mode}: tfjs cpu takes seconds per CNN batch (the full run measures it)`;
    return null;
  };
  /** Makes `impl`'s tfjs backend (and descent's kernels) current. */
  const use = async (impl) => {
    if (impl === 'descent') lib.setBackend('native');
    if (impl === 'descent-js') lib.setBackend('js');
    if (!(await useTfBackend(t, tfBackendOf(impl))))
      throw new Error(`tf.setBackend('${tfBackendOf(impl)}') failed`);
  };
  const result = {
    available: true,
    impls: FIT_IMPLS,
    predictBatch: PREDICT_BATCH,
    api: {
      descent:
        "import 'descent-ml/tfjs'; tf.setBackend('descent') (descent's native kernels): tf.sequential of tfjs-layers, compile(adam 1e-3, 'categoricalCrossentropy', ['accuracy']), model.fit(x, y, {batchSize, epochs: 1, shuffle: false}) per sample of batches",
      'descent-js': "the same with descent's js kernels (setBackend('js') in descent-ml)",
      cpu: "the same with tf.setBackend('cpu')",
      wasm: "the same with tf.setBackend('wasm')",
      'wasm-manual':
        "tf.setBackend('wasm'); lib/tfjs-train.mjs's manual step (tf.variable weights, custom gradients around wasm's slow and missing kernels, optimizer.minimize)",
    },
    fit: [],
    predict: [],
    accuracy: [],
  };
  for (const net of nets) {
    const fit = { net: net.id, label: net.label, batch: net.batch, impls: {}, loss: {} };
    const pred = { net: net.id, label: net.label, images: 0, impls: {} };
    const impls = [];
    const predImpls = [];
    const cleanup = [];
    const notHere = { fit: {}, predict: {} };
    const predictCount = Math.min(PREDICT_COUNT[cfg.mode], arrays.test.n);
    for (const impl of FIT_IMPLS) {
      const why = impl === 'wasm-manual' ? missing('wasm', { conv: [] }) : missing(impl, net);
      const whyPredict = impl === 'wasm-manual' ? 'not a model' : missing(impl, net, 'predict');
      if (why) notHere.fit[impl] = why;
      if (whyPredict) notHere.predict[impl] = whyPredict;
      if (why && whyPredict) continue;
      try {
        await use(impl);
        const batcher = new Batcher(lib, arrays.train, net.batch, SEED, { library: false });
        if (impl === 'wasm-manual') {
          const tr = makeTfjsTrainer(t.tf, net, { variant: 'manual', seed: SEED });
          cleanup.push([impl, () => tr.dispose()]);
          fit.loss[impl] = [];
          impls.push({
            name: impl,
            sample: async (iters) => {
              await use(impl);
              const t0 = performance.now();
              let v = 0;
              for (let i = 0; i < iters; i++) v = await tr.step(batcher.next().x, batcher.y);
              fit.loss[impl].push(v);
              return (performance.now() - t0) / 1e3 / iters;
            },
            meta: { threads: t.backends.wasm.threads },
          });
          continue;
        }
        const model = layersModel(t.tf, net, { seed: SEED });
        cleanup.push([impl, () => model.dispose()]);
        const f = fitSampler(t.tf, net, model, batcher);
        const threads =
          impl === 'descent'
            ? ctx.machine.nativeThreads
            : impl === 'wasm'
              ? t.backends.wasm.threads
              : 1;
        if (!why) {
          fit.loss[impl] = f.losses;
          impls.push({
            name: impl,
            sample: async (iters) => {
              await use(impl);
              return f.sample(iters);
            },
            meta: { threads },
          });
        }
        if (whyPredict) continue;
        const p = predictSampler(t.tf, net, model, arrays.test, predictCount);
        cleanup.push([impl, () => p.dispose()]);
        predImpls.push({
          name: impl,
          sample: async (iters) => {
            await use(impl);
            return p.sample(iters);
          },
          meta: { threads },
        });
      } catch (e) {
        notHere.fit[impl] ??= errText(e);
        notHere.predict[impl] ??= errText(e);
      }
    }
    const tcfg =
      cfg.mode === 'smoke'
        ? cfg
        : {
            ...cfg,
            sampleSec: Math.max(cfg.sampleSec, 0.3),
            caseBudgetSec: Math.max(cfg.caseBudgetSec, 4),
          };
    let fitM = {};
    let predM = {};
    try {
      fitM = await measure(impls, tcfg, { log });
      predM = await measure(predImpls, tcfg, { log });
    } finally {
      for (const [impl, dispose] of cleanup) {
        await use(impl).catch(() => {});
        dispose();
      }
    }
    const fill = (row, m, batch, why) => {
      for (const impl of FIT_IMPLS) {
        const r = m[impl];
        if (!r) row.impls[impl] = unavailable(why[impl] ?? 'not measured');
        else
          row.impls[impl] = r.available
            ? { ...r, samplesPerSec: statsOf(r.samplesSec, (s) => batch / s) }
            : r;
      }
    };
    fill(fit, fitM, net.batch, notHere.fit);
    pred.images = predictCount;
    fill(pred, predM, predictCount, notHere.predict);
    delete pred.impls['wasm-manual'];
    const s = (row, x) => (row.impls[x]?.available ? row.impls[x].samplesPerSec.median : null);
    const div = (p, q) => (p !== null && q !== null && q > 0 ? p / q : null);
    fit.ratios = {
      descentOverWasm: div(s(fit, 'descent'), s(fit, 'wasm')),
      descentOverWasmManual: div(s(fit, 'descent'), s(fit, 'wasm-manual')),
      descentOverCpu: div(s(fit, 'descent'), s(fit, 'cpu')),
      descentJsOverCpu: div(s(fit, 'descent-js'), s(fit, 'cpu')),
    };
    pred.ratios = {
      descentOverWasm: div(s(pred, 'descent'), s(pred, 'wasm')),
      descentOverCpu: div(s(pred, 'descent'), s(pred, 'cpu')),
      descentJsOverCpu: div(s(pred, 'descent-js'), s(pred, 'cpu')),
    };
    result.fit.push(fit);
    result.predict.push(pred);
    log(
      `tfjs-layers ${net.label}: fit ${FIT_IMPLS.filter((k) => fit.impls[k].available)
        .map((k) => `${k} ${s(fit, k).toFixed(0)}`)
        .join(', ')} samples/s`,
    );
  }
  // accuracy after equal epochs
  for (const net of nets) {
    const plan = ACCURACY[cfg.mode][net.id];
    const runs = [
      ...plan.descentSeeds.map((seed) => ['descent', seed]),
      ...plan.peers.map((impl) => [impl, SEED]),
    ];
    const accs = [];
    for (const [impl, seed] of runs) {
      const base = {
        net: net.id,
        impl,
        seed,
        rows: plan.rows,
        epochs: plan.epochs,
        testRows: plan.testRows,
      };
      const why = missing(impl, net);
      if (why) {
        result.accuracy.push({ ...base, ...unavailable(why) });
        continue;
      }
      try {
        await use(impl);
        const r = await trainForAccuracy(t.tf, lib, net, arrays, { seed, ...plan });
        accs.push({ ...base, available: true, ...r });
        log(
          `tfjs-layers ${net.id} ${impl} seed ${seed}: test accuracy ${(r.accuracy * 100).toFixed(2)}% (${r.seconds.toFixed(1)} s)`,
        );
      } catch (e) {
        accs.push({ ...base, ...unavailable(errText(e)) });
      }
    }
    result.accuracy.push(...accs);
  }
  return result;
}

const cellOf = (m) =>
  m?.available
    ? `${m.samplesPerSec.median.toFixed(0)} ${fmtSpread(m.samplesPerSec.spread)}`
    : 'n/a';
const ratio = (x) => (x === null || x === undefined ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}×`);

/** Per net: descent's accuracy on seed 1, the spread over its seeds, and each peer's. */
export function accuracySummary(res) {
  const nets = [...new Set(res.accuracy.map((a) => a.net))];
  return nets.map((net) => {
    const rows = res.accuracy.filter((a) => a.net === net && a.available);
    const ours = rows.filter((a) => a.impl === 'descent');
    const accs = ours.map((a) => a.accuracy);
    const first = ours.find((a) => a.seed === SEED);
    return {
      net,
      rows: rows[0]?.rows,
      epochs: rows[0]?.epochs,
      descent: first?.accuracy ?? null,
      seedSpread: accs.length > 1 ? Math.max(...accs) - Math.min(...accs) : null,
      peers: Object.fromEntries(
        rows.filter((a) => a.impl !== 'descent').map((a) => [a.impl, a.accuracy]),
      ),
    };
  });
}

export function printLayers(res, out) {
  out(
    'TensorFlow.js programs unchanged on tfjs backends: tfjs-layers model.fit samples/s (higher is better)',
  );
  if (!res?.available) {
    out(`  not measured: ${res?.reason ?? 'not run'}`);
    return;
  }
  out(
    table(
      ['net', 'batch', ...res.impls, 'descent/wasm', 'descent/wasm-manual', 'descent-js/cpu'],
      res.fit.map((r) => [
        r.label,
        String(r.batch),
        ...res.impls.map((c) => cellOf(r.impls[c])),
        ratio(r.ratios.descentOverWasm),
        ratio(r.ratios.descentOverWasmManual),
        ratio(r.ratios.descentJsOverCpu),
      ]),
    ),
  );
  for (const r of res.fit)
    for (const c of res.impls)
      if (!r.impls[c].available) out(`  ${r.label} ${c}: not measured: ${r.impls[c].reason}`);
  out('');
  out(`model.predict samples/s (batchSize ${res.predictBatch}, output read back)`);
  const pi = LAYERS_BACKENDS;
  out(
    table(
      ['net', ...pi, 'descent/wasm', 'descent/cpu'],
      res.predict.map((r) => [
        r.label,
        ...pi.map((c) => cellOf(r.impls[c])),
        ratio(r.ratios.descentOverWasm),
        ratio(r.ratios.descentOverCpu),
      ]),
    ),
  );
  out('');
  out(
    'Test accuracy after equal epochs (same weights and batch order; descent on more seeds for the spread)',
  );
  out(
    table(
      ['net', 'backend', 'seed', 'train images', 'epochs', 'test images', 'accuracy', 'seconds'],
      res.accuracy.map((a) => [
        a.net,
        a.impl,
        String(a.seed),
        String(a.rows),
        String(a.epochs),
        String(a.testRows),
        a.available ? `${(a.accuracy * 100).toFixed(2)}%` : 'n/a',
        a.available ? a.seconds.toFixed(1) : a.reason,
      ]),
    ),
  );
}
