// Optimizer steps: M params/s of every elementwise optimizer of descent, per implementation:
//   native         optimizer.step() on the native backend, all its threads (what users call)
//   native-kernel  the raw fused kernel the class calls (kernels.optimStep), replayed: the
//                  difference to `native` is the class's per-step overhead
//   native-1t      optimizer.step(), native backend, DESCENT_THREADS=1 (worker process)
//   js             optimizer.step() on the js backend
//   c              the same update as a plain C loop (benchmarks/c/optim.c), one thread
//   tfjs-cpu/wasm  TensorFlow.js's tf.train optimizer on a tf.Variable with a fixed gradient
import { compileC, LineProcess } from '../lib/cref.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import {
  cOptions,
  makeDescent,
  makeKernelReplay,
  OPTIMIZERS,
  optionsOf,
  startArrays,
} from '../lib/optimizers.mjs';
import { useTfBackend } from '../lib/tfjs.mjs';
import { fmtSpread, pairedRatio, statsOf, table, timeBatch } from '../lib/timing.mjs';
import { inplaceGBs } from './bandwidth.mjs';

export const OPTIM_IMPLS = [
  'native',
  'native-kernel',
  'native-1t',
  'js',
  'c',
  'tfjs-cpu',
  'tfjs-wasm',
];

/** Steps every implementation takes from the shared start before the results are compared. */
const CHECK_STEPS = 8;
/** Relative tolerance of the comparison (float32 steps, different rounding orders). */
const CHECK_TOL = 1e-4;

