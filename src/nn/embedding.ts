/**
 * `torch.nn.Embedding(numEmbeddings, embeddingDim, paddingIdx)`: a lookup table; indices of
 * any shape S give an output of shape [...S, embeddingDim].
 *
 * Indices: an Int32Array tensor (the natural form, as torch's integer indices), or a
 * Float32Array of integer values (what datasets and `fit` carry; exact for every index below
 * 2^24), converted while they are checked. Every index must be an integer in
 * [0, numEmbeddings) (RangeError naming the position; negative indices are not wrapped).
 *
 * - Forward and backward are autograd's `embedding`: a gather of rows, and a scatter-add of dy
 *   into the weight gradient that skips rows indexed `paddingIdx` (whose gradient is
 *   therefore always 0, as torch). Indices are not differentiable.
 * - Init: weight ~ N(0, 1) (torch's default), the `paddingIdx` row zeroed after
 *   initialisation. `regularize: true` (it is a weight matrix).
 * - `maxNorm` (torch's renormalisation at lookup) and sparse gradients are not supported.
 */
import { indicesOf, lookup } from '../autograd/ops/embedding.js';
import type { DType } from '../autograd/storage.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { options as checkObject, describe, knownKeys, positiveInt } from '../backend/validate.js';
import { checkInit, type Init } from './init.js';
import { type ForwardOptions, Layer, type LayerParam, type ParamSpec } from './layer.js';
import { shapeStr } from './tensor.js';

/** A tensor of integer indices. */
export interface IndexTensor {
  /** The indices, row-major. */
  readonly data: Int32Array;
  /** Shape of the index array (its element count is `data.length`). */
  readonly shape: readonly number[];
}

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Row whose gradient is not accumulated and whose initial value is 0 (negative: from the end). Default: none. PyTorch: `padding_idx`. */
  paddingIdx?: number;
  /** Initialiser of the table (default N(0, 1), as PyTorch). */
  weightInit?: Init;
}

/**
 * A learnable lookup table (`torch.nn.Embedding`): integer indices of any shape S (Int32Array,
 * or Float32Array holding integers) → vectors of shape [...S, embeddingDim]. Weight
 * [numEmbeddings, embeddingDim] initialised N(0, 1).
 */
export class Embedding extends Layer {
  /** The padding row in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  private readonly weightInit: Init;
  protected override readonly takesIndices = true;

  constructor(
    /** Size of the vocabulary: indices lie in [0, numEmbeddings). */
    readonly numEmbeddings: number,
    /** Length of each embedding vector. */
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    positiveInt('Embedding', 'embeddingDim', embeddingDim);
    if (numEmbeddings > 2 ** 31 - 1)
      throw new RangeError(`Embedding: numEmbeddings must be below 2^31, got ${numEmbeddings}`);
    checkObject('Embedding', 'options', options);
    for (const k of ['maxNorm', 'normType', 'scaleGradByFreq', 'sparse']) {
      if (k in options)
        throw new TypeError(
          `Embedding: option ${k} is not supported (torch's ${k} has no equivalent here)`,
        );
    }
    knownKeys('Embedding', 'option', options, ['paddingIdx', 'weightInit']);
    if (options.weightInit !== undefined) checkInit('Embedding', 'weightInit', options.weightInit);
    const p = options.paddingIdx;
    if (p !== undefined) {
      if (typeof p !== 'number' || !Number.isInteger(p))
        throw new TypeError(`Embedding: paddingIdx must be an integer, got ${describe(p)}`);
      if (!Number.isSafeInteger(p) || p < -numEmbeddings || p >= numEmbeddings)
        throw new RangeError(
          `Embedding: paddingIdx must be an integer in [−${numEmbeddings}, ${numEmbeddings}), got ${describe(p)}`,
        );
    }
    this.paddingIdx = p === undefined ? null : p < 0 ? p + numEmbeddings : p;
    this.weightInit = options.weightInit ?? { kind: 'normal', mean: 0, std: 1 };
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    return [...input, this.embeddingDim];
  }

  override paramSpecs(): ParamSpec[] {
    return [
      {
        name: 'weight',
        shape: [this.numEmbeddings, this.embeddingDim],
        init: this.weightInit,
        regularize: true,
      },
    ];
  }

  override bind(params: LayerParam[]): void {
    super.bind(params);
    const p = this.paddingIdx;
    if (p !== null && params[0]) {
      const d = this.embeddingDim;
      params[0].data.fill(0, p * d, (p + 1) * d);
    }
  }

  /** The weight table [numEmbeddings, embeddingDim] (after the model bound it). */
  get weight(): LayerParam {
    const w = this.bound[0];
    if (!w) throw new Error(`${this.name}: not bound to a model yet`);
    return w;
  }

  /** Indices of any shape. */
  protected override acceptsShape(): boolean {
    return true;
  }

  forward(x: Tensor<DType> | TensorLike, _opts: ForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    const t = this.checkInput(x);
    const w = this.param(0);
    return lookup(fn, indicesOf(fn, t, this.numEmbeddings), w, this.paddingIdx ?? -1);
  }

  override describe(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${pad}) ${shapeStr(this.inputShape)} → ${shapeStr(this.outputShape)}`;
  }
}
