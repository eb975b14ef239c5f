/**
 * Multi-head attention (Vaswani et al., 2017), `torch.nn.MultiheadAttention`:
 * `forward(query, key, value, opts)` returns [output, weights]. Parameters carry torch's
 * names and order, so a torch state dict loads by name: `in_proj_weight` [3E, E] (or
 * `q_proj_weight`, `k_proj_weight`, `v_proj_weight` when kdim/vdim differ from E), Xavier-
 * uniform; `in_proj_bias` [3E], zeros; `out_proj.weight` [E, E], U(±1/√E) as a Linear;
 * `out_proj.bias` [E], zeros. Masks as torch: int32 true (nonzero) = masked out, float32 =
 * added to the scores; `isCausal` applies the causal mask itself. The computation is
 * autograd's `multiHeadAttention`; dropout on the attention weights draws from this layer's
 * seeded stream in training.
 */
import { type MultiHeadAttentionWeights, multiHeadAttention } from '../autograd/ops/attention.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import {
  bool,
  describe,
  knownKeys,
  options as optionsCheck,
  positiveInt,
} from '../backend/validate.js';
import { Rng } from '../random.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training (default 0). PyTorch: `dropout`. */
  dropout?: number;
  /** In- and out-projection biases (default true). PyTorch: `bias`. */
  bias?: boolean;
  /** Key features (default embedDim). PyTorch: `kdim`. */
  kdim?: number;
  /** Value features (default embedDim). PyTorch: `vdim`. */
  vdim?: number;
  /** Inputs and output as [batch, len, features] (default false: [len, batch, features], as PyTorch). PyTorch: `batch_first`. */
  batchFirst?: boolean;
}

/** Options of {@link MultiheadAttention.forward}: masks and what to return. */
export interface MultiheadAttentionForwardOptions extends ForwardOptions {
  /** [N, S] (or [S]): int32 true = ignore that key; float32 added to the scores. Default: none. PyTorch: `key_padding_mask`. */
  keyPaddingMask?: TensorLike | null;
  /** [L, S] or [N·numHeads, L, S]: int32 true = may not attend; float32 added. Default: none. PyTorch: `attn_mask`. */
  attnMask?: TensorLike | null;
  /** Return the attention weights (default true, as torch). PyTorch: `need_weights`. */
  needWeights?: boolean;
  /** Average the weights over heads (default true): [N, L, S], else [N, numHeads, L, S]. PyTorch: `average_attn_weights`. */
  averageAttnWeights?: boolean;
  /** Each query attends only to keys at or before its position (default false). PyTorch: `is_causal`. */
  isCausal?: boolean;
}

const CTOR_KEYS = ['dropout', 'bias', 'kdim', 'vdim', 'batchFirst'];
const FORWARD_KEYS = [
  'training',
  'keyPaddingMask',
  'attnMask',
  'needWeights',
  'averageAttnWeights',
  'isCausal',
];

/** Checks shared with TransformerEncoderLayer: a positive size and a dropout probability. */
export function size(fn: string, name: string, v: unknown): number {
  positiveInt(fn, name, v);
  return v;
}

