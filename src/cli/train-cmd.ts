/** `descent train`: one training run from flags or a JSON config, with checkpoints and resume. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CrossEntropyLoss, MSELoss } from '../nn/losses/index.js';
import { Model } from '../nn/model.js';
import { l1l2Penalty } from '../nn/regularization.js';
import { checkWritableDir } from '../report/files.js';
import { countOf, textTable } from '../report/table.js';
import { ModelCheckpoint } from '../train/callbacks/model-checkpoint.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { fit } from '../train/fit.js';
import { parse, UsageError } from './args.js';
import {
  ACTIVATIONS,
  buildNet,
  describeModel,
  type ModelSpec,
  OPTIMIZERS,
  SCHEDULES,
} from './registry.js';
import {
  configExtra,
  parseConfig,
  readConfigFile,
  resumeConfig,
  savedConfig,
  type TrainConfig,
} from './train-config.js';
import { loadTrainData } from './train-data.js';

export const TRAIN_HELP = `descent train — one training run, with checkpoints and resume

Data: Fashion-MNIST by default (as for compare), or --data FILE.csv --target COLUMN, or
--data SAMPLES.idx --target TARGETS.idx (gzipped or not). The model's input and output sizes
come from the data; class targets train a classifier (cross-entropy, accuracy), numeric ones a
regressor (MSE, mean absolute error). A CSV or IDX file holds out --test-split of its samples.

Flags (or --config FILE, a JSON object with the same keys in camelCase):
  --optimizer NAME     ${Object.keys(OPTIMIZERS).join(', ')} (default adam)
  --lr X               (default: the optimizer's customary rate)
  --schedule NAME      ${Object.keys(SCHEDULES).join(', ')} (default constant)
  --epochs N           (default 5; with --resume, the epoch to train up to)
  --batch-size N       (default 128)
  --model mlp|cnn      (default mlp; cnn needs image samples [channels, height, width])
  --hidden LIST        MLP hidden widths (default 256,128)
  --activation NAME    ${Object.keys(ACTIVATIONS).join(', ')} (default relu)
  --bn                 batch normalization after each hidden layer
  --dropout X          dropout rate (default 0)
  --l2 X               L2 penalty (default 0)
  --seed N             (default 1)
  --data PATH          a Fashion-MNIST folder, a CSV file or an IDX file of samples
  --subset             the bundled Fashion-MNIST subset even if the full data is installed
  --target T           CSV: the column to predict (name or 0-based index); IDX: the targets file
  --target-type T      auto, class or float (default auto: integers ≥ 0 are classes)
  --test-split X       fraction of a CSV or IDX file held out as the test set (default 0.2)
  --checkpoint DIR     save a checkpoint there after every epoch (atomic)
  --resume             continue the run in --checkpoint DIR with its settings (a flag that
                       contradicts them is an error; --epochs may extend it)
  --quiet              no progress output

Examples:
  descent train --optimizer adamw --epochs 5 --checkpoint run1
  descent train --checkpoint run1 --resume --epochs 10
  descent train --data houses.csv --target price --target-type float
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
  data: { type: 'string' },
  subset: { type: 'boolean' },
  target: { type: 'string' },
  'target-type': { type: 'string' },
  'test-split': { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** The run's settings: from flags, or from the checkpoint when resuming. */
function settle(v: Record<string, unknown>, checkpoint: string | undefined): TrainConfig {
  const { config, explicit } = parseConfig(v);
  if (!v.resume) return config;
  const ck = loadCheckpoint(checkpoint as string);
  const saved = savedConfig(ck.manifest.extra);
  // A checkpoint written through the API has no settings: the flags (and restore's checks) rule.
  const settled = saved ? resumeConfig(checkpoint as string, saved, config, explicit) : config;
  if (ck.epoch >= settled.epochs)
    throw new UsageError(
      `descent train: the checkpoint ${checkpoint} has trained ${countOf(ck.epoch, 'epoch')} of ${settled.epochs}; give --epochs above ${ck.epoch} to train on`,
    );
  return settled;
}

export function runTrain(argv: string[]): number {
  const cmd = 'train';
  const parsed = parse(cmd, argv, FLAGS).values;
  if (parsed.help) {
    process.stdout.write(`${TRAIN_HELP}\n`);
    return 0;
  }
  const v = { ...(parsed.config ? readConfigFile(parsed.config as string) : {}), ...parsed };
  const checkpoint = v.checkpoint ? resolve(v.checkpoint as string) : undefined;
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
  const c = settle(v, checkpoint);
  const spec: ModelSpec = {
    kind: c.model,
    hidden: c.hidden,
    activation: c.activation,
    batchNorm: c.bn,
    dropout: c.dropout,
  };
  const data = loadTrainData({ ...c, flatten: c.model === 'mlp' });
  const input = data.train.inputShape;
  const model = new Model(buildNet(spec, data.outputs, input), [...input], { seed: c.seed });
  const opt = OPTIMIZERS[c.optimizer].make(model.parameters(), c.lr);
  const steps = c.epochs * Math.ceil(data.train.length / c.batchSize);
  const scheduler = SCHEDULES[c.schedule](opt, steps, c.lr);
  const weights = model.parameters().filter((p) => p.regularize);
  const classify = data.task === 'class';
  const metric = classify ? 'accuracy' : 'mae';
  if (!v.quiet)
    process.stdout.write(
      `descent train: ${describeModel(
        spec,
        data.outputs,
        input.reduce((a, d) => a * d, 1),
      )}, ${OPTIMIZERS[c.optimizer].label} lr ${c.lr}, ${countOf(c.epochs, 'epoch')}, data ${data.description}\n`,
    );
  const h = fit(model, data.train, {
    optimizer: opt,
    loss: classify ? new CrossEntropyLoss() : new MSELoss(),
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: c.seed,
    scheduler: scheduler ?? undefined,
    schedulerInterval: scheduler ? 'step' : undefined,
    validationData: data.test,
    metrics: [metric],
    callbacks: checkpoint ? [new ModelCheckpoint({ dir: checkpoint, extra: configExtra(c) })] : [],
    resumeFrom: v.resume ? checkpoint : undefined,
    regularize: c.l2 > 0 ? () => l1l2Penalty(weights, { l2: c.l2 }) : undefined,
    verbose: v.quiet ? 0 : undefined,
  });
  const scale = classify ? 100 : 1;
  const digits = classify ? 2 : 4;
  const valMetric = classify ? h.metrics.valAccuracy : h.metrics.valMae;
  const rows = h.epoch.map((e, i) => [
    String(e + 1),
    h.loss[i].toFixed(4),
    (h.valLoss[i] ?? Number.NaN).toFixed(4),
    (scale * (h.metrics[metric]?.[i] ?? Number.NaN)).toFixed(digits),
    (scale * (valMetric?.[i] ?? Number.NaN)).toFixed(digits),
    h.samplesPerSec[i].toFixed(0),
  ]);
  const m = classify ? 'acc %' : 'mae';
  const headers = ['epoch', 'loss', 'test loss', m, `test ${m}`, 'samples/s'];
  process.stdout.write(
    `\n${textTable(
      rows,
      headers.map((title, j) => ({ title, value: (r: string[]) => r[j] })),
    )}\n`,
  );
  if (checkpoint) process.stdout.write(`checkpoint: ${checkpoint}\n`);
  return 0;
}
