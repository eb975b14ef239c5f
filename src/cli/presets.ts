/**
 * The questions practitioners ask about optimization, each as a comparison preset that
 * states its finding in one sentence, whatever the measurement shows.
 */
import { lineChart } from '../report/charts.js';
import { countOf } from '../report/table.js';
import type { RunSpec } from './experiment.js';
import { DEFAULT_MODEL, type ModelSpec, OPTIMIZERS } from './registry.js';
import { type ChartSpec, distinguishable, type Summary } from './results.js';
import type { SettingKey } from './settings.js';

export interface PresetContext {
  epochs: number | null;
  seeds: number[] | null;
}

export interface Preset {
  title: string;
  question: string;
  /** The settings the preset compares; the finding names any other that differs. */
  compares: SettingKey[];
  runs(ctx: PresetContext): RunSpec[];
  finding(s: Summary[]): string;
  charts?(s: Summary[]): ChartSpec[];
  notes?: string[];
}

const mean = (v: readonly number[]) =>
  v.length ? v.reduce((a, x) => a + x, 0) / v.length : Number.NaN;
const pct = (v: readonly number[]) => `${(100 * mean(v)).toFixed(1)}%`;

function run(
  group: string,
  optimizer: string,
  o: Partial<RunSpec> & { seed: number; epochs: number },
): RunSpec {
  return {
    group,
    optimizer,
    lr: OPTIMIZERS[optimizer].lr,
    schedule: 'constant',
    batchSize: 128,
    model: DEFAULT_MODEL,
    l2: 0,
    ...o,
  };
}

function seeds(ctx: PresetContext, n: number): number[] {
  return ctx.seeds ?? Array.from({ length: n }, (_, i) => i + 1);
}

/** "A leads on final test accuracy (x%), ahead of B (y%)" with a noise verdict. */
export function accuracyFinding(s: Summary[], what = 'final test accuracy'): string {
  const sorted = [...s].sort((a, b) => mean(b.finalValAccuracy) - mean(a.finalValAccuracy));
  const [best, second] = sorted;
  if (!second) return `${best.group} reached ${pct(best.finalValAccuracy)} ${what}.`;
  const real = distinguishable(best.finalValAccuracy, second.finalValAccuracy);
  const worst = sorted[sorted.length - 1];
  const single = best.finalValAccuracy.length < 2 || second.finalValAccuracy.length < 2;
  const lead = single
    ? `ahead of ${second.group} (${pct(second.finalValAccuracy)}; one seed each, so seed-to-seed noise is not measured)`
    : real
      ? `clearly ahead of ${second.group} (${pct(second.finalValAccuracy)})`
      : `within the seed spread (±) of ${second.group} (${pct(second.finalValAccuracy)})`;
  const tail =
    sorted.length > 2 ? `; ${worst.group} was lowest (${pct(worst.finalValAccuracy)})` : '';
  return `${best.group} reached the highest ${what} (${pct(best.finalValAccuracy)}), ${lead}${tail}.`;
}

function targetFinding(s: Summary[]): string {
  const reached = s.filter((x) => x.stepsToTarget.length > 0);
  if (reached.length === 0) return 'No condition reached the target loss within the budget.';
  const fastest = [...reached].sort((a, b) => mean(a.secondsToTarget) - mean(b.secondsToTarget))[0];
  const missed = s.filter((x) => x.stepsToTarget.length === 0).map((x) => x.group);
  return `${fastest.group} reached the target loss soonest (${mean(fastest.stepsToTarget).toFixed(0)} steps, ${mean(fastest.secondsToTarget).toFixed(1)} s)${
    missed.length ? `; ${missed.join(', ')} never reached it` : ''
  }.`;
}

