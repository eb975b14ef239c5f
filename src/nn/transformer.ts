/**
 * `torch.nn.TransformerEncoderLayer` (Vaswani et al., 2017): self-attention then a
 * feed-forward block (linear → relu/gelu → dropout → linear), each with dropout and a residual
 * connection, layer-normalised after (post-norm, the default) or before (`normFirst`, Xiong et
 * al., 2020):
 *
 *   post-norm: x = norm1(x + drop1(attn(x))); x = norm2(x + drop2(ff(x)))
 *   pre-norm:  x = x + drop1(attn(norm1(x))); x = x + drop2(ff(norm2(x)))
 *
 * Parameters carry torch's names and order (`self_attn.in_proj_weight`, `self_attn.in_proj_bias`,
 * `self_attn.out_proj.weight`/`.bias`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`), so a
 * torch state dict loads by name, with torch's initialisation. `forward(src, { srcMask,
 * srcKeyPaddingMask, isCausal, training })` takes torch's masks (int32 true = masked out,
 * float32 added). Dropout draws from this layer's seeded stream in training.
 */
import { multiHeadAttention } from '../autograd/ops/attention.js';
import { dropout } from '../autograd/ops/dropout.js';
import { add } from '../autograd/ops/elementwise.js';
import { linear } from '../autograd/ops/matmul.js';
import { layerNorm } from '../autograd/ops/norm.js';
import { gelu, relu } from '../autograd/ops/unary.js';
import { internally } from '../autograd/scope.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import {
  bool,
  describe,
  knownKeys,
  oneOf,
  options as optionsCheck,
  positiveInt,
} from '../backend/validate.js';
import { Rng } from '../random.js';
import { attentionSpecs, attentionWeights, probability, size } from './attention.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';

/** Options of {@link TransformerEncoderLayer}. */
export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). PyTorch: `dim_feedforward`. */
  dimFeedforward?: number;
  /** Dropout probability on the attention weights, inside the feed-forward block and on both residual branches (default 0.1). PyTorch: `dropout`. */
  dropout?: number;
  /** Feed-forward activation (default 'relu'). PyTorch: `activation`. */
  activation?: 'relu' | 'gelu';
  /** Layer-norm ε (default 1e-5). PyTorch: `layer_norm_eps`. */
  layerNormEps?: number;
  /** [batch, len, dModel] (default false: [len, batch, dModel], as PyTorch). PyTorch: `batch_first`. */
  batchFirst?: boolean;
  /** Pre-norm, layer norm before each sub-block (default false: post-norm, after the residual sum). PyTorch: `norm_first`. */
  normFirst?: boolean;
  /** Biases in the linear layers, the attention and the layer norms (default true). PyTorch: `bias`. */
  bias?: boolean;
}

/** Options of {@link TransformerEncoderLayer.forward}: masks and training mode. */
export interface TransformerEncoderForwardOptions extends ForwardOptions {
  /** Attention mask [L, L] or [N·nhead, L, L]: int32 true = may not attend; float32 added. Default: none. PyTorch: `src_mask`. */
  srcMask?: TensorLike | null;
  /** Shape [N, L]; int32 true = padding (ignored as a key); float32 added. Default: none. PyTorch: `src_key_padding_mask`. */
  srcKeyPaddingMask?: TensorLike | null;
  /** Causal self-attention (default false; torch takes it as a hint that srcMask is causal, here it applies it). PyTorch: `is_causal`. */
  isCausal?: boolean;
}

const CTOR_KEYS = [
  'dimFeedforward',
  'dropout',
  'activation',
  'layerNormEps',
  'batchFirst',
  'normFirst',
  'bias',
];
const FORWARD_KEYS = ['training', 'srcMask', 'srcKeyPaddingMask', 'isCausal'];

/**
 * One Transformer encoder block (`torch.nn.TransformerEncoderLayer`, Vaswani et al. 2017):
 * self-attention then a feed-forward block, each with dropout and a residual connection,
 * layer-normalised after (post-norm, default) or before (`normFirst`, Xiong et al. 2020).
 * PyTorch's parameter names, so a torch state dict loads by name.
 */
export class TransformerEncoderLayer extends Layer {
  /** Hidden size of the feed-forward block. */
  readonly dimFeedforward: number;
  /** Dropout probability (attention weights, feed-forward, residual branches), in training. */
  readonly dropout: number;
  /** Feed-forward activation. */
  readonly activation: 'relu' | 'gelu';
  /** Layer-norm ε. */
  readonly layerNormEps: number;
  /** Whether input and output are [batch, len, dModel] (true) or [len, batch, dModel]. */
  readonly batchFirst: boolean;
  /** Whether layer norm comes before each sub-block (pre-norm) instead of after. */
  readonly normFirst: boolean;
  /** Whether the linear layers, attention and layer norms have biases. */
  readonly bias: boolean;
  /** This layer's random stream for dropout (set by the model through `setRng`). */
  protected rng: Rng | null = null;

