/**
 * Preset `gan`: which optimizer settings train a GAN stably. Five settings of the same
 * generator and discriminator optimizers — Adam with β₁ = 0.5 (Radford et al. 2016) and with
 * the default 0.9, RMSprop, SGD with momentum, and two-time-scale rates (Adam β₁ = 0.5 with the
 * discriminator's rate 4× the generator's, Heusel et al. 2017) — on two problems:
 * - the 8-Gaussian ring with the MLP GAN: modes covered and the share of high-quality samples
 *   (models/rings.ts), at the end and over training (the lowest count in the last third says
 *   whether coverage holds or oscillates);
 * - Fashion-MNIST with an MLP GAN (images scaled to [−1, 1], tanh output): descent's own CNN
 *   classifier, trained first on the real images, scores 1,000 generated samples by its
 *   confidence (mean top-class probability: does a sample look like some garment?), the classes
 *   its predictions cover (≥ 2% of samples each: mode coverage) and the Inception-style score
 *   exp E[KL(p(y|x) ‖ p(y))] (Salimans et al. 2016) with its classifier instead of Inception.
 *   The GAN is unconditional, so a sample has no label to be accurate against: the classifier's
 *   accuracy is measured on real test images, and the real images' own scores are the reference row.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../autograd/tensor.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { GAN } from '../models/gan.js';
import { describeSpec, type OptimizerSpec } from '../models/options.js';
import { EightGaussians, MODES } from '../models/rings.js';
import { CrossEntropyLoss } from '../nn/losses/index.js';
import { Model } from '../nn/model.js';
import { Adam } from '../optim/adam.js';
import { RMSprop } from '../optim/rmsprop.js';
import { SGD } from '../optim/sgd.js';
import { Rng } from '../random.js';
import { lineChart, type VegaLiteSpec } from '../report/charts.js';
import { imageGrid } from '../report/images.js';
import { meanSpread } from '../report/table.js';
import { buildNet, DEFAULT_MODEL } from './registry.js';
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

interface Setting {
  name: string;
  g: OptimizerSpec;
  d: OptimizerSpec;
}

/** The five settings at a base learning rate (SGD at its own). */
function settings(lr: number, sgdLr: number): Setting[] {
  const adam = (rate: number, b1: number) => ({ type: Adam, lr: rate, betas: [b1, 0.999] });
  const sgd = { type: SGD, lr: sgdLr, momentum: 0.9 };
  return [
    { name: 'Adam β₁ 0.5', g: adam(lr, 0.5), d: adam(lr, 0.5) },
    { name: 'Adam β₁ 0.9', g: adam(lr, 0.9), d: adam(lr, 0.9) },
    { name: 'RMSprop', g: { type: RMSprop, lr }, d: { type: RMSprop, lr } },
    { name: 'SGD+Momentum', g: sgd, d: sgd },
    { name: 'two time-scales', g: adam(lr / 2, 0.5), d: adam(lr * 2, 0.5) },
  ];
}

/** "Adam betas 0.5,0.999; lr 0.001 (ring), 0.0002 (FM)": the options once, the rates per problem. */
function settingText(ring: Setting, fm: Setting): string {
  const rest = ({ lr: _, ...o }: OptimizerSpec) => describeSpec(o);
  const lrs = (s: Setting) =>
    s.g.lr === s.d.lr ? `lr ${s.g.lr}` : `G lr ${s.g.lr}, D lr ${s.d.lr}`;
  const bases = new Set([ring.g, ring.d, fm.g, fm.d].map(rest));
  if (bases.size === 1) return `${[...bases][0]}; ${lrs(ring)} (ring), ${lrs(fm)} (FM)`;
  const full = (s: Setting) => `G ${describeSpec(s.g)}, D ${describeSpec(s.d)}`;
  return `ring: ${full(ring)}; FM: ${full(fm)}`;
}

const RING = { lr: 1e-3, sgdLr: 3e-3, batch: 128, steps: 3000, quickSteps: 300, every: 250 };
const FASHION = {
  lr: 2e-4,
  sgdLr: 3e-3,
  batch: 64,
  steps: 1500,
  quickSteps: 60,
  latent: 64,
  hidden: [256, 256],
};
const CLASSIFIER = { epochs: 1, batch: 128, lr: 1e-3, quickImages: 2000 };
/** Samples scored per run, and shown per condition in the pictures. */
const SCORED = 1000;
const SHOWN = 12;

