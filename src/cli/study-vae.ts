/**
 * Preset `vae`: the MLP VAE (784-256-16, Bernoulli decoder) on Fashion-MNIST trained by four
 * optimizers at their customary learning rates, each with and without KL warm-up over the
 * first epoch (Bowman et al. 2016). Measured on the test set: the ELBO and its two parts per
 * image (one noise draw per image, the same draws for every condition), and the active latent
 * units (Burda et al. 2016: dimensions whose posterior mean varies across the data,
 * Cov_x E_q[z] > 0.01); warm-up exists to keep units from collapsing to the prior. Pictures:
 * test images and their reconstructions, samples from the prior (the same z for every condition).
 */
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { describeSpec, type OptimizerSpec } from '../models/options.js';
import { VAE } from '../models/vae.js';
import { Adagrad } from '../optim/adagrad.js';
import { Adam } from '../optim/adam.js';
import { RMSprop } from '../optim/rmsprop.js';
import { SGD } from '../optim/sgd.js';
import { Rng } from '../random.js';
import { lineChart } from '../report/charts.js';
import { imageGrid } from '../report/images.js';
import { countOf, meanSpread } from '../report/table.js';
import { distinguishable } from './results.js';
import {
  mean,
  Pacer,
  Progress,
  type StudyContext,
  type StudyReport,
  seedNote,
  spread,
} from './study.js';

const OPTIMIZERS: Array<{ label: string; spec: OptimizerSpec }> = [
  { label: 'SGD+Momentum', spec: { type: SGD, lr: 1e-3, momentum: 0.9 } },
  { label: 'Adagrad', spec: { type: Adagrad, lr: 0.01 } },
  { label: 'RMSprop', spec: { type: RMSprop, lr: 1e-3 } },
  { label: 'Adam', spec: { type: Adam, lr: 1e-3 } },
];
const LATENT = 16;
const HIDDEN = [256];
const BATCH = 128;
/** Reconstructed test images and prior samples per condition in the pictures. */
const SHOWN = 10;

interface EpochScore {
  epoch: number;
  elbo: number;
  recon: number;
  kl: number;
  seconds: number;
}

interface VaeRun {
  condition: string;
  optimizer: string;
  warmup: boolean;
  seed: number;
  epochs: EpochScore[];
  /** −ELBO per image on training batches (moving average), every few steps. */
  curve: Array<{ step: number; loss: number }>;
  activeUnits: number;
  diverged: boolean;
  seconds: number;
}

/** Dimensions of μ(x) whose variance over `mu` [n, latent] exceeds 0.01. */
function activeUnits(mu: Float32Array, n: number, latent: number): number {
  let active = 0;
  for (let j = 0; j < latent; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = mu[i * latent + j];
      s += v;
      s2 += v * v;
    }
    if (s2 / n - (s / n) ** 2 > 0.01) active++;
  }
  return active;
}

