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
import { bool, options as checkObject, knownKeys, optionsOf } from '../backend/validate.js';
import { readIdx } from './idx.js';
import { fromBytes, TensorDataset } from './tensor-dataset.js';

/** The ten class names by label (0 = 'T-shirt/top' … 9 = 'Ankle boot'). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

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
export interface FashionMnistOptions {
  /** A folder with the four IDX files (gzipped `.gz` or plain). */
  dir?: string;
  /** Use the bundled subset even when the full data is installed (default false). */
  subset?: boolean;
  /** Samples as flat [784] vectors instead of [1, 28, 28] images (default false). */
  flatten?: boolean;
  /**
   * Standardise after scaling to [0, 1]: `true` uses the training set's mean and standard
   * deviation (over all pixels) for both sets, or give them. Default: no standardisation.
   */
  normalize?:
    | boolean
    | {
        /** Subtracted from every pixel (after scaling to [0, 1]). */
        mean: number;
        /** Divides every pixel after the mean is subtracted. */
        std: number;
      };
}

/** Fashion-MNIST as loaded: the training and test sets and where they came from. */
export interface FashionMnist {
  /** 60,000 training images (6,000 in the bundled subset) with labels 0–9. */
  train: TensorDataset;
  /** 10,000 test images (1,000 in the bundled subset) with labels 0–9. */
  test: TensorDataset;
  /** Which of the places in the lookup order supplied the data. */
  source: FashionMnistSource;
  /** The folder the files were read from. */
  path: string;
  /** Class names by label. */
  classes: readonly string[];
  /** The mean and std applied, when normalised. */
  normalization: {
    /** The mean subtracted. */
    mean: number;
    /** The standard deviation divided by. */
    std: number;
  } | null;
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

interface RawPair {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

function readPair(dir: string, images: string, labels: string): RawPair {
  const ip = findFile(dir, images)!;
  const lp = findFile(dir, labels)!;
  const img = readIdx(ip);
  const lab = readIdx(lp);
  if (
    img.dtype !== 'uint8' ||
    img.shape.length !== 3 ||
    img.shape[1] !== 28 ||
    img.shape[2] !== 28
  ) {
    throw new Error(
      `Fashion-MNIST ${ip}: expected uint8 images [N, 28, 28], got ${img.dtype} [${img.shape.join(', ')}]`,
    );
  }
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new Error(
      `Fashion-MNIST ${lp}: expected ${img.shape[0]} uint8 labels, got ${lab.dtype} [${lab.shape.join(', ')}]`,
    );
  }
  const n = img.shape[0];
  const labels8 = lab.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (labels8[i] > 9)
      throw new Error(`Fashion-MNIST ${lp}: label ${i} is ${labels8[i]}, not a class in 0..9`);
  }
  return { images: img.data as Uint8Array, labels: Int32Array.from(labels8), n };
}

function toDataset(
  raw: RawPair,
  flatten: boolean,
  norm: { mean: number; std: number } | null,
): TensorDataset {
  const shape = flatten ? [raw.n, 784] : [raw.n, 1, 28, 28];
  const x = fromBytes(raw.images, shape, norm ?? {});
  return new TensorDataset(x, raw.labels, { numClasses: 10 });
}

/** Mean and population std of all training pixels scaled to [0, 1], from a byte histogram. */
function byteStats(bytes: Uint8Array): { mean: number; std: number } {
  const hist = new Float64Array(256);
  for (let i = 0; i < bytes.length; i++) hist[bytes[i]]++;
  let s = 0;
  for (let b = 0; b < 256; b++) s += hist[b] * (b / 255);
  const mean = s / bytes.length;
  let q = 0;
  for (let b = 0; b < 256; b++) q += hist[b] * (b / 255 - mean) ** 2;
  return { mean, std: Math.sqrt(q / bytes.length) || 1 };
}

/**
 * Loads Fashion-MNIST as two TensorDatasets of float32 images [1, 28, 28] (or [784] with
 * `flatten`) scaled to [0, 1], labels 0..9 (names in FASHION_MNIST_CLASSES).
 */
export function loadFashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  const fn = 'loadFashionMnist';
  optionsOf(fn, options, ['dir', 'subset', 'flatten', 'normalize']);
  const flatten = options.flatten ?? false;
  bool(fn, 'flatten', flatten);
  const nz = options.normalize;
  if (nz !== undefined && typeof nz !== 'boolean') {
    checkObject(fn, 'normalize', nz);
    knownKeys(fn, 'key of normalize', nz, ['mean', 'std']);
  }
  let norm: { mean: number; std: number } | null = null;
  if (options.normalize && typeof options.normalize === 'object') {
    const { mean, std } = options.normalize;
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0)
      throw new RangeError('loadFashionMnist: normalize needs a finite mean and a positive std');
    norm = { mean, std };
  }
  const { path, source } = locateFashionMnist({ dir: options.dir, subset: options.subset });
  const trainRaw = readPair(path, FILES.trainImages, FILES.trainLabels);
  const testRaw = readPair(path, FILES.testImages, FILES.testLabels);
  if (options.normalize === true) norm = byteStats(trainRaw.images);
  const train = toDataset(trainRaw, flatten, norm);
  const test = toDataset(testRaw, flatten, norm);
  return { train, test, source, path, classes: FASHION_MNIST_CLASSES, normalization: norm };
}