export const fmtN = (n) =>
  n >= 1 << 20 && n % (1 << 20) === 0
    ? `${n / (1 << 20)}M`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024}K`
      : `${n}`;

export async function runOptimizers(ctx) {
  const { cfg, log, peers } = ctx;
  const native = peers.native;
  const specs = OPTIMIZERS.filter((s) => !cfg.optimizers || cfg.optimizers.includes(s.id));
  const cBuild = cfg.without.has('c')
    ? { ok: false, cmd: null, error: 'disabled (--without c)' }
    : compileC('optim.c', { name: 'optim_ref' });
  const cproc = cBuild.ok
    ? new LineProcess(cBuild.bin, [], { label: 'C optimizer reference' })
    : null;
  const cMissing = cBuild.ok
    ? null
    : `C reference unavailable (${cBuild.cmd ?? 'cc'}: ${cBuild.error})`;
  if (cMissing) ctx.notes.push(cMissing);
  const result = {
    available: true,
    sizes: cfg.optimSizes,
    impls: OPTIM_IMPLS,
    checkSteps: CHECK_STEPS,
    checkTolerance: CHECK_TOL,
    commands: {
      cCompile: cBuild.cmd,
      cServer: cBuild.ok
        ? `${cBuild.bin} (line protocol: init <optimizer> <n> key=value… / run <iters> / sum)`
        : null,
      cStandalone: cBuild.ok
        ? `${cBuild.bin} <optimizer> <n> <warmupSteps> <reps> <iters> [key=value…]`
        : null,
      worker: peers.worker?.command ?? null,
    },
    api: {
      native:
        "optimizer.step() with setBackend('native') (e.g. new optim.Adam([{data, grad}], {lr}))",
      'native-kernel':
        "backend('native').kernels.optimStep(kind, params, grads, states, hyper, segments), the call the class makes, replayed",
      'native-1t': 'as native, in a child process started with DESCENT_THREADS=1',
      js: "optimizer.step() with setBackend('js')",
      c: 'benchmarks/c/optim.c, one thread, same start values and options',
      'tfjs-cpu': "tf.train.<optimizer>.applyGradients({[v.name]: g}) with tf.setBackend('cpu')",
      'tfjs-wasm': "the same with tf.setBackend('wasm')",
    },
    rows: [],
  };
  try {
    for (const spec of specs) {
      let prev = null;
      for (const n of cfg.optimSizes) {
        const t0 = performance.now();
        const row = await cell(ctx, spec, n, { cproc, cMissing, native, prev });
        result.rows.push(row);
        prev = row;
        log(
          `${spec.label} ${fmtN(n)} (${((performance.now() - t0) / 1e3).toFixed(1)} s): ${OPTIM_IMPLS.filter(
            (k) => row.impls[k].available,
          )
            .map((k) => `${k} ${row.impls[k].mParamsPerSec.median.toFixed(0)}`)
            .join(', ')} Mparam/s`,
        );
      }
    }
  } finally {
    cproc?.close();
  }
  return result;
}

/** Seconds per step of `name` expected at n, scaled from the previous (smaller) size's row. */
function estimate(prev, name, n) {
  const m = prev?.impls[name];
  if (!m) return undefined;
  const sec = m.available ? m.secPerOp.median : m.estimatedSecPerOp;
  return sec ? (sec * n) / prev.n : undefined;
}

async function cell(ctx, spec, n, { cproc, cMissing, native, prev }) {
  const { lib, cfg, peers } = ctx;
  const row = {
    optimizer: spec.id,
    label: spec.label,
    class: `optim.${spec.cls}`,
    options: spec.options,
    n,
    bytesPerParam: spec.bytes,
    impls: {},
    ratios: {},
    check: null,
  };
  const missing = {};
  startArrays(n); // shared start values, computed once per size

  // Children first, so that they fill their arrays while this process fills its own.
  const fail = (name, reason) => {
    missing[name] = reason;
    return false;
  };
  let cOpts = null;
  try {
    cOpts = cOptions(optionsOf(lib, spec));
  } catch (e) {
    fail('c', errText(e));
  }
  const workerInit = peers.worker
    ? peers.worker.request(`init optim ${spec.id} ${n}`).then(
        () => true,
        (e) => fail('native-1t', errText(e)),
      )
    : Promise.resolve(fail('native-1t', peers.workerReason));
  const cInit =
    cproc && cOpts
      ? cproc.request(`init ${spec.id} ${n} ${cOpts.join(' ')}`).then(
          () => true,
          (e) => fail('c', errText(e)),
        )
      : Promise.resolve(missing.c ? false : fail('c', cMissing));
  const local = {};
  try {
    if (native) local.native = makeDescent(lib, spec, n, 'native');
    else missing.native = peers.nativeReason;
  } catch (e) {
    missing.native = errText(e);
  }
  try {
    local.js = makeDescent(lib, spec, n, 'js');
  } catch (e) {
    missing.js = errText(e);
  }
  let replay = null;
  if (native) {
    try {
      replay = makeKernelReplay(lib, spec, n, 'native', CHECK_STEPS);
      if (!replay) missing['native-kernel'] = 'the step made no kernels.optimStep call';
    } catch (e) {
      missing['native-kernel'] = errText(e);
    }
  } else missing['native-kernel'] = peers.nativeReason;
  const [hasWorker, hasC] = await Promise.all([workerInit, cInit]);

  // Same update? CHECK_STEPS steps of each from the same start, compared by checksums.
  if (n === cfg.optimSizes[0]) row.check = await check(ctx, local, hasWorker, hasC ? cproc : null);

  // TensorFlow.js peers
  const tfjs = {};
  for (const be of ['cpu', 'wasm']) {
    const name = `tfjs-${be}`;
    const t = peers.tfjs;
    if (!spec.tfjs)
      missing[name] =
        `tfjs has no ${spec.label} optimizer (tf.train: sgd, momentum, adagrad, adadelta, adam, adamax, rmsprop; measured here for SGD+momentum, Adam, RMSprop, Adagrad)`;
    else if (!t?.available) missing[name] = t?.reason ?? 'tfjs not loaded';
    else if (!t.backends[be].available) missing[name] = t.backends[be].reason;
    else if (estimate(prev, name, n) > cfg.caseBudgetSec) {
      // not even set up: at 16M the cpu backend's steps take seconds each
      missing[name] =
        `one step would take ~${estimate(prev, name, n).toFixed(1)} s (scaled from ${fmtN(prev.n)}), over the per-case budget of ${cfg.caseBudgetSec} s${cfg.mode === 'full' ? '' : ` (--${cfg.mode}; the full run measures it)`}`;
    } else {
      try {
        if (!(await useTfBackend(t, be))) throw new Error(`tf.setBackend('${be}') failed`);
        const { tf } = t;
        const start = startArrays(n);
        const p0 = tf.tensor1d(start.p);
        const v = tf.variable(p0);
        p0.dispose(); // the variable keeps its own reference to the data
        const g = tf.tensor1d(start.g);
        const opt = spec.tfjs(tf);
        const grads = { [v.name]: g };
        tfjs[be] = { v, g, opt, grads };
      } catch (e) {
        missing[name] = errText(e);
      }
    }
  }

  const impls = [];
  if (local.native) {
    const d = local.native;
    impls.push({
      name: 'native',
      sample: (iters) => {
        d.activate();
        return timeBatch(d.step, iters);
      },
      meta: { threads: ctx.machine.nativeThreads },
    });
  }
  if (replay) {
    impls.push({
      name: 'native-kernel',
      sample: (iters) => timeBatch(replay.step, iters),
      meta: { threads: ctx.machine.nativeThreads, kernelCalls: replay.calls.length },
    });
  }
  if (hasWorker) {
    impls.push({
      name: 'native-1t',
      sample: (iters) => peers.worker.run(iters),
      meta: { threads: 1 },
    });
  }
  if (local.js) {
    const d = local.js;
    impls.push({
      name: 'js',
      sample: (iters) => {
        d.activate();
        return timeBatch(d.step, iters);
      },
      meta: { threads: 1 },
    });
  }
  if (hasC) impls.push({ name: 'c', sample: (iters) => cproc.run(iters), meta: { threads: 1 } });
  for (const [be, x] of Object.entries(tfjs)) {
    const t = peers.tfjs;
    impls.push({
      name: `tfjs-${be}`,
      sample: async (iters) => {
        await useTfBackend(t, be);
        return timeBatch(() => x.opt.applyGradients(x.grads), iters);
      },
      meta: { threads: t.backends[be].threads, call: spec.tfjsCall },
    });
  }

  for (const im of impls) im.estimateSec = estimate(prev, im.name, n);
  let measured = {};
  try {
    measured = await measure(impls, cfg, { log: ctx.log });
  } finally {
    for (const [be, x] of Object.entries(tfjs)) {
      try {
        await useTfBackend(peers.tfjs, be);
        x.opt.dispose();
        x.v.dispose();
        x.g.dispose();
      } catch {
        // best effort
      }
    }
  }
  for (const name of OPTIM_IMPLS) {
    const m = measured[name];
    if (!m) {
      row.impls[name] = unavailable(missing[name] ?? 'not measured');
      continue;
    }
    row.impls[name] = m.available
      ? { ...m, mParamsPerSec: statsOf(m.samplesSec, (t) => n / t / 1e6) }
      : m;
  }
  ratios(ctx, row);
  return row;
}

/** Runs CHECK_STEPS steps of every implementation and compares checksums with the C loop. */
async function check(ctx, local, hasWorker, cproc) {
  const values = {};
  try {
    for (const [name, d] of Object.entries(local)) {
      d.activate();
      for (let i = 0; i < CHECK_STEPS; i++) d.step();
      values[name] = d.sums();
    }
    if (hasWorker) {
      await ctx.peers.worker.run(CHECK_STEPS);
      values['native-1t'] = await ctx.peers.worker.request('sum');
    }
    if (cproc) {
      await cproc.run(CHECK_STEPS);
      values.c = await cproc.request('sum');
    }
  } catch (e) {
    return { steps: CHECK_STEPS, ok: false, error: errText(e), values };
  }
  const refName = values.c ? 'c' : 'js';
  const ref = values[refName];
  let ok = true;
  for (const v of Object.values(values)) {
    const scale = Math.max(1e-30, Math.abs(ref.sumAbs));
    v.relDiffAbs = Math.abs(v.sumAbs - ref.sumAbs) / scale;
    v.relDiffW = Math.abs(v.sumW - ref.sumW) / scale;
    v.ok = v.relDiffAbs <= CHECK_TOL && v.relDiffW <= CHECK_TOL;
    ok &&= v.ok;
  }
  return { steps: CHECK_STEPS, reference: refName, tolerance: CHECK_TOL, ok, values };
}

function ratios(ctx, row) {
  const im = row.impls;
  const mp = (k) => (im[k]?.available ? im[k].mParamsPerSec.median : null);
  const div = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
  const r = row.ratios;
  r.nativeOverC = div(mp('native'), mp('c'));
  r.native1tOverC = div(mp('native-1t'), mp('c'));
  r.nativeOverJs = div(mp('native'), mp('js'));
  r.nativeOverTfjsWasm = div(mp('native'), mp('tfjs-wasm'));
  r.nativeOverTfjsCpu = div(mp('native'), mp('tfjs-cpu'));
  r.jsOverTfjsCpu = div(mp('js'), mp('tfjs-cpu'));
  if (im.native?.available && im.c?.available) {
    // per round: C time / native time = native throughput over C's
    r.nativeOverCPaired = pairedRatio(im.c.samplesSec, im.native.samplesSec);
  }
  if (im.native?.available && im['native-kernel']?.available) {
    r.classOverheadUs = (im.native.secPerOp.median - im['native-kernel'].secPerOp.median) * 1e6;
  }
  // Bandwidth: GB/s moved (bytesPerParam per parameter) against the in-place stream of the
  // bandwidth section at the working set of a 16M Adam step, with as many threads as the
  // implementation used. Meaningful at the largest size only (the others sit in cache).
  const bw = ctx.results.bandwidth;
  const threads = ctx.machine.nativeThreads ?? 1;
  row.bandwidth = {};
  for (const [k, t] of [
    ['native', threads],
    ['native-1t', 1],
    ['c', 1],
  ]) {
    if (!im[k]?.available) continue;
    const gbs = (im[k].mParamsPerSec.median * row.bytesPerParam) / 1e3;
    const ref = inplaceGBs(bw, 'adam16m', t) ?? inplaceGBs(bw, 'small', t);
    row.bandwidth[k] = { gbs, streamGBs: ref, fraction: ref ? gbs / ref : null };
  }
}

const cellOf = (m) =>
  m?.available
    ? `${m.mParamsPerSec.median.toFixed(m.mParamsPerSec.median < 10 ? 2 : 0)} ${fmtSpread(m.mParamsPerSec.spread)}`
    : 'n/a';
const x = (v, d = 2) => (v === null || v === undefined ? 'n/a' : `${v.toFixed(d)}×`);

export function printOptimizers(res, out, ctx) {
  out(
    'Optimizer step, fp32, M params/s (higher is better); median ±half IQR over interleaved rounds',
  );
  out(
    `native: optimizer.step() on the native backend (${ctx.machine.nativeThreads ?? '?'} threads); kernel: the fused kernel alone; native-1t: DESCENT_THREADS=1; C: plain loop, 1 thread`,
  );
  for (const n of res.sizes) {
    const rows = res.rows.filter((r) => r.n === n);
    if (!rows.length) continue;
    out('');
    out(`${fmtN(n)} parameters (${n})`);
    out(
      table(
        [
          'optimizer',
          'native',
          'kernel',
          'native-1t',
          'js',
          'C 1t',
          'tfjs wasm',
          'tfjs cpu',
          'nat/C',
          '1t/C',
          'nat/js',
          'BW',
        ],
        rows.map((r) => [
          r.label,
          cellOf(r.impls.native),
          cellOf(r.impls['native-kernel']),
          cellOf(r.impls['native-1t']),
          cellOf(r.impls.js),
          cellOf(r.impls.c),
          r.impls['tfjs-wasm'].available ? cellOf(r.impls['tfjs-wasm']) : '-',
          r.impls['tfjs-cpu'].available ? cellOf(r.impls['tfjs-cpu']) : '-',
          x(r.ratios.nativeOverC),
          x(r.ratios.native1tOverC),
          x(r.ratios.nativeOverJs, 1),
          r.bandwidth?.native?.fraction
            ? `${(r.bandwidth.native.fraction * 100).toFixed(0)}%`
            : 'n/a',
        ]),
      ),
    );
  }
  out('');
  out(
    `BW (${fmtN(res.sizes.at(-1))} only): native GB/s moved (bytes/param × params/s) as a fraction of the in-place C stream (a += b + s·c) at a 16M-Adam working set, same thread count.`,
  );
  const skipped = [];
  for (const r of res.rows)
    for (const [k, m] of Object.entries(r.impls))
      if (
        !m.available &&
        ((k !== 'tfjs-cpu' && k !== 'tfjs-wasm') ||
          OPTIMIZERS.find((o) => o.id === r.optimizer)?.tfjs)
      )
        skipped.push(`${r.label} ${fmtN(r.n)} ${k}: ${m.reason}`);
  if (skipped.length) {
    out('Not measured:');
    for (const s of skipped.slice(0, 30)) out(`  ${s}`);
    if (skipped.length > 30) out(`  … and ${skipped.length - 30} more (see the JSON)`);
  }
  const bad = res.rows.filter((r) => r.check && !r.check.ok);
  if (bad.length) {
    out(`! result check failed (${CHECK_STEPS} steps, tolerance ${CHECK_TOL}):`);
    for (const r of bad)
      out(
        `  ${r.label}: ${
          r.check.error ??
          Object.entries(r.check.values)
            .filter(([, v]) => !v.ok)
            .map(
              ([k, v]) =>
                `${k} Σ|p| rel diff ${v.relDiffAbs.toExponential(1)}, Σw·p ${v.relDiffW.toExponential(1)}`,
            )
            .join('; ')
        }`,
      );
  } else if (res.rows.some((r) => r.check)) {
    out(
      `Results checked: every implementation agrees with the ${res.rows.find((r) => r.check)?.check.reference ?? 'C'} reference after ${CHECK_STEPS} steps (checksums within ${CHECK_TOL}).`,
    );
  }
}
