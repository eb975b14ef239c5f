/**
 * Preset `meta`: Reptile vs first-order MAML vs (second-order) MAML vs plain pre-training, with
 * the un-meta-trained initial model as the floor, on the MAML paper's two kinds of task:
 * - sine regression (Finn et al. 2017, §5.1; the 1-40-40-1 ReLU MLP), K = 5 and 10 support
 *   points: query MSE on unseen tasks after 1 and 10 SGD adaptation steps;
 * - 5-way 1-shot and 5-shot Fashion-MNIST (an MLP 784-64-5), meta-trained on classes 0–4 and
 *   tested on tasks from classes 5–9 (FASHION_MNIST_META_CLASSES): query accuracy after 10 steps.
 * The time of a meta-step is measured for each, since "is second-order MAML worth it?" is a
 * question of cost as much as of error. Every method is adapted at test time the same way (SGD
 * at the inner rate on the task's support set). Pictures: fits to two unseen sine tasks before
 * and after adaptation.
 */
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { fashionMnistTasks } from '../meta/few-shot.js';
import type { MetaLearner } from '../meta/learner.js';
import { MAML } from '../meta/maml.js';
import { Pretraining } from '../meta/pretraining.js';
import { Reptile } from '../meta/reptile.js';
import { type SineTask, SineTasks, sineValue } from '../meta/sine.js';
import type { Task, TaskFamily } from '../meta/task.js';
import { ReLU } from '../nn/activation.js';
import { Linear } from '../nn/linear.js';
import { CrossEntropyLoss, MSELoss } from '../nn/losses/index.js';
import { Model } from '../nn/model.js';
import { Sequential } from '../nn/sequential.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { lineChart, type VegaLiteSpec } from '../report/charts.js';
import { meanSpread } from '../report/table.js';
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

/** First-order MAML given MAML's training time: as many more steps as its steps are cheaper. */
const EQUAL_TIME = "first-order MAML, MAML's time";
const METHODS = [
  'MAML',
  'first-order MAML',
  EQUAL_TIME,
  'Reptile',
  'pre-training',
  'no meta-training',
] as const;
type Method = (typeof METHODS)[number];

const SINE = {
  shots: [5, 10],
  metaSteps: 1000,
  quickSteps: 30,
  batch: 10,
  queries: 10,
  innerLr: 0.02,
  outerLr: 2e-3,
  reptileLr: 0.1,
  reptileSteps: 5,
  testTasks: 300,
  quickTestTasks: 30,
  testQueries: 50,
};
const FASHION = {
  shots: [1, 5],
  ways: 5,
  metaSteps: 400,
  quickSteps: 10,
  batch: 8,
  queries: 15,
  hidden: 64,
  innerLr: 0.1,
  outerLr: 1e-3,
  reptileLr: 0.5,
  reptileSteps: 5,
  testTasks: 100,
  quickTestTasks: 10,
};
const ADAPT_STEPS = 10;

export interface MetaRun {
  problem: 'sine' | 'fashion';
  shots: number;
  method: Method;
  seed: number;
  /** Query loss (MSE or cross-entropy) after 0…10 adaptation steps. */
  loss: number[];
  /** Query accuracy after 0…10 steps (Fashion-MNIST). */
  accuracy: number[] | null;
  /** Median time of a meta-step. */
  msPerMetaStep: number;
  metaSteps: number;
  trainSeconds: number;
}

function learner(
  method: Method,
  model: Model,
  o: {
    loss: MSELoss | CrossEntropyLoss;
    innerLr: number;
    outerLr: number;
    reptileLr: number;
    reptileSteps: number;
    batch: number;
  },
): MetaLearner {
  const base = { loss: o.loss, innerLr: o.innerLr, tasksPerBatch: o.batch };
  const adam = () => new Adam(model.parameters(), { lr: o.outerLr });
  switch (method) {
    case 'MAML':
      return new MAML(model, { ...base, outerOptimizer: adam() });
    case 'first-order MAML':
    case EQUAL_TIME:
      return new MAML(model, { ...base, firstOrder: true, outerOptimizer: adam() });
    case 'Reptile':
      return new Reptile(model, {
        ...base,
        innerSteps: o.reptileSteps,
        outerOptimizer: new SGD(model.parameters(), { lr: o.reptileLr }),
      });
    default:
      return new Pretraining(model, { ...base, outerOptimizer: adam() });
  }
}

