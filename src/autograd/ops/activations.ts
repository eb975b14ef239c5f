/**
 * Activations the unary kernels do not cover: PReLU (a learned slope per channel), Hardswish
 * and Hardtanh, with torch.nn.functional semantics, boundaries included. PReLU runs the
 * leakyRelu kernels plane by plane with each channel's slope; its slope gradient is
 * min(x, 0)·dy summed per channel (biasGrad). Hardswish and Hardtanh run the hardsigmoid and
 * clamp kernels forward; their backward is one loop (no kernel has their masks) with torch's
 * boundaries (derivatives.yaml: hardswish_backward, hardtanh_backward). With createGraph each
 * derivative is written in tensor operations with constant masks.
 */
import { describe } from '../../backend/validate.js';
import { noGrad } from '../grad-mode.js';
import { record } from '../node.js';
import { numel, shapeStr, type Tensor, type TensorLike } from '../tensor.js';
import { add, mul, sub, sumTo } from './elementwise.js';
import { reshape } from './shape.js';
import { asTensor, backendOf, kernels, out } from './util.js';

/** Planes below this many elements run in a JS loop (per-plane kernel calls would cost more). */
const PLANE_KERNEL_MIN = 64;

/** A constant 0/1 tensor of x's shape from a predicate on its values (no gradient). */
function maskOf(x: Tensor, f: (v: number) => boolean): Tensor {
  return noGrad(() => {
    const m = out(backendOf('mask', x), x.shape);
    const s = x._d;
    const d = m._d;
    for (let i = 0; i < d.length; i++) d[i] = f(s[i]) ? 1 : 0;
    return m;
  });
}

/**
 * PReLU (He et al., 2015; torch.nn.functional.prelu): y = x for x > 0, w_c·x otherwise, with
 * w of one element or one per channel (axis 1 of x; x of rank < 2 has one channel).
 * Backward: dx = dy·(x > 0 ? 1 : w_c), dw_c = Σ dy·min(x, 0) over every axis but the channel.
 */
export function prelu(x: TensorLike, weight: TensorLike): Tensor {
  const fn = 'prelu';
  const X = asTensor(fn, 'x', x, 'float32');
  const W = asTensor(fn, 'weight', weight, 'float32');
  const channels = X.ndim >= 2 ? X.shape[1] : 1;
  if (W.ndim > 1 || (W.size !== 1 && W.size !== channels))
    throw new RangeError(
      `${fn}: weight must be 1-D with 1 element or one per channel (${channels}, axis 1 of x ${shapeStr(X.shape)}), got ${shapeStr(W.shape)}`,
    );
  const C = W.size;
  const outer = X.ndim >= 2 ? X.shape[0] : 1;
  const inner = C === 1 ? X.size : numel(X.shape.slice(2));
  const be = backendOf(fn, X, W);
  const y = out(be, X.shape);
  const w = W._d;
  /** Runs `plane(o·C + c, slope)` per plane, or `loop` over everything when planes are tiny. */
  const perPlane = (
    kernel: (off: number, n: number, slope: number) => void,
    loop: (i: number, slope: number) => void,
  ) => {
    if (C === 1 || inner >= PLANE_KERNEL_MIN) {
      const planes = C === 1 ? 1 : outer * C;
      for (let p = 0; p < planes; p++) kernel(p * inner, inner, w[p % C]);
    } else {
      for (let p = 0, i = 0; p < outer * C; p++) {
        const s = w[p % C];
        for (let j = 0; j < inner; j++, i++) loop(i, s);
      }
    }
  };
  const xd = X._d;
  const yd = y._d;
  perPlane(
    (off, n, s) =>
      kernels(be, n).unary('leakyRelu', yd.subarray(off, off + n), xd.subarray(off, off + n), s, 0),
    (i, s) => {
      const v = xd[i];
      yd[i] = v > 0 ? v : s * v;
    },
  );
  const wShape = X.ndim >= 2 ? X.shape.map((_, i) => (i === 1 ? C : 1)) : [1];
  return record(
    {
      name: fn,
      inputs: [X, W],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const pos = maskOf(X, (v) => v > 0);
          const wb = reshape(W, wShape);
          if (ctx.needs(0)) ctx.give(0, mul(dy, add(pos, mul(sub(1, pos), wb))));
          if (ctx.needs(1))
            ctx.give(1, reshape(sumTo(mul(dy, mul(X, sub(1, pos))), wShape), W.shape));
          return;
        }
        const dyd = dy._d;
        if (ctx.needs(0)) {
          const g = ctx.target(0);
          const dst = g.accumulate ? out(be, X.shape) : null;
          const dx = dst ? dst._d : g.data;
          perPlane(
            (off, n, s) =>
              kernels(be, n).unaryBackward(
                'leakyRelu',
                dx.subarray(off, off + n),
                xd.subarray(off, off + n),
                dyd.subarray(off, off + n),
                s,
                0,
              ),
            (i, s) => {
              dx[i] = xd[i] > 0 ? dyd[i] : s * dyd[i];
            },
          );
          if (dst) {
            kernels(be, X.size).axpy(1, dx, g.data);
            dst._release();
          }
        }
        if (ctx.needs(1)) {
          // t = min(x, 0)·dy, then summed per channel.
          const k = kernels(be, X.size);
          const t = out(be, X.shape);
          k.binaryScalar('min', t._d, xd, 0);
          k.binary('mul', t._d, t._d, dyd);
          const g = ctx.target(1);
          if (C === 1) {
            const s = k.sum(t._d);
            g.data[0] = g.accumulate ? g.data[0] + s : s;
          } else k.biasGrad(g.data, t._d, outer, C, inner, g.accumulate);
          t._release();
        }
      },
    },
    [y],
  );
}