interface RingRun {
  setting: string;
  seed: number;
  modes: number;
  highQuality: number;
  /** Modes covered every `every` steps (step 0 first). */
  history: Array<{ step: number; modes: number; highQuality: number }>;
  lowestLate: number;
  msPerStep: number;
  diverged: boolean;
}

interface FashionRun {
  setting: string;
  seed: number;
  confidence: number;
  classes: number;
  score: number;
  curve: Array<{ step: number; lossD: number; lossG: number }>;
  msPerStep: number;
  diverged: boolean;
}

/** Confidence, classes covered and Inception-style score of class probabilities [n, 10]. */
function classifierScores(p: Float32Array, n: number) {
  const k = 10;
  const marginal = new Float64Array(k);
  const top = new Float64Array(k);
  let confidence = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
    top[best]++;
    confidence += p[i * k + best];
    for (let j = 0; j < k; j++) marginal[j] += p[i * k + j] / n;
  }
  let kl = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      const v = p[i * k + j];
      if (v > 0) kl += (v * Math.log(v / marginal[j])) / n;
    }
  return {
    confidence: confidence / n,
    classes: [...top].filter((c) => c >= 0.02 * n).length,
    score: Math.exp(kl),
  };
}

export async function ganStudy(ctx: StudyContext): Promise<StudyReport> {
  const progress = new Progress(ctx.verbose);
  const pacer = new Pacer();
  const seeds = ctx.seeds ?? (ctx.quick ? [1] : [1, 2, 3]);
  const fashionSeeds = ctx.seeds ?? (ctx.quick ? [1] : [1, 2]);
  const ringSteps = ctx.quick ? RING.quickSteps : RING.steps;
  const every = ctx.quick ? 50 : RING.every;
  const fashionSteps = ctx.epochs
    ? Math.ceil((ctx.epochs * (ctx.data.subset ? 6000 : 60000)) / FASHION.batch)
    : ctx.quick
      ? FASHION.quickSteps
      : FASHION.steps;
  const ringSettings = settings(RING.lr, RING.sgdLr);
  const fashionSettings = settings(FASHION.lr, FASHION.sgdLr);
  const total =
    ringSettings.length * seeds.length + fashionSettings.length * fashionSeeds.length + 1;
  let done = 0;
  progress.line(
    `descent compare --preset gan: ${total} runs (the 8-Gaussian ring, ${ringSteps} steps; a classifier; Fashion-MNIST, ${fashionSteps} steps)`,
  );

  // 1. The 8-Gaussian ring.
  const ringRuns: RingRun[] = [];
  const snapshots: Array<{ setting: string; step: number; x: number; y: number }> = [];
  const shots = new Set(
    [0, ringSteps / 10, ringSteps / 5, ringSteps / 2, ringSteps].map(Math.round),
  );
  ring: for (const seed of seeds)
    for (const s of ringSettings) {
      if (ctx.signal.stop) break ring;
      const label = `[${++done}/${total}] ring, ${s.name} (seed ${seed})`;
      const data = new EightGaussians({ seed });
      const gan = new GAN({ seed, optimizerG: s.g, optimizerD: s.d });
      const probe = new Rng(1000 + seed);
      const run: RingRun = {
        setting: s.name,
        seed,
        modes: 0,
        highQuality: 0,
        history: [],
        lowestLate: 0,
        msPerStep: 0,
        diverged: false,
      };
      let ms = 0;
      for (let step = 0; step <= ringSteps; step++) {
        if (step % every === 0 || step === ringSteps || (seed === seeds[0] && shots.has(step))) {
          const pts = gan.sample(2000, probe);
          const c = data.coverage(pts);
          if (step % every === 0 || step === ringSteps)
            run.history.push({ step, modes: c.modes, highQuality: c.highQuality });
          if (seed === seeds[0] && shots.has(step)) {
            const d = pts.data as Float32Array;
            // points off the plotted square are clipped by the chart (not piled on its edge)
            for (let i = 0; i < 500; i++)
              if (Math.abs(d[2 * i]) < 1e3 && Math.abs(d[2 * i + 1]) < 1e3)
                snapshots.push({ setting: s.name, step, x: d[2 * i], y: d[2 * i + 1] });
          }
        }
        if (step === ringSteps || ctx.signal.stop) break;
        const t0 = performance.now();
        const r = gan.step(data.sample(RING.batch));
        ms += performance.now() - t0;
        if (!Number.isFinite(r.lossD) || !Number.isFinite(r.lossG)) {
          run.diverged = true;
          break;
        }
        progress.bar(label, step + 1, ringSteps, `D ${r.lossD.toFixed(3)} G ${r.lossG.toFixed(3)}`);
        await pacer.tick();
      }
      if (ctx.signal.stop) break ring;
      const last = run.history.at(-1) ?? { modes: 0, highQuality: 0 };
      run.modes = run.diverged ? 0 : last.modes;
      run.highQuality = run.diverged ? 0 : last.highQuality;
      const late = run.history.filter((h) => h.step >= (2 * ringSteps) / 3);
      run.lowestLate = run.diverged ? 0 : Math.min(...late.map((h) => h.modes));
      run.msPerStep = ms / ringSteps;
      ringRuns.push(run);
      progress.line(
        `${label}: ${run.diverged ? 'diverged' : `${run.modes} of ${MODES} modes, ${(100 * run.highQuality).toFixed(0)}% high-quality`}`,
      );
    }

  // 2. Fashion-MNIST: the classifier, then the GANs.
  const fm = loadFashionMnist({ dir: ctx.data.dir, subset: ctx.data.subset });
  const fashionRuns: FashionRun[] = [];
  const pictures: Array<{ name: string; images: Float32Array }> = [];
  let classifier: { model: Model; accuracy: number; seconds: number } | null = null;
  let reference: ReturnType<typeof classifierScores> | null = null;
  if (!ctx.signal.stop) {
    const label = `[${++done}/${total}] CNN classifier`;
    classifier = await trainClassifier(ctx, fm, progress, pacer, label);
    if (classifier) {
      reference = classifierScores(
        classify(classifier.model, fm.test.x.data.subarray(0, SCORED * 784), SCORED),
        SCORED,
      );
      progress.line(
        `${label}: ${(100 * classifier.accuracy).toFixed(1)}% test accuracy, ${classifier.seconds.toFixed(1)} s`,
      );
    }
  }
  const scaled = Float32Array.from(fm.train.x.data, (v) => 2 * v - 1);
  const n = fm.train.length;
  fashion: for (const seed of fashionSeeds)
    for (const s of fashionSettings) {
      if (ctx.signal.stop || !classifier) break fashion;
      const label = `[${++done}/${total}] Fashion-MNIST, ${s.name} (seed ${seed})`;
      const gan = new GAN({
        dataShape: [784],
        latent: FASHION.latent,
        hidden: FASHION.hidden,
        output: 'tanh',
        seed,
        optimizerG: s.g,
        optimizerD: s.d,
      });
      const order = new Rng(seed);
      const u = new Float32Array(FASHION.batch);
      const batch = new Float32Array(FASHION.batch * 784);
      const run: FashionRun = {
        setting: s.name,
        seed,
        confidence: 0,
        classes: 0,
        score: 0,
        curve: [],
        msPerStep: 0,
        diverged: false,
      };
      let ms = 0;
      let ema = { d: 0, g: 0 };
      let k = 0;
      for (; k < fashionSteps && !ctx.signal.stop; k++) {
        order.uniform(u, 0, n);
        for (let i = 0; i < FASHION.batch; i++) {
          const j = Math.min(n - 1, Math.floor(u[i]));
          batch.set(scaled.subarray(j * 784, (j + 1) * 784), i * 784);
        }
        const t0 = performance.now();
        const r = gan.step({ data: batch, shape: [FASHION.batch, 784] });
        ms += performance.now() - t0;
        if (!Number.isFinite(r.lossD) || !Number.isFinite(r.lossG)) {
          run.diverged = true;
          break;
        }
        ema = { d: 0.95 * ema.d + 0.05 * r.lossD, g: 0.95 * ema.g + 0.05 * r.lossG };
        const c = 1 - 0.95 ** (k + 1);
        if ((k + 1) % 10 === 0) run.curve.push({ step: k + 1, lossD: ema.d / c, lossG: ema.g / c });
        progress.bar(label, k + 1, fashionSteps, `D ${r.lossD.toFixed(3)} G ${r.lossG.toFixed(3)}`);
        await pacer.tick();
      }
      if (ctx.signal.stop) break fashion;
      run.msPerStep = ms / Math.max(1, k);
      if (!run.diverged) {
        const g = gan.sample(SCORED, new Rng(2000 + seed)).data as Float32Array;
        const img = Float32Array.from(g, (v) => (v + 1) / 2);
        Object.assign(run, classifierScores(classify(classifier.model, img, SCORED), SCORED));
        if (seed === fashionSeeds[0])
          pictures.push({ name: s.name, images: img.subarray(0, SHOWN * 784) });
      }
      fashionRuns.push(run);
      progress.line(
        `${label}: ${run.diverged ? 'diverged' : `confidence ${(100 * run.confidence).toFixed(1)}%, ${run.classes} classes, score ${run.score.toFixed(2)}`}`,
      );
    }
  return report({
    ringRuns,
    fashionRuns,
    snapshots,
    pictures,
    classifier,
    reference,
    seeds,
    fashionSeeds,
    ringSteps,
    fashionSteps,
    ringSettings,
    fashionSettings,
    fm,
  });
}

