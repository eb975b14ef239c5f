// STREAM-style triad bandwidth (benchmarks/c/triad.c), one thread and OpenMP with all
// threads, at two sizes: arrays totalling 4× the last-level cache (memory bandwidth) and the
// working set of a 16M-parameter Adam step (what the 16M optimizer figures can reach). Also
// an in-place variant (a += b + s·c), the access pattern of the optimizer steps: the 16M
// optimizer figures are judged against it.
import os from 'node:os';
import { compileC, LineProcess } from '../lib/cref.mjs';
import { measure, unavailable } from '../lib/measure.mjs';
import { fmtSpread, statsOf, table } from '../lib/timing.mjs';

const STREAM_BYTES = 24; // per element, as STREAM counts the triad (2 reads + 1 write)
const BUS_BYTES = 32; // with the write-allocate read of the destination line
const INPLACE_BYTES = 32; // a += b + s·c: three reads, one write to a line just read

/** Triad array lengths (doubles) for this run. */
function sizes(ctx) {
  if (ctx.cfg.mode === 'smoke') return [{ id: 'small', label: 'smoke (1M doubles)', n: 1 << 20 }];
  const llc = Math.max(...Object.values(ctx.machine.cacheBytes ?? {}), 32 * 2 ** 20);
  const adam16m = 16 * 2 ** 20 * 4 * 4; // p, g, m, v of 16M float32
  return [
    {
      id: 'dram',
      label: `3 arrays totalling 4× LLC (${((4 * llc) / 2 ** 20).toFixed(0)} MiB)`,
      n: Math.ceil((4 * llc) / 3 / 8),
    },
    {
      id: 'adam16m',
      label: `working set of a 16M Adam step (${adam16m / 2 ** 20} MiB)`,
      n: Math.ceil(adam16m / 3 / 8),
    },
  ];
}

export async function runBandwidth(ctx) {
  const { cfg, log } = ctx;
  const threads = os.availableParallelism?.() ?? os.cpus().length;
  const off = (what) => ({ ok: false, cmd: null, error: `disabled (--without ${what})` });
  const one = ctx.cfg.without.has('c')
    ? off('c')
    : compileC('triad.c', { name: 'triad_1t', extra: ['-Wno-unknown-pragmas'] });
  const omp =
    ctx.cfg.without.has('c') || ctx.cfg.without.has('openmp')
      ? off(ctx.cfg.without.has('c') ? 'c' : 'openmp')
      : compileC('triad.c', { name: 'triad_omp', extra: ['-fopenmp'] });
  const result = {
    available: one.ok,
    reason: one.ok ? null : `C triad unavailable: ${one.error}`,
    method: `triad a[i] = b[i] + s·c[i] over float64: gbs counts ${STREAM_BYTES} B per element (STREAM's convention), busGBs ${BUS_BYTES} (with the write-allocate read); in-place a[i] += b[i] + s·c[i]: gbs counts ${INPLACE_BYTES} B per element`,
    commands: {
      compile1t: one.cmd,
      compileOpenmp: omp.cmd,
      runOpenmp: `OMP_NUM_THREADS=${threads} OMP_WAIT_POLICY=PASSIVE <triad_omp>`,
    },
    threads,
    openmp: omp.ok ? { available: true } : unavailable(`OpenMP triad unavailable: ${omp.error}`),
    sizes: [],
  };
  if (!one.ok) return result;
  const procs = {
    '1t': new LineProcess(one.bin, [], { label: 'triad (1 thread)' }),
  };
  if (omp.ok) {
    procs[`${threads}t`] = new LineProcess(omp.bin, [], {
      label: `triad (OpenMP, ${threads} threads)`,
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' },
    });
  }
  try {
    for (const s of sizes(ctx)) {
      log(`triad ${s.label}…`);
      await Promise.all(Object.values(procs).map((p) => p.request(`init ${s.n}`)));
      const impls = Object.entries(procs).flatMap(([name, p]) => [
        { name, sample: (iters) => p.run(iters), meta: { threads: name === '1t' ? 1 : threads } },
        {
          name: `${name}-inplace`,
          sample: async (iters) => (await p.request(`runi ${iters}`)).sec,
          meta: { threads: name === '1t' ? 1 : threads },
        },
      ]);
      const r = await measure(impls, { ...cfg, caseBudgetSec: Math.max(cfg.caseBudgetSec, 5) });
      const row = {
        id: s.id,
        label: s.label,
        n: s.n,
        bytesPerArray: s.n * 8,
        impls: {},
        inplace: {},
      };
      for (const [name, m] of Object.entries(r)) {
        const inplace = name.endsWith('-inplace');
        const key = name.replace('-inplace', '');
        const to = inplace ? row.inplace : row.impls;
        if (!m.available) {
          to[key] = m;
          continue;
        }
        to[key] = inplace
          ? { ...m, gbs: statsOf(m.samplesSec, (t) => (s.n * INPLACE_BYTES) / t / 1e9) }
          : {
              ...m,
              gbs: statsOf(m.samplesSec, (t) => (s.n * STREAM_BYTES) / t / 1e9),
              busGBs: statsOf(m.samplesSec, (t) => (s.n * BUS_BYTES) / t / 1e9),
            };
      }
      if (!omp.ok) {
        row.impls[`${threads}t`] = result.openmp;
        row.inplace[`${threads}t`] = result.openmp;
      }
      result.sizes.push(row);
      await Promise.all(Object.values(procs).map((p) => p.request('init 0')));
    }
  } finally {
    for (const p of Object.values(procs)) p.close();
  }
  return result;
}

/** In-place stream bandwidth (GB/s) at size `id` with `threads`, or null. */
export function inplaceGBs(bw, id, threads) {
  const row = bw?.sizes?.find((s) => s.id === id);
  const m = row?.inplace?.[threads === 1 ? '1t' : `${threads}t`];
  return m?.available ? m.gbs.median : null;
}

export function printBandwidth(bw, out) {
  out('STREAM-style triad bandwidth (C, a[i] = b[i] + s·c[i], float64)');
  if (!bw.available) {
    out(`  unavailable: ${bw.reason}`);
    return;
  }
  const cols = bw.sizes[0] ? Object.keys(bw.sizes[0].impls) : [];
  const cell = (m, bus) =>
    m?.available
      ? `${m.gbs.median.toFixed(1)} ${fmtSpread(m.gbs.spread)}${bus ? ` (bus ${m.busGBs.median.toFixed(1)})` : ''}`
      : `n/a (${m?.reason ?? 'not measured'})`;
  const label = (c) => (c === '1t' ? '1 thread' : `${c.replace('t', '')} threads`);
  out(
    table(
      ['size', ...cols.map((c) => `triad ${label(c)}`), ...cols.map((c) => `in-place ${label(c)}`)],
      bw.sizes.map((s) => [
        s.label,
        ...cols.map((c) => cell(s.impls[c], true)),
        ...cols.map((c) => cell(s.inplace[c], false)),
      ]),
    ),
  );
  out(
    'GB/s; triad a = b + s·c counts 24 B/element as STREAM does (bus: 32, with the write-allocate read); in-place a += b + s·c counts 32. Threads: OpenMP.',
  );
}
