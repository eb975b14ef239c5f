/**
 * The configuration of a `descent train` run: from flags and a JSON config file, with
 * defaults; saved in each checkpoint so that `--resume` continues the run it belongs to. When
 * resuming, a setting given explicitly that differs from the checkpoint's is an error; only
 * `--epochs` (how far to train) may change.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, knownKeys } from '../backend/validate.js';
import { listOf, numberFlag, UsageError } from './args.js';
import { ACTIVATIONS, DEFAULT_MODEL, OPTIMIZERS, SCHEDULES } from './registry.js';
import type { TargetType } from './train-data.js';

export interface TrainConfig {
  optimizer: string;
  lr: number;
  schedule: string;
  epochs: number;
  batchSize: number;
  model: 'mlp' | 'cnn';
  hidden: number[];
  activation: string;
  bn: boolean;
  dropout: number;
  l2: number;
  seed: number;
  /** Absolute path of --data, or null for the Fashion-MNIST lookup. */
  data: string | null;
  subset: boolean;
  target: string | null;
  targetType: TargetType;
  testSplit: number;
}

/** Config keys, their flags and the JSON type each must have in a config file. */
const KEYS: Record<
  keyof TrainConfig,
  { flag: string; json: 'number' | 'string' | 'boolean' | 'number[]' }
> = {
  optimizer: { flag: 'optimizer', json: 'string' },
  lr: { flag: 'lr', json: 'number' },
  schedule: { flag: 'schedule', json: 'string' },
  epochs: { flag: 'epochs', json: 'number' },
  batchSize: { flag: 'batch-size', json: 'number' },
  model: { flag: 'model', json: 'string' },
  hidden: { flag: 'hidden', json: 'number[]' },
  activation: { flag: 'activation', json: 'string' },
  bn: { flag: 'bn', json: 'boolean' },
  dropout: { flag: 'dropout', json: 'number' },
  l2: { flag: 'l2', json: 'number' },
  seed: { flag: 'seed', json: 'number' },
  data: { flag: 'data', json: 'string' },
  subset: { flag: 'subset', json: 'boolean' },
  target: { flag: 'target', json: 'string' },
  targetType: { flag: 'target-type', json: 'string' },
  testSplit: { flag: 'test-split', json: 'number' },
};

const CONFIG_KEYS = Object.keys(KEYS) as Array<keyof TrainConfig>;