export async function vaeStudy(ctx: StudyContext): Promise<StudyReport> {
  const fm = loadFashionMnist({ flatten: true, dir: ctx.data.dir, subset: ctx.data.subset });
  const train = ctx.quick ? fm.train.slice(0, 1024) : fm.train;
  const test = ctx.quick ? fm.test.slice(0, 500) : fm.test;
  const testX = { data: test.x.data, shape: [test.length, 784] };
  const epochs = ctx.epochs ?? (ctx.quick ? 1 : 3);
  const seeds = ctx.seeds ?? (ctx.quick ? [1] : [1, 2]);
  const stepsPerEpoch = Math.ceil(train.length / BATCH);
  const conditions = OPTIMIZERS.flatMap((o) =>
    [false, true].map((warmup) => ({
      ...o,
      warmup,
      name: `${o.label}${warmup ? ', warm-up' : ''}`,
    })),
  );
  const total = conditions.length * seeds.length;
  const progress = new Progress(ctx.verbose);
  const pacer = new Pacer();
  progress.line(
    `descent compare --preset vae: ${total} runs of ${countOf(epochs, 'epoch')} on Fashion-MNIST (${fm.source}, ${train.length} train / ${test.length} test)`,
  );
  const runs: VaeRun[] = [];
  const recon: Array<{ name: string; images: Float32Array }> = [];
  const samples: Array<{ name: string; images: Float32Array }> = [];
  const shown = testX.data.subarray(0, SHOWN * 784);
  outer: for (const seed of seeds)
    for (const c of conditions) {
      if (ctx.signal.stop) break outer;
      const label = `[${runs.length + 1}/${total}] ${c.name} (seed ${seed})`;
      const vae = new VAE({
        latent: LATENT,
        hidden: HIDDEN,
        optimizer: c.spec,
        klWarmup: c.warmup ? stepsPerEpoch : 0,
        seed,
      });
      const run: VaeRun = {
        condition: c.name,
        optimizer: c.label,
        warmup: c.warmup,
        seed,
        epochs: [],
        curve: [],
        activeUnits: 0,
        diverged: false,
        seconds: 0,
      };
      let ema = 0;
      let k = 0;
      const t0 = performance.now();
      for (let e = 1; e <= epochs && !run.diverged && !ctx.signal.stop; e++) {
        for (const b of train.batches({ batchSize: BATCH, shuffle: true, seed: seed * 1000 + e })) {
          const r = vae.step(b.x);
          if (!Number.isFinite(r.loss)) {
            run.diverged = true;
            break;
          }
          k++;
          ema = 0.98 * ema + 0.02 * -r.elbo;
          if (k % 10 === 0) run.curve.push({ step: k, loss: ema / (1 - 0.98 ** k) });
          progress.bar(
            label,
            k,
            epochs * stepsPerEpoch,
            `epoch ${e} −ELBO ${(-r.elbo).toFixed(1)}`,
          );
          await pacer.tick();
          if (ctx.signal.stop) break;
        }
        if (run.diverged || ctx.signal.stop) break;
        const s = vae.evaluate(testX);
        run.epochs.push({ epoch: e, ...s, seconds: (performance.now() - t0) / 1000 });
      }
      run.seconds = (performance.now() - t0) / 1000;
      if (run.epochs.length === 0 && !run.diverged) break outer; // interrupted before an epoch
      const mu = vae.encode(testX).mu;
      run.activeUnits = activeUnits(mu.data as Float32Array, test.length, LATENT);
      runs.push(run);
      const last = run.epochs.at(-1);
      progress.line(
        `${label}: ${run.diverged ? 'diverged' : `test ELBO ${last?.elbo.toFixed(1)} nats, ${run.activeUnits} active units`}, ${run.seconds.toFixed(1)} s`,
      );
      if (seed === seeds[0] && !run.diverged) {
        recon.push({
          name: c.name,
          images: vae.reconstruct({ data: shown, shape: [SHOWN, 784] }).data as Float32Array,
        });
        samples.push({ name: c.name, images: vae.sample(SHOWN, new Rng(99)).data as Float32Array });
      }
    }
  return report({
    runs,
    recon,
    samples,
    shown,
    epochs,
    seeds,
    conditions,
    fm,
    train: train.length,
    test: test.length,
    stepsPerEpoch,
  });
}