async function trainClassifier(
  ctx: StudyContext,
  fm: ReturnType<typeof loadFashionMnist>,
  progress: Progress,
  pacer: Pacer,
  label: string,
): Promise<{ model: Model; accuracy: number; seconds: number } | null> {
  const model = new Model(buildNet({ ...DEFAULT_MODEL, kind: 'cnn' }), [1, 28, 28], { seed: 1 });
  const opt = new Adam(model.parameters(), { lr: CLASSIFIER.lr });
  const ce = new CrossEntropyLoss();
  const data = ctx.quick ? fm.train.slice(0, CLASSIFIER.quickImages) : fm.train;
  const steps = Math.ceil(data.length / CLASSIFIER.batch) * CLASSIFIER.epochs;
  const t0 = performance.now();
  let k = 0;
  for (let e = 0; e < CLASSIFIER.epochs; e++)
    for (const b of data.batches({ batchSize: CLASSIFIER.batch, shuffle: true, seed: 7 + e })) {
      if (ctx.signal.stop) return null;
      opt.zeroGrad();
      const loss = ce.apply(model.forward(b.x, { training: true }), b.y as Int32Array);
      loss.backward();
      opt.step();
      progress.bar(label, ++k, steps, `loss ${loss.item().toFixed(3)}`);
      await pacer.tick();
    }
  const n = fm.test.length;
  const p = classify(model, fm.test.x.data, n);
  const y = fm.test.y as Int32Array;
  let hit = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (p[i * 10 + j] > p[i * 10 + best]) best = j;
    if (best === y[i]) hit++;
  }
  return { model, accuracy: hit / n, seconds: (performance.now() - t0) / 1000 };
}

