/**
 * Free grids for `descent compare`: the cartesian product of the lists given on the command
 * line, each combination run once per seed; the label of a run names only what varies.
 */

import { oneOf } from '../backend/validate.js';
import type { RunSpec } from './experiment.js';
import { ACTIVATIONS, DEFAULT_MODEL, type ModelSpec, OPTIMIZERS, SCHEDULES } from './registry.js';
import type { SettingKey } from './settings.js';

/**
 * The lists a grid is the cartesian product of, as `descent compare` takes them on the command
 * line (its defaults in parentheses). Every field is required; a list of one value fixes that
 * setting.
 */
export interface GridAxes {
  /** Optimizer names ({@link RunSpec.optimizer}); `--optimizers` (sgd … nadam, 8 of them). */
  optimizers: string[];
  /** Learning rates; null gives each optimizer its own customary rate (`--lr`; null). */
  lrs: number[] | null;
  /** Activation names ({@link ModelSpec.activation}); `--activations` (`['relu']`). */
  activations: string[];
  /** Schedule names ({@link RunSpec.schedule}); `--schedules` (`['constant']`). */
  schedules: string[];
  /** Batch sizes; `--batch-sizes` (`[128]`). */
  batchSizes: number[];
  /** Batch normalization off and/or on; `--bn` (`[false]`). */
  batchNorm: boolean[];
  /** Dropout probabilities; `--dropout` (`[0]`). */
  dropout: number[];
  /** L2 penalties ({@link RunSpec.l2}); `--l2` (`[0]`). */
  l2: number[];
  /** Seeds: each combination runs once per seed, averaged in the report; `--seeds` (`[1, 2]`). */
  seeds: number[];
  /** Epochs of every run; `--epochs` (3; 1 with `--quick`). */
  epochs: number;
  /** The network kind of every run; `--model` (`'mlp'`). */
  kind: ModelSpec['kind'];
  /** Hidden layer widths of every MLP (the CLI: `[256, 128]`). */
  hidden: number[];
}

/**
 * The run specs of a grid: every combination of the axes (optimizer outermost), each once per
 * seed, in the order `descent compare` runs and reports them. A run's `group` label names only
 * the settings that vary (the optimizer's label alone when nothing does).
 *
 * @example
 * ```ts
 * import { experiments } from 'descent-ml';
 *
 * const specs = experiments.gridRuns({
 *   optimizers: ['sgd', 'adam'], lrs: null, activations: ['relu'], schedules: ['constant'],
 *   batchSizes: [128], batchNorm: [false], dropout: [0], l2: [0], seeds: [1, 2],
 *   epochs: 1, kind: 'mlp', hidden: [64],
 * });
 * console.log(specs.length, specs[0].group, specs[0].lr); // 4 'SGD' 0.1
 * ```
 */
export function gridRuns(a: GridAxes): RunSpec[] {
  // Names are checked here, not when a run starts in another process or on another machine.
  const names = (axis: string, given: readonly string[], known: object) =>
    given.forEach((v, i) => {
      oneOf('gridRuns', `${axis}[${i}]`, v, Object.keys(known));
    });
  names('optimizers', a.optimizers, OPTIMIZERS);
  names('activations', a.activations, ACTIVATIONS);
  names('schedules', a.schedules, SCHEDULES);
  const runs: RunSpec[] = [];
  const lrs = a.lrs ?? [Number.NaN];
  const varies = {
    optimizer: a.optimizers.length > 1,
    lr: lrs.length > 1,
    activation: a.activations.length > 1,
    schedule: a.schedules.length > 1,
    batch: a.batchSizes.length > 1,
    bn: a.batchNorm.length > 1,
    dropout: a.dropout.length > 1,
    l2: a.l2.length > 1,
  };
  for (const optimizer of a.optimizers)
    for (const lrGiven of lrs)
      for (const activation of a.activations)
        for (const schedule of a.schedules)
          for (const batchSize of a.batchSizes)
            for (const bn of a.batchNorm)
              for (const dropout of a.dropout)
                for (const l2 of a.l2) {
                  const lr = Number.isNaN(lrGiven) ? OPTIMIZERS[optimizer].lr : lrGiven;
                  const parts = [
                    varies.optimizer || !Object.values(varies).some(Boolean)
                      ? OPTIMIZERS[optimizer].label
                      : '',
                    varies.lr ? `lr ${lr}` : '',
                    varies.activation ? activation : '',
                    varies.schedule ? schedule : '',
                    varies.batch ? `batch ${batchSize}` : '',
                    varies.bn ? (bn ? 'batch norm' : 'no batch norm') : '',
                    varies.dropout ? `dropout ${dropout}` : '',
                    varies.l2 ? `L2 ${l2}` : '',
                  ].filter(Boolean);
                  const model: ModelSpec = {
                    ...DEFAULT_MODEL,
                    kind: a.kind,
                    hidden: a.hidden,
                    activation,
                    batchNorm: bn,
                    dropout,
                  };
                  for (const seed of a.seeds) {
                    runs.push({
                      group: parts.join(', '),
                      optimizer,
                      lr,
                      schedule,
                      batchSize,
                      epochs: a.epochs,
                      seed,
                      model,
                      l2,
                    });
                  }
                }
  return runs;
}

/** The settings the user chose to vary (each optimizer's default rate is not one of them). */
export function gridCompares(a: GridAxes): SettingKey[] {
  const given: Array<[SettingKey, number]> = [
    ['optimizer', a.optimizers.length],
    ['lr', a.lrs?.length ?? 0],
    ['activation', a.activations.length],
    ['schedule', a.schedules.length],
    ['batch', a.batchSizes.length],
    ['batchNorm', a.batchNorm.length],
    ['dropout', a.dropout.length],
    ['l2', a.l2.length],
  ];
  return given.filter(([, n]) => n > 1).map(([k]) => k);
}
