/**
 * Fashion-MNIST (Zalando Research, MIT licence): 28×28 greyscale images of 10 clothing
 * classes, 60,000 for training and 10,000 for testing, as four IDX files.
 *
 * Where the data comes from, first found wins:
 *   1. the `dir` option (an error if the files are not there),
 *   2. the environment variable DESCENT_FASHION_MNIST (likewise),
 *   3. /usr/share/datasets/fashion-mnist (Debian: `apt-get install dataset-fashion-mnist`),
 *   4. the subset bundled in this repository, data/fashion-mnist-subset (6,000 training and
 *      1,000 test images, class-balanced; see its README).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bool, optionsOf } from '../backend/validate.js';
import {
  buildSets,
  checkPair,
  type FashionMnistSetOptions,
  type FashionMnistSets,
  planSets,
  type RawPair,
} from './fashion-mnist-sets.js';
import { readIdx } from './idx.js';

export {
  FASHION_MNIST_CLASSES,
  type FashionMnistSetOptions,
  type FashionMnistSets,
} from './fashion-mnist-sets.js';

/** Environment variable naming a folder with the four Fashion-MNIST IDX files. */
export const FASHION_MNIST_ENV = 'DESCENT_FASHION_MNIST';
/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';
/** The subset shipped in the repository (two folders up from this module: src/ or dist/). */
export const FASHION_MNIST_BUNDLED_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'data',
  'fashion-mnist-subset',
);

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/**
 * Where the data was found: the `dir` option, the {@link FASHION_MNIST_ENV} variable, Debian's
 * package directory, or the subset bundled with the library.
 */
export type FashionMnistSource = 'dir' | 'env' | 'debian' | 'bundled';

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions extends FashionMnistSetOptions {
  /** A folder with the four IDX files (gzipped `.gz` or plain). */
  dir?: string;
  /** Use the bundled subset even when the full data is installed (default false). */
  subset?: boolean;
}

/** Fashion-MNIST as loaded: the training and test sets and where they came from. */
export interface FashionMnist extends FashionMnistSets {
  /** Which of the places in the lookup order supplied the data. */
  source: FashionMnistSource;
  /** The folder the files were read from. */
  path: string;
}

/** The file for `base` in `dir` (gzipped preferred), or null. */
function findFile(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function hasAll(dir: string): boolean {
  return Object.values(FILES).every((b) => findFile(dir, b) !== null);
}

function missingError(dir: string, how: string): Error {
  const missing = Object.values(FILES).filter((b) => findFile(dir, b) === null);
  return new Error(
    `Fashion-MNIST not found in ${dir} (${how}): missing ${missing.map((b) => `${b}[.gz]`).join(', ')}. ` +
      `Get the data with \`apt-get install dataset-fashion-mnist\` (installs to ${FASHION_MNIST_DEBIAN_DIR}), ` +
      'or pass `--data DIR` (the `dir` option) naming a folder with the four IDX files.',
  );
}

/** Resolves the folder to read, following the lookup order. */
export function locateFashionMnist(options: Pick<FashionMnistOptions, 'dir' | 'subset'> = {}): {
  /** The folder holding the four IDX files. */
  path: string;
  /** Which place in the lookup order it is. */
  source: FashionMnistSource;
} {
  optionsOf('locateFashionMnist', options, ['dir', 'subset']);
  if (options.subset !== undefined) bool('locateFashionMnist', 'subset', options.subset);
  if (options.dir !== undefined && options.subset === true)
    throw new TypeError(
      'locateFashionMnist: give dir or subset: true, not both (dir names the folder to read)',
    );
  if (options.dir !== undefined) {
    if (typeof options.dir !== 'string' || options.dir === '')
      throw new TypeError('loadFashionMnist: dir must be a non-empty string');
    const path = resolve(options.dir);
    if (!hasAll(path)) throw missingError(path, 'given as `dir`');
    return { path, source: 'dir' };
  }
  if (!options.subset) {
    const env = process.env[FASHION_MNIST_ENV];
    if (env) {
      const path = resolve(env);
      if (!hasAll(path)) throw missingError(path, `given by ${FASHION_MNIST_ENV}`);
      return { path, source: 'env' };
    }
    if (hasAll(FASHION_MNIST_DEBIAN_DIR))
      return { path: FASHION_MNIST_DEBIAN_DIR, source: 'debian' };
  }
  if (!hasAll(FASHION_MNIST_BUNDLED_DIR))
    throw missingError(FASHION_MNIST_BUNDLED_DIR, 'the bundled subset');
  return { path: FASHION_MNIST_BUNDLED_DIR, source: 'bundled' };
}

function readPair(dir: string, images: string, labels: string): RawPair {
  const ip = findFile(dir, images)!;
  const lp = findFile(dir, labels)!;
  return checkPair(readIdx(ip), readIdx(lp), ip, lp);
}

/**
 * Loads Fashion-MNIST as two TensorDatasets of float32 images [1, 28, 28] (or [784] with
 * `flatten`) scaled to [0, 1], labels 0..9 (names in FASHION_MNIST_CLASSES).
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  const fn = 'loadFashionMnist';
  optionsOf(fn, options, ['dir', 'subset', 'flatten', 'normalize']);
  const plan = planSets(fn, options);
  const { path, source } = locateFashionMnist({ dir: options.dir, subset: options.subset });
  const trainRaw = readPair(path, FILES.trainImages, FILES.trainLabels);
  const testRaw = readPair(path, FILES.testImages, FILES.testLabels);
  return { ...buildSets(plan, trainRaw, testRaw), source, path };
}
