/**
 * The browser entry's `data` namespace: datasets from in-memory arrays, IDX and Fashion-MNIST
 * from bytes, augmentation. (Reading files by path and CSV files are Node-only.)
 */
export { type AugmentOptions, augmented, mixSeeds, shiftFlip } from '../data/augment.js';
export type { Batch, BatchOptions, Dataset } from '../data/dataset.js';
export {
  FASHION_MNIST_CLASSES,
  type FashionMnistSetOptions,
  type FashionMnistSets,
} from '../data/fashion-mnist-sets.js';
export {
  IDX_MAX_BYTES,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type IdxReadOptions,
  type IdxReadResult,
} from '../data/idx-format.js';
export {
  computeStats,
  fromBytes,
  mapInputs,
  normalize,
  permutation,
  type SplitOptions,
  type Stats,
  shuffleInPlace,
  TensorDataset,
  type TensorDatasetOptions,
} from '../data/tensor-dataset.js';
export {
  type FashionMnistIdxFiles,
  fashionMnistFromIdx,
  type IdxBytes,
  parseIdx,
  parseIdxAsync,
} from './idx.js';
