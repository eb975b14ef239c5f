/**
 * Matrix products on the GEMM kernel. `matmul` follows torch.matmul (1-D operands promoted,
 * leading batch dimensions broadcast); `transA`/`transB` read an operand transposed without a
 * copy. `linear` is torch.nn.functional.linear (y = x·Wᵀ + b over the last axis, any leading
 * dimensions) with a fused backward that writes dW and db straight into the parameters'
 * gradient arenas (GEMM with β = 1).
 */
import { bool, optionsOf } from '../../backend/validate.js';
import { record } from '../node.js';
import { shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { broadcastShapes } from './broadcast.js';
import { sumTo } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';
import { asTensor, backendOf, kernels, out } from './util.js';

/** Options of {@link matmul} and `Tensor.matmul`: transposed operands without a copy. */
export interface MatmulOptions {
  /** Use the transpose of a's last two axes (default false). */
  transA?: boolean;
  /** Use the transpose of b's last two axes (default false). */
  transB?: boolean;
}

function flags(fn: string, o: MatmulOptions | undefined): [boolean, boolean] {
  if (o === undefined) return [false, false];
  optionsOf(fn, o, ['transA', 'transB']);
  for (const k of ['transA', 'transB'] as const) if (o[k] !== undefined) bool(fn, k, o[k]);
  return [o.transA ?? false, o.transB ?? false];
}

/** Batched op(A)·op(B) for a [..., r, c] and b [..., r, c] (≥ 2-D each). */
function mm(a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor {
  const fn = 'matmul';
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const kb = tb ? bc : br;
  const n = tb ? br : bc;
  if (k !== kb)
    throw new RangeError(
      `${fn}: inner dimensions differ: ${shapeStr(a.shape)}${ta ? 'ᵀ' : ''} · ${shapeStr(b.shape)}${tb ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes(fn, batchA, batchB);
  const be = backendOf(fn, a, b);
  const y = out(be, [...batch, m, n]);
  const nb = batch.reduce((p, d) => p * d, 1);
  const kk = kernels(be, m * n * k);
  if (batchB.length === 0 && !ta) {
    // b is one matrix: fold a's batch into its rows, one GEMM.
    kk.gemm(false, tb, nb * m, n, k, 1, a._d, b._d, 0, y._d);
  } else {
    const sa = ar * ac;
    const sb = br * bc;
    const ia = batchIndex(batchA, batch);
    const ib = batchIndex(batchB, batch);
    for (let i = 0; i < nb; i++) {
      kk.gemm(
        ta,
        tb,
        m,
        n,
        k,
        1,
        a._d.subarray(ia[i] * sa, (ia[i] + 1) * sa),
        b._d.subarray(ib[i] * sb, (ib[i] + 1) * sb),
        0,
        y._d.subarray(i * m * n, (i + 1) * m * n),
      );
    }
  }
  return record(
    {
      name: fn,
      inputs: [a, b],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.needs(0)) {
          const g = ta ? mm(b, dy, tb, true) : mm(dy, b, false, !tb);
          ctx.give(0, sumTo(g, a.shape));
        }
        if (ctx.needs(1)) {
          const g = tb ? mm(dy, a, true, ta) : mm(a, dy, !ta, false);
          ctx.give(1, sumTo(g, b.shape));
        }
      },
    },
    [y],
  );
}

/** For each index of the broadcast batch, the flat index into a batch of shape `own`. */
function batchIndex(own: readonly number[], batch: readonly number[]): Int32Array {
  const nb = batch.reduce((p, d) => p * d, 1);
  const idx = new Int32Array(nb);
  const off = batch.length - own.length;
  for (let i = 0; i < nb; i++) {
    let rem = i;
    let flat = 0;
    let stride = 1;
    for (let d = batch.length - 1; d >= 0; d--) {
      const c = rem % batch[d];
      rem = (rem - c) / batch[d];
      const od = d - off;
      if (od >= 0) {
        if (own[od] !== 1) flat += c * stride;
        stride *= own[od];
      }
    }
    idx[i] = flat;
  }
  return idx;
}

/** Matrix product with torch.matmul's rules (1-D operands promoted then squeezed). */
export function matmul(a: TensorLike, b: TensorLike, opts?: MatmulOptions): Tensor {
  const fn = 'matmul';
  const [ta, tb] = flags(fn, opts);
  const A = asTensor(fn, 'a', a, 'float32');
  const B = asTensor(fn, 'b', b, 'float32');
  if (A.ndim === 0 || B.ndim === 0)
    throw new RangeError(
      `${fn}: both operands need at least one dimension, got ${shapeStr(A.shape)} and ${shapeStr(B.shape)}`,
    );
  const a2 = A.ndim === 1 ? reshape(A, ta ? [A.shape[0], 1] : [1, A.shape[0]]) : A;
  const b2 = B.ndim === 1 ? reshape(B, tb ? [1, B.shape[0]] : [B.shape[0], 1]) : B;
  let y = mm(a2, b2, ta, tb);
  if (A.ndim === 1) y = reshape(y, [...y.shape.slice(0, -2), y.shape[y.ndim - 1]]);
  if (B.ndim === 1) y = reshape(y, y.shape.slice(0, -1));
  return y;
}

/** y = x·Wᵀ + b over the last axis of x ([..., in] → [..., out]); W is [out, in], b [out]. */
export function linear(x: TensorLike, weight: TensorLike, bias?: TensorLike | null): Tensor {
  const fn = 'linear';
  const X = asTensor(fn, 'x', x, 'float32');
  const W = asTensor(fn, 'weight', weight, 'float32');
  const Bi = bias == null ? null : asTensor(fn, 'bias', bias, 'float32');
  if (W.ndim !== 2)
    throw new RangeError(`${fn}: weight must be 2-D [out, in], got ${shapeStr(W.shape)}`);
  const [nOut, nIn] = W.shape;
  if (X.ndim === 0 || X.shape[X.ndim - 1] !== nIn)
    throw new RangeError(
      `${fn}: the last axis of x must have ${nIn} features (weight ${shapeStr(W.shape)}), got x ${shapeStr(X.shape)}`,
    );
  if (Bi && (Bi.ndim !== 1 || Bi.shape[0] !== nOut))
    throw new RangeError(`${fn}: bias must be [${nOut}], got ${shapeStr(Bi.shape)}`);
  const rows = X.size / nIn;
  const be = backendOf(fn, X, W, Bi);
  const y = out(be, [...X.shape.slice(0, -1), nOut]);
  const k = kernels(be, rows * nIn * nOut);
  k.gemm(false, true, rows, nOut, nIn, 1, X._d, W._d, 0, y._d);
  if (Bi) k.biasAdd(y._d, Bi._d, rows, nOut, 1);
  const inputs = Bi ? [X, W, Bi] : [X, W];
  return record(
    {
      name: fn,
      inputs,
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const dy2 = reshape(dy, [rows, nOut]);
          if (ctx.needs(0)) ctx.give(0, reshape(matmul(dy2, W), X.shape));
          if (ctx.needs(1)) ctx.give(1, matmul(dy2, reshape(X, [rows, nIn]), { transA: true }));
          if (Bi && ctx.needs(2)) ctx.give(2, sum(dy2, 0));
          return;
        }
        const kb = kernels(be, rows * nIn * nOut);
        if (ctx.needs(1)) {
          const g = ctx.target(1);
          kb.gemm(true, false, nOut, nIn, rows, 1, dy._d, X._d, g.accumulate ? 1 : 0, g.data);
        }
        if (Bi && ctx.needs(2)) {
          const g = ctx.target(2);
          kb.biasGrad(g.data, dy._d, rows, nOut, 1, g.accumulate);
        }
        if (ctx.needs(0)) {
          const g = ctx.target(0);
          kb.gemm(false, false, rows, nIn, nOut, 1, dy._d, W._d, g.accumulate ? 1 : 0, g.data);
        }
      },
    },
    [y],
  );
}
