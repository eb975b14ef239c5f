/**
 * Inverted dropout (torch.nn.functional.dropout): in training each element is zeroed with
 * probability p and the survivors scaled by 1/(1 − p); the mask comes from the caller's seeded
 * generator through the `rngDropoutMask` kernel (the same draws on both backends) and belongs
 * to this call's node, so two calls never share one. Eval, or p = 0, is the identity.
 */
import { inRange } from '../../backend/validate.js';
import type { Rng } from '../../random.js';
import { record } from '../node.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { mul } from './elementwise.js';
import { asTensor, backendOf, kernels, out } from './util.js';

export function dropout(x: TensorLike, p: number, rng: Rng, training = true): Tensor {
  const fn = 'dropout';
  const t = asTensor(fn, 'x', x, 'float32');
  inRange(fn, 'p', p, 0, 1);
  if (!training || p === 0) return t;
  const b = backendOf(fn, t);
  const mask = out(b, t.shape);
  // The mask kernel counts as transcendental-weight work (a generator step per element).
  kernels(b, 8 * t.size).rngDropoutMask(rng.state, mask._d, p);
  const y = out(b, t.shape);
  kernels(b, t.size).binary('mul', y._d, t._d, mask._d);
  return record(
    {
      name: fn,
      inputs: [t],
      backward: (ctx) => ctx.give(0, mul(ctx.dy() as Tensor, mask)),
      free: () => mask._release(),
    },
    [y],
  );
}
