/**
 * Attention masks as additive biases. torch takes boolean masks (here int32, an element being
 * true when nonzero) or float masks added to the scores; both become one float tensor of 0 and
 * −∞ (or the float values) broadcast against the scores [..., L, S]. A boolean mask's meaning
 * differs by API, as in torch: scaled_dot_product_attention's true means "may attend",
 * MultiheadAttention's true means "masked out".
 */
import { noGrad } from '../grad-mode.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { type AnyTensor, asTensor, backendOf, out } from './util.js';

/**
 * `m` as an additive bias: int32 → 0 where allowed, −∞ where not (`trueMasks`: nonzero means
 * masked out); float32 → itself (differentiable when it requires grad, as torch's float masks).
 */
export function maskBias(fn: string, name: string, m: TensorLike, trueMasks: boolean): Tensor {
  const t = asTensor(fn, name, m, 'any') as AnyTensor;
  if (t.dtype === 'float32') return t as Tensor;
  return noGrad(() => {
    const y = out(backendOf(fn, t), t.shape);
    const s = t._d;
    const d = y._d;
    for (let i = 0; i < d.length; i++) d[i] = (s[i] !== 0) === trueMasks ? -Infinity : 0;
    return y;
  });
}

/** The causal bias [L, S]: −∞ where key j lies after query i (j > i, top-left aligned, as torch). */
export function causalBias(like: AnyTensor, l: number, s: number): Tensor {
  return noGrad(() => {
    const y = out(backendOf('causal', like), [l, s]);
    const d = y._d;
    for (let i = 0; i < l; i++) for (let j = 0; j < s; j++) d[i * s + j] = j > i ? -Infinity : 0;
    return y;
  });
}

/** Refuses a mask whose shape is not one of `shapes` (naming what was given and wanted). */
export function checkMaskShape(
  fn: string,
  name: string,
  m: TensorLike,
  shapes: readonly (readonly number[])[],
): void {
  const s = m.shape;
  if (!shapes.some((w) => w.length === s.length && w.every((d, i) => d === s[i])))
    throw new RangeError(
      `${fn}: ${name} must have shape ${shapes.map(shapeStr).join(' or ')}, got ${shapeStr(s)}`,
    );
}

/** A mask read as [bn, bh, bl, S] (size-1 axes broadcast), with what its true values mean. */
export interface MaskPart {
  t: AnyTensor;
  dims: readonly [number, number, number, number];
  trueMasks: boolean;
}

/**
 * Constant masks and the causal mask summed into one additive bias [bn, bh, bl, S] (bn = N
 * when a part varies over the batch, bh = H when one varies over heads, bl = L when one varies
 * over queries or the mask is causal): one pooled buffer, owned by the caller.
 */
export function constantBias(
  like: AnyTensor,
  parts: readonly MaskPart[],
  causal: boolean,
  [n, h, l, s]: readonly number[],
): Tensor {
  const bn = parts.some((p) => p.dims[0] > 1) ? n : 1;
  const bh = parts.some((p) => p.dims[1] > 1) ? h : 1;
  const bl = causal || parts.some((p) => p.dims[2] > 1) ? l : 1;
  return noGrad(() => {
    const y = out(backendOf('mask', like, ...parts.map((p) => p.t)), [bn, bh, bl, s]);
    const d = y._d;
    d.fill(0);
    for (const p of parts) {
      const [pn, ph, pl] = p.dims;
      const src = p.t._d;
      const float = p.t.dtype === 'float32';
      let o = 0;
      for (let i = 0; i < bn; i++)
        for (let j = 0; j < bh; j++)
          for (let r = 0; r < bl; r++) {
            const at =
              (((pn === 1 ? 0 : i) * ph + (ph === 1 ? 0 : j)) * pl + (pl === 1 ? 0 : r)) * s;
            for (let c = 0; c < s; c++, o++) {
              const v = src[at + c];
              d[o] += float ? v : (v !== 0) === p.trueMasks ? -Infinity : 0;
            }
          }
    }
    if (causal)
      for (let b = 0; b < bn * bh; b++)
        for (let r = 0; r < l; r++) d.fill(-Infinity, (b * l + r) * s + r + 1, (b * l + r + 1) * s);
    return y;
  });
}
