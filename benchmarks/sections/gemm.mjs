// GEMM C = A·B (fp32, row-major, no transposes), GFLOPS = 2·m·n·k / time:
//   native      backend('native').gemm, all threads          native-1t  the same, DESCENT_THREADS=1
//   js          backend('js').gemm (one thread)
//   tfjs-cpu    tf.matMul on the cpu backend                  tfjs-wasm  on the wasm backend
//   openblas-*  cblas_sgemm (benchmarks/c/gemm_openblas.c) per OPENBLAS_CORETYPE variant and
//               OPENBLAS_NUM_THREADS = 1 and all threads
import os from 'node:os';
import { LineProcess } from '../lib/cref.mjs';
import { fillRandom, gemmSums } from '../lib/gemm-data.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { coretypeVariants } from '../lib/openblas.mjs';
import { useTfBackend } from '../lib/tfjs.mjs';
import { fmtSpread, statsOf, table, timeBatch } from '../lib/timing.mjs';

const CHECK_TOL = 1e-4;

export function gemmImplNames(threads, variants) {
  return [
    'native',
    'native-1t',
    'js',
    'tfjs-cpu',
    'tfjs-wasm',
    ...variants.flatMap((v) => [`openblas-${v.id}-1t`, `openblas-${v.id}-${threads}t`]),
  ];
}

export async function runGemm(ctx) {
  const { cfg, log, peers } = ctx;
  const threads = os.availableParallelism?.() ?? os.cpus().length;
  const avx512 = /avx512f/.test(ctx.machine.cpuFlags ?? '');
  const { machineSetting, variants } = coretypeVariants(process.env, { avx512 });
  const ob = peers.openblas;
  const result = {
    available: true,
    shapes: cfg.gemmShapes,
    threads,
    impls: gemmImplNames(threads, variants),
    openblas: {
      available: ob.available,
      reason: ob.reason,
      compile: ob.compile,
      install: ob.install,
      debianPackage: ob.debianPackage ?? null,
      coretype: machineSetting,
      variants: {},
    },
    api: {
      native: "backend('native').gemm(a, b, c, {m, n, k}), all native threads",
      'native-1t': 'the same in a child process started with DESCENT_THREADS=1',
      js: "backend('js').gemm(a, b, c, {m, n, k})",
      'tfjs-cpu': "tf.matMul(a, b) with tf.setBackend('cpu') (result disposed)",
      'tfjs-wasm': "tf.matMul(a, b) with tf.setBackend('wasm')",
      openblas: 'cblas_sgemm(RowMajor, NoTrans, NoTrans, m, n, k, 1, A, k, B, n, 0, C, n)',
    },
    rows: [],
  };
  // One OpenBLAS process per (coretype variant, thread count): the environment is read at load.
  const obProcs = {};
  if (ob.available) {
    for (const v of variants) {
      for (const t of [1, threads]) {
        const name = `openblas-${v.id}-${t}t`;
        const env = { ...v.env, OPENBLAS_NUM_THREADS: String(t) };
        const p = new LineProcess(ob.bin, [], { env, label: name });
        try {
          const info = await p.request('info');
          obProcs[name] = p;
          result.openblas.variants[name] = {
            available: true,
            label: `${v.label}, ${t} thread${t > 1 ? 's' : ''}`,
            command: p.command,
            corename: info.corename,
            config: info.config,
            threads: info.threads,
          };
        } catch (e) {
          p.close();
          result.openblas.variants[name] = unavailable(errText(e), { command: p.command });
        }
      }
    }
  }
  try {
    for (const shape of cfg.gemmShapes) {
      result.rows.push(await gemmCell(ctx, shape, { threads, obProcs, result }));
      const r = result.rows.at(-1);
      log(
        `GEMM ${shape.m}×${shape.k}×${shape.n}: ${result.impls
          .filter((k) => r.impls[k].available)
          .map((k) => `${k} ${r.impls[k].gflops.median.toFixed(1)}`)
          .join(', ')} GFLOPS`,
      );
    }
  } finally {
    for (const p of Object.values(obProcs)) p.close();
  }
  return result;
}

