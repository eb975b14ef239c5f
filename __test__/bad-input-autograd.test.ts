/**
 * Bad input to the tape, in both backends: each case must throw the right error class with a
 * message naming the operation and the argument (both shapes for shape errors), and leave
 * every gradient as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { Linear, Model, Sequential, Tanh } from '../src/nn/index.js';

const initial = getBackend().name;
afterAll(() => setBackend(initial));

const leaf = (v: number[], shape: number[]) =>
  ag.tensor(Float32Array.from(v), shape, { requiresGrad: true }) as Tensor;

interface Case {
  what: string;
  run: (w: Tensor) => unknown;
  error: ErrorConstructor;
  message: RegExp;
}

/** `w` is a leaf requiring grad, with a gradient already accumulated (must stay as it is). */
const CASES: Case[] = [
  {
    what: 'broadcasting mismatch',
    run: (w) => w.add(ag.ones([3])),
    error: RangeError,
    message: /add: shapes \[2, 2\] and \[3\] cannot be broadcast together/,
  },
  {
    what: 'matmul inner dimensions',
    run: (w) => w.matmul(ag.ones([3, 1])),
    error: RangeError,
    message: /matmul: inner dimensions differ: \[2, 2\] · \[3, 1\]/,
  },
  {
    what: 'backward on a non-scalar without a gradient',
    run: (w) => w.mul(2).backward(),
    error: RangeError,
    message: /backward: tensor \[2, 2\] is not a scalar; pass the gradient/,
  },
  {
    what: 'backward with a gradient of the wrong shape',
    run: (w) => w.mul(2).backward(ag.ones([4])),
    error: RangeError,
    message: /backward: gradient must have the output's shape \[2, 2\], got \[4\]/,
  },
  {
    what: 'a second backward through a freed graph',
    run: (w) => {
      const y = w.mul(w).sum();
      y.backward();
      // undo the first backward's contribution so the check below sees no change
      w.grad?.data.fill(1);
      return y.backward();
    },
    error: Error,
    message: /backward: the graph through \w+ was already freed by an earlier backward\(\)/,
  },
  {
    what: 'an int32 tensor where a float is needed',
    run: (w) => w.mul(ag.tensor([1, 2, 3, 4], [2, 2], { dtype: 'int32' }) as never),
    error: TypeError,
    message: /mul: b must be a float32 tensor, got int32 \[2, 2\]/,
  },
  {
    what: 'a tensor computed on another backend',
    run: (w) => w.mul(2).add(ag.ones([2, 2]).to(getBackend().name === 'js' ? 'native' : 'js')),
    error: Error,
    message: /add: .* backend and .* backend; use tensors of one backend/,
  },
  {
    what: 'an unknown backward option',
    run: (w) => w.sum().backward(undefined, { retainGraf: true } as never),
    error: TypeError,
    message: /backward: unknown option "retainGraf"/,
  },
  {
    what: 'an axis out of range',
    run: (w) => w.sum(2),
    error: RangeError,
    message: /sum: axes\[0\] 2 is out of range for a tensor with 2 dimensions/,
  },
  {
    what: 'a reshape to another element count',
    run: (w) => w.reshape([3]),
    error: RangeError,
    message: /reshape: cannot reshape \[2, 2\] \(4 elements\) to \[3\]/,
  },
  {
    what: 'requiresGrad on a non-leaf',
    run: (w) => {
      w.mul(2).requiresGrad = false;
    },
    error: Error,
    message: /requiresGrad: tensor \[2, 2\] is the result of mul, not a leaf/,
  },
  {
    what: 'gradients for an input the output does not use',
    run: (w) => ag.gradients(w.sum(), [w, leaf([1], [1])]),
    error: Error,
    message: /gradients: inputs\[1\] \(tensor \[1\]\) was not used.*allowUnused/,
  },
  {
    what: 'grad of a function that returns a non-scalar',
    run: (w) => ag.grad((x: Tensor) => x.mul(2))(w),
    error: RangeError,
    message: /valueAndGrad: the function must return a scalar/,
  },
  {
    what: 'a ragged nested array',
    run: () => ag.tensor([[1, 2], [3]]),
    error: RangeError,
    message: /tensor: data is not rectangular: data\[1\] should have 2 elements/,
  },
  {
    what: 'a plain {data, shape} whose sizes disagree',
    run: (w) => w.add({ data: new Float32Array(3), shape: [2, 2] }),
    error: RangeError,
    message: /add: b\.shape \[2, 2\] has 4 elements, its data has 3/,
  },
  {
    what: 'noGrad without a function',
    run: () => ag.noGrad(5 as never),
    error: TypeError,
    message: /noGrad: fn must be a function/,
  },
];

for (const be of ['js', 'native', 'wasm'] as BackendName[]) {
  describe(`autograd bad input (${be})`, () => {
    for (const c of CASES) {
      it(`${c.what}: ${c.error.name}, nothing changed`, () => {
        setBackend(be);
        const w = leaf([1, 2, 3, 4], [2, 2]);
        w.mul(w).sum().backward();
        const before = Array.from(w.grad?.data ?? []);
        let caught: unknown;
        try {
          c.run(w);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(c.error);
        expect((caught as Error).message).toMatch(c.message);
        const after = Array.from(w.grad?.data ?? []);
        if (c.what.startsWith('a second backward')) expect(after).toEqual([1, 1, 1, 1]);
        else expect(after).toEqual(before);
      });
    }

    it('Model.backward: before forward, and with a gradient of the wrong shape', () => {
      setBackend(be);
      const m = new Model(new Sequential([new Linear(3, 2), new Tanh()]), [3]);
      expect(() => m.backward(ag.ones([1, 2]))).toThrow(/Model.backward: called before forward/);
      m.forward(ag.ones([1, 3]));
      expect(() => m.backward(ag.ones([1, 3]))).toThrow(
        /Model.backward: expected a gradient of shape \[1, 2\] \(the output's\), got \[1, 3\]/,
      );
      expect(Array.from(m.grads).every((v) => v === 0)).toBe(true);
    });
  });
}