function report(d: {
  runs: VaeRun[];
  recon: Array<{ name: string; images: Float32Array }>;
  samples: Array<{ name: string; images: Float32Array }>;
  shown: Float32Array;
  epochs: number;
  seeds: number[];
  conditions: Array<{ name: string; label: string; spec: OptimizerSpec; warmup: boolean }>;
  fm: { source: string; path: string };
  train: number;
  test: number;
  stepsPerEpoch: number;
}): StudyReport {
  const groups = d.conditions
    .map((c) => ({ c, runs: d.runs.filter((r) => r.condition === c.name) }))
    .filter((g) => g.runs.length > 0);
  const finals = (rs: VaeRun[], f: (e: EpochScore) => number) =>
    rs
      .filter((r) => !r.diverged && r.epochs.length > 0)
      .map((r) => f(r.epochs.at(-1) as EpochScore));
  const summary = groups.map(({ c, runs }) => ({
    name: c.name,
    optimizer: c.label,
    warmup: c.warmup,
    settings: `${describeSpec(c.spec)}${c.warmup ? `, β 0→1 over ${d.stepsPerEpoch} steps` : ''}`,
    elbo: finals(runs, (e) => e.elbo),
    recon: finals(runs, (e) => e.recon),
    kl: finals(runs, (e) => e.kl),
    active: runs.filter((r) => !r.diverged).map((r) => r.activeUnits),
    perEpoch: runs.map((r) => r.seconds / Math.max(1, r.epochs.length)),
    diverged: runs.filter((r) => r.diverged).length,
  }));
  const headers = [
    'condition',
    'settings',
    'test ELBO (nats)',
    'reconstruction',
    'KL',
    `active units (of ${LATENT})`,
    's / epoch',
  ];
  const rows = summary.map((s) => [
    s.name,
    s.settings,
    s.elbo.length === 0
      ? 'diverged'
      : `${meanSpread(s.elbo, 1)}${s.diverged ? ` (${s.diverged} diverged)` : ''}`,
    meanSpread(s.recon, 1),
    meanSpread(s.kl, 2),
    meanSpread(s.active, 1),
    meanSpread(s.perEpoch, 1),
  ]);
  const charts = [
    {
      file: 'elbo',
      title: 'Test ELBO per image by epoch (higher is better); bands: min to max over seeds',
      spec: lineChart(
        groups.flatMap(({ c, runs }) => {
          const n = Math.min(...runs.map((r) => r.epochs.length));
          return Array.from({ length: n }, (_, i) => {
            const v = runs.map((r) => r.epochs[i].elbo);
            return {
              condition: c.name,
              epoch: i + 1,
              elbo: mean(v),
              lo: Math.min(...v),
              hi: Math.max(...v),
            };
          });
        }),
        {
          title: 'Test ELBO (nats per image)',
          x: { field: 'epoch', title: 'epoch', integer: true },
          y: { field: 'elbo', title: 'ELBO (nats)' },
          color: 'condition',
          band: { lo: 'lo', hi: 'hi' },
          points: true,
        },
      ),
    },
    {
      file: 'loss',
      title: 'Training −ELBO per image (moving average) by step, first seed',
      spec: lineChart(
        groups.flatMap(({ c, runs }) => runs[0].curve.map((p) => ({ condition: c.name, ...p }))),
        {
          title: 'Training −ELBO by step',
          x: { field: 'step', title: 'optimizer step' },
          y: { field: 'loss', title: '−ELBO (nats, moving average)', scale: 'log' },
          color: 'condition',
        },
      ),
    },
    {
      file: 'kl',
      title: 'KL(q(z|x) ‖ p(z)) per test image by epoch; bands: min to max over seeds',
      spec: lineChart(
        groups.flatMap(({ c, runs }) => {
          const n = Math.min(...runs.map((r) => r.epochs.length));
          return Array.from({ length: n }, (_, i) => {
            const v = runs.map((r) => r.epochs[i].kl);
            return {
              condition: c.name,
              epoch: i + 1,
              kl: mean(v),
              lo: Math.min(...v),
              hi: Math.max(...v),
            };
          });
        }),
        {
          title: 'KL term (nats per image)',
          x: { field: 'epoch', title: 'epoch', integer: true },
          y: { field: 'kl', title: 'KL (nats)' },
          color: 'condition',
          band: { lo: 'lo', hi: 'hi' },
          points: true,
        },
      ),
    },
  ];
  const images: StudyReport['images'] = [];
  if (d.recon.length > 0) {
    const all = new Float32Array((d.recon.length + 1) * SHOWN * 784);
    all.set(d.shown);
    d.recon.forEach((r, i) => all.set(r.images, (i + 1) * SHOWN * 784));
    images.push({
      file: 'reconstructions',
      title: `Reconstructions of ${SHOWN} test images (seed ${d.seeds[0]}): top row the images, then one row per condition: ${d.recon.map((r) => r.name).join('; ')}`,
      png: imageGrid(all, {
        count: (d.recon.length + 1) * SHOWN,
        height: 28,
        width: 28,
        columns: SHOWN,
      }),
    });
    const s = new Float32Array(d.samples.length * SHOWN * 784);
    d.samples.forEach((r, i) => s.set(r.images, i * SHOWN * 784));
    images.push({
      file: 'samples',
      title: `Samples from the prior, the same ${SHOWN} draws of z for every condition (seed ${d.seeds[0]}), one row per condition: ${d.samples.map((r) => r.name).join('; ')}`,
      png: imageGrid(s, { count: d.samples.length * SHOWN, height: 28, width: 28, columns: SHOWN }),
    });
  }
  return {
    title: 'VAE on Fashion-MNIST: optimizers and KL warm-up',
    question:
      'Which optimizer takes a VAE furthest on the ELBO in the same budget, and does KL warm-up help (a better bound, more active latent units)?',
    finding: vaeFinding(summary),
    table: { headers, rows, note: seedNote(d.seeds) },
    charts,
    images,
    facts: [
      [
        'dataset',
        `Fashion-MNIST (${d.fm.source}: ${d.fm.path}), ${d.train} training / ${d.test} test images`,
      ],
      [
        'model',
        `VAE: encoder MLP 784-${HIDDEN.join('-')}-${2 * LATENT} (μ, log σ²), decoder ${LATENT}-${[...HIDDEN].reverse().join('-')}-784 (Bernoulli logits), ReLU`,
      ],
      [
        'budget',
        `${countOf(d.epochs, 'epoch')} of batches of ${BATCH}; warm-up: β rises linearly from 0 to 1 over the first epoch (${d.stepsPerEpoch} steps)`,
      ],
      [
        'measure',
        'test-set ELBO per image in nats with one reparameterised sample per image (the same noise for every condition); active units: latent dimensions with Cov_x E_q[z] > 0.01 (Burda et al. 2016)',
      ],
    ],
    notes: [
      "Learning rates are each optimizer's customary value, not tuned per condition; the settings column shows them.",
      'The reported ELBO is the true bound (β = 1) whatever the warm-up; warm-up only changes what is minimised during its first epoch.',
    ],
    results: { seeds: d.seeds, epochs: d.epochs, summary, runs: d.runs },
  };
}