const sineModel = (seed: number) =>
  new Model(
    new Sequential([
      new Linear(1, 40),
      new ReLU(),
      new Linear(40, 40),
      new ReLU(),
      new Linear(40, 1),
    ]),
    [1],
    { seed },
  );
const fashionModel = (seed: number) =>
  new Model(
    new Sequential([
      new Linear(784, FASHION.hidden),
      new ReLU(),
      new Linear(FASHION.hidden, FASHION.ways),
    ]),
    [784],
    { seed },
  );

export async function metaStudy(ctx: StudyContext): Promise<StudyReport> {
  const progress = new Progress(ctx.verbose);
  const pacer = new Pacer();
  const seeds = ctx.seeds ?? (ctx.quick ? [1] : [1, 2]);
  const sineSteps = ctx.quick ? SINE.quickSteps : SINE.metaSteps;
  const fmSteps = ctx.quick ? FASHION.quickSteps : FASHION.metaSteps;
  const problems = [
    ...SINE.shots.map((k) => ({ problem: 'sine' as const, shots: k })),
    ...FASHION.shots.map((k) => ({ problem: 'fashion' as const, shots: k })),
  ];
  const total = problems.length * METHODS.length * seeds.length;
  progress.line(
    `descent compare --preset meta: ${total} runs (sine K = ${SINE.shots.join(', ')}, ${sineSteps} meta-steps; Fashion-MNIST 5-way ${FASHION.shots.join('/')}-shot, ${fmSteps} meta-steps)`,
  );
  const fm = ctx.signal.stop
    ? null
    : loadFashionMnist({
        flatten: true,
        normalize: true,
        dir: ctx.data.dir,
        subset: ctx.data.subset,
      });
  const runs: MetaRun[] = [];
  const fits: FitPoint[] = [];
  const sineTest = new Map<number, SineTask[]>();
  outer: for (const seed of seeds)
    for (const { problem, shots } of problems) {
      const sine = problem === 'sine';
      let test: Task[];
      let family: TaskFamily;
      if (sine) {
        const t =
          sineTest.get(shots) ??
          new SineTasks({ shots, queries: SINE.testQueries, seed: 1000 + shots }).sample(
            ctx.quick ? SINE.quickTestTasks : SINE.testTasks,
          );
        sineTest.set(shots, t);
        test = t;
        family = new SineTasks({ shots, queries: SINE.queries, seed: 100 * seed + shots });
      } else {
        const o = {
          data: fm as NonNullable<typeof fm>,
          ways: FASHION.ways,
          shots,
          queries: FASHION.queries,
        };
        test = fashionMnistTasks({ ...o, split: 'test', seed: 2000 + shots }).sample(
          ctx.quick ? FASHION.quickTestTasks : FASHION.testTasks,
        );
        family = fashionMnistTasks({ ...o, split: 'train', seed: 100 * seed + shots });
      }
      const settings = sine
        ? { ...SINE, loss: new MSELoss() }
        : { ...FASHION, loss: new CrossEntropyLoss() };
      const steps = sine ? sineSteps : fmSteps;
      for (const method of METHODS) {
        if (ctx.signal.stop) break outer;
        const label = `[${runs.length + 1}/${total}] ${sine ? `sine K = ${shots}` : `Fashion-MNIST 5-way ${shots}-shot`}, ${method} (seed ${seed})`;
        const model = sine ? sineModel(seed) : fashionModel(seed);
        const l = learner(method, model, settings);
        // The equal-time run takes as many steps as fit in MAML's time at the two methods'
        // median step times (medians: a busy moment of a shared machine does not move them).
        const median = (m: Method) =>
          runs.find(
            (r) => r.problem === problem && r.shots === shots && r.seed === seed && r.method === m,
          )?.msPerMetaStep ?? 0;
        const limit =
          method === 'no meta-training'
            ? 0
            : method === EQUAL_TIME
              ? Math.round((steps * median('MAML')) / Math.max(1e-9, median('first-order MAML')))
              : steps;
        const times: number[] = [];
        for (let i = 0; i < limit && !ctx.signal.stop; i++) {
          const t0 = performance.now();
          const loss = l.step(family);
          times.push(performance.now() - t0);
          progress.bar(label, i + 1, limit, `loss ${loss.toFixed(3)}`);
          await pacer.tick();
        }
        const trained = times.length;
        const ms = times.reduce((a, t) => a + t, 0);
        if (ctx.signal.stop) break outer;
        const ev = l.evaluate(test, { steps: ADAPT_STEPS });
        const run: MetaRun = {
          problem,
          shots,
          method,
          seed,
          loss: ev.loss,
          accuracy: ev.accuracy,
          msPerMetaStep: trained ? medianOf(times) : 0,
          metaSteps: trained,
          trainSeconds: ms / 1000,
        };
        runs.push(run);
        progress.line(
          `${label}: ${sine ? `MSE ${ev.loss[1].toFixed(2)} after 1 step, ${ev.loss[ADAPT_STEPS].toFixed(2)} after ${ADAPT_STEPS}` : `accuracy ${(100 * (ev.accuracy?.[ADAPT_STEPS] ?? 0)).toFixed(1)}% after ${ADAPT_STEPS} steps`}${trained ? `, ${trained} meta-steps of ${run.msPerMetaStep.toFixed(1)} ms` : ''}`,
        );
        if (sine && shots === SINE.shots[0] && seed === seeds[0])
          fits.push(...sineFits(l, method, test.slice(0, 2) as SineTask[]));
      }
    }
  return report({ runs, fits, seeds, sineSteps, fmSteps, fm });
}