/** Class probabilities [n, 10] of images in [0, 1] (n × 784 values), in batches. */
function classify(model: Model, images: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 10);
  noGrad(() => {
    for (let i = 0; i < n; i += 500) {
      const m = Math.min(500, n - i);
      const x = { data: images.subarray(i * 784, (i + m) * 784), shape: [m, 1, 28, 28] };
      const p = model.forward(x).softmax(1) as Tensor;
      out.set(p._d as Float32Array, i * 10);
    }
  });
  return out;
}

function report(d: {
  ringRuns: RingRun[];
  fashionRuns: FashionRun[];
  snapshots: Array<{ setting: string; step: number; x: number; y: number }>;
  pictures: Array<{ name: string; images: Float32Array }>;
  classifier: { accuracy: number; seconds: number } | null;
  reference: ReturnType<typeof classifierScores> | null;
  seeds: number[];
  fashionSeeds: number[];
  ringSteps: number;
  fashionSteps: number;
  ringSettings: Setting[];
  fashionSettings: Setting[];
  fm: { source: string; path: string; train: { length: number }; test: { length: number } };
}): StudyReport {
  const ring = d.ringSettings.map((s) => {
    const rs = d.ringRuns.filter((r) => r.setting === s.name);
    return {
      name: s.name,
      modes: rs.map((r) => r.modes),
      lowestLate: rs.map((r) => r.lowestLate),
      highQuality: rs.map((r) => 100 * r.highQuality),
      ms: rs.map((r) => r.msPerStep),
      diverged: rs.filter((r) => r.diverged).length,
      runs: rs.length,
    };
  });
  const fashion = d.fashionSettings.map((s) => {
    const rs = d.fashionRuns.filter((r) => r.setting === s.name && !r.diverged);
    return {
      name: s.name,
      confidence: rs.map((r) => 100 * r.confidence),
      classes: rs.map((r) => r.classes),
      score: rs.map((r) => r.score),
      ms: d.fashionRuns.filter((r) => r.setting === s.name).map((r) => r.msPerStep),
      diverged: d.fashionRuns.filter((r) => r.setting === s.name && r.diverged).length,
      runs: d.fashionRuns.filter((r) => r.setting === s.name).length,
    };
  });
  const headers = [
    'condition',
    'settings',
    `ring: modes (of ${MODES})`,
    'ring: fewest, last third',
    'ring: high-quality %',
    'FM: confidence %',
    'FM: classes (of 10)',
    'FM: score',
    'ms / step (ring, FM)',
  ];
  const div = (n: number, runs: number) => (n ? ` (${n} of ${runs} diverged)` : '');
  const rows = d.ringSettings.map((s, i) => {
    const r = ring[i];
    const f = fashion[i];
    return [
      s.name,
      settingText(s, d.fashionSettings[i]),
      `${meanSpread(r.modes, 1)}${div(r.diverged, r.runs)}`,
      meanSpread(r.lowestLate, 1),
      meanSpread(r.highQuality, 1),
      `${meanSpread(f.confidence, 1)}${div(f.diverged, f.runs)}`,
      meanSpread(f.classes, 1),
      meanSpread(f.score, 2),
      `${mean(r.ms).toFixed(2)}, ${mean(f.ms).toFixed(2)}`,
    ];
  });
  if (d.reference)
    rows.push([
      'real test images',
      'reference: the classifier on 1,000 real Fashion-MNIST test images',
      '—',
      '—',
      '—',
      (100 * d.reference.confidence).toFixed(1),
      String(d.reference.classes),
      d.reference.score.toFixed(2),
      '—',
    ]);
  const seedsText =
    d.seeds.join(',') === d.fashionSeeds.join(',')
      ? seedNote(d.seeds)
      : `Ring: ${seedNote(d.seeds)} Fashion-MNIST: ${seedNote(d.fashionSeeds)}`;
  const charts = [
    {
      file: 'ring-modes',
      title: 'Modes of the 8-Gaussian ring covered over training; bands: min to max over seeds',
      spec: lineChart(
        d.ringSettings.flatMap((s) => {
          const rs = d.ringRuns.filter((r) => r.setting === s.name && !r.diverged);
          if (rs.length === 0) return [];
          const n = Math.min(...rs.map((r) => r.history.length));
          return Array.from({ length: n }, (_, i) => {
            const v = rs.map((r) => r.history[i].modes);
            return {
              condition: s.name,
              step: rs[0].history[i].step,
              modes: mean(v),
              lo: Math.min(...v),
              hi: Math.max(...v),
            };
          });
        }),
        {
          title: 'Modes covered (of 8)',
          x: { field: 'step', title: 'training step' },
          y: { field: 'modes', title: 'modes covered', zero: true },
          color: 'condition',
          band: { lo: 'lo', hi: 'hi' },
        },
      ),
    },
    {
      file: 'ring-samples',
      title: `Generated points on the 8-Gaussian ring over training (seed ${d.seeds[0]}, 500 points each; the modes are the grey crosses)`,
      spec: ringSpec(d.snapshots),
    },
    {
      file: 'fashion-losses',
      title: `Fashion-MNIST: discriminator and generator losses (moving average), seed ${d.fashionSeeds[0]}`,
      spec: lineChart(
        d.fashionRuns
          .filter((r) => r.seed === d.fashionSeeds[0])
          .flatMap((r) =>
            r.curve.flatMap((p) => [
              { series: `${r.setting}: D`, step: p.step, loss: p.lossD },
              { series: `${r.setting}: G`, step: p.step, loss: p.lossG },
            ]),
          ),
        {
          title: 'GAN losses on Fashion-MNIST',
          x: { field: 'step', title: 'training step' },
          y: { field: 'loss', title: 'loss (moving average)', scale: 'log' },
          color: 'series',
        },
      ),
    },
  ];
  const images: StudyReport['images'] = [];
  if (d.pictures.length > 0) {
    const all = new Float32Array(d.pictures.length * SHOWN * 784);
    d.pictures.forEach((p, i) => all.set(p.images, i * SHOWN * 784));
    images.push({
      file: 'fashion-samples',
      title: `Fashion-MNIST samples after ${d.fashionSteps} steps (seed ${d.fashionSeeds[0]}), one row per condition: ${d.pictures.map((p) => p.name).join('; ')}`,
      png: imageGrid(all, {
        count: d.pictures.length * SHOWN,
        height: 28,
        width: 28,
        columns: SHOWN,
      }),
    });
  }
  return {
    title: 'GAN training stability: optimizer settings',
    question:
      'Which optimizer settings train a GAN stably — Adam with β₁ = 0.5 or 0.9, RMSprop, SGD with momentum, two-time-scale learning rates — judged by mode coverage on an 8-Gaussian ring and by a classifier on Fashion-MNIST samples?',
    finding: ganFinding(ring, fashion, d.reference),
    table: { headers, rows, note: seedsText },
    charts,
    images,
    facts: [
      [
        '8-Gaussian ring',
        `radius 2, σ 0.05; MLP GAN (G 8-128-128-2 ReLU, D 2-128-128-1 LeakyReLU 0.2), ${d.ringSteps} steps of ${RING.batch}; coverage of 2,000 samples: a mode is covered when ≥ 1% of them lie within 3σ of it; "high-quality": within 3σ of some mode`,
      ],
      [
        'Fashion-MNIST',
        `${d.fm.source}: ${d.fm.path}, ${d.fm.train.length} training / ${d.fm.test.length} test images, scaled to [−1, 1]; MLP GAN (G ${FASHION.latent}-${FASHION.hidden.join('-')}-784 tanh, D 784-${FASHION.hidden.join('-')}-1), ${d.fashionSteps} steps of ${FASHION.batch}`,
      ],
      [
        'classifier',
        d.classifier
          ? `descent's CNN (conv16-pool-conv32-pool-128-10), Adam ${CLASSIFIER.lr}, ${CLASSIFIER.epochs} epoch: ${(100 * d.classifier.accuracy).toFixed(1)}% test accuracy (${d.classifier.seconds.toFixed(1)} s)`
          : 'not trained (interrupted)',
      ],
      [
        'scores',
        `of ${SCORED} samples: confidence = mean top-class probability; classes = classes with ≥ 2% of the top-class predictions; score = exp E[KL(p(y|x) ‖ p(y))] (1 to 10)`,
      ],
    ],
    notes: [
      "The GAN is unconditional: generated samples have no labels, so the classifier's accuracy is measured on real test images (above) and the real images' own scores are the reference row.",
      'The Fashion-MNIST GAN is an MLP pair: the DCGAN (models.GAN kind "dcgan") costs about 20× more per step on this machine (77 ms at batch 64 in the benchmark suite), which would make these ten runs take about 20 minutes.',
      'Learning rates are customary values (2e-4 for images as in DCGAN, 1e-3 on the ring), not tuned per setting; SGD+Momentum gets 3e-3 on both (at 1e-2 it diverged on Fashion-MNIST).',
    ],
    results: {
      ring: d.ringRuns,
      fashion: d.fashionRuns,
      reference: d.reference,
      classifier: d.classifier && {
        accuracy: d.classifier.accuracy,
        seconds: d.classifier.seconds,
      },
    },
  };
}

