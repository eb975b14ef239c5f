/**
 * Attention (Vaswani et al., 2017) on the tape: scaled dot-product attention
 * (torch.nn.functional.scaled_dot_product_attention) and multi-head attention
 * (torch.nn.functional.multi_head_attention_forward, the math behind torch.nn.MultiheadAttention):
 * in-projections, heads split, softmax(q·kᵀ·scale + masks)·v per head, heads merged, the
 * out-projection. Written here in tape operations (linear, permute, matmul, softmax, dropout);
 * multi-head attention runs as one fused node (attention-fused.ts) that equals this composite
 * and recomputes it when a graph of the gradient is wanted, so gradients of any order follow.
 */
import { describe, knownKeys, options } from '../../backend/validate.js';
import type { Rng } from '../../random.js';
import { full } from '../create.js';
import { noGrad } from '../grad-mode.js';
import { tracking } from '../node.js';
import { collect } from '../scope.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import {
  type Composite,
  type FusedAttentionArgs,
  fusedAttention,
  type Projection,
} from './attention-fused.js';
import {
  causalBias,
  checkMaskShape,
  constantBias,
  type MaskPart,
  maskBias,
} from './attention-mask.js';
import { broadcastShapes } from './broadcast.js';
import { dropout } from './dropout.js';
import { add, mul } from './elementwise.js';
import { linear, matmul } from './matmul.js';
import { permute, reshape, squeeze, unsqueeze } from './shape.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { asTensor } from './util.js';

/** Dropout on the attention weights: drawn from `rng`, or a given mask (a recomputation). */
type Drop = { p: number; rng: Rng } | { mask: Tensor } | null;

/** softmax(q·kᵀ·scale + bias)·v over the last two axes; the weights are returned too. */
function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  bias: Tensor | null,
  scale: number,
  drop: Drop,
): { out: Tensor; weights: Tensor } {
  let s = mul(matmul(q, k, { transB: true }), scale);
  if (bias) s = add(s, bias);
  const p = softmax(s, -1);
  const w = !drop ? p : 'mask' in drop ? mul(p, drop.mask) : dropout(p, drop.p, drop.rng, true);
  return { out: matmul(w, v), weights: w };
}

/** Whether multiHeadAttention uses the fused node (false: the tape composite). */
let fusion = true;

/** @internal Switches the fused node off or on (for measurements and tests); returns the old setting. */
export function setAttentionFusion(on: boolean): boolean {
  const prev = fusion;
  fusion = on;
  return prev;
}

/**
 * Multi-head attention, batch-first, in tape operations: in-projections with each weight's
 * rows, heads split by a permute, attention, heads merged, the out-projection. The fused node
 * equals it and recomputes it for createGraph (with its dropout mask).
 */
const composite: Composite = (a, mask) => {
  // Batch-first views of sequence-first inputs (one permute per distinct tensor).
  const seen = new Map<Tensor, Tensor>();
  const bf = (t: Tensor) => {
    let v = seen.get(t);
    if (!v) seen.set(t, (v = a.seqFirst ? permute(t, [1, 0, 2]) : t));
    return v;
  };
  const [xq, xk, xv] = [a.q.x, a.k.x, a.v.x].map(bf);
  const [n, l] = xq.shape;
  const s = xk.shape[1];
  const e = a.outW.shape[0];
  const h = a.heads;
  const d = e / h;
  const proj = (x: Tensor, p: Projection, j: number, len: number) => {
    const w = p.w.shape[0] === e ? p.w : slice(p.w, 0, p.rowOff, p.rowOff + e);
    const b = a.inBias ? slice(a.inBias, 0, j * e, (j + 1) * e) : null;
    return permute(reshape(linear(x, w, b), [n, len, h, d]), [0, 2, 1, 3]);
  };
  const drop: Drop = mask ? { mask } : a.drop;
  const q = proj(xq, a.q, 0, l);
  const att = attend(q, proj(xk, a.k, 1, s), proj(xv, a.v, 2, s), a.bias, a.scale, drop);
  const merged = reshape(permute(att.out, [0, 2, 1, 3]), [n, l, e]);
  const y = linear(merged, a.outW, a.outB);
  return { y: a.seqFirst ? permute(y, [1, 0, 2]) : y, weights: att.weights };
};

