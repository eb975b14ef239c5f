/** `descent train`: one training run from flags or a JSON config, with checkpoints and resume. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, knownKeys } from '../backend/validate.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { CrossEntropyLoss } from '../nn/losses/index.js';
import { Model } from '../nn/model.js';
import { l1l2Penalty } from '../nn/regularization.js';
import { checkWritableDir } from '../report/files.js';
import { textTable } from '../report/table.js';
import { ModelCheckpoint } from '../train/callbacks/model-checkpoint.js';
import { fit } from '../train/fit.js';
import { listOf, numberFlag, parse, UsageError } from './args.js';
import {
  ACTIVATIONS,
  buildNet,
  DEFAULT_MODEL,
  describeModel,
  type ModelSpec,
  OPTIMIZERS,
  SCHEDULES,
} from './registry.js';

export const TRAIN_HELP = `descent train — one training run on Fashion-MNIST, with checkpoints and resume

Flags (or --config FILE, a JSON object with the same keys in camelCase):
  --optimizer NAME     ${Object.keys(OPTIMIZERS).join(', ')} (default adam)
  --lr X               (default: the optimizer's customary rate)
  --schedule NAME      ${Object.keys(SCHEDULES).join(', ')} (default constant)
  --epochs N           (default 5)
  --batch-size N       (default 128)
  --model mlp|cnn      (default mlp)
  --hidden LIST        MLP hidden widths (default 256,128)
  --activation NAME    ${Object.keys(ACTIVATIONS).join(', ')} (default relu)
  --bn                 batch normalization after each hidden layer
  --dropout X          dropout rate (default 0)
  --l2 X               L2 penalty (default 0)
  --seed N             (default 1)
  --checkpoint DIR     save a checkpoint there after every epoch (atomic)
  --resume             continue from the checkpoint in --checkpoint DIR
  --data DIR, --subset as for compare; --quiet

Examples:
  descent train --optimizer adam --epochs 5 --checkpoint run1
  descent train --checkpoint run1 --resume --epochs 10
  descent train --config experiment.json`;

const FLAGS = {
  config: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  schedule: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  model: { type: 'string' },
  hidden: { type: 'string' },
  activation: { type: 'string' },
  bn: { type: 'boolean' },
  dropout: { type: 'string' },
  l2: { type: 'string' },
  seed: { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'boolean' },
  data: { type: 'string' },
  subset: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** The config file's keys and the JSON type each must have. */
const CONFIG_TYPES: Record<string, 'number' | 'string' | 'boolean' | 'number[]'> = {
  optimizer: 'string',
  lr: 'number',
  schedule: 'string',
  epochs: 'number',
  batchSize: 'number',
  model: 'string',
  hidden: 'number[]',
  activation: 'string',
  bn: 'boolean',
  dropout: 'number',
  l2: 'number',
  seed: 'number',
};