const gdVariants: Preset = {
  title: 'Gradient descent: full batch vs mini-batch vs per-sample',
  question:
    'With the same number of epochs, and with the same wall time, which form of gradient descent trains best?',
  compares: ['batch', 'budget'],
  runs: (ctx) => {
    const e = ctx.epochs ?? 2;
    const forms: Array<[string, number, number]> = [
      ['full batch', 60000, 0.5],
      ['mini-batch 128', 128, 0.1],
      ['per-sample', 1, 0.005],
    ];
    return seeds(ctx, 2).flatMap((seed) =>
      forms.flatMap(([name, batchSize, lr]) => [
        run(`${name}, ${countOf(e, 'epoch')}`, 'sgd', { seed, epochs: e, batchSize, lr }),
        run(`${name}, 10 s`, 'sgd', { seed, epochs: 1000, batchSize, lr, timeBudget: 10 }),
      ]),
    );
  },
  finding: (s) => {
    const eq = s.filter((x) => x.runs[0].spec.timeBudget === undefined);
    const t = s.filter((x) => x.runs[0].spec.timeBudget !== undefined);
    const best = (xs: Summary[]) =>
      [...xs].sort((a, b) => mean(b.finalValAccuracy) - mean(a.finalValAccuracy))[0];
    return `With equal epochs ${best(eq).group.split(',')[0]} did best (${pct(best(eq).finalValAccuracy)}); with equal wall time ${best(t).group.split(',')[0]} did best (${pct(best(t).finalValAccuracy)}).`;
  },
  notes: [
    'Full batch uses the whole training set per step (one step per epoch); per-sample uses batch size 1.',
  ],
};

function optimizerPreset(
  title: string,
  question: string,
  names: string[],
  n: number,
  finding?: (s: Summary[]) => string,
): Preset {
  return {
    title,
    question,
    compares: ['optimizer'],
    runs: (ctx) =>
      seeds(ctx, n).flatMap((seed) =>
        names.map((o) => run(OPTIMIZERS[o].label, o, { seed, epochs: ctx.epochs ?? 4 })),
      ),
    finding: finding ?? ((s) => `${accuracyFinding(s)} ${targetFinding(s)}`),
  };
}

const adamVsSgd = optimizerPreset(
  'Adam vs SGD',
  'Does Adam train faster than SGD (a common claim is ~30% faster), and does it end more accurate?',
  ['sgd', 'momentum', 'adam'],
  3,
  (s) => {
    const adam = s.find((x) => x.group === 'Adam');
    const sgd = s.find((x) => x.group === 'SGD');
    if (!adam || !sgd) return accuracyFinding(s);
    if (adam.secondsToTarget.length === 0 || sgd.secondsToTarget.length === 0) {
      return `${targetFinding(s)} ${accuracyFinding(s)}`;
    }
    const faster = (other: Summary) => {
      const speed = mean(other.secondsToTarget) / mean(adam.secondsToTarget);
      return speed >= 1
        ? `${((speed - 1) * 100).toFixed(0)}% faster`
        : `${((1 / speed - 1) * 100).toFixed(0)}% slower`;
    };
    const steps = mean(sgd.stepsToTarget) / mean(adam.stepsToTarget);
    const base = `Adam reached the target loss ${faster(sgd)} than plain SGD in wall time (${steps.toFixed(2)}× fewer steps) and ended at ${pct(adam.finalValAccuracy)} vs ${pct(sgd.finalValAccuracy)} test accuracy${
      distinguishable(adam.finalValAccuracy, sgd.finalValAccuracy)
        ? ''
        : ' (within the seed spread)'
    }`;
    // The claim usually sets Adam against tuned SGD, i.e. with momentum: say that too.
    const mom = s.find((x) => x.group === 'SGD+Momentum');
    if (!mom || mom.secondsToTarget.length === 0) return `${base}.`;
    const close = !distinguishable(mom.secondsToTarget, adam.secondsToTarget);
    return `${base}; against SGD+Momentum it was ${faster(mom)}${close ? ' (within the seed spread)' : ''} and ended at ${pct(adam.finalValAccuracy)} vs ${pct(mom.finalValAccuracy)}.`;
  },
);

