/** `descent compare`: train the same model with several optimizers (or a preset) and report. */
import { resolve } from 'node:path';
import { getBackend } from '../backend/select.js';
import { checkWritableDir } from '../report/files.js';
import { reportLine } from '../report/report-line.js';
import { listOf, numberFlag, numberList, parse, UsageError } from './args.js';
import { localExecutor, queueExecutor } from './executor.js';
import type { Interrupt, RunResult, RunSpec } from './experiment.js';
import { type GridAxes, gridCompares, gridRuns } from './grid.js';
import { jobsFor, progressHooks } from './jobs.js';
import { runPaths } from './paths.js';
import { accuracyFinding, PRESET_NAMES, PRESETS } from './presets.js';
import { checkReachable, parseRedisUrl } from './redis-url.js';
import {
  ACTIVATIONS,
  DEFAULT_MODEL,
  DEFAULT_OPTIMIZERS,
  describeModel,
  OPTIMIZERS,
  SCHEDULES,
} from './registry.js';
import { type ComparisonResults, summarize, writeReport } from './results.js';
import { confounds, type SettingKey } from './settings.js';
import { STUDIES } from './studies.js';
import { runStudy } from './study.js';
import { autoTarget, withTarget } from './target.js';

export const COMPARE_HELP = `descent compare — train the same model with several optimizers and compare them

Without flags: an MLP 784-256-128-10 on Fashion-MNIST trained with SGD, SGD+Momentum,
Nesterov, Adagrad, RMSprop, Adam, AdamW and NAdam from the same seed and initial weights,
for the same number of epochs; writes a report directory with a table, charts (SVG, PNG),
results.json and report.html, and prints the table.

Data: --data DIR (IDX files), else $DESCENT_FASHION_MNIST, else /usr/share/datasets/fashion-mnist
(Debian package dataset-fashion-mnist), else the real subset bundled with descent.

Flags:
  --preset NAME        ${PRESET_NAMES.join(', ')}
  --optimizers LIST    ${Object.keys(OPTIMIZERS).join(', ')}
  --lr LIST            learning rates (default: each optimizer's customary one)
  --activations LIST   ${Object.keys(ACTIVATIONS).join(', ')}
  --schedules LIST     ${Object.keys(SCHEDULES).join(', ')}
  --batch-sizes LIST   (default 128)
  --bn LIST            off,on: batch normalization after each hidden layer
  --dropout LIST       dropout rates (default 0)
  --l2 LIST            L2 penalties (default 0)
  --seeds LIST         seeds; several seeds report mean ± half their range (default 1,2)
  --epochs N           epochs per run (default 3; presets have their own)
  --quick              a short run: the meta, gan and vae presets at a small budget (a
                       first look, minutes become seconds), other presets 1 epoch, 1 seed
  --model mlp|cnn      (default mlp)
  --target-loss X      training loss whose first crossing is timed (default: chosen from
                       the data, the lowest the worst run reached, so every run reaches it)
  --data DIR           directory with the four Fashion-MNIST IDX files
  --subset             use the bundled subset even if the full data is installed
  --out DIR            report directory (default descent-report)
  --quiet              no progress output
  --jobs N             runs at once, each in its own process with an equal share of the
                       native threads (default 1: see benchmarks/scale.mjs for your machine);
                       the results are the same whatever N
  --queue URL          put the runs on a BullMQ queue in Redis (redis://HOST:PORT[/DB])
                       for \`descent worker\`s on any machines to run; same report
  --resume             with --queue: keep the runs an earlier coordinator of the same grid
                       got done (after Ctrl-C or a crash) instead of running them again

Examples:
  descent compare
  descent compare --optimizers sgd,adam --epochs 2 --seeds 1,2,3
  descent compare --preset adam-vs-sgd
  descent compare --preset gan --quick
  descent compare --optimizers momentum --schedules constant,cosine,onecycle --out sched-report`;