function medianOf(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

interface FitPoint {
  method: string;
  task: string;
  series: string;
  x: number;
  y: number;
}

/** The true curve, the support points and the model's fit before and after 1 and 10 steps. */
function sineFits(l: MetaLearner, method: string, tasks: SineTask[]): FitPoint[] {
  const xs = Array.from({ length: 101 }, (_, i) => -5 + i / 10);
  const grid = { data: Float32Array.from(xs), shape: [xs.length, 1] };
  const out: FitPoint[] = [];
  tasks.forEach((t, ti) => {
    const task = `task ${ti + 1}: ${t.amplitude.toFixed(2)}·sin(x − ${t.phase.toFixed(2)})`;
    for (const x of xs) out.push({ method, task, series: 'true function', x, y: sineValue(t, x) });
    const sx = t.support.x.data;
    const sy = (t.support.y as { data: Float32Array }).data;
    for (let i = 0; i < sx.length; i++)
      out.push({ method, task, series: 'support points', x: sx[i], y: sy[i] });
    for (const [steps, series] of [
      [0, 'before adaptation'],
      [1, 'after 1 step'],
      [ADAPT_STEPS, `after ${ADAPT_STEPS} steps`],
    ] as const) {
      const p = steps === 0 ? l.predict(grid) : l.predict(grid, l.adapt(t, { steps }));
      const d = p.data as Float32Array;
      xs.forEach((x, i) => out.push({ method, task, series, x, y: d[i] }));
    }
  });
  return out;
}

const SERIES = [
  'true function',
  'before adaptation',
  'after 1 step',
  `after ${ADAPT_STEPS} steps`,
  'support points',
];
const COLOURS = ['#222222', '#999999', '#e08a2c', '#3b6fb6', '#c0392b'];

function fitSpec(points: FitPoint[]): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    data: { values: points },
    facet: {
      row: { field: 'task', type: 'nominal', title: null },
      column: { field: 'method', type: 'nominal', title: null, sort: [...METHODS] },
    },
    spec: {
      width: 150,
      height: 120,
      layer: [
        {
          transform: [{ filter: "datum.series !== 'support points'" }],
          mark: { type: 'line', strokeWidth: 1.6, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [-5, 5] } },
            y: { field: 'y', type: 'quantitative', title: 'y', scale: { domain: [-6, 6] } },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              sort: SERIES,
              scale: { range: COLOURS },
            },
            strokeDash: {
              condition: { test: "datum.series === 'true function'", value: [4, 3] },
              value: [1, 0],
            },
          },
        },
        {
          transform: [{ filter: "datum.series === 'support points'" }],
          mark: { type: 'point', filled: true, size: 40, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: { domain: [-5, 5] } },
            y: { field: 'y', type: 'quantitative', scale: { domain: [-6, 6] } },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              sort: SERIES,
              scale: { range: COLOURS },
            },
          },
        },
      ],
    },
  };
}

