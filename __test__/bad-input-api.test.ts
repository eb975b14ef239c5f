/**
 * Bad input at the high-level API, in both backends (the low-level `ops` have their own
 * catalogue in bad-input.test.ts): every optimizer class and the models' forward/backward
 * given arrays of the wrong type, shared or detached memory, wrong lengths or null. Each
 * must throw the right error class with a message naming the argument, and change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { Conv2d, Flatten, Linear, Model, ReLU, Sequential } from '../src/nn/index.js';
import * as optim from '../src/optim/index.js';

const initial = getBackend().name;
afterAll(() => setBackend(initial));

const OPTIMIZERS = [
  'SGD',
  'Adagrad',
  'Adadelta',
  'RMSprop',
  'Adam',
  'AdamW',
  'Adamax',
  'NAdam',
  'RAdam',
  'Rprop',
  'ASGD',
  'LBFGS',
  'Lion',
  'LAMB',
  'LARS',
  'AdaBelief',
  'Yogi',
  'Adan',
  'AdamWScheduleFree',
  'SGDScheduleFree',
  'Muon',
] as const;

interface Stepper {
  step(closure?: () => number): unknown;
  train?(): void;
}
type Ctor = new (params: unknown, options?: object) => Stepper;
const ctorOf = (name: string) => {
  const C = (optim as unknown as Record<string, Ctor>)[name];
  // schedule-free optimizers start in eval mode: train() before stepping
  return class extends C {
    constructor(params: unknown, options?: object) {
      super(params, options);
      this.train?.();
    }
  } as Ctor;
};
const step = (name: string, o: { step(closure?: () => number): unknown }) =>
  name === 'LBFGS' ? o.step(() => 1) : o.step();

const f32 = (n: number, v = 0.5) => new Float32Array(n).fill(v);
const sharedF32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n)).fill(0.5);
function detached(n: number): Float32Array {
  const a = f32(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** [what, params, error class, message] for the constructor. */
const CTOR_CASES: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
  ['params null', () => null, TypeError, /params/],
  ['a param null', () => [null], TypeError, /params\[0\]/],
  [
    'data a plain array',
    () => [{ data: [1, 2], grad: f32(2) }],
    TypeError,
    /\.data must be a Float32Array/,
  ],
  [
    'data a Float64Array',
    () => [{ data: new Float64Array(2), grad: f32(2) }],
    TypeError,
    /\.data must be a Float32Array/,
  ],
  [
    'data shared',
    () => [{ data: sharedF32(4), grad: f32(4) }],
    TypeError,
    /\.data is backed by a SharedArrayBuffer/,
  ],
  [
    'grad shared',
    () => [{ data: f32(4), grad: sharedF32(4) }],
    TypeError,
    /\.grad is backed by a SharedArrayBuffer/,
  ],
  [
    'grad a Float64Array',
    () => [{ data: f32(4), grad: new Float64Array(4) }],
    TypeError,
    /\.grad must be a Float32Array/,
  ],
];

/** [what, how to spoil a valid param after construction, error class, message] for step(). */
const STEP_CASES: Array<
  [string, (p: { data: Float32Array; grad: unknown }) => void, ErrorConstructor, RegExp]
> = [
  [
    'grad of the wrong length',
    (p) => (p.grad = f32(3)),
    RangeError,
    /\.grad has length 3, expected 4/,
  ],
  [
    'grad a plain array',
    (p) => (p.grad = [1, 2, 3, 4]),
    TypeError,
    /\.grad must be a Float32Array/,
  ],
  ['grad undefined', (p) => (p.grad = undefined), TypeError, /\.grad is undefined/],
  [
    'grad shared',
    (p) => (p.grad = sharedF32(4)),
    TypeError,
    /\.grad is backed by a SharedArrayBuffer/,
  ],
  [
    'grad overlapping data',
    (p) => {
      const buf = new Float32Array(8).fill(0.5);
      p.data.set(buf.subarray(0, 4));
      (p as { data: Float32Array }).data = buf.subarray(0, 4);
      p.grad = buf.subarray(2, 6);
    },
    RangeError,
    /overlaps its data/,
  ],
];