async function gemmCell(ctx, { m, k, n }, { threads, obProcs, result }) {
  const { lib, cfg, peers } = ctx;
  const flop = 2 * m * n * k;
  const row = { m, k, n, flop, impls: {}, ratios: {}, check: null };
  const missing = {};
  const a = fillRandom(new Float32Array(m * k), 1);
  const b = fillRandom(new Float32Array(k * n), 2);
  const o = { m, n, k };
  const inits = [];
  if (peers.worker) {
    inits.push(
      peers.worker.request(`init gemm ${m} ${k} ${n}`).catch((e) => {
        missing['native-1t'] = errText(e);
      }),
    );
  } else missing['native-1t'] = peers.workerReason;
  for (const [name, p] of Object.entries(obProcs)) {
    inits.push(
      p.request(`init ${m} ${k} ${n}`).catch((e) => {
        missing[name] = errText(e);
      }),
    );
  }
  for (const name of result.impls.filter((x) => x.startsWith('openblas-'))) {
    if (!obProcs[name])
      missing[name] = result.openblas.variants[name]?.reason ?? result.openblas.reason;
  }
  await Promise.all(inits);

  const impls = [];
  const outputs = {};
  // per-call estimates scaled by flops from the largest smaller shape measured so far
  const prev = result.rows.filter((r) => r.flop < flop).sort((p, q) => q.flop - p.flop)[0];
  const estimate = (name) => {
    const x = prev?.impls[name];
    const sec = x?.available ? x.secPerOp.median : x?.estimatedSecPerOp;
    return sec ? (sec * flop) / prev.flop : undefined;
  };
  const local = { js: lib.backend('js') };
  if (peers.native) local.native = peers.native;
  else missing.native = peers.nativeReason;
  for (const [name, be] of Object.entries(local)) {
    const c = new Float32Array(m * n);
    outputs[name] = c;
    const run = () => be.gemm(a, b, c, o);
    impls.push({
      name,
      sample: (iters) => timeBatch(run, iters),
      meta: { threads: name === 'native' ? ctx.machine.nativeThreads : 1 },
    });
  }
  if (!missing['native-1t']) {
    impls.push({ name: 'native-1t', sample: (it) => peers.worker.run(it), meta: { threads: 1 } });
  }
  const tf = {};
  for (const be of ['cpu', 'wasm']) {
    const name = `tfjs-${be}`;
    const t = peers.tfjs;
    if (!t?.available) missing[name] = t?.reason ?? 'tfjs not loaded';
    else if (!t.backends[be].available) missing[name] = t.backends[be].reason;
    else {
      try {
        if (!(await useTfBackend(t, be))) throw new Error(`tf.setBackend('${be}') failed`);
        const ta = t.tf.tensor2d(a, [m, k]);
        const tb = t.tf.tensor2d(b, [k, n]);
        tf[be] = { ta, tb };
        impls.push({
          name,
          sample: async (iters) => {
            await useTfBackend(t, be);
            return timeBatch(() => t.tf.matMul(ta, tb).dispose(), iters);
          },
          meta: { threads: t.backends[be].threads },
        });
      } catch (e) {
        missing[name] = errText(e);
      }
    }
  }
  for (const [name, p] of Object.entries(obProcs)) {
    if (missing[name]) continue;
    const t = Number(name.match(/-(\d+)t$/)[1]);
    impls.push({
      name,
      sample: (iters) => p.run(iters),
      // OpenBLAS's threads spin for a while after a call: let them sleep before the next sample
      settleMs: t > 1 ? cfg.settleMs : 0,
      meta: {
        threads: result.openblas.variants[name].threads,
        corename: result.openblas.variants[name].corename,
      },
    });
  }

  for (const im of impls) im.estimateSec = estimate(im.name);
  let measured;
  try {
    measured = await measure(impls, cfg, { log: ctx.log });
    row.check = await gemmCheck(ctx, outputs, obProcs, tf, measured);
  } finally {
    for (const [be, x] of Object.entries(tf)) {
      await useTfBackend(peers.tfjs, be);
      x.ta.dispose();
      x.tb.dispose();
    }
  }
  for (const name of result.impls) {
    const r = measured[name];
    if (!r) row.impls[name] = unavailable(missing[name] ?? 'not measured');
    else
      row.impls[name] = r.available
        ? { ...r, gflops: statsOf(r.samplesSec, (s) => flop / s / 1e9) }
        : r;
  }
  const g = (x) => (row.impls[x]?.available ? row.impls[x].gflops.median : null);
  const div = (p, q) => (p !== null && q !== null && q > 0 ? p / q : null);
  // OpenBLAS reference: its fastest CORETYPE variant here, at the same thread count
  const best = (suffix) =>
    result.impls
      .filter((x) => x.startsWith('openblas-') && x.endsWith(suffix) && g(x) !== null)
      .reduce((a, b) => (a === null || g(b) > g(a) ? b : a), null);
  const bestT = best(`-${threads}t`);
  const best1 = best('-1t');
  const machineT = result.impls.find(
    (x) => x.startsWith('openblas-') && x.endsWith(`-${threads}t`),
  );
  row.ratios = {
    nativeOverOpenblas: div(g('native'), g(bestT)),
    native1tOverOpenblas1t: div(g('native-1t'), g(best1)),
    openblasReference: bestT,
    openblasReference1t: best1,
    nativeOverOpenblasMachineSetting: div(g('native'), g(machineT)),
    nativeOverNative1t: div(g('native'), g('native-1t')),
    nativeOverJs: div(g('native'), g('js')),
    nativeOverTfjsWasm: div(g('native'), g('tfjs-wasm')),
    nativeOverTfjsCpu: div(g('native'), g('tfjs-cpu')),
  };
  return row;
}

