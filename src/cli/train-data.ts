/**
 * The data of `descent train`: Fashion-MNIST (a folder of its four IDX files, or the usual
 * lookup), a CSV file with a target column, or an IDX file of samples with an IDX file of
 * targets. The task follows the targets: class indices train a classifier (cross-entropy,
 * accuracy), numbers a regressor (MSE, mean absolute error). CSV and IDX-pair data hold out a
 * seeded fraction as the test set.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { csvDataset, readCsv } from '../data/csv.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { readIdx } from '../data/idx.js';
import { fromBytes, TensorDataset } from '../data/tensor-dataset.js';
import { countOf } from '../report/table.js';
import { UsageError } from './args.js';

export type TargetType = 'auto' | 'class' | 'float';

export interface TrainDataSpec {
  /** A Fashion-MNIST folder, a .csv file or an IDX file of samples; null: the usual lookup. */
  data: string | null;
  subset: boolean;
  /** CSV: the target column (name or 0-based index); IDX: the targets file. */
  target: string | null;
  targetType: TargetType;
  /** Fraction of CSV or IDX-pair samples held out as the test set. */
  testSplit: number;
  seed: number;
  /** Flat [D] samples (MLP) or images [C, H, W] (CNN). */
  flatten: boolean;
}

export interface TrainData {
  train: TensorDataset;
  test: TensorDataset;
  /** 'class': class indices; 'float': dense numeric targets. */
  task: 'class' | 'float';
  /** Classes, or the width of a numeric target. */
  outputs: number;
  /** One line: where the data came from. */
  description: string;
}

const isCsv = (p: string) => /\.(csv|tsv|txt)$/i.test(p);

export function loadTrainData(s: TrainDataSpec): TrainData {
  const cmd = 'descent train';
  const isFile = s.data !== null && statSync(s.data, { throwIfNoEntry: false })?.isFile() === true;
  if (!isFile) {
    if (s.target !== null)
      throw new UsageError(
        `${cmd}: --target goes with --data FILE (a CSV file, or an IDX file of samples); Fashion-MNIST has its labels`,
      );
    const fm = loadFashionMnist({ dir: s.data ?? undefined, subset: s.subset, flatten: s.flatten });
    return {
      train: fm.train,
      test: fm.test,
      task: 'class',
      outputs: 10,
      description: `Fashion-MNIST (${fm.source}: ${fm.path}), ${fm.train.length} training / ${fm.test.length} test images`,
    };
  }
  const path = s.data as string;
  if (s.target === null)
    throw new UsageError(
      `${cmd}: --data ${path} is a file: name what to predict with --target (${isCsv(path) ? 'a column name or index' : 'an IDX file of targets'})`,
    );
  const all = isCsv(path) ? csvData(path, s) : idxData(path, s);
  if (s.flatten === false && all.inputShape.length !== 3)
    throw new UsageError(
      `${cmd}: --model cnn needs image samples [channels, height, width]; ${path} has samples of shape [${all.inputShape.join(', ')}] (use --model mlp)`,
    );
  const [train, test] = all.split(s.testSplit, { seed: s.seed });
  if (train.length === 0 || test.length === 0)
    throw new UsageError(
      `${cmd}: --test-split ${s.testSplit} of ${all.length} samples leaves ${train.length} to train and ${test.length} to test; both must be non-empty`,
    );
  const task = all.numClasses === null ? 'float' : 'class';
  const outputs = all.numClasses ?? all.targetShape?.reduce((a, d) => a * d, 1) ?? 1;
  // Integer targets read as classes by default: say so when that looks like a regression.
  const hint =
    task === 'class' && s.targetType === 'auto' && outputs > all.length / 2
      ? ` (integer targets are read as classes: if ${s.target} is a number to predict, pass --target-type float)`
      : '';
  return {
    train,
    test,
    task,
    outputs,
    description: `${path}: ${train.length} training / ${test.length} test samples (a seeded ${Math.round(100 * s.testSplit)}% held out), ${task === 'class' ? `${outputs} classes${hint}` : `${countOf(outputs, 'numeric target')}`}`,
  };
}

function csvData(path: string, s: TrainDataSpec): TensorDataset {
  const target = s.target as string;
  const label = /^-?\d+$/.test(target) ? Number(target) : target;
  try {
    return csvDataset(readCsv(path, { label, labelType: s.targetType }));
  } catch (e) {
    throw new UsageError(`descent train: ${(e as Error).message}`);
  }
}

/** Samples [N, ...] (uint8 scaled to [0, 1]) and targets [N] or [N, ...] from two IDX files. */
function idxData(path: string, s: TrainDataSpec): TensorDataset {
  const targetsPath = resolve(s.target as string);
  const xs = readIdx(path);
  const ys = readIdx(targetsPath);
  const n = xs.shape[0];
  if (xs.shape.length < 2 || ys.shape[0] !== n)
    throw new UsageError(
      `descent train: ${path} holds [${xs.shape.join(', ')}] and ${targetsPath} [${ys.shape.join(', ')}]: need samples [N, ...] and N targets`,
    );
  const x =
    xs.dtype === 'uint8'
      ? fromBytes(xs.data as Uint8Array, xs.shape)
      : { data: Float32Array.from(xs.data), shape: xs.shape };
  const sample = s.flatten ? [x.data.length / n] : xs.shape.slice(1);
  const shapedX = { data: x.data, shape: [n, ...(sample.length === 2 ? [1, ...sample] : sample)] };
  const integral = ys.dtype !== 'float32' && ys.dtype !== 'float64' && ys.shape.length === 1;
  const asClass =
    s.targetType === 'class' ||
    (s.targetType === 'auto' && integral && (ys.data as Int32Array).every((v) => v >= 0));
  if (asClass) {
    const y = Int32Array.from(ys.data as ArrayLike<number>);
    const bad = y.findIndex((v) => !Number.isInteger(v) || v < 0);
    if (bad >= 0 || !integral)
      throw new UsageError(
        `descent train: ${targetsPath}: --target-type class needs integer labels ≥ 0 [N]${bad >= 0 ? `; target ${bad} is ${ys.data[bad]}` : `, got ${ys.dtype} [${ys.shape.join(', ')}]`}`,
      );
    return new TensorDataset(shapedX, y);
  }
  const shape = ys.shape.length === 1 ? [n, 1] : ys.shape;
  return new TensorDataset(shapedX, { data: Float32Array.from(ys.data), shape });
}