export type VaeSummary = {
  name: string;
  optimizer: string;
  warmup: boolean;
  elbo: number[];
  active: number[];
  diverged: number;
};

export function vaeFinding(s: VaeSummary[]): string {
  const ok = s.filter((x) => x.elbo.length > 0);
  if (ok.length === 0) return 'Interrupted (or diverged) before any run finished an epoch.';
  const sorted = [...ok].sort((a, b) => mean(b.elbo) - mean(a.elbo));
  const [best, second] = sorted;
  const f = (v: number[]) =>
    `${mean(v).toFixed(1)}${v.length > 1 ? ` ± ${spread(v).toFixed(1)}` : ''}`;
  let text = `${best.name} reached the best test ELBO (${f(best.elbo)} nats)`;
  const single = ok.some((x) => x.elbo.length < 2);
  if (second)
    text += single
      ? `, ahead of ${second.name} (${f(second.elbo)}; one seed each, so seed-to-seed noise is not measured)`
      : distinguishable(best.elbo, second.elbo)
        ? `, clearly ahead of ${second.name} (${f(second.elbo)})`
        : `, within the seed spread of ${second.name} (${f(second.elbo)})`;
  const worst = sorted[sorted.length - 1];
  if (sorted.length > 2) text += `; ${worst.name} was lowest (${f(worst.elbo)})`;
  const diverged = s.filter((x) => x.diverged > 0).map((x) => x.name);
  if (diverged.length) text += `; ${diverged.join(', ')} diverged`;
  // warm-up: the same optimizer with and without
  const pairs = [...new Set(ok.map((x) => x.optimizer))]
    .map((o) => ({
      o,
      off: ok.find((x) => x.optimizer === o && !x.warmup),
      on: ok.find((x) => x.optimizer === o && x.warmup),
    }))
    .filter((p): p is { o: string; off: VaeSummary; on: VaeSummary } => !!p.off && !!p.on);
  if (pairs.length > 0) {
    const gains = pairs.map((p) => mean(p.on.elbo) - mean(p.off.elbo));
    const clear = pairs.filter((p) => distinguishable(p.on.elbo, p.off.elbo)).length;
    const units = pairs.map((p) => mean(p.on.active) - mean(p.off.active));
    const range = (v: number[], digits: number) => {
      const lo = Math.min(...v);
      const hi = Math.max(...v);
      const sign = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
      return lo === hi ? sign(lo) : `${sign(lo)} to ${sign(hi)}`;
    };
    const noise = single
      ? 'one seed each'
      : clear === 0
        ? 'within the seed spread for every optimizer'
        : `beyond the seed spread for ${clear} of ${pairs.length} optimizers`;
    // every run with the same number of active units: say so rather than "changed by +0.0"
    const counts = new Set(ok.flatMap((x) => x.active));
    const unitText =
      counts.size === 1
        ? `; every run kept ${[...counts][0]} active latent units`
        : ` and the active latent units by ${range(units, 1)}`;
    text += `. KL warm-up changed the final test ELBO by ${range(gains, 1)} nats (${noise})${unitText}`;
  }
  return `${text}.`;
}