const FLAGS = {
  preset: { type: 'string' },
  optimizers: { type: 'string' },
  lr: { type: 'string' },
  activations: { type: 'string' },
  schedules: { type: 'string' },
  'batch-sizes': { type: 'string' },
  bn: { type: 'string' },
  dropout: { type: 'string' },
  l2: { type: 'string' },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  model: { type: 'string' },
  'target-loss': { type: 'string' },
  data: { type: 'string' },
  subset: { type: 'boolean' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  jobs: { type: 'string' },
  queue: { type: 'string' },
  resume: { type: 'boolean' },
} as const;

export async function runCompare(argv: string[], signal: Interrupt): Promise<number> {
  const cmd = 'compare';
  const { values: v } = parse(cmd, argv, FLAGS);
  if (v.help) {
    process.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  const preset = v.preset as string | undefined;
  if (preset !== undefined) listOf(cmd, 'preset', preset, PRESET_NAMES);
  const str = (k: string) => v[k] as string | undefined;
  const quick = v.quick === true;
  const study = preset ? STUDIES[preset] : undefined;
  const epochs =
    str('epochs') === undefined
      ? null
      : numberFlag(cmd, 'epochs', v.epochs, { min: 1, integer: true });
  const seeds =
    str('seeds') === undefined
      ? quick && !study
        ? [1]
        : null
      : numberList(cmd, 'seeds', v.seeds as string, { min: 0, integer: true });
  const kind = (str('model') ?? 'mlp') as 'mlp' | 'cnn';
  listOf(cmd, 'model', kind, ['mlp', 'cnn']);
  const givenTarget =
    str('target-loss') === undefined
      ? null
      : numberFlag(cmd, 'target-loss', v['target-loss'], { min: 0 });
  const out = resolve(str('out') ?? 'descent-report');
  const verbose: 0 | 1 = v.quiet ? 0 : 1;
  if (
    preset &&
    [
      'optimizers',
      'lr',
      'activations',
      'schedules',
      'batch-sizes',
      'bn',
      'dropout',
      'l2',
      'model',
    ].some((k) => v[k] !== undefined)
  ) {
    throw new UsageError(
      `descent ${cmd}: --preset fixes its own grid; only --epochs, --seeds, --quick, --data, --subset, --out, --target-loss and --quiet go with it`,
    );
  }
  const scaling = ['jobs', 'queue', 'resume'].find((k) => v[k] !== undefined);
  if ((study || preset === 'paths') && scaling)
    throw new UsageError(
      `descent ${cmd}: --${scaling} does not apply to the ${preset} preset (it runs as one study); use it with grids and the other presets`,
    );
  if (study && v['target-loss'] !== undefined)
    throw new UsageError(
      `descent ${cmd}: --target-loss does not apply to the ${preset} preset (it measures ${preset === 'meta' ? 'loss and accuracy after adaptation' : preset === 'gan' ? 'mode coverage and sample quality' : 'the ELBO'}, not time to a training loss)`,
    );
  if (preset === 'meta' && epochs !== null)
    throw new UsageError(
      `descent ${cmd}: --epochs does not apply to the meta preset (it trains by meta-steps); --quick gives a short run`,
    );
  if (v.subset === true && str('data'))
    throw new UsageError(
      `descent ${cmd}: --subset picks the bundled Fashion-MNIST subset, and --data names the folder to read instead; give one`,
    );
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const b = getBackend().info();
  const backend = { name: b.name, simd: b.simd, threads: b.threads };
  const command = `descent compare ${argv.join(' ')}`.trim();

  // Refuse an unwritable report directory before any training (for grids: once the grid and
  // --jobs are known good, so that bad input leaves no directory behind).
  if (preset === 'paths' || study) checkWritableDir(out);
  if (preset === 'paths') return runPaths({ out, command, verbose, signal, seeds });
  if (study)
    return runStudy(study, {
      out,
      command,
      verbose,
      signal,
      seeds,
      epochs,
      quick,
      data: { dir: str('data'), subset: v.subset === true },
    });

  let runs: RunSpec[];
  let title: string;
  let question: string;
  let notes: string[] = [];
  let compares: SettingKey[];
  const p = preset ? PRESETS[preset] : undefined;
  if (p) {
    runs = p.runs({ epochs: epochs ?? (quick ? 1 : null), seeds });
    title = p.title;
    question = p.question;
    notes = p.notes ?? [];
    compares = p.compares;
  } else {
    const optimizers = str('optimizers')
      ? listOf(cmd, 'optimizers', v.optimizers as string, Object.keys(OPTIMIZERS))
      : DEFAULT_OPTIMIZERS;
    const axes: GridAxes = {
      optimizers,
      lrs: str('lr') ? numberList(cmd, 'lr', v.lr as string, { min: 0 }) : null,
      activations: str('activations')
        ? listOf(cmd, 'activations', v.activations as string, Object.keys(ACTIVATIONS))
        : [DEFAULT_MODEL.activation],
      schedules: str('schedules')
        ? listOf(cmd, 'schedules', v.schedules as string, Object.keys(SCHEDULES))
        : ['constant'],
      batchSizes: str('batch-sizes')
        ? numberList(cmd, 'batch-sizes', v['batch-sizes'] as string, { min: 1, integer: true })
        : [128],
      batchNorm: str('bn')
        ? listOf(cmd, 'bn', v.bn as string, ['off', 'on']).map((s) => s === 'on')
        : [false],
      dropout: str('dropout')
        ? numberList(cmd, 'dropout', v.dropout as string, { min: 0 }).map(checkDropout)
        : [0],
      l2: str('l2') ? numberList(cmd, 'l2', v.l2 as string, { min: 0 }) : [0],
      seeds: seeds ?? [1, 2],
      epochs: epochs ?? (quick ? 1 : 3),
      kind,
      hidden: DEFAULT_MODEL.hidden,
    };
    runs = gridRuns(axes);
    compares = gridCompares(axes);
    title =
      runs.length > 1 ? 'Optimizer comparison on Fashion-MNIST' : 'Training run on Fashion-MNIST';
    question =
      'Trained from the same seed and initial weights for the same budget, which setting trains fastest and ends most accurate?';
  }
  const queue = str('queue') === undefined ? null : parseRedisUrl(cmd, v.queue);
  if (queue && v.jobs !== undefined)
    throw new UsageError(
      `descent ${cmd}: --jobs is for runs on this machine; with --queue, start each \`descent worker\` with --concurrency N`,
    );
  if (!queue && v.resume === true)
    throw new UsageError(
      `descent ${cmd}: --resume collects a grid left on a queue; it needs --queue`,
    );
  const jobs = queue ? 1 : jobsFor(cmd, v.jobs, runs.length);
  const threadsPerJob = queue ? b.threads : Math.max(1, Math.floor(b.threads / jobs));
  if (queue) await checkReachable(cmd, queue);
  checkWritableDir(out);
  const data = { dir: str('data'), subset: v.subset === true, flatten: kind === 'mlp' };
  // Training runs in other processes so that Ctrl-C is heard while they train.
  const exec = queue
    ? queueExecutor(cmd, { target: queue, resume: v.resume === true, data })
    : await localExecutor(cmd, { jobs, threadsPerJob, data });
  signal.onStop = () => exec.stop();
  const loaded = exec.loaded;
  const models = [...new Set(runs.map((r) => describeModel(r.model)))];
  if (verbose) {
    process.stdout.write(
      `descent compare: ${runs.length} runs on Fashion-MNIST (${loaded.source}, ${loaded.train} train / ${loaded.test} test) — ${b.name} backend, ${b.simd}, ${jobs > 1 ? `${jobs} runs at once × ${threadsPerJob} threads each` : `${threadsPerJob} threads`}\n`,
    );
  }
  const labelOf = (i: number) => {
    const spec = runs[i];
    return `[${i + 1}/${runs.length}] ${spec.group}${(seeds?.length ?? 0) > 1 || runs.some((r) => r.seed !== spec.seed) ? ` (seed ${spec.seed})` : ''}`;
  };
  let results: RunResult[];
  try {
    const all = await exec.runAll(
      runs,
      givenTarget ?? Number.NEGATIVE_INFINITY, // auto: chosen once every run is done
      signal,
      verbose ? progressHooks(labelOf) : {},
    );
    results = all.filter((r): r is RunResult => r !== null);
  } finally {
    await exec.close();
  }
  const targetLoss = givenTarget ?? autoTarget(results);
  const timed =
    givenTarget === null && targetLoss !== null
      ? results.map((r) => withTarget(r, targetLoss))
      : results;
  const summaries = summarize(timed);
  const specs = summaries.map((x) => x.runs[0].spec);
  const res: ComparisonResults = {
    title,
    question,
    finding:
      results.length === 0
        ? 'Interrupted before any run finished.'
        : `${p ? p.finding(summaries) : accuracyFinding(summaries)}${confounds(
            summaries.map((x) => x.group),
            specs,
            compares,
          )}`,
    command,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    interrupted: signal.stop,
    dataset: {
      source: loaded.source,
      path: loaded.path,
      train: loaded.train,
      test: loaded.test,
    },
    model: models.join('; '),
    backend: { ...backend, threads: threadsPerJob },
    jobs,
    targetLoss,
    targetChosen: givenTarget === null ? 'auto' : 'given',
    runs: timed,
    notes,
  };
  const table = await writeReport(out, res, p?.charts?.(summaries) ?? []);
  process.stdout.write(
    `\n${table}\n\n${res.finding}\n\n${reportLine(out, 'results.json, table.txt, charts as SVG and PNG')}\n`,
  );
  return signal.stop ? 130 : 0;
}

function checkDropout(p: number): number {
  if (p >= 1) throw new UsageError(`descent compare: --dropout rates must be in [0, 1), got ${p}`);
  return p;
}