/** Σc of every implementation's result against the native one (or js). */
async function gemmCheck(ctx, outputs, obProcs, tf, measured) {
  const sums = {};
  for (const [name, c] of Object.entries(outputs))
    if (measured[name]?.available) sums[name] = gemmSums(c);
  try {
    if (measured['native-1t']?.available) sums['native-1t'] = await ctx.peers.worker.request('sum');
    for (const [name, p] of Object.entries(obProcs))
      if (measured[name]?.available) sums[name] = await p.request('sum');
    for (const [be, x] of Object.entries(tf)) {
      if (!measured[`tfjs-${be}`]?.available) continue;
      await useTfBackend(ctx.peers.tfjs, be);
      const c = ctx.peers.tfjs.tf.matMul(x.ta, x.tb);
      sums[`tfjs-${be}`] = gemmSums(c.dataSync());
      c.dispose();
    }
  } catch (e) {
    return { ok: false, error: errText(e), sums };
  }
  const refName = sums.native ? 'native' : 'js';
  const ref = sums[refName];
  let ok = true;
  for (const v of Object.values(sums)) {
    v.relDiff = Math.abs(v.sum - ref.sum) / Math.max(1e-30, ref.sumAbs);
    v.ok = v.relDiff <= CHECK_TOL;
    ok &&= v.ok;
  }
  return { reference: refName, tolerance: CHECK_TOL, ok, sums };
}

const cellOf = (m) =>
  m?.available
    ? `${m.gflops.median.toFixed(m.gflops.median < 10 ? 2 : 1)} ${fmtSpread(m.gflops.spread)}`
    : 'n/a';

export function printGemm(res, out) {
  out('GEMM C = A·B, fp32, row-major: GFLOPS = 2·m·n·k / time (higher is better)');
  out(
    `OpenBLAS: ${res.openblas.available ? `${res.openblas.debianPackage ?? ''}; ${res.openblas.coretype}` : `unavailable: ${res.openblas.reason}`}`,
  );
  for (const [name, v] of Object.entries(res.openblas.variants))
    out(
      `  ${name}: ${v.available ? `${v.label}; kernel ${v.corename}; ${v.config}` : `unavailable: ${v.reason}`}`,
    );
  const cols = res.impls;
  const head = (c) =>
    c
      .replace('openblas-', 'OB ')
      .replace('-1t', ' 1t')
      .replace(new RegExp(`-${res.threads}t$`), ` ${res.threads}t`);
  out(
    table(
      ['m×k×n', ...cols.map(head), 'nat/OB', 'nat1t/OB1t'],
      res.rows.map((r) => [
        `${r.m}×${r.k}×${r.n}`,
        ...cols.map((c) => cellOf(r.impls[c])),
        r.ratios.nativeOverOpenblas ? `${r.ratios.nativeOverOpenblas.toFixed(2)}×` : 'n/a',
        r.ratios.native1tOverOpenblas1t ? `${r.ratios.native1tOverOpenblas1t.toFixed(2)}×` : 'n/a',
      ]),
    ),
  );
  out(
    `(A is m×k, B is k×n; native = all ${res.threads} threads; nat/OB and nat1t/OB1t against the fastest OpenBLAS CORETYPE at the same thread count: ${[...new Set(res.rows.flatMap((r) => [r.ratios.openblasReference, r.ratios.openblasReference1t]).filter(Boolean))].join(', ') || 'n/a'})`,
  );
  for (const r of res.rows)
    for (const c of cols)
      if (!r.impls[c].available && !c.startsWith('openblas-'))
        out(`  ${r.m}×${r.k}×${r.n} ${c}: not measured: ${r.impls[c].reason}`);
  const bad = res.rows.filter((r) => r.check && !r.check.ok);
  for (const r of bad)
    out(
      `! ${r.m}×${r.k}×${r.n}: results differ: ${
        r.check.error ??
        Object.entries(r.check.sums)
          .filter(([, v]) => !v.ok)
          .map(([k, v]) => `${k} ${v.relDiff.toExponential(1)}`)
          .join(', ')
      }`,
    );
}
