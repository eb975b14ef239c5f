/**
 * Free grids for `descent compare`: the cartesian product of the lists given on the command
 * line, each combination run once per seed; the label of a run names only what varies.
 */
import type { RunSpec } from './experiment.js';
import { DEFAULT_MODEL, type ModelSpec, OPTIMIZERS } from './registry.js';
import type { SettingKey } from './settings.js';

export interface GridAxes {
  optimizers: string[];
  lrs: number[] | null;
  activations: string[];
  schedules: string[];
  batchSizes: number[];
  batchNorm: boolean[];
  dropout: number[];
  l2: number[];
  seeds: number[];
  epochs: number;
  kind: ModelSpec['kind'];
  hidden: number[];
}

export function gridRuns(a: GridAxes): RunSpec[] {
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