/** The config file's values as flag values (flags given on the command line win). */
export function readConfigFile(path: string): Record<string, string | boolean> {
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
    knownKeys(`descent train (config ${path})`, 'key', raw, CONFIG_KEYS);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(raw)) {
    const { flag, json } = KEYS[k as keyof TrainConfig];
    const ok =
      json === 'number[]'
        ? Array.isArray(v) && v.every((x) => typeof x === 'number')
        : typeof v === json;
    if (!ok)
      throw new UsageError(
        `descent train (config ${path}): "${k}" must be ${json === 'number[]' ? 'an array of numbers' : `a ${json}`}, got ${describe(v)}`,
      );
    out[flag] = typeof v === 'boolean' ? v : Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/**
 * The settings given (flags and config file, by flag name), parsed and checked, with defaults
 * for the rest; and which keys were given.
 */
export function parseConfig(given: Record<string, unknown>): {
  config: TrainConfig;
  explicit: Array<keyof TrainConfig>;
} {
  const cmd = 'train';
  const str = (k: string) => given[k] as string | undefined;
  if (given.subset === true && str('data'))
    throw new UsageError(
      `descent ${cmd}: --subset picks the bundled Fashion-MNIST subset, and --data names the data to read instead; give one`,
    );
  const optimizer = listOf(
    cmd,
    'optimizer',
    str('optimizer') ?? 'adam',
    Object.keys(OPTIMIZERS),
  )[0];
  const model = listOf(cmd, 'model', str('model') ?? 'mlp', ['mlp', 'cnn'])[0] as 'mlp' | 'cnn';
  if (model === 'cnn' && given.hidden !== undefined)
    throw new UsageError(
      `descent ${cmd}: --hidden sets the MLP's widths; the CNN (--model cnn) has fixed ones`,
    );
  const dataFile =
    str('data') !== undefined &&
    statSync(str('data') as string, { throwIfNoEntry: false })?.isFile() === true;
  for (const flag of ['target-type', 'test-split'])
    if (given[flag] !== undefined && !dataFile)
      throw new UsageError(
        `descent ${cmd}: --${flag} goes with --data FILE (a CSV or IDX file); Fashion-MNIST has its own labels and test set`,
      );
  const targetType = listOf(cmd, 'target-type', str('target-type') ?? 'auto', [
    'auto',
    'class',
    'float',
  ])[0] as TargetType;
  const config: TrainConfig = {
    optimizer,
    lr:
      str('lr') === undefined
        ? OPTIMIZERS[optimizer].lr
        : numberFlag(cmd, 'lr', given.lr, { min: 0 }),
    schedule: listOf(cmd, 'schedule', str('schedule') ?? 'constant', Object.keys(SCHEDULES))[0],
    epochs: numberFlag(cmd, 'epochs', str('epochs') ?? '5', { min: 1, integer: true }),
    batchSize: numberFlag(cmd, 'batch-size', str('batch-size') ?? '128', { min: 1, integer: true }),
    model,
    hidden: str('hidden')
      ? (str('hidden') as string)
          .split(',')
          .map((s) => numberFlag(cmd, 'hidden', s, { min: 1, integer: true }))
      : DEFAULT_MODEL.hidden,
    activation: listOf(cmd, 'activation', str('activation') ?? 'relu', Object.keys(ACTIVATIONS))[0],
    bn: given.bn === true,
    dropout: numberFlag(cmd, 'dropout', str('dropout') ?? '0', { min: 0, max: 0.99 }),
    l2: numberFlag(cmd, 'l2', str('l2') ?? '0', { min: 0 }),
    seed: numberFlag(cmd, 'seed', str('seed') ?? '1', { min: 0, integer: true }),
    data: str('data') ? resolve(str('data') as string) : null,
    subset: given.subset === true,
    target: targetOf(str('target')),
    targetType,
    testSplit: numberFlag(cmd, 'test-split', str('test-split') ?? '0.2', { min: 0.01, max: 0.99 }),
  };
  const explicit = CONFIG_KEYS.filter((k) => given[KEYS[k].flag] !== undefined);
  return { config, explicit };
}

/** A CSV column as given; an IDX file of targets as an absolute path (resume may run elsewhere). */
function targetOf(t: string | undefined): string | null {
  if (t === undefined) return null;
  return statSync(t, { throwIfNoEntry: false })?.isFile() ? resolve(t) : t;
}

/** A config saved in a checkpoint by `configExtra`, or null (a checkpoint from the API). */
export function savedConfig(extra: unknown): TrainConfig | null {
  const c = (extra as { descentTrain?: unknown } | null)?.descentTrain;
  if (c === null || typeof c !== 'object') return null;
  const keys = Object.keys(c);
  if (keys.length !== CONFIG_KEYS.length || !CONFIG_KEYS.every((k) => keys.includes(k)))
    return null;
  return c as TrainConfig;
}

/** What a checkpoint keeps of the run (in its `extra`). */
export function configExtra(config: TrainConfig): { descentTrain: TrainConfig } {
  return { descentTrain: config };
}

const show = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/**
 * The checkpoint's config, with `--epochs` as given; a setting given explicitly that differs
 * from it is an error naming both values.
 */
export function resumeConfig(
  dir: string,
  saved: TrainConfig,
  given: TrainConfig,
  explicit: ReadonlyArray<keyof TrainConfig>,
): TrainConfig {
  for (const k of explicit) {
    if (k === 'epochs') continue;
    if (show(given[k]) === show(saved[k])) continue;
    const flag = KEYS[k].flag;
    const was =
      typeof saved[k] === 'boolean'
        ? saved[k]
          ? `--${flag}`
          : `no --${flag}`
        : `--${flag} ${show(saved[k])}`;
    const now = typeof given[k] === 'boolean' ? `--${flag}` : `--${flag} ${show(given[k])}`;
    throw new UsageError(
      `descent train: ${now} contradicts the checkpoint ${dir}, whose run has ${was}; --resume continues that run with its own settings: drop --${flag}, or start a new run in another --checkpoint directory`,
    );
  }
  return { ...saved, epochs: explicit.includes('epochs') ? given.epochs : saved.epochs };
}
