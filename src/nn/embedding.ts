/**
 * `torch.nn.Embedding(numEmbeddings, embeddingDim, paddingIdx)`: a lookup table; an input of
 * indices of per-sample shape S gives an output of shape [...S, embeddingDim].
 *
 * Indices: the input tensor may hold them either way —
 * - an `Int32Array` (`IndexTensor`, the natural form; pass it to the layer directly, or through
 *   `Model.forward` with a cast, since the model's signature says Tensor), or
 * - a `Float32Array` of integer values (what `Tensor`, `Sequential` and datasets carry;
 *   exact for every index below 2^24), converted once per forward into an internal Int32Array.
 * Every index must be an integer in [0, numEmbeddings) (RangeError otherwise; negative indices
 * are not wrapped). That check and conversion are one JS loop over the indices (embeddingDim
 * times fewer elements than the output); the gather and scatter-add are kernels.
 *
 * - Forward gathers rows of `weight` (`embeddingForward`).
 * - Backward scatter-adds dy into the weight gradient (`embeddingBackward`), skipping rows
 *   whose index is `paddingIdx` (whose gradient is therefore always 0, as torch), and returns
 *   dx = zeros of the input's shape: indices are not differentiable.
 * - Init: weight ~ N(0, 1) (torch's default), the `paddingIdx` row zeroed after
 *   initialisation. `regularize: true` (it is a weight matrix).
 * - `maxNorm` (torch's renormalisation at lookup) and sparse gradients are not supported.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import type { Init } from './init.js';
import { type ForwardOptions, Layer, type LayerParam, type ParamSpec } from './layer.js';
import { Scratch, shapeStr, type Tensor } from './tensor.js';

/** A tensor of integer indices. */
export interface IndexTensor {
  readonly data: Int32Array;
  readonly shape: readonly number[];
}

export interface EmbeddingOptions {
  /** Row whose gradient is not accumulated and whose initial value is 0 (negative: from the end). */
  paddingIdx?: number;
  /** Initialiser of the table (default N(0, 1)). */
  weightInit?: Init;
}

export class Embedding extends Layer {
  /** The padding row in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  private readonly weightInit: Init;
  protected override readonly takesIndices = true;
  private readonly idxStore = { buf: new Int32Array(0) };
  private idx: Int32Array | null = null;
  private xShape: readonly number[] = [];
  private out: Tensor | null = null;
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    for (const [k, v] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`Embedding: ${k} must be a positive integer, got ${describe(v)}`);
    }
    if (numEmbeddings > 2 ** 31 - 1)
      throw new RangeError(`Embedding: numEmbeddings must be below 2^31, got ${numEmbeddings}`);
    if (options === null || typeof options !== 'object')
      throw new TypeError(`Embedding: options must be an object, got ${describe(options)}`);
    for (const k of ['maxNorm', 'normType', 'scaleGradByFreq', 'sparse']) {
      if (k in options)
        throw new TypeError(
          `Embedding: option ${k} is not supported (torch's ${k} has no equivalent here)`,
        );
    }
    const p = options.paddingIdx;
    if (p !== undefined) {
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

  /** Validated indices as an Int32Array (the input's own array when it is one). */
  private indices(x: Tensor | IndexTensor): Int32Array {
    const n = this.numEmbeddings;
    const bad = (i: number, v: number) =>
      new RangeError(
        `${this.name}.forward: index ${v} at position ${i} is not an integer in [0, ${n})`,
      );
    const d = x.data;
    if (d instanceof Int32Array) {
      for (let i = 0; i < d.length; i++) if (d[i] < 0 || d[i] >= n) throw bad(i, d[i]);
      return d;
    }
    if (this.idxStore.buf.length < d.length) this.idxStore.buf = new Int32Array(d.length);
    const out = this.idxStore.buf.subarray(0, d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      // v | 0 === v rejects fractions, NaN, infinities and anything outside int32.
      if ((v | 0) !== v || v < 0 || v >= n) throw bad(i, v);
      out[i] = v;
    }
    return out;
  }

  forward(x: Tensor | IndexTensor, _opts: ForwardOptions = {}): Tensor {
    if (
      x === null ||
      typeof x !== 'object' ||
      !(x.data instanceof Int32Array || x.data instanceof Float32Array)
    ) {
      throw new TypeError(
        `${this.name}.forward: expected a tensor of indices (Int32Array or Float32Array data), got ${describe(x)}`,
      );
    }
    this.checkInput(x as Tensor);
    const idx = this.indices(x);
    const dim = this.embeddingDim;
    const y = this.yBuf.get([...x.shape, dim]);
    getBackend()
      .kernelsFor(idx.length * dim)
      .embeddingForward(y.data, this.weight.data, idx, dim);
    this.idx = idx;
    this.xShape = x.shape;
    this.out = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const idx = this.idx as Int32Array;
    const dim = this.embeddingDim;
    getBackend()
      .kernelsFor(idx.length * dim)
      .embeddingBackward(this.weight.grad, dy.data, idx, dim, this.paddingIdx ?? -1);
    return this.dxBuf.zeros(this.xShape);
  }

  override describe(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`;
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${pad}) ${shapeStr(this.inputShape)} → ${shapeStr(this.outputShape)}`;
  }
}