/**
 * The weights [N, H, L, S] averaged over heads, as a product with a row of 1/H per sample
 * (GEMM kernels; a mean over the middle axis would take the reductions' generic JS path).
 */
function headMean(w: Tensor): Tensor {
  const [n, h, l, s] = w.shape;
  const row = noGrad(() => full([1, h], 1 / h));
  return reshape(matmul(row, reshape(w, [n, h, l * s])), [n, l, s]);
}

/** The sum of the given biases (null when there are none). */
function sumBias(parts: readonly (Tensor | null)[]): Tensor | null {
  let b: Tensor | null = null;
  for (const p of parts) if (p) b = b ? add(b, p) : p;
  return b;
}

function optionsOf(
  fn: string,
  o: unknown,
  keys: readonly string[],
  what = 'option',
): Record<string, unknown> {
  if (o === undefined) return {};
  options(fn, `${what}s`, o);
  knownKeys(fn, what, o, keys);
  return o as Record<string, unknown>;
}

function boolOpt(fn: string, o: Record<string, unknown>, k: string, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    throw new TypeError(`${fn}: ${k} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Dropout probability and its generator (needed when p > 0). */
function dropOpt(fn: string, o: Record<string, unknown>): { p: number; rng: Rng } | null {
  const p = o.dropoutP ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p < 1))
    throw new RangeError(`${fn}: dropoutP must be a probability in [0, 1), got ${describe(p)}`);
  if (p === 0) return null;
  const rng = o.rng as Rng | undefined;
  if (!rng || typeof rng !== 'object' || !(rng.state instanceof Uint32Array))
    throw new TypeError(`${fn}: dropoutP > 0 needs rng (a seeded Rng), got ${describe(rng)}`);
  return { p, rng };
}

/** Options of {@link scaledDotProductAttention} (torch.nn.functional.scaled_dot_product_attention's keywords). */
export interface ScaledDotProductAttentionOptions {
  /** Broadcast to [..., L, S]: int32 → true (nonzero) may attend; float32 → added to the scores. PyTorch: `attn_mask`. */
  attnMask?: TensorLike | null;
  /** Dropout on the attention weights (default 0; needs `rng`). PyTorch: `dropout_p`. */
  dropoutP?: number;
  /** Each query attends only to keys at or before its position (top-left aligned; default false). PyTorch: `is_causal`. */
  isCausal?: boolean;
  /** Score scale (default 1/√E). PyTorch: `scale`. */
  scale?: number | null;
  /** Generator for dropout. */
  rng?: Rng;
}

const SDPA_KEYS = ['attnMask', 'dropoutP', 'isCausal', 'scale', 'rng'];

/**
 * softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E], v [..., S, Ev] (leading axes
 * broadcast), torch.nn.functional.scaled_dot_product_attention semantics.
 */
export function scaledDotProductAttention(
  query: TensorLike,
  key: TensorLike,
  value: TensorLike,
  opts?: ScaledDotProductAttentionOptions,
): Tensor {
  const fn = 'scaledDotProductAttention';
  const o = optionsOf(fn, opts, SDPA_KEYS);
  const q = asTensor(fn, 'query', query, 'float32');
  const k = asTensor(fn, 'key', key, 'float32');
  const v = asTensor(fn, 'value', value, 'float32');
  for (const [n, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const)
    if (t.ndim < 2)
      throw new RangeError(`${fn}: ${n} must be [..., len, features], got ${shapeStr(t.shape)}`);
  const [l, e] = q.shape.slice(-2);
  const [s, ek] = k.shape.slice(-2);
  if (ek !== e || v.shape[v.ndim - 2] !== s)
    throw new RangeError(
      `${fn}: query ${shapeStr(q.shape)}, key ${shapeStr(k.shape)} and value ${shapeStr(v.shape)} must be [..., L, E], [..., S, E] and [..., S, Ev]`,
    );
  const causal = boolOpt(fn, o, 'isCausal', false);
  const scaleOpt = o.scale ?? null;
  if (scaleOpt !== null && (typeof scaleOpt !== 'number' || !Number.isFinite(scaleOpt)))
    throw new TypeError(`${fn}: scale must be a finite number or null, got ${describe(scaleOpt)}`);
  const drop = dropOpt(fn, o);
  const m = o.attnMask == null ? null : asTensor(fn, 'attnMask', o.attnMask, 'any');
  if (m) {
    const scores = [...broadcastShapes(fn, q.shape.slice(0, -2), k.shape.slice(0, -2)), l, s];
    const fits = (() => {
      try {
        const b = broadcastShapes(fn, m.shape, scores);
        return b.length === scores.length && b.every((dd, i) => dd === scores[i]);
      } catch {
        return false;
      }
    })();
    if (!fits)
      throw new RangeError(
        `${fn}: attnMask ${shapeStr(m.shape)} does not broadcast to the scores ${shapeStr(scores)}`,
      );
  }
  const mask = m ? maskBias(fn, 'attnMask', m, false) : null;
  const bias = sumBias([mask, causal ? causalBias(q, l, s) : null]);
  return attend(q, k, v, bias, scaleOpt ?? 1 / Math.sqrt(e), drop).out;
}

/** The parameters of multi-head attention, torch's names in camelCase. */
export interface MultiHeadAttentionWeights {
  /** Packed q, k, v projections [3E, E] (when query, key and value share E). */
  inProjWeight?: TensorLike | null;
  /** Separate projections [E, E], [E, kdim], [E, vdim] (instead of inProjWeight). */
  qProjWeight?: TensorLike | null;
  /** Key projection [E, kdim] (with `qProjWeight` and `vProjWeight`). */
  kProjWeight?: TensorLike | null;
  /** Value projection [E, vdim] (with `qProjWeight` and `kProjWeight`). */
  vProjWeight?: TensorLike | null;
  /** [3E] (q, k, v biases back to back). */
  inProjBias?: TensorLike | null;
  /** [E, E]. */
  outProjWeight: TensorLike;
  /** [E]. */
  outProjBias?: TensorLike | null;
}

/** Options of {@link multiHeadAttention} (torch.nn.functional.multi_head_attention_forward's, camelCase). */
export interface MultiHeadAttentionOptions {
  /** Number of heads; the embedding size must be divisible by it. PyTorch: `num_heads`. */
  numHeads: number;
  /** Inputs as [batch, len, features] (default false: [len, batch, features], as torch). PyTorch: `batch_first`. */
  batchFirst?: boolean;
  /** [N, S] (or [S] unbatched): int32 true (nonzero) = ignore that key; float32 added. PyTorch: `key_padding_mask`. */
  keyPaddingMask?: TensorLike | null;
  /** [L, S] or [N·numHeads, L, S]: int32 true = may not attend; float32 added. PyTorch: `attn_mask`. */
  attnMask?: TensorLike | null;
  /** Return the attention weights (default true). PyTorch: `need_weights`. */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true): [N, L, S], else [N, H, L, S]. PyTorch: `average_attn_weights`. */
  averageAttnWeights?: boolean;
  /** Apply the causal mask (default false; torch takes it as a hint that attnMask is causal). PyTorch: `is_causal`. */
  isCausal?: boolean;
  /** Dropout on the attention weights (default 0; needs `rng`). PyTorch: `dropout_p`. */
  dropoutP?: number;
  /** Generator of the dropout draws (required when `dropoutP` > 0). */
  rng?: Rng;
}

const MHA_KEYS = [
  'numHeads',
  'batchFirst',
  'keyPaddingMask',
  'attnMask',
  'needWeights',
  'averageAttnWeights',
  'isCausal',
  'dropoutP',
  'rng',
];
const WEIGHT_KEYS = [
  'inProjWeight',
  'qProjWeight',
  'kProjWeight',
  'vProjWeight',
  'inProjBias',
  'outProjWeight',
  'outProjBias',
];

function weightOf(fn: string, w: Record<string, unknown>, k: string, shape: number[] | null) {
  const v = w[k];
  if (v == null) return null;
  const t = asTensor(fn, k, v, 'float32');
  if (shape && (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])))
    throw new RangeError(`${fn}: ${k} must be ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
  return t;
}

/**
 * Multi-head attention of `query` over `key`/`value` with the given projection weights.
 * Returns [output, weights]: output like query ([N, L, E] batch-first, [L, N, E] otherwise,
 * [L, E] unbatched), weights [N, L, S] (or per head [N, H, L, S]) or null.
 */
export function multiHeadAttention(
  query: TensorLike,
  key: TensorLike,
  value: TensorLike,
  weights: MultiHeadAttentionWeights,
  opts: MultiHeadAttentionOptions,
): [Tensor, Tensor | null] {
  const fn = 'multiHeadAttention';
  const o = optionsOf(fn, opts, MHA_KEYS);
  const w = optionsOf(fn, weights, WEIGHT_KEYS, 'weight');
  const q0 = asTensor(fn, 'query', query, 'float32');
  const k0 = asTensor(fn, 'key', key, 'float32');
  const v0 = asTensor(fn, 'value', value, 'float32');
  const batchFirst = boolOpt(fn, o, 'batchFirst', false);
  const needWeights = boolOpt(fn, o, 'needWeights', true);
  const average = boolOpt(fn, o, 'averageAttnWeights', true);
  const causal = boolOpt(fn, o, 'isCausal', false);
  const drop = dropOpt(fn, o);

  // Shapes: [N, L, E] (batch-first), [L, N, E], or unbatched [L, E].
  const batched = q0.ndim === 3;
  if ((q0.ndim !== 2 && q0.ndim !== 3) || k0.ndim !== q0.ndim || v0.ndim !== q0.ndim)
    throw new RangeError(
      `${fn}: query, key and value must all be 3-D (batched) or all 2-D (unbatched), got ${shapeStr(q0.shape)}, ${shapeStr(k0.shape)} and ${shapeStr(v0.shape)}`,
    );
  const [n, l, e] = batched
    ? batchFirst
      ? q0.shape
      : [q0.shape[1], q0.shape[0], q0.shape[2]]
    : [1, ...q0.shape];
  const seqAxis = batched && !batchFirst ? 0 : batched ? 1 : 0;
  const batchAxis = batchFirst ? 0 : 1;
  const s = k0.shape[seqAxis];
  const kdim = k0.shape[k0.ndim - 1];
  const vdim = v0.shape[v0.ndim - 1];
  if (batched && (k0.shape[batchAxis] !== n || v0.shape[batchAxis] !== n))
    throw new RangeError(
      `${fn}: query ${shapeStr(q0.shape)}, key ${shapeStr(k0.shape)} and value ${shapeStr(v0.shape)} differ in batch size`,
    );
  if (v0.shape[seqAxis] !== s)
    throw new RangeError(
      `${fn}: key ${shapeStr(k0.shape)} and value ${shapeStr(v0.shape)} differ in sequence length`,
    );
  const h = o.numHeads;
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h <= 0)
    throw new RangeError(`${fn}: numHeads must be a positive integer, got ${describe(h)}`);
  if (e % h !== 0)
    throw new RangeError(`${fn}: the embedding size ${e} is not divisible by numHeads ${h}`);
  const d = e / h;

  // Projection weights: packed [3E, E], or separate q/k/v ones.
  const packed = weightOf(fn, w, 'inProjWeight', [3 * e, e]);
  const sep = ['qProjWeight', 'kProjWeight', 'vProjWeight'].map((k, i) =>
    weightOf(fn, w, k, [e, [e, kdim, vdim][i]]),
  );
  if (packed && sep.some((t) => t))
    throw new TypeError(
      `${fn}: give inProjWeight or qProjWeight/kProjWeight/vProjWeight, not both`,
    );
  if (!packed && sep.some((t) => !t))
    throw new TypeError(
      `${fn}: weights need inProjWeight [3E, E] or all of qProjWeight, kProjWeight, vProjWeight`,
    );
  if (packed && (kdim !== e || vdim !== e))
    throw new RangeError(
      `${fn}: inProjWeight ${shapeStr(packed.shape)} needs key and value of ${e} features, got ${kdim} and ${vdim} (use separate qProjWeight/kProjWeight/vProjWeight)`,
    );
  const inBias = weightOf(fn, w, 'inProjBias', [3 * e]);
  if (w.outProjWeight == null) throw new TypeError(`${fn}: weights.outProjWeight is required`);
  const outW = weightOf(fn, w, 'outProjWeight', [e, e]) as Tensor;
  const outB = weightOf(fn, w, 'outProjBias', [e]);

  // Masks → one additive bias broadcast against the scores [N, H, L, S]: a constant buffer,
  // or tape operations when a float mask requires grad.
  const masks: MaskPart[] = [];
  if (o.attnMask != null) {
    const m = asTensor(fn, 'attnMask', o.attnMask, 'any');
    checkMaskShape(fn, 'attnMask', m, [
      [l, s],
      [n * h, l, s],
    ]);
    masks.push({ t: m, dims: m.ndim === 2 ? [1, 1, l, s] : [n, h, l, s], trueMasks: true });
  }
  if (o.keyPaddingMask != null) {
    const m = asTensor(fn, 'keyPaddingMask', o.keyPaddingMask, 'any');
    checkMaskShape(fn, 'keyPaddingMask', m, [batched ? [n, s] : [s]]);
    masks.push({ t: m, dims: [n, 1, 1, s], trueMasks: true });
  }
  const differentiable = masks.some((p) => p.t.dtype === 'float32' && tracking(p.t as Tensor));
  const bias = differentiable
    ? sumBias([
        ...masks.map((p) => reshape(maskBias(fn, 'mask', p.t, true), [...p.dims])),
        causal ? causalBias(q0, l, s) : null,
      ])
    : masks.length || causal
      ? constantBias(q0, masks, causal, [n, h, l, s])
      : null;

  // Every intermediate is internal (recycled with the graph); only the results are the caller's.
  const { result, made } = collect(() => {
    // Unbatched input is a batch of one (a view, one per distinct tensor).
    const seen = new Map<Tensor, Tensor>();
    const bx = (t: Tensor) => {
      let v = seen.get(t);
      if (!v) seen.set(t, (v = batched ? t : unsqueeze(t, 0)));
      return v;
    };
    const wOf = (j: number) => (packed ?? sep[j]) as Tensor;
    const args: FusedAttentionArgs = {
      q: { x: bx(q0), w: wOf(0), rowOff: 0 },
      k: { x: bx(k0), w: wOf(1), rowOff: packed ? e : 0 },
      v: { x: bx(v0), w: wOf(2), rowOff: packed ? 2 * e : 0 },
      seqFirst: batched && !batchFirst,
      inBias,
      outW,
      outB,
      bias,
      ownsBias: !differentiable,
      heads: h,
      scale: 1 / Math.sqrt(d),
      drop,
    };
    const fused = fusion && !differentiable;
    const r = fused ? fusedAttention(args, composite) : composite(args, null);
    const y = batched ? r.y : squeeze(r.y, 0);
    if (!needWeights) return [y, null] as [Tensor, Tensor | null];
    let weightsOut = average ? headMean(r.weights) : r.weights;
    if (!batched) weightsOut = squeeze(weightsOut, 0);
    return [y, weightsOut] as [Tensor, Tensor | null];
  });
  for (const t of made) if (!result.includes(t) && t._node) t._internal = true;
  return result;
}