function ringSpec(
  points: Array<{ setting: string; step: number; x: number; y: number }>,
): VegaLiteSpec {
  const centres = Array.from({ length: MODES }, (_, k) => ({
    x: 2 * Math.cos((k * Math.PI) / 4),
    y: 2 * Math.sin((k * Math.PI) / 4),
  }));
  const axis = { scale: { domain: [-3, 3] }, axis: { tickCount: 3 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    data: { values: points },
    facet: {
      row: { field: 'setting', type: 'nominal', title: null },
      column: { field: 'step', type: 'ordinal', title: 'training step' },
    },
    spec: {
      width: 110,
      height: 110,
      layer: [
        {
          data: { values: centres },
          mark: { type: 'point', shape: 'cross', color: '#999', size: 60, filled: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', ...axis },
            y: { field: 'y', type: 'quantitative', ...axis },
          },
        },
        {
          mark: { type: 'circle', size: 6, opacity: 0.5, color: '#3b6fb6', clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: null, ...axis },
            y: { field: 'y', type: 'quantitative', title: null, ...axis },
          },
        },
      ],
    },
  };
}

export type RingSummary = {
  name: string;
  modes: number[];
  lowestLate: number[];
  highQuality: number[];
  diverged: number;
};
export type FashionSummary = {
  name: string;
  confidence: number[];
  classes: number[];
  score: number[];
  diverged: number;
};

