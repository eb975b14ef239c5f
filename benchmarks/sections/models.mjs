// Whole training steps of the meta-learning and generative models beside PyTorch CPU:
//
//   maml    one MAML meta-step on sine regression (the MAML paper's MLP 1-40-40-1, 25 tasks of
//           K = 10, 10 inner SGD steps; benchmarks/lib/meta-step.mjs), second and first order:
//           descent native beside PyTorch's fastest eager form (hand-written F.linear calls,
//           benchmarks/py/meta_bench.py). PyTorch runs DESCENT_BENCH_TORCH_THREADS threads
//           (default 1, as benchmarks/meta.mjs: nothing here is big enough to split).
//   dcgan   one DCGAN training step on 28×28 images (models.GAN({ kind: 'dcgan' }), batch 64,
//           latent 64, width 32: D on real and fake, then G through the updated D, Adam) beside
//           the same network and step in PyTorch (benchmarks/py/dcgan_bench.py) on one thread
//           and on all (the faster counts; DESCENT_BENCH_TORCH_THREADS fixes it). descent's
//           generator step computes no discriminator weight gradients; the PyTorch example's
//           step, as written by its users, does.
//
// Every figure is a median over interleaved rounds, both sides warmed up first; the ratio is
// descent's time over PyTorch's (below 1: descent is faster).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineProcess } from '../lib/cref.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { descentMetaStep, META_CASES, startTorchMeta, torchInit } from '../lib/meta-step.mjs';
import { fmtSpread, statsOf, table, warmUp } from '../lib/timing.mjs';

const DCGAN_PY = join(dirname(fileURLToPath(import.meta.url)), '..', 'py', 'dcgan_bench.py');
const DCGAN = {
  full: { batch: 64, latent: 64, width: 32 },
  quick: { batch: 64, latent: 64, width: 32 },
  smoke: { batch: 4, latent: 8, width: 4 },
};
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
  const result = { available: true, maml: null, dcgan: null, pytorch: null };
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
  result.dcgan = await dcgan(ctx, mcfg, warmSec);
  return result;
}

/** The DCGAN step, descent native beside PyTorch. */
async function dcgan(ctx, mcfg, warmSec) {
  const { lib, cfg, log } = ctx;
  const set = DCGAN[cfg.mode];
  // PyTorch on one thread and on all: its OpenMP threads spin, so on a busy machine one
  // thread can be several times faster; the ratio is taken against its faster run.
  const counts = process.env.DESCENT_BENCH_TORCH_THREADS
    ? [process.env.DESCENT_BENCH_TORCH_THREADS]
    : [...new Set(['1', String(os.availableParallelism())])];
  const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
  const children = {};
  let pytorch;
  if (cfg.without.has('torch')) pytorch = unavailable('disabled (--without torch)');
  else if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    pytorch = unavailable(`${py} cannot import torch`);
  else
    try {
      for (const t of counts) {
        const child = new LineProcess(py, [DCGAN_PY], {
          env: { ...process.env, DESCENT_BENCH_TORCH_THREADS: t },
          label: `PyTorch DCGAN child (${t} thread${t === '1' ? '' : 's'})`,
        });
        children[t] = child;
        pytorch = { available: true, ...(await child.request('info')), command: child.command };
        await child.request(`init ${set.batch} ${set.latent} ${set.width} ${warmSec}`);
      }
    } catch (e) {
      for (const c of Object.values(children)) c.close();
      for (const t of Object.keys(children)) delete children[t];
      pytorch = unavailable(errText(e));
    }
  try {
    lib.setBackend('native');
    const gan = new lib.models.GAN({
      kind: 'dcgan',
      latent: set.latent,
      width: set.width,
      seed: 1,
    });
    const real = {
      data: new lib.Rng(2).uniform(set.batch * 784, -1, 1),
      shape: [set.batch, 1, 28, 28],
    };
    const step = () => gan.step(real);
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
      ...Object.entries(children).map(([t, c]) => ({
        name: `pytorch-${t}t`,
        sample: (n) => c.run(n),
        settleMs: 50,
      })),
    ];
    const m = await measure(impls, mcfg, { log });
    const ms = (r) => (r?.available ? statsOf(r.samplesSec, (s) => s * 1e3) : null);
    const torchRuns = Object.keys(children)
      .map((t) => ({ threads: Number(t), ms: ms(m[`pytorch-${t}t`]) }))
      .filter((r) => r.ms);
    const best = [...torchRuns].sort((a, b) => a.ms.median - b.ms.median)[0] ?? null;
    const row = {
      ...set,
      descentMs: ms(m.descent),
      pytorchByThreads: torchRuns,
      pytorchMs: best?.ms ?? null,
      pytorch: pytorch.available ? { ...pytorch, threads: best?.threads ?? null } : pytorch,
    };
    row.ratio = row.descentMs && row.pytorchMs ? row.descentMs.median / row.pytorchMs.median : null;
    log(
      `DCGAN step: descent ${row.descentMs?.median.toFixed(1)} ms, pytorch ${torchRuns.map((r) => `${r.ms.median.toFixed(1)} ms (${r.threads} thread${r.threads === 1 ? '' : 's'})`).join(', ') || '–'}`,
    );
    return row;
  } finally {
    for (const c of Object.values(children)) c.close();
  }
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
  const d = res.dcgan;
  if (d) {
    out(
      `DCGAN step on 28×28 images: batch ${d.batch}, latent ${d.latent}, width ${d.width} (D on real and fake, then G, Adam); PyTorch: ${d.pytorchByThreads.map((r) => `${f(r.ms)} ms on ${r.threads} thread(s)`).join(', ') || 'not run'}, the faster in the table`,
    );
    out(
      table(
        ['step', 'descent native', 'pytorch', 'descent / pytorch'],
        [['DCGAN', f(d.descentMs), f(d.pytorchMs), d.ratio ? `${d.ratio.toFixed(2)}×` : '–']],
      ),
    );
    if (!d.pytorch?.available) out(`  pytorch: ${d.pytorch?.reason}`);
  }
}