describe.each(['js', 'native', 'wasm'] as BackendName[])('%s backend', (backend) => {
  describe.each(OPTIMIZERS)('%s', (name) => {
    const C = ctorOf(name);

    it.each(CTOR_CASES)('refuses %s at construction', (_what, params, cls, msg) => {
      setBackend(backend);
      let err: unknown;
      try {
        new C(params());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(new RegExp(`^${name}`));
      expect((err as Error).message).toMatch(msg);
    });

    it.each(STEP_CASES)('refuses %s at step(), changing nothing', (_what, spoil, cls, msg) => {
      setBackend(backend);
      // two parameters (the second, 2-D for Muon, is fine): the step must not touch either
      const good = { data: f32(6, 0.25), grad: f32(6, 0.1) };
      const p = { data: f32(4), grad: f32(4, 0.1) as unknown };
      const o = new C([p, good]);
      step(name, o); // state exists: a refused step must leave it too
      spoil(p as { data: Float32Array; grad: unknown });
      const before = [Float32Array.from(p.data), Float32Array.from(good.data)];
      let err: unknown;
      try {
        step(name, o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(msg);
      expect(Array.from(p.data)).toEqual(Array.from(before[0]));
      expect(Array.from(good.data)).toEqual(Array.from(before[1]));
    });

    it('refuses data whose memory was transferred (detached) at step()', () => {
      setBackend(backend);
      const p: { data: Float32Array; grad: Float32Array } = { data: f32(4), grad: f32(4, 0.1) };
      const o = new C([p]);
      p.data = detached(4);
      expect(() => step(name, o)).toThrow(TypeError);
      expect(() => step(name, o)).toThrow(/detached/);
    });
  });

  describe('models', () => {
    const models = () => [
      new Model(new Sequential([new Linear(4, 3), new ReLU(), new Linear(3, 2)]), [4], { seed: 1 }),
      new Model(
        new Sequential([new Conv2d(1, 2, 3, { padding: 1 }), new Flatten(), new Linear(32, 2)]),
        [1, 4, 4],
        { seed: 1 },
      ),
    ];
    const size = (shape: number[]) => shape.reduce((a, d) => a * d, 1);
    const X: Array<[string, (shape: number[]) => unknown, RegExp]> = [
      ['null', () => null, /Model\.forward: x must be a Tensor or \{data, shape\}, got null/],
      [
        'a plain array',
        (s) => ({ data: Array(size(s)).fill(0), shape: s }),
        /x\.data must be a Float32Array/,
      ],
      [
        'a Float64Array',
        (s) => ({ data: new Float64Array(size(s)), shape: s }),
        /x\.data must be a Float32Array/,
      ],
      ['shared memory', (s) => ({ data: sharedF32(size(s)), shape: s }), /SharedArrayBuffer/],
      [
        'a negative dimension',
        (s) => ({ data: f32(size(s)), shape: [-2, ...s.slice(1)] }),
        /x\.shape must be an array of non-negative integers/,
      ],
      [
        'the wrong size',
        (s) => ({ data: f32(size(s) + 1), shape: s }),
        /Model\.forward: x\.shape \[2, [\d, ]+\] has \d+ elements, its data has \d+/,
      ],
    ];

    it.each(X)('forward refuses x as %s, naming it; the model is unchanged', (_w, make, msg) => {
      setBackend(backend);
      for (const m of models()) {
        const before = Float32Array.from(m.params);
        expect(() => m.forward(make([2, ...m.inputShape]) as never)).toThrow(msg);
        expect(Array.from(m.params)).toEqual(Array.from(before));
      }
    });

    it('a model too large to allocate is a RangeError saying so, not an abort', () => {
      setBackend(backend);
      expect(() => new Model(new Linear(1e6, 1e6), [1e6])).toThrow(
        /^Model \(1000001000000 parameters\): cannot allocate 7629402\.\d MiB/,
      );
    });

    it('backward refuses a gradient that is not a float32 tensor of the output shape', () => {
      setBackend(backend);
      for (const m of models()) {
        m.forward(
          { data: f32(2 * size([...m.inputShape])), shape: [2, ...m.inputShape] },
          {
            training: true,
          },
        );
        const grads = Float32Array.from(m.grads);
        expect(() => m.backward(null as never)).toThrow(
          /Model\.backward: dy must be a Tensor or \{data, shape\}, got null/,
        );
        expect(() => m.backward({ data: new Float64Array(4), shape: [2, 2] } as never)).toThrow(
          /dy\.data must be a Float32Array/,
        );
        expect(() => m.backward({ data: sharedF32(4), shape: [2, 2] })).toThrow(
          /SharedArrayBuffer/,
        );
        expect(() => m.backward({ data: f32(6), shape: [2, 3] })).toThrow(
          /expected a gradient of shape \[2, 2\]/,
        );
        expect(Array.from(m.grads)).toEqual(Array.from(grads));
      }
    });
  });
});
