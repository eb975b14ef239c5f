/**
 * Tensors as optimizer parameters: a leaf tensor that requires grad becomes a `{ data, grad }`
 * whose `grad` is the tensor's current gradient buffer (null before its first backward, so the
 * step skips it, as PyTorch skips parameters whose .grad is None). One adapter per tensor, so
 * a tensor given twice is caught as a duplicate.
 */
import { Tensor } from '../autograd/tensor.js';
import type { Param } from './optimizer.js';

const adapters = new WeakMap<Tensor, Param>();

/** `p` itself, or the parameter view of a leaf tensor (refused when it cannot be one). */
export function asParam(fn: string, where: string, p: unknown): unknown {
  if (!(p instanceof Tensor)) return p;
  const t = p as Tensor;
  if (t.dtype !== 'float32' || !t.isLeaf || !t.requiresGrad)
    throw new TypeError(
      `${fn}: ${where} is a tensor that is not a float32 leaf requiring grad (${t.toString()}); create it with { requiresGrad: true }`,
    );
  let a = adapters.get(t);
  if (!a) {
    const data = t.data;
    a = {
      data,
      get grad(): Float32Array | null {
        return t._gradBuf;
      },
      set grad(v: Float32Array | null) {
        if (v === null) {
          if (t._gradBuf) t._gradBuf.fill(0);
        } else throw new TypeError(`${fn}: a tensor parameter's grad comes from backward()`);
      },
      shape: t.shape,
    };
    adapters.set(t, a);
  }
  return a;
}
