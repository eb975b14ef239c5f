// Whole training steps of the meta-learning and generative models beside PyTorch CPU:
//
//   maml    one MAML meta-step on sine regression (the MAML paper's MLP 1-40-40-1, 25 tasks of
//           K = 10, 10 inner SGD steps; benchmarks/lib/meta-step.mjs), second and first order:
//           descent native beside PyTorch's fastest eager form (hand-written F.linear calls,
//           benchmarks/py/meta_bench.py). PyTorch runs DESCENT_BENCH_TORCH_THREADS threads
//           (default 1, as benchmarks/meta.mjs: nothing here is big enough to split).
//
// Every figure is a median over interleaved rounds, both sides warmed up first; the ratio is
// descent's time over PyTorch's (below 1: descent is faster).
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { descentMetaStep, META_CASES, startTorchMeta, torchInit } from '../lib/meta-step.mjs';
import { fmtSpread, statsOf, table, warmUp } from '../lib/timing.mjs';

const SETS = {
  full: { steps: 10, tasks: 25, k: 10, q: 10 },
  quick: { steps: 10, tasks: 25, k: 10, q: 10 },
  smoke: { steps: 2, tasks: 3, k: 10, q: 10 },
};

export async function runModels(ctx) {
  const { lib, cfg, log, peers } = ctx;
  if (!peers.native) return unavailable(`native backend unavailable: ${peers.nativeReason}`);
  const smoke = cfg.mode === 'smoke';
  const mcfg = smoke
    ? cfg
    : { ...cfg, sampleSec: Math.max(cfg.sampleSec, cfg.mode === 'full' ? 1 : 0.3), warmSec: 0 };
  const warmSec = smoke ? 0 : cfg.mode === 'full' ? 2 : 0.5;
  const result = { available: true, maml: null, pytorch: null };
  const set = SETS[cfg.mode];
  const threads = process.env.DESCENT_BENCH_TORCH_THREADS ?? '1';
  const { children, pytorch } = await startTorchMeta(['linear'], {
    py: process.env.DESCENT_BENCH_PYTHON || 'python3',
    threads,
    disabled: cfg.without.has('torch'),
  });
  result.pytorch = pytorch.available ? { ...pytorch, threads: Number(threads) } : pytorch;
  const torch = children.linear;
  try {
    result.maml = { set, rows: [] };
    for (const c of Object.keys(META_CASES)) {
      const step = descentMetaStep(lib, c, 'native', set);
      warmUp(step, warmSec, 3);
      const impls = [
        {
          name: 'descent',
          sample: (n) => {
            const t0 = process.hrtime.bigint();
            for (let i = 0; i < n; i++) step();
            return Number(process.hrtime.bigint() - t0) / 1e9 / n;
          },
        },
      ];
      if (torch)
        try {
          await torch.request(torchInit(c, set, 'linear', smoke ? 0 : warmSec));
          impls.push({ name: 'pytorch', sample: (n) => torch.run(n), settleMs: 50 });
        } catch (e) {
          log(`pytorch ${c}: ${errText(e)}`);
        }
      const m = await measure(impls, mcfg, { log });
      const ms = (r) => (r?.available ? statsOf(r.samplesSec, (s) => s * 1e3) : null);
      const row = {
        case: c,
        label: META_CASES[c],
        descentMs: ms(m.descent),
        pytorchMs: ms(m.pytorch),
      };
      if (!m.pytorch?.available) row.pytorchReason = m.pytorch?.reason ?? pytorch.reason;
      row.ratio =
        row.descentMs && row.pytorchMs ? row.descentMs.median / row.pytorchMs.median : null;
      result.maml.rows.push(row);
      log(
        `${row.label}: descent ${row.descentMs?.median.toFixed(1)} ms, pytorch ${row.pytorchMs?.median.toFixed(1) ?? '–'} ms`,
      );
    }
  } finally {
    torch?.close();
  }
  return result;
}

export function printModels(res, out) {
  out('Models: whole training steps beside PyTorch CPU (ms per step, lower is better)');
  if (!res.available) {
    out(`  not measured: ${res.reason}`);
    return;
  }
  const f = (s) => (s ? `${s.median.toFixed(1)} ${fmtSpread(s.spread)}` : '–');
  const m = res.maml;
  out(
    `MAML meta-step: MLP 1-40-40-1, ${m.set.tasks} sine tasks (K = ${m.set.k}), ${m.set.steps} inner SGD steps, outer Adam; PyTorch: hand-written F.linear forward${res.pytorch?.available ? `, ${res.pytorch.threads} thread(s)` : ''}`,
  );
  out(
    table(
      ['algorithm', 'descent native', 'pytorch', 'descent / pytorch'],
      m.rows.map((r) => [
        r.label,
        f(r.descentMs),
        f(r.pytorchMs),
        r.ratio ? `${r.ratio.toFixed(2)}×` : '–',
      ]),
    ),
  );
  if (!res.pytorch?.available) out(`  pytorch: ${res.pytorch?.reason}`);
}
