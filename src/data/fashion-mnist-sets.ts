/**
 * Fashion-MNIST from its parsed IDX arrays, with no I/O: the checks on the four arrays and
 * the datasets built from them. The Node loader (fashion-mnist.ts) reads the files; the
 * browser entry parses bytes the page fetched. Both give the same tensors bit for bit.
 */
import { bool, options as checkObject, knownKeys } from '../backend/validate.js';
import type { IdxReadResult } from './idx-format.js';
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

/** How the images become tensors (options of `loadFashionMnist` and `fashionMnistFromIdx`). */
export interface FashionMnistSetOptions {
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

/** Fashion-MNIST's training and test sets, as datasets of float32 images and int labels. */
export interface FashionMnistSets {
  /** 60,000 training images (6,000 in the bundled subset) with labels 0–9. */
  train: TensorDataset;
  /** 10,000 test images (1,000 in the bundled subset) with labels 0–9. */
  test: TensorDataset;
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

/** Images and labels of one split, checked. */
export interface RawPair {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
}

/** Checked options: the layout and the fixed normalisation (or 'train' to measure it). */
export interface SetPlan {
  flatten: boolean;
  norm: { mean: number; std: number } | 'train' | null;
}

/** Validates `flatten` and `normalize` before any data is read (`fn` names the caller). */
export function planSets(fn: string, options: FashionMnistSetOptions): SetPlan {
  const flatten = options.flatten ?? false;
  bool(fn, 'flatten', flatten);
  const nz = options.normalize;
  if (nz !== undefined && typeof nz !== 'boolean') {
    checkObject(fn, 'normalize', nz);
    knownKeys(fn, 'key of normalize', nz, ['mean', 'std']);
  }
  if (nz && typeof nz === 'object') {
    const { mean, std } = nz;
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0)
      throw new RangeError(`${fn}: normalize needs a finite mean and a positive std`);
    return { flatten, norm: { mean, std } };
  }
  return { flatten, norm: nz === true ? 'train' : null };
}

/** Checks one split's images [N, 28, 28] uint8 and labels [N] uint8 in 0..9. */
export function checkPair(
  img: IdxReadResult,
  lab: IdxReadResult,
  imagesName: string,
  labelsName: string,
): RawPair {
  if (
    img.dtype !== 'uint8' ||
    img.shape.length !== 3 ||
    img.shape[1] !== 28 ||
    img.shape[2] !== 28
  ) {
    throw new Error(
      `Fashion-MNIST ${imagesName}: expected uint8 images [N, 28, 28], got ${img.dtype} [${img.shape.join(', ')}]`,
    );
  }
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new Error(
      `Fashion-MNIST ${labelsName}: expected ${img.shape[0]} uint8 labels, got ${lab.dtype} [${lab.shape.join(', ')}]`,
    );
  }
  const n = img.shape[0];
  const labels8 = lab.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (labels8[i] > 9)
      throw new Error(
        `Fashion-MNIST ${labelsName}: label ${i} is ${labels8[i]}, not a class in 0..9`,
      );
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

/** The two datasets of a checked plan and checked splits. */
export function buildSets(plan: SetPlan, train: RawPair, test: RawPair): FashionMnistSets {
  const norm = plan.norm === 'train' ? byteStats(train.images) : plan.norm;
  return {
    train: toDataset(train, plan.flatten, norm),
    test: toDataset(test, plan.flatten, norm),
    classes: FASHION_MNIST_CLASSES,
    normalization: norm,
  };
}