export function probability(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: ${name} must be a probability in [0, 1), got ${describe(v)}`);
  if (!(v >= 0 && v < 1))
    throw new RangeError(`${fn}: ${name} must be a probability in [0, 1), got ${describe(v)}`);
  return v;
}

/** The parameter specs of one attention block, named under `prefix` (torch's layout). */
export function attentionSpecs(
  prefix: string,
  e: number,
  kdim: number,
  vdim: number,
  bias: boolean,
): ParamSpec[] {
  const xavier = { kind: 'xavierUniform' } as const;
  const specs: ParamSpec[] =
    kdim === e && vdim === e
      ? [{ name: `${prefix}in_proj_weight`, shape: [3 * e, e], init: xavier, regularize: true }]
      : (
          [
            ['q', e],
            ['k', kdim],
            ['v', vdim],
          ] as const
        ).map(([n, dim]) => ({
          name: `${prefix}${n}_proj_weight`,
          shape: [e, dim],
          init: xavier,
          regularize: true,
        }));
  const zeros = { kind: 'zeros' } as const;
  if (bias)
    specs.push({ name: `${prefix}in_proj_bias`, shape: [3 * e], init: zeros, regularize: false });
  const bound = 1 / Math.sqrt(e);
  specs.push({
    name: `${prefix}out_proj.weight`,
    shape: [e, e],
    init: { kind: 'uniform', a: -bound, b: bound },
    regularize: true,
  });
  if (bias)
    specs.push({ name: `${prefix}out_proj.bias`, shape: [e], init: zeros, regularize: false });
  return specs;
}

/** The weights object of `multiHeadAttention` from bound parameters in `attentionSpecs` order. */
export function attentionWeights(
  params: readonly Tensor[],
  packed: boolean,
  bias: boolean,
): MultiHeadAttentionWeights {
  let i = 0;
  const next = () => params[i++];
  const w: MultiHeadAttentionWeights = packed
    ? { inProjWeight: next(), outProjWeight: null as unknown as Tensor }
    : {
        qProjWeight: next(),
        kProjWeight: next(),
        vProjWeight: next(),
        outProjWeight: null as unknown as Tensor,
      };
  if (bias) w.inProjBias = next();
  w.outProjWeight = next();
  if (bias) w.outProjBias = next();
  return w;
}

/**
 * Multi-head scaled dot-product attention (`torch.nn.MultiheadAttention`, Vaswani et al.
 * 2017): `forward(query, key, value, options)` returns `[output, weights]`. Parameter names
 * and order are PyTorch's, so a torch state dict loads by name.
 *
 * @example
 * ```ts
 * import { nn, Rng, randn } from 'descent-ml';
 *
 * const mha = new nn.MultiheadAttention(32, 4, { batchFirst: true });
 * const model = new nn.Model(mha, [10, 32], { seed: 0 });
 * const x = randn([2, 10, 32], new Rng(1)); // [batch, len, embedDim]
 * const [out, weights] = mha.forward(x, x, x, { isCausal: true }); // [2, 10, 32], [2, 10, 10]
 * ```
 */
export class MultiheadAttention extends Layer {
  /** Dropout probability on the attention weights, in training. */
  readonly dropout: number;
  /** Whether the projections have biases. */
  readonly bias: boolean;
  /** Features of the key input. */
  readonly kdim: number;
  /** Features of the value input. */
  readonly vdim: number;
  /** Whether inputs and output are [batch, len, features] (true) or [len, batch, features]. */
  readonly batchFirst: boolean;
  /** Features per head, embedDim / numHeads. */
  readonly headDim: number;
  /** This layer's random stream for attention dropout (set by the model through `setRng`). */
  protected rng: Rng | null = null;

  constructor(
    /** Model width E: features of the query and of the output. */
    readonly embedDim: number,
    /** Number of parallel heads; must divide embedDim. */
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    const fn = 'MultiheadAttention';
    positiveInt(fn, 'embedDim', embedDim);
    positiveInt(fn, 'numHeads', numHeads);
    if (embedDim % numHeads !== 0)
      throw new RangeError(
        `${fn}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`,
      );
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, CTOR_KEYS);
    this.dropout = probability(fn, 'dropout', options.dropout ?? 0);
    for (const k of ['bias', 'batchFirst'] as const)
      if (options[k] !== undefined) bool(fn, k, options[k]);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.kdim = size(fn, 'kdim', options.kdim ?? embedDim);
    this.vdim = size(fn, 'vdim', options.vdim ?? embedDim);
    this.headDim = embedDim / numHeads;
  }

  /** Whether q, k, v share one packed [3E, E] projection (kdim = vdim = embedDim). */
  get packed(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  override paramSpecs(): ParamSpec[] {
    return attentionSpecs('', this.embedDim, this.kdim, this.vdim, this.bias);
  }

  override setRng(rng: Rng): void {
    this.rng = rng;
  }

  /** Self-attention shapes: the output has the query's shape. */
  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length < 1 || input[input.length - 1] !== this.embedDim)
      throw new RangeError(
        `${this.name}: expected a query with ${this.embedDim} features on the last axis, got [batch, ${input.join(', ')}]`,
      );
    return input;
  }

  protected override acceptsShape(s: readonly number[]): boolean {
    return (s.length === 2 || s.length === 3) && s[s.length - 1] === this.embedDim;
  }

  /**
   * Attention of `query` over `key` and `value` (key defaults to query, value to key: null for
   * both is self-attention).
   * Returns [output, weights] (weights null with `needWeights: false`).
   */
  forward(
    query: TensorLike,
    key?: TensorLike | null,
    value?: TensorLike | null,
    opts: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const fn = `${this.name}.forward`;
    optionsCheck(fn, 'options', opts);
    knownKeys(fn, 'option', opts, FORWARD_KEYS);
    const q = this.checkInput(query) as Tensor;
    const training = this.isTraining({ training: opts.training });
    if (training && this.dropout > 0) this.rng ??= new Rng(0);
    const n = this.bound.length;
    const params = Array.from({ length: n }, (_, i) => this.param(i));
    return multiHeadAttention(
      q,
      key ?? q,
      value ?? key ?? q,
      attentionWeights(params, this.packed, this.bias),
      {
        numHeads: this.numHeads,
        batchFirst: this.batchFirst,
        keyPaddingMask: opts.keyPaddingMask ?? null,
        attnMask: opts.attnMask ?? null,
        needWeights: opts.needWeights ?? true,
        averageAttnWeights: opts.averageAttnWeights ?? true,
        isCausal: opts.isCausal ?? false,
        dropoutP: training ? this.dropout : 0,
        ...(training && this.dropout > 0 ? { rng: this.rng as Rng } : {}),
      },
    );
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    const { embedDim, numHeads, dropout, bias, kdim, vdim, batchFirst } = this;
    return { embedDim, numHeads, dropout, bias, kdim, vdim, batchFirst };
  }

  override describe(): string {
    const extra = [
      ...(this.dropout ? [`dropout=${this.dropout}`] : []),
      ...(this.bias ? [] : ['bias=false']),
      ...(this.packed ? [] : [`kdim=${this.kdim}`, `vdim=${this.vdim}`]),
      ...(this.batchFirst ? ['batchFirst'] : []),
    ];
    return `MultiheadAttention(${this.embedDim}, heads=${this.numHeads}${extra.map((s) => `, ${s}`).join('')})`;
  }
}
