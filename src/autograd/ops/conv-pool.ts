/**
 * A convolution, a max pooling over its output and optionally ReLU, as one tape node (the
 * `conv2dPoolImages` kernel: each image's convolution output stays in the thread's scratch
 * and is pooled from there, so the full-size output never goes to memory and back; the CNN
 * benchmark's pooling and ReLU passes over it took ~20% of its step). Its values and
 * gradients are those of conv2d → maxPool2d → relu bit for bit (the kernel runs the same
 * operations in the same order), so Sequential uses it wherever the backend has the kernel.
 * With createGraph the backward is the three ops' own, on the tape.
 */
import type { Window2d } from '../../backend/kernels.js';
import { record } from '../node.js';
import { f32Pool } from '../pool.js';
import type { Tensor } from '../tensor.js';
import { convGradsOnTape } from './conv.js';
import { mul } from './elementwise.js';
import { maxPoolScatter } from './pool.js';
import { reluMask } from './unary.js';
import { backendOf, kernels, out } from './util.js';
import type { ConvGeometry } from './window.js';

/**
 * @internal relu?(maxPool(conv2d(X, W) + B)) for one group, or null where the fused kernel
 * does not apply (no such kernel on the backend, a 1×1 direct convolution, an empty batch,
 * planes of one position): the caller then runs the layers one by one. `pool` is the pooling
 * geometry over the convolution's output planes (its n and c are set here).
 */
export function conv2dPoolWith(
  fn: string,
  X: Tensor,
  W: Tensor,
  B: Tensor | null,
  geo: ConvGeometry,
  pool: Readonly<Window2d>,
  relu: boolean,
): Tensor | null {
  const { g, direct } = geo;
  const n = X.shape[0];
  const nOut = W.shape[0];
  const be = backendOf(fn, X, W, ...(B ? [B] : []));
  const work = nOut * g.c * g.kh * g.kw * g.outH * g.outW;
  const k = kernels(be, work);
  if (!k.conv2dPoolImages || direct || n === 0 || g.outH * g.outW < 2) return null;
  if (pool.h !== g.outH || pool.w !== g.outW) return null;
  const gb = Object.freeze({ ...g, n });
  const pg = Object.freeze({ ...pool, n, c: nOut });
  const shape = [n, nOut, pg.outH, pg.outW];
  const y = out(be, shape);
  const idx = out(be, shape, 'int32') as unknown as Tensor<'int32'>;
  k.conv2dPoolImages(y._d, idx._d, X._d, W._d, B ? B._d : null, nOut, gb, pg, relu);
  return record(
    {
      name: fn,
      inputs: B ? [X, W, B] : [X, W],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          const dp = relu ? mul(dy, reluMask(y)) : dy;
          convGradsOnTape(ctx, X, W, B !== null, maxPoolScatter(dp, idx, pg), g, 1);
          return;
        }
        const gw = ctx.needs(1) ? ctx.target(1) : null;
        const gx = ctx.needs(0) ? ctx.target(0) : null;
        const gbias = B && ctx.needs(2) ? ctx.target(2) : null;
        if (!gw && !gx && !gbias) return;
        const kb = kernels(be, work);
        if (!kb.conv2dPoolImagesBackward)
          throw new Error(`${fn}: the backend lost the fused kernel's backward since the forward`);
        // dx is written: adding into an earlier gradient goes through a scratch batch.
        const tmp = gx?.accumulate ? f32Pool.take(X.size) : null;
        kb.conv2dPoolImagesBackward(
          gw ? gw.data : null,
          gw ? gw.accumulate : false,
          gx ? (tmp ?? gx.data) : null,
          gbias ? gbias.data : null,
          gbias ? gbias.accumulate : false,
          X._d,
          W._d,
          y._d,
          idx._d,
          dy._d,
          nOut,
          gb,
          pg,
          relu,
        );
        if (gx && tmp) {
          kernels(be, X.size).axpy(1, tmp, gx.data);
          f32Pool.put(tmp);
        }
      },
      free: () => idx._release(),
    },
    [y],
  );
}
