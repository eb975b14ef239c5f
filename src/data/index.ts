/** Data: the Dataset contract, IDX and CSV readers, in-memory datasets, augmentation, Fashion-MNIST. */
export { type AugmentOptions, augmented, mixSeeds, shiftFlip } from './augment.js';
export { type CsvData, type CsvOptions, csvDataset, parseCsv, readCsv } from './csv.js';
export type { Batch, BatchOptions, Dataset } from './dataset.js';
export {
  FASHION_MNIST_BUNDLED_DIR,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_ENV,
  type FashionMnist,
  type FashionMnistOptions,
  type FashionMnistSetOptions,
  type FashionMnistSets,
  type FashionMnistSource,
  loadFashionMnist,
  locateFashionMnist,
} from './fashion-mnist.js';
export { gatherRows } from './gather-rows.js';
export {
  encodeIdx,
  IDX_MAX_BYTES,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type IdxReadOptions,
  type IdxReadResult,
  type IdxWriteOptions,
  parseIdx,
  readIdx,
  writeIdx,
} from './idx.js';
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
} from './tensor-dataset.js';
