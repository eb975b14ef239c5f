/**
 * Each condition's hyperparameters, for the report's settings column, and the sentence that
 * says when conditions differ in more than the factor compared (SGD at lr 0.1 beside Momentum
 * at 0.05 is a comparison of two settings, not one).
 */
import { countOf } from '../report/table.js';
import type { RunSpec } from './experiment.js';
import { OPTIMIZERS } from './registry.js';

export type SettingKey =
  | 'optimizer'
  | 'lr'
  | 'schedule'
  | 'batch'
  | 'budget'
  | 'model'
  | 'activation'
  | 'batchNorm'
  | 'dropout'
  | 'l2';

/** What each setting is called in a sentence. */
const NAMES: Record<SettingKey, string> = {
  optimizer: 'optimizer',
  lr: 'learning rate',
  schedule: 'learning-rate schedule',
  batch: 'batch size',
  budget: 'training budget',
  model: 'network',
  activation: 'activation',
  batchNorm: 'batch normalization',
  dropout: 'dropout',
  l2: 'L2 penalty',
};

const KEYS = Object.keys(NAMES) as SettingKey[];

export function settingsOf(spec: RunSpec): Record<SettingKey, string> {
  const m = spec.model;
  return {
    optimizer: OPTIMIZERS[spec.optimizer]?.label ?? spec.optimizer,
    lr: `lr ${spec.lr}`,
    schedule: spec.schedule === 'constant' ? 'constant lr' : `${spec.schedule} schedule`,
    batch: `batch ${spec.batchSize}`,
    budget: spec.timeBudget === undefined ? countOf(spec.epochs, 'epoch') : `${spec.timeBudget} s`,
    model: m.kind === 'cnn' ? 'CNN' : `MLP 784-${m.hidden.join('-')}-10`,
    activation: m.activation,
    batchNorm: m.batchNorm ? 'batch norm' : 'no batch norm',
    dropout: m.dropout > 0 ? `dropout ${m.dropout}` : 'no dropout',
    l2: spec.l2 > 0 ? `L2 ${spec.l2}` : 'no L2',
  };
}

export interface ConditionSettings {
  /** Settings that differ between conditions (each row shows its own). */
  varying: SettingKey[];
  /** The settings every condition shares, as one phrase. */
  shared: string;
  /** Each condition's varying settings (all of them when nothing varies). */
  rows: string[];
}

/** The settings of conditions given by their first run (seeds share everything else). */
export function conditionSettings(specs: readonly RunSpec[]): ConditionSettings {
  const all = specs.map(settingsOf);
  const varying = KEYS.filter((k) => new Set(all.map((s) => s[k])).size > 1);
  const shown = varying.length > 0 ? varying : KEYS;
  return {
    varying,
    shared: KEYS.filter((k) => !varying.includes(k))
      .map((k) => all[0]?.[k])
      .join(', '),
    rows: all.map((s) => shown.map((k) => s[k]).join(', ')),
  };
}

const list = (xs: string[]) =>
  xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/**
 * '' when the conditions differ only in `compares`; else a sentence naming the other
 * settings that differ, with each condition's value when there are few conditions.
 */
export function confounds(
  groups: readonly string[],
  specs: readonly RunSpec[],
  compares: readonly SettingKey[],
): string {
  const { varying } = conditionSettings(specs);
  const extra = varying.filter((k) => !compares.includes(k));
  if (extra.length === 0) return '';
  const all = specs.map(settingsOf);
  const detail = (k: SettingKey) =>
    groups.length <= 4
      ? `${NAMES[k]} (${groups.map((g, i) => `${g}: ${all[i][k]}`).join('; ')})`
      : NAMES[k];
  const besides =
    compares.length > 0 ? `Besides the ${list(compares.map((k) => NAMES[k]))}, the` : 'The';
  return ` ${besides} conditions differ in ${list(extra.map(detail))}: see the settings column.`;
}