/** The config file's values as flag strings (flags given on the command line win). */
function readConfig(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `descent train: cannot read the config ${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(
      `descent train: the config ${path} must hold a JSON object, got ${describe(raw)}`,
    );
  }
  try {
    knownKeys(`descent train (config ${path})`, 'key', raw, Object.keys(CONFIG_TYPES));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const want = CONFIG_TYPES[k];
    const ok =
      want === 'number'
        ? typeof v === 'number'
        : want === 'boolean'
          ? typeof v === 'boolean'
          : want === 'string'
            ? typeof v === 'string'
            : Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (!ok)
      throw new UsageError(
        `descent train (config ${path}): "${k}" must be ${want === 'number[]' ? 'an array of numbers' : `a ${want}`}, got ${describe(v)}`,
      );
    const flag = k === 'batchSize' ? 'batch-size' : k;
    out[flag] = typeof v === 'boolean' ? v : Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

export function runTrain(argv: string[]): number {
  const cmd = 'train';
  const parsed = parse(cmd, argv, FLAGS).values;
  if (parsed.help) {
    process.stdout.write(`${TRAIN_HELP}\n`);
    return 0;
  }
  const v = { ...(parsed.config ? readConfig(parsed.config as string) : {}), ...parsed };
  const str = (k: string) => v[k] as string | undefined;
  const optimizer = listOf(
    cmd,
    'optimizer',
    str('optimizer') ?? 'adam',
    Object.keys(OPTIMIZERS),
  )[0];
  const lr =
    str('lr') === undefined ? OPTIMIZERS[optimizer].lr : numberFlag(cmd, 'lr', v.lr, { min: 0 });
  const schedule = listOf(
    cmd,
    'schedule',
    str('schedule') ?? 'constant',
    Object.keys(SCHEDULES),
  )[0];
  const epochs = numberFlag(cmd, 'epochs', str('epochs') ?? '5', { min: 1, integer: true });
  const batchSize = numberFlag(cmd, 'batch-size', str('batch-size') ?? '128', {
    min: 1,
    integer: true,
  });
  const kind = listOf(cmd, 'model', str('model') ?? 'mlp', ['mlp', 'cnn'])[0] as 'mlp' | 'cnn';
  const hidden = str('hidden')
    ? (str('hidden') as string)
        .split(',')
        .map((s) => numberFlag(cmd, 'hidden', s, { min: 1, integer: true }))
    : DEFAULT_MODEL.hidden;
  const activation = listOf(
    cmd,
    'activation',
    str('activation') ?? 'relu',
    Object.keys(ACTIVATIONS),
  )[0];
  const dropout = numberFlag(cmd, 'dropout', str('dropout') ?? '0', { min: 0, max: 0.99 });
  const l2 = numberFlag(cmd, 'l2', str('l2') ?? '0', { min: 0 });
  const seed = numberFlag(cmd, 'seed', str('seed') ?? '1', { min: 0, integer: true });
  const checkpoint = str('checkpoint') ? resolve(str('checkpoint') as string) : undefined;
  if (v.resume && !checkpoint)
    throw new UsageError('descent train: --resume needs --checkpoint DIR');
  if (v.resume && !existsSync(checkpoint as string))
    throw new UsageError(`descent train: no checkpoint to resume at ${checkpoint}`);
  // Saves go through a temporary directory beside the checkpoint: refuse before training.
  if (checkpoint) {
    try {
      checkWritableDir(dirname(checkpoint));
    } catch (e) {
      throw new UsageError(`descent train: --checkpoint ${checkpoint}: ${(e as Error).message}`);
    }
  }
  const spec: ModelSpec = { kind, hidden, activation, batchNorm: v.bn === true, dropout };
  const data = loadFashionMnist({
    dir: str('data'),
    subset: v.subset === true,
    flatten: kind === 'mlp',
  });
  const model = new Model(buildNet(spec), [...data.train.inputShape], { seed });
  const opt = OPTIMIZERS[optimizer].make(model.parameters(), lr);
  const scheduler = SCHEDULES[schedule](opt, epochs * Math.ceil(data.train.length / batchSize), lr);
  const weights = model.parameters().filter((p) => p.regularize);
  const verbose: 0 | 1 = v.quiet ? 0 : 1;
  if (verbose)
    process.stdout.write(
      `descent train: ${describeModel(spec)}, ${OPTIMIZERS[optimizer].label} lr ${lr}, ${epochs} epochs, data ${data.source}\n`,
    );
  const h = fit(model, data.train, {
    optimizer: opt,
    loss: new CrossEntropyLoss(),
    epochs,
    batchSize,
    seed,
    scheduler: scheduler ?? undefined,
    schedulerInterval: 'step',
    validationData: data.test,
    metrics: ['accuracy'],
    callbacks: checkpoint ? [new ModelCheckpoint({ dir: checkpoint })] : [],
    resumeFrom: v.resume ? checkpoint : undefined,
    regularize: l2 > 0 ? () => l1l2Penalty(weights, { l2 }) : undefined,
    verbose,
  });
  const rows = h.epoch.map((e, i) => [
    String(e + 1),
    h.loss[i].toFixed(4),
    (h.valLoss[i] ?? Number.NaN).toFixed(4),
    (100 * (h.metrics.accuracy?.[i] ?? Number.NaN)).toFixed(2),
    (100 * (h.metrics.valAccuracy?.[i] ?? Number.NaN)).toFixed(2),
    h.samplesPerSec[i].toFixed(0),
  ]);
  const headers = ['epoch', 'loss', 'val loss', 'acc %', 'val acc %', 'samples/s'];
  process.stdout.write(
    `\n${textTable(
      rows,
      headers.map((title, j) => ({ title, value: (r: string[]) => r[j] })),
    )}\n`,
  );
  if (checkpoint) process.stdout.write(`checkpoint: ${checkpoint}\n`);
  return 0;
}