  constructor(
    /** Model width: features of input and output. */
    readonly dModel: number,
    /** Number of attention heads; must divide dModel. */
    readonly nhead: number,
    options: TransformerEncoderLayerOptions = {},
  ) {
    super();
    const fn = 'TransformerEncoderLayer';
    positiveInt(fn, 'dModel', dModel);
    positiveInt(fn, 'nhead', nhead);
    if (dModel % nhead !== 0)
      throw new RangeError(`${fn}: dModel (${dModel}) must be divisible by nhead (${nhead})`);
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, CTOR_KEYS);
    this.dimFeedforward = size(fn, 'dimFeedforward', options.dimFeedforward ?? 2048);
    this.dropout = probability(fn, 'dropout', options.dropout ?? 0.1);
    const act = options.activation ?? 'relu';
    oneOf(fn, 'activation', act, ['relu', 'gelu'] as const);
    this.activation = act;
    const eps = options.layerNormEps ?? 1e-5;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
      throw new RangeError(`${fn}: layerNormEps must be a finite number ≥ 0, got ${describe(eps)}`);
    this.layerNormEps = eps;
    for (const k of ['batchFirst', 'normFirst', 'bias'] as const)
      if (options[k] !== undefined) bool(fn, k, options[k]);
    this.batchFirst = options.batchFirst ?? false;
    this.normFirst = options.normFirst ?? false;
    this.bias = options.bias ?? true;
  }

  override paramSpecs(): ParamSpec[] {
    const e = this.dModel;
    const f = this.dimFeedforward;
    const linearSpecs = (name: string, out: number, inp: number): ParamSpec[] => {
      const bound = 1 / Math.sqrt(inp);
      const init = { kind: 'uniform', a: -bound, b: bound } as const;
      const specs: ParamSpec[] = [
        { name: `${name}.weight`, shape: [out, inp], init, regularize: true },
      ];
      if (this.bias) specs.push({ name: `${name}.bias`, shape: [out], init, regularize: false });
      return specs;
    };
    const normSpecs = (name: string): ParamSpec[] => [
      { name: `${name}.weight`, shape: [e], init: { kind: 'ones' }, regularize: false },
      ...(this.bias
        ? [
            {
              name: `${name}.bias`,
              shape: [e],
              init: { kind: 'zeros' },
              regularize: false,
            } as ParamSpec,
          ]
        : []),
    ];
    return [
      ...attentionSpecs('self_attn.', e, e, e, this.bias),
      ...linearSpecs('linear1', f, e),
      ...linearSpecs('linear2', e, f),
      ...normSpecs('norm1'),
      ...normSpecs('norm2'),
    ];
  }

  override setRng(rng: Rng): void {
    this.rng = rng;
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length < 1 || input[input.length - 1] !== this.dModel)
      throw new RangeError(
        `${this.name}: expected input with ${this.dModel} features on the last axis, got [batch, ${input.join(', ')}]`,
      );
    return input;
  }

  /** [N, L, dModel] or [L, N, dModel] (per batchFirst), or unbatched [L, dModel]. */
  protected override acceptsShape(s: readonly number[]): boolean {
    return (s.length === 2 || s.length === 3) && s[s.length - 1] === this.dModel;
  }

  forward(src: TensorLike, opts: TransformerEncoderForwardOptions = {}): Tensor {
    const fn = `${this.name}.forward`;
    optionsCheck(fn, 'options', opts);
    knownKeys(fn, 'option', opts, FORWARD_KEYS);
    const x = this.checkInput(src) as Tensor;
    const training = this.isTraining({ training: opts.training });
    const p = training ? this.dropout : 0;
    if (p > 0) this.rng ??= new Rng(0);
    const rng = this.rng as Rng;
    const drop = (t: Tensor) => (p > 0 ? dropout(t, p, rng, true) : t);
    const b = this.bias;
    // Parameters in paramSpecs() order.
    const attnCount = 2 + (b ? 2 : 0);
    const all = Array.from({ length: this.bound.length }, (_, i) => this.param(i));
    const att = attentionWeights(all.slice(0, attnCount), true, b);
    let i = attnCount;
    const next = () => all[i++];
    const nextBias = () => (b ? all[i++] : null);
    const [w1, b1] = [next(), nextBias()];
    const [w2, b2] = [next(), nextBias()];
    const [g1, be1] = [next(), nextBias()];
    const [g2, be2] = [next(), nextBias()];
    const e = this.dModel;
    const eps = this.layerNormEps;
    const norm1 = (t: Tensor) => layerNorm(t, e, g1, be1, eps);
    const norm2 = (t: Tensor) => layerNorm(t, e, g2, be2, eps);
    const sa = (t: Tensor) => {
      const [y] = multiHeadAttention(t, t, t, att, {
        numHeads: this.nhead,
        batchFirst: this.batchFirst,
        attnMask: opts.srcMask ?? null,
        keyPaddingMask: opts.srcKeyPaddingMask ?? null,
        isCausal: opts.isCausal ?? false,
        needWeights: false,
        dropoutP: p,
        ...(p > 0 ? { rng } : {}),
      });
      return drop(y);
    };
    const act = this.activation === 'gelu' ? gelu : relu;
    const ff = (t: Tensor) => drop(linear(drop(act(linear(t, w1, b1))), w2, b2));
    return internally(() => {
      if (this.normFirst) {
        const h = add(x, sa(norm1(x)));
        return add(h, ff(norm2(h)));
      }
      const h = norm1(add(x, sa(x)));
      return norm2(add(h, ff(h)));
    });
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    const { dModel, nhead, dimFeedforward, dropout, activation, layerNormEps } = this;
    const { batchFirst, normFirst, bias } = this;
    return {
      dModel,
      nhead,
      dimFeedforward,
      dropout,
      activation,
      layerNormEps,
      batchFirst,
      normFirst,
      bias,
    };
  }

  override describe(): string {
    const extra = [
      `dimFeedforward=${this.dimFeedforward}`,
      `dropout=${this.dropout}`,
      this.activation,
      ...(this.normFirst ? ['normFirst'] : []),
      ...(this.batchFirst ? ['batchFirst'] : []),
      ...(this.bias ? [] : ['bias=false']),
    ];
    return `TransformerEncoderLayer(${this.dModel}, nhead=${this.nhead}, ${extra.join(', ')})`;
  }
}