export function ganFinding(
  ring: RingSummary[],
  fashion: FashionSummary[],
  reference: { confidence: number; classes: number; score: number } | null,
): string {
  const r = ring.filter((x) => x.modes.length > 0);
  if (r.length === 0) return 'Interrupted before any run finished.';
  const f1 = (v: number[]) =>
    `${mean(v).toFixed(1)}${v.length > 1 ? ` ± ${spread(v).toFixed(1)}` : ''}`;
  const byModes = [...r].sort(
    (a, b) => mean(b.modes) - mean(a.modes) || mean(b.highQuality) - mean(a.highQuality),
  );
  const best = byModes[0];
  const tied = byModes.filter((x) => !distinguishable(x.modes, best.modes) && x.modes.length > 1);
  const worst = byModes[byModes.length - 1];
  const hq = (x: RingSummary) =>
    `${mean(x.highQuality).toFixed(0)}% of samples within 3σ of a mode`;
  let text = `On the 8-Gaussian ring ${best.name} covered the most modes (${f1(best.modes)} of 8, ${hq(best)}`;
  text +=
    tied.length > 1
      ? `; ${tied
          .filter((x) => x !== best)
          .map((x) => `${x.name} within the seed spread, ${hq(x)}`)
          .join('; ')})`
      : ')';
  text += `, ${worst.name} the fewest (${f1(worst.modes)}${worst.diverged ? `, ${worst.diverged} run${worst.diverged > 1 ? 's' : ''} diverged` : ''})`;
  const unstable = r.filter((x) => mean(x.lowestLate) < mean(x.modes) - 0.5).map((x) => x.name);
  if (unstable.length) text += `; coverage oscillated late in training with ${unstable.join(', ')}`;
  const f = fashion.filter((x) => x.confidence.length > 0);
  if (f.length > 0) {
    const byConf = [...f].sort((a, b) => mean(b.score) - mean(a.score));
    const top = byConf[0];
    const low = byConf[byConf.length - 1];
    text += `. On Fashion-MNIST the samples of ${top.name} scored best with descent's classifier (score ${mean(top.score).toFixed(2)}, confidence ${mean(top.confidence).toFixed(1)}%, ${f1(top.classes)} of 10 classes`;
    text += reference
      ? `; real images: ${reference.score.toFixed(2)}, ${(100 * reference.confidence).toFixed(1)}%)`
      : ')';
    if (low !== top) text += `, those of ${low.name} worst (score ${mean(low.score).toFixed(2)})`;
  }
  const diverged = fashion.filter((x) => x.diverged > 0).map((x) => x.name);
  if (diverged.length) text += `; on Fashion-MNIST ${diverged.join(', ')} diverged`;
  return `${text}.`;
}