function report(d: {
  runs: MetaRun[];
  fits: FitPoint[];
  seeds: number[];
  sineSteps: number;
  fmSteps: number;
  fm: { source: string; path: string } | null;
}): StudyReport {
  const pick = (problem: string, shots: number, method: Method) =>
    d.runs.filter((r) => r.problem === problem && r.shots === shots && r.method === method);
  const mse = (problem: string, shots: number, m: Method, s: number) =>
    pick(problem, shots, m).map((r) => r.loss[s]);
  const acc = (shots: number, m: Method, s: number) =>
    pick('fashion', shots, m).map((r) => 100 * (r.accuracy?.[s] ?? Number.NaN));
  const time = (problem: string, shots: number, m: Method) =>
    pick(problem, shots, m).map((r) => r.msPerMetaStep);
  const steps = (problem: string, shots: number, m: Method) =>
    pick(problem, shots, m).map((r) => r.metaSteps);
  const [k1, k2] = SINE.shots;
  const [s1, s2] = FASHION.shots;
  const headers = [
    'method',
    'settings',
    `sine K=${k1}: MSE, 1 step`,
    `K=${k1}: 10 steps`,
    `K=${k2}: 1 step`,
    `K=${k2}: 10 steps`,
    `FM ${s1}-shot acc %, 10 steps`,
    `FM ${s2}-shot acc %, 10 steps`,
    'ms / meta-step (sine K=5, FM 5-shot)',
  ];
  const settingsOf = (m: Method) =>
    m === EQUAL_TIME
      ? `as first-order MAML, for MAML's training time at their median step times (${meanSpread(steps('sine', k1, m), 0)} meta-steps on sine K=${k1}, ${meanSpread(steps('fashion', s2, m), 0)} on FM ${s2}-shot)`
      : m === 'no meta-training'
        ? 'initial weights, adapted only'
        : m === 'Reptile'
          ? `outer SGD ε ${SINE.reptileLr} (FM ${FASHION.reptileLr}), ${SINE.reptileSteps} inner steps`
          : m === 'pre-training'
            ? `Adam ${SINE.outerLr} (FM ${FASHION.outerLr}) on all points, no inner loop`
            : `outer Adam ${SINE.outerLr} (FM ${FASHION.outerLr}), 1 inner step${m === 'MAML' ? ', through the inner update' : ''}`;
  const ms = (v: number[]) => (v.length && mean(v) > 0 ? meanSpread(v, 1) : '—');
  const rows = METHODS.filter((m) => d.runs.some((r) => r.method === m)).map((m) => [
    m,
    settingsOf(m),
    meanSpread(mse('sine', k1, m, 1), 2),
    meanSpread(mse('sine', k1, m, ADAPT_STEPS), 2),
    meanSpread(mse('sine', k2, m, 1), 2),
    meanSpread(mse('sine', k2, m, ADAPT_STEPS), 2),
    meanSpread(acc(s1, m, ADAPT_STEPS), 1),
    meanSpread(acc(s2, m, ADAPT_STEPS), 1),
    `${ms(time('sine', k1, m))}, ${ms(time('fashion', s2, m))}`,
  ]);
  const curve = (problem: string, shots: number, value: (r: MetaRun, s: number) => number) =>
    METHODS.flatMap((m) => {
      const rs = pick(problem, shots, m);
      if (rs.length === 0) return [];
      return Array.from({ length: ADAPT_STEPS + 1 }, (_, s) => {
        const v = rs.map((r) => value(r, s));
        return { method: m, steps: s, value: mean(v), lo: Math.min(...v), hi: Math.max(...v) };
      });
    });
  const mseChart = (k: number) => ({
    file: `sine-k${k}`,
    title: `Sine, K = ${k}: query MSE on unseen tasks by adaptation steps; bands: min to max over seeds`,
    spec: lineChart(
      curve('sine', k, (r, s) => r.loss[s]),
      {
        title: `Sine regression, K = ${k}`,
        x: { field: 'steps', title: 'SGD adaptation steps', integer: true },
        y: { field: 'value', title: 'query MSE', scale: 'log' },
        color: 'method',
        band: { lo: 'lo', hi: 'hi' },
        points: true,
      },
    ),
  });
  const accChart = (k: number) => ({
    file: `fashion-${k}-shot`,
    title: `Fashion-MNIST 5-way ${k}-shot (test classes 5–9): query accuracy by adaptation steps; bands: min to max over seeds`,
    spec: lineChart(
      curve('fashion', k, (r, s) => 100 * (r.accuracy?.[s] ?? Number.NaN)),
      {
        title: `Fashion-MNIST 5-way ${k}-shot`,
        x: { field: 'steps', title: 'SGD adaptation steps', integer: true },
        y: { field: 'value', title: 'query accuracy (%)' },
        color: 'method',
        band: { lo: 'lo', hi: 'hi' },
        points: true,
      },
    ),
  });
  const charts = [
    ...SINE.shots.map(mseChart),
    ...FASHION.shots.map(accChart),
    ...(d.fits.length
      ? [
          {
            file: 'sine-fits',
            title: `Fits to two unseen sine tasks (K = ${k1}, seed ${d.seeds[0]}): before adaptation, after 1 and ${ADAPT_STEPS} SGD steps on the ${k1} support points`,
            spec: fitSpec(d.fits),
          },
        ]
      : []),
  ];
  return {
    title: 'Meta-learning: MAML, first-order MAML, Reptile, pre-training',
    question:
      'Which meta-learner adapts best to a new task from a few examples, and is second-order MAML worth its cost here?',
    finding: metaFinding(d.runs),
    table: { headers, rows, note: seedNote(d.seeds) },
    charts,
    images: [],
    facts: [
      [
        'sine',
        `tasks A·sin(x − φ), A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5]; MLP 1-40-40-1 (ReLU); ${d.sineSteps} meta-steps of ${SINE.batch} tasks (K support + ${SINE.queries} query points); inner SGD lr ${SINE.innerLr}; tested on ${SINE.testTasks} unseen tasks of K support and ${SINE.testQueries} query points`,
      ],
      [
        'Fashion-MNIST',
        d.fm
          ? `${d.fm.source}: ${d.fm.path}, standardised; 5-way K-shot tasks with ${FASHION.queries} queries per class, meta-trained on training images of classes 0–4, tested on ${FASHION.testTasks} tasks from test images of classes 5–9; MLP 784-${FASHION.hidden}-5 (ReLU); ${d.fmSteps} meta-steps of ${FASHION.batch} tasks; inner SGD lr ${FASHION.innerLr}`
          : 'not run (interrupted)',
      ],
      [
        'adaptation',
        `every method, the un-meta-trained initial weights included, is adapted the same way at test time: SGD at the inner rate on the support set, scored on the query set after 0…${ADAPT_STEPS} steps`,
      ],
    ],
    notes: [
      'Time per meta-step is the median wall time on this machine of one meta-step (one meta-batch, see the setup); pre-training has no inner loop, so its step is the cheapest by construction. "first-order MAML, MAML\'s time" runs first-order MAML for MAML\'s steps × the ratio of their median step times.',
      'The Fashion-MNIST classes are split disjointly (0–4 for meta-training, 5–9 for testing), so a meta-learner must transfer to garments it never saw; the "no meta-training" row says what fine-tuning alone reaches.',
    ],
    results: {
      seeds: d.seeds,
      sineMetaSteps: d.sineSteps,
      fashionMetaSteps: d.fmSteps,
      runs: d.runs,
    },
  };
}