/**
 * Hardswish (Howard et al., 2019; torch.nn.functional.hardswish): x·relu6(x + 3)/6, the
 * hardsigmoid kernel then a product. Backward as torch's hardswish_backward: dy·(x/3 + ½) for
 * −3 ≤ x ≤ 3, 0 below, dy above.
 */
export function hardswish(x: TensorLike): Tensor {
  const fn = 'hardswish';
  const t = asTensor(fn, 'x', x, 'float32');
  const be = backendOf(fn, t);
  const y = out(be, t.shape);
  const k = kernels(be, 8 * t.size);
  k.unary('hardSigmoid', y._d, t._d, 0, 0);
  k.binary('mul', y._d, y._d, t._d);
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const mid = maskOf(t, (v) => v >= -3 && v <= 3);
          const hi = maskOf(t, (v) => v > 3);
          ctx.give(0, mul(dy, add(mul(mid, add(mul(t, 1 / 3), 0.5)), hi)));
          return;
        }
        const g = ctx.target(0);
        const d = g.data;
        const xd = t._d;
        const dyd = dy._d;
        for (let i = 0; i < d.length; i++) {
          const v = xd[i];
          const gi = v < -3 ? 0 : v <= 3 ? dyd[i] * (v / 3 + 0.5) : dyd[i];
          d[i] = g.accumulate ? d[i] + gi : gi;
        }
      },
    },
    [y],
  );
}

/**
 * Hardtanh (torch.nn.functional.hardtanh): min(max(x, minVal), maxVal); the gradient passes
 * where minVal < x < maxVal (strictly, as torch's hardtanh_backward).
 */
export function hardtanh(x: TensorLike, minVal = -1, maxVal = 1): Tensor {
  const fn = 'hardtanh';
  const t = asTensor(fn, 'x', x, 'float32');
  if (
    typeof minVal !== 'number' ||
    typeof maxVal !== 'number' ||
    Number.isNaN(minVal) ||
    Number.isNaN(maxVal) ||
    !(minVal < maxVal)
  )
    throw new RangeError(
      `${fn}: minVal and maxVal must be numbers with minVal < maxVal, got ${describe(minVal)} and ${describe(maxVal)}`,
    );
  const be = backendOf(fn, t);
  const y = out(be, t.shape);
  kernels(be, t.size).clamp(y._d, t._d, minVal, maxVal);
  const inside = (v: number) => v > minVal && v < maxVal;
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, mul(dy, maskOf(t, inside)));
          return;
        }
        const g = ctx.target(0);
        const d = g.data;
        const xd = t._d;
        const dyd = dy._d;
        if (g.accumulate) {
          for (let i = 0; i < d.length; i++) if (inside(xd[i])) d[i] += dyd[i];
        } else for (let i = 0; i < d.length; i++) d[i] = inside(xd[i]) ? dyd[i] : 0;
      },
    },
    [y],
  );
}