const activations: Preset = {
  title: 'Activations and optimization: an 8-layer MLP',
  question:
    'How does the activation function change how well a deep (8-layer) MLP trains, and do its gradients vanish?',
  compares: ['activation'],
  runs: (ctx) => {
    const acts = ['sigmoid', 'tanh', 'relu', 'leakyrelu', 'elu', 'swish', 'mish'];
    return seeds(ctx, 2).flatMap((seed) =>
      acts.map((activation) => {
        const model: ModelSpec = {
          ...DEFAULT_MODEL,
          hidden: [128, 128, 128, 128, 128, 128, 128],
          activation,
        };
        return run(activation, 'momentum', {
          seed,
          epochs: ctx.epochs ?? 3,
          model,
          gradNormEvery: 25,
        });
      }),
    );
  },
  finding: (s) => {
    const ratio = (x: Summary) => {
      const g = x.runs[0].gradNorms;
      const first = g.filter((p) => p.layer === '0');
      const last = g.filter((p) => p.layer === g[g.length - 1]?.layer);
      return mean(first.map((p) => p.norm)) / mean(last.map((p) => p.norm));
    };
    const r = s.map((x) => ({ g: x.group, r: ratio(x) })).sort((a, b) => a.r - b.r);
    return `${accuracyFinding(s)} The first layer's gradient norm relative to the last layer's ranged from ${r[0].r.toExponential(1)} (${r[0].g}) to ${r[r.length - 1].r.toExponential(1)} (${r[r.length - 1].g}).`;
  },
  charts: (s) => [
    {
      file: 'grad-norms',
      title: 'Gradient norm per layer (first layer 0 … output layer), mean over training',
      spec: lineChart(
        s.flatMap((x) => {
          const layers = [...new Set(x.runs[0].gradNorms.map((p) => p.layer))];
          return layers.map((layer, depth) => ({
            activation: x.group,
            depth,
            norm: mean(x.runs[0].gradNorms.filter((p) => p.layer === layer).map((p) => p.norm)),
          }));
        }),
        {
          title: 'Gradient norm by layer depth',
          x: { field: 'depth', title: 'layer (0 = input side)' },
          y: { field: 'norm', title: 'mean ‖∂L/∂W‖', scale: 'log' },
          color: 'activation',
        },
      ),
    },
  ],
};

const schedules: Preset = {
  title: 'Learning-rate schedules',
  question: 'With SGD+momentum and the same budget, which learning-rate schedule ends best?',
  compares: ['schedule'],
  runs: (ctx) =>
    seeds(ctx, 2).flatMap((seed) =>
      ['constant', 'step', 'exponential', 'cosine', 'warmrestarts', 'warmupcosine', 'onecycle'].map(
        (schedule) =>
          run(schedule, 'momentum', { seed, epochs: ctx.epochs ?? 4, schedule, lr: 0.05 }),
      ),
    ),
  finding: (s) => accuracyFinding(s),
};

const regularization: Preset = {
  title: 'Regularization and normalization',
  question:
    'How do L2, dropout and batch norm change the final accuracy and the gap between training and test accuracy?',
  compares: ['l2', 'dropout', 'batchNorm'],
  runs: (ctx) => {
    const base: ModelSpec = { ...DEFAULT_MODEL, hidden: [512, 256] };
    const conds: Array<[string, ModelSpec, number]> = [
      ['none', base, 0],
      ['L2 1e-4', base, 1e-4],
      ['dropout 0.3', { ...base, dropout: 0.3 }, 0],
      ['batch norm', { ...base, batchNorm: true }, 0],
    ];
    return seeds(ctx, 2).flatMap((seed) =>
      conds.map(([g, model, l2]) => run(g, 'adam', { seed, epochs: ctx.epochs ?? 6, model, l2 })),
    );
  },
  finding: (s) => {
    const gap = (x: Summary) =>
      mean(x.runs.map((r) => r.epochs[r.epochs.length - 1].accuracy - r.finalValAccuracy));
    const g = s.map((x) => ({ g: x.group, v: gap(x) })).sort((a, b) => a.v - b.v);
    return `${accuracyFinding(s)} The train–test accuracy gap was smallest with ${g[0].g} (${(100 * g[0].v).toFixed(1)} points) and largest with ${g[g.length - 1].g} (${(100 * g[g.length - 1].v).toFixed(1)} points).`;
  },
};

export const PRESETS: Record<string, Preset> = {
  'gd-variants': gdVariants,
  momentum: optimizerPreset(
    'Momentum and Nesterov vs plain SGD',
    'Do momentum and Nesterov momentum speed up SGD and end more accurate?',
    ['sgd', 'momentum', 'nesterov'],
    3,
  ),
  'adam-vs-sgd': adamVsSgd,
  'rmsprop-vs-sgd': optimizerPreset(
    'RMSprop vs SGD',
    'Does RMSprop beat plain SGD on this task?',
    ['sgd', 'rmsprop'],
    3,
  ),
  activations,
  schedules,
  regularization,
};

/** Presets that run their own experiments (study-*.ts) rather than classifier runs. */
export const STUDY_NAMES = ['meta', 'gan', 'vae'];

/** Every preset name, the 2-D optimizer-paths one and the studies included. */
export const PRESET_NAMES = [...Object.keys(PRESETS), 'paths', ...STUDY_NAMES];
