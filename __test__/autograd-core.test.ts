/**
 * The tape itself: accumulation into .grad, broadcasting gradients, gradients of gradients,
 * the functional transforms, graph freeing and its errors, buffer recycling, version checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import { noteWrite } from '../src/autograd/storage.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';

const backends: BackendName[] = ['js', 'native'];
const arr = (t: Tensor | null) => Array.from((t as Tensor).data);

for (const be of backends) {
  describe(`autograd core (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => {
      setBackend(prev);
    });

    it('backward accumulates into leaves as PyTorch (two calls add up)', () => {
      const x = leaf([1, 2, 3], [3]);
      const f = () => x.mul(x).sum(); // d/dx = 2x
      f().backward();
      expect(arr(x.grad)).toEqual([2, 4, 6]);
      f().backward();
      expect(arr(x.grad)).toEqual([4, 8, 12]);
    });

    it('broadcasting sums the gradient back onto each operand', () => {
      const a = leaf([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = leaf([10, 20, 30], [3]);
      const c = leaf([2], [1]);
      a.mul(b).add(c).sum().backward();
      expect(arr(a.grad)).toEqual([10, 20, 30, 10, 20, 30]);
      expect(arr(b.grad)).toEqual([5, 7, 9]);
      expect(arr(c.grad)).toEqual([6]);
    });

    it('broadcast shapes that cannot match name both shapes and the operation', () => {
      const a = leaf([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = leaf([1, 2], [2]);
      expect(() => a.add(b)).toThrow(/add: shapes \[2, 3\] and \[2\] cannot be broadcast/);
    });

    it('elementwise, matmul and reductions pass finite-difference checks', () => {
      const x = leaf([0.3, -0.7, 1.1, 0.5, -0.2, 0.9], [2, 3]);
      const y = leaf([0.4, 0.8, -0.6, 1.3, 0.2, -1.1], [2, 3]);
      gradcheck((a, b) => a.mul(b).div(b.square().add(1)).sub(a), [x, y]);
      const w = leaf([0.1, -0.3, 0.5, 0.7, -0.9, 0.2], [3, 2]);
      gradcheck((a, b) => a.matmul(b).tanh(), [x, w]);
      gradcheck((a) => a.sum(1, { keepdims: true }).mul(a).mean(0), [x]);
      gradcheck((a, b) => ag.maximum(a, b).add(ag.minimum(a, b).mul(3)), [x, y]);
      gradcheck((a) => ag.pow(a.abs().add(0.5), 1.7), [x]);
    });

    it('batched matmul with transposes broadcasts the batch and sums its gradient', () => {
      const a = leaf(
        Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)),
        [2, 3, 4],
      );
      const b = leaf(
        Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i)),
        [5, 4],
      );
      gradcheck((p, q) => ag.matmul(p, q, { transB: true }), [a, b]);
      const c = leaf(
        Array.from({ length: 2 * 3 * 5 }, (_, i) => Math.cos(2 * i)),
        [2, 3, 5],
      );
      gradcheck((p, q) => ag.matmul(p, q, { transA: true }), [a, c]);
    });

    it('gradients of gradients: d²/dx² x³ = 6x, and second-order checks', () => {
      const x = leaf([0.5, -1.5, 2], [3]);
      const [g] = ag.gradients(x.pow(3).sum(), [x], { createGraph: true });
      expect(arr(g)).toEqual([0.75, 6.75, 12]);
      const [h] = ag.gradients(g.sum(), [x]);
      expect(arr(h)).toEqual([3, -9, 12]);
      const a = leaf([0.3, -0.7, 1.1, 0.5], [2, 2]);
      const b = leaf([0.4, 0.8, -0.6, 1.3], [2, 2]);
      gradgradcheck((p, q) => p.matmul(q).sigmoid().mul(p), [a, b]);
      gradgradcheck((p) => p.softmax().mul(p).logSoftmax(0), [a]);
    });

    it('grad, valueAndGrad and hvp as function transforms', () => {
      const f = (x: Tensor) => x.pow(3).sum();
      const g = ag.grad(f)(ag.tensor([1, 2]) as Tensor) as Tensor;
      expect(arr(g)).toEqual([3, 12]);
      const { value, grads } = ag.valueAndGrad((x: Tensor, y: Tensor) => x.mul(y).sum())(
        ag.tensor([1, 2]) as Tensor,
        ag.tensor([3, 4]) as Tensor,
      );
      expect(value.item()).toBe(11);
      expect(grads.map(arr)).toEqual([
        [3, 4],
        [1, 2],
      ]);
      // H of Σx³ is diag(6x): H·v = 6x⊙v
      const hv = ag.hvp(f, ag.tensor([1, 2]) as Tensor, ag.tensor([1, -1]) as Tensor);
      expect(arr(hv)).toEqual([6, -12]);
      // grad of grad composes
      const gg = ag.grad((x: Tensor) => (ag.grad(f)(x) as Tensor).sum())(
        ag.tensor([1, 2]) as Tensor,
      ) as Tensor;
      expect(arr(gg)).toEqual([6, 12]);
    });

    it('a freed graph refuses a second backward; retainGraph allows it', () => {
      const x = leaf([1, 2], [2]);
      const y = x.mul(x).sum();
      y.backward(undefined, { retainGraph: true });
      y.backward();
      expect(arr(x.grad)).toEqual([4, 8]);
      expect(() => y.backward()).toThrow(/already freed by an earlier backward\(\).*retainGraph/);
    });

    it('refuses backward on a non-scalar without a gradient, and on a tensor with no graph', () => {
      const x = leaf([1, 2], [2]);
      expect(() => x.mul(2).backward()).toThrow(/not a scalar; pass the gradient/);
      const c = ag.tensor([1, 2]) as Tensor;
      expect(() => c.sum().backward()).toThrow(/does not require grad/);
      expect(() => ag.noGrad(() => x.mul(2).sum()).backward()).toThrow(/does not require grad/);
    });

    it('int32 tensors where a float is needed are refused by name', () => {
      const i = ag.tensor([1, 2], { dtype: 'int32' });
      expect(() => ag.exp(i as never)).toThrow(/exp: x must be a float32 tensor, got int32/);
    });

    it('a saved tensor changed in place before backward is refused, nothing accumulated', () => {
      const w = leaf([1, 2], [2]);
      const y = w.mul(w).sum();
      w.data[0] = 5;
      noteWrite(w.data);
      expect(() => y.backward()).toThrow(/modified in place after the forward pass/);
      expect(w.grad).toBeNull();
    });

    it('mixing tensors of two backends is an error naming both', () => {
      const a = leaf([1, 2], [2]).to('js');
      const b = leaf([1, 2], [2]).to('native');
      expect(() => a.add(b)).toThrow(/computed on the js backend.*native backend/);
    });

    it('detach cuts the graph; noGrad records nothing', () => {
      const x = leaf([1, 2], [2]);
      const y = x.mul(3).detach().mul(x).sum();
      y.backward();
      expect(arr(x.grad)).toEqual([3, 6]);
      const z = ag.noGrad(() => x.mul(2));
      expect(z.requiresGrad).toBe(false);
      expect(z.isLeaf).toBe(true);
    });

    it('retainGrad keeps a non-leaf gradient', () => {
      const x = leaf([1, 2], [2]);
      const h = x.mul(2).retainGrad();
      h.mul(h).sum().backward();
      expect(arr(h.grad)).toEqual([4, 8]);
      expect(arr(x.grad)).toEqual([8, 16]);
    });
  });
}