export function metaFinding(runs: MetaRun[]): string {
  const get = (problem: string, shots: number, m: Method) =>
    runs.filter((r) => r.problem === problem && r.shots === shots && r.method === m);
  const k = SINE.shots[0];
  const maml = get('sine', k, 'MAML');
  const fo = get('sine', k, 'first-order MAML');
  if (maml.length === 0 || fo.length === 0)
    return 'Interrupted before the sine comparison finished.';
  const f2 = (v: number[]) =>
    `${mean(v).toFixed(2)}${v.length > 1 ? ` ± ${spread(v).toFixed(2)}` : ''}`;
  const at = (rs: MetaRun[], s: number) => rs.map((r) => r.loss[s]);
  const others = (['Reptile', 'pre-training', 'no meta-training'] as Method[])
    .map((m) => ({ m, v: at(get('sine', k, m), 1) }))
    .filter((x) => x.v.length > 0);
  const m1 = at(maml, 1);
  const o1 = at(fo, 1);
  const eq = get('sine', k, EQUAL_TIME);
  const e1 = at(eq, 1);
  const tMaml = mean(maml.map((r) => r.msPerMetaStep));
  const tFo = mean(fo.map((r) => r.msPerMetaStep));
  const single = maml.length < 2;
  let text = `On ${k}-shot sine, second-order MAML's query MSE after one adaptation step was ${f2(m1)} against first-order MAML's ${f2(o1)} after as many meta-steps${others.length ? ` (${others.map((x) => `${x.m} ${f2(x.v)}`).join(', ')})` : ''}; its meta-step cost ${(tMaml / tFo).toFixed(1)}× as much (${tMaml.toFixed(1)} vs ${tFo.toFixed(1)} ms)`;
  if (e1.length > 0) {
    const steps = mean(eq.map((r) => r.metaSteps));
    const apart = single || distinguishable(m1, e1);
    text += `, and given MAML's training time (${steps.toFixed(0)} meta-steps) first-order MAML reached ${f2(e1)}`;
    text +=
      mean(m1) < mean(e1) && apart
        ? `: ${single ? 'on one seed, ' : ''}second order is worth its cost here (${((1 - mean(m1) / mean(e1)) * 100).toFixed(0)}% lower error in the same time)`
        : mean(e1) < mean(m1) && apart
          ? `: ${single ? 'on one seed, ' : ''}second order is not worth its cost here (first order does better in the same time)`
          : ': within the seed spread, so second order is not worth its cost here';
  }
  const s = FASHION.shots[FASHION.shots.length - 1];
  const fmAcc = (m: Method) =>
    get('fashion', s, m).map((r) => 100 * (r.accuracy?.[ADAPT_STEPS] ?? Number.NaN));
  const none = fmAcc('no meta-training');
  const learners = (['MAML', 'first-order MAML', EQUAL_TIME, 'Reptile', 'pre-training'] as Method[])
    .map((m) => ({ m, v: fmAcc(m) }))
    .filter((x) => x.v.length > 0);
  if (none.length > 0 && learners.length > 0) {
    const best = [...learners].sort((a, b) => mean(b.v) - mean(a.v))[0];
    const f1 = (v: number[]) =>
      `${mean(v).toFixed(1)}%${v.length > 1 ? ` ± ${spread(v).toFixed(1)}` : ''}`;
    const beats = mean(best.v) > mean(none) && (best.v.length < 2 || distinguishable(best.v, none));
    text += beats
      ? `. On Fashion-MNIST 5-way ${s}-shot, ${best.m} reached the best accuracy after ${ADAPT_STEPS} steps (${f1(best.v)}), above fine-tuning the initial weights (${f1(none)})`
      : `. On Fashion-MNIST 5-way ${s}-shot no meta-learner beat fine-tuning the un-meta-trained weights beyond the seed spread (${f1(none)} after ${ADAPT_STEPS} steps; best ${best.m} ${f1(best.v)}): across the disjoint class split meta-training did not transfer in this budget, so neither order of MAML paid off there`;
  }
  return `${text}.`;
}
