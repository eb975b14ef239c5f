/**
 * Bad input for the autograd operations (the catalogue of bad-input-api.test.ts, for ops/):
 * mismatched shapes name the operation and both shapes, out-of-range axes and indices name
 * the argument, int32 where a float is needed and unknown options are refused. Each must throw
 * the right error class before anything is written: the inputs keep their values, no gradient
 * appears, and the same tensors still work afterwards (a backward through them gives exactly
 * its own gradient). Both backends.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';

const initial = getBackend().name;
afterAll(() => setBackend(initial));

const x23 = () =>
  ag.tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { requiresGrad: true },
  ) as Tensor;
const x4 = () => ag.tensor([1, 2, 3, 4], { requiresGrad: true }) as Tensor;
const idx = (v: number[], shape = [v.length]) =>
  ag.tensor(Int32Array.from(v), shape) as Tensor<'int32'>;

type Case = [string, (a: Tensor, b: Tensor) => unknown, ErrorConstructor, RegExp];

/** [what, call on a = [2, 3] and b = [4] (both requiring grad), error class, message]. */
const CASES: Case[] = [
  // where
  [
    'where: shapes',
    (a, b) => ag.where(idx([1, 0, 1], [3]), a, b),
    RangeError,
    /^where: shapes \[2, 3\] and \[4\] cannot be broadcast/,
  ],
  [
    'where: cond shape',
    (a) => ag.where(idx([1, 0], [2]), a, 0),
    RangeError,
    /^where: shapes \[2\] and \[2, 3\] cannot be broadcast/,
  ],
  [
    'where: int32 operand',
    (a) => ag.where(idx([1, 0, 1]), a, idx([1, 2, 3])),
    TypeError,
    /^where: b must be a float32 tensor, got int32/,
  ],
  [
    'where: cond not a tensor',
    (a) => ag.where([1, 0] as never, a, 0),
    TypeError,
    /^where: cond must be a Tensor or \{data, shape\}/,
  ],
  // reductions
  [
    'max: axis out of range',
    (a) => ag.max(a, 2),
    RangeError,
    /^max: axes\[0\] 2 is out of range for a tensor with 2 dimensions \(valid: -2 … 1\)/,
  ],
  ['min: repeated axis', (a) => ag.min(a, [1, -1]), RangeError, /^min: axes repeat an axis/],
  [
    'max: empty axis',
    () => ag.max(ag.zeros([2, 0]), 1),
    RangeError,
    /^max: cannot reduce \[2, 0\] over axis 1: it has size 0/,
  ],
  [
    'max: int32',
    () => ag.max(idx([1, 2])),
    TypeError,
    /^max: x must be a float32 tensor, got int32/,
  ],
  [
    'max: unknown option',
    (a) => ag.max(a, 0, { keepDims: true } as never),
    TypeError,
    /^max: unknown option "keepDims" \(did you mean "keepdims"\?\); valid: keepdims/,
  ],
  [
    'logsumexp: axis not an integer',
    (a) => ag.logsumexp(a, 0.5),
    TypeError,
    /^logsumexp: axes\[0\] must be an integer/,
  ],
  [
    'argmax: axis out of range',
    (a) => ag.argmax(a, -3),
    RangeError,
    /^argmax: axis -3 is out of range/,
  ],
  ['argmax: int32', () => ag.argmax(idx([1, 2])), TypeError, /^argmax: x must be a float32 tensor/],
  [
    'var: negative correction',
    (a) => ag.var(a, 1, { correction: -1 }),
    RangeError,
    /^var: correction must be a finite number ≥ 0, got number -1/,
  ],
  [
    'std: correction and unbiased',
    (a) => ag.std(a, 1, { correction: 1, unbiased: true }),
    TypeError,
    /^std: give correction or unbiased, not both/,
  ],
  [
    'var: unknown option',
    (a) => ag.var(a, 1, { ddof: 1 } as never),
    TypeError,
    /^var: unknown option "ddof"; valid: correction, unbiased, keepdims/,
  ],
  ['std: int32', () => ag.std(idx([1, 2])), TypeError, /^std: x must be a float32 tensor/],
  // slice, split, chunk
  [
    'slice: axis out of range',
    (a) => ag.slice(a, 2, 0, 1),
    RangeError,
    /^slice: axis 2 is out of range/,
  ],
  ['slice: step 0', (a) => ag.slice(a, 1, 0, 3, 0), RangeError, /^slice: step must be ≥ 1, got 0/],
  [
    'slice: start not an integer',
    (a) => ag.slice(a, 1, 0.5),
    TypeError,
    /^slice: start must be an integer/,
  ],
  [
    'slice: 0-d',
    () => ag.slice(ag.scalar(1), 0),
    RangeError,
    /^slice: x must have at least one dimension/,
  ],
  [
    'split: sizes do not add up',
    (a) => ag.split(a, [1, 1], 1),
    RangeError,
    /^split: sizes \[1, 1\] add up to 2, but axis 1 of \[2, 3\] has 3/,
  ],
  [
    'split: negative size',
    (a) => ag.split(a, [4, -1], 1),
    RangeError,
    /^split: sizes\[1\] must be ≥ 0, got -1/,
  ],
  ['split: size 0', (a) => ag.split(a, 0, 1), RangeError, /^split: sizes must be ≥ 1, got 0/],
  ['chunk: 0 chunks', (a) => ag.chunk(a, 0), RangeError, /^chunk: chunks must be ≥ 1, got 0/],
  [
    'chunk: axis out of range',
    (a) => ag.chunk(a, 2, 5),
    RangeError,
    /^chunk: axis 5 is out of range/,
  ],
  // cat, stack
  [
    'cat: shapes',
    (a) => ag.cat([a, ag.zeros([2, 4]), ag.zeros([3, 3])], 1),
    RangeError,
    /^cat: tensors\[0\] \[2, 3\] and tensors\[2\] \[3, 3\] differ outside axis 1/,
  ],
  [
    'cat: ranks',
    (a, b) => ag.cat([a, b]),
    RangeError,
    /^cat: tensors\[0\] \[2, 3\] and tensors\[1\] \[4\] differ outside axis 0/,
  ],
  [
    'cat: dtypes',
    (a) => ag.cat([a, idx([1, 2, 3], [1, 3]) as never]),
    TypeError,
    /^cat: tensors\[1\] is int32 but tensors\[0\] is float32/,
  ],
  ['cat: empty list', () => ag.cat([]), TypeError, /^cat: tensors must be a non-empty array/],
  ['cat: axis out of range', (a) => ag.cat([a, a], 2), RangeError, /^cat: axis 2 is out of range/],
  [
    'stack: shapes',
    (a) => ag.stack([a, ag.zeros([3, 2])]),
    RangeError,
    /^stack: tensors\[0\] \[2, 3\] and tensors\[1\] \[3, 2\] differ/,
  ],
  [
    'stack: axis out of range',
    (a) => ag.stack([a, a], 3),
    RangeError,
    /^stack: axis 3 is out of range for a tensor with 3 dimensions/,
  ],
  // gather, indexSelect
  [
    'gather: index out of range',
    (a) => ag.gather(a, 1, idx([0, 3], [1, 2])),
    RangeError,
    /^gather: index\[1\] = 3 is out of range for axis 1 of x \[2, 3\] \(valid: 0 … 2\)/,
  ],
  [
    'gather: negative index',
    (a) => ag.gather(a, 0, idx([-1], [1, 1])),
    RangeError,
    /^gather: index\[0\] = -1 is out of range/,
  ],
  [
    'gather: float index',
    (a) => ag.gather(a, 1, ag.zeros([2, 1])),
    TypeError,
    /^gather: index must be a int32 tensor, got float32/,
  ],
  [
    'gather: index shape',
    (a) => ag.gather(a, 1, idx([0, 0, 0], [3, 1])),
    RangeError,
    /^gather: index \[3, 1\] must have the 2 dimensions of x \[2, 3\] and be no larger outside axis 1/,
  ],
  [
    'gather: axis out of range',
    (a) => ag.gather(a, 2, idx([0], [1, 1])),
    RangeError,
    /^gather: axis 2 is out of range/,
  ],
  [
    'indexSelect: index out of range',
    (a) => ag.indexSelect(a, 0, idx([1, 2])),
    RangeError,
    /^indexSelect: index\[1\] = 2 is out of range for axis 0 of x \[2, 3\]/,
  ],
  [
    'indexSelect: 2-D index',
    (a) => ag.indexSelect(a, 0, idx([0, 1], [1, 2])),
    RangeError,
    /^indexSelect: index must be 1-D, got \[1, 2\]/,
  ],
  [
    'indexSelect: int32 x',
    () => ag.indexSelect(idx([1, 2]) as never, 0, idx([0])),
    TypeError,
    /^indexSelect: x must be a float32 tensor, got int32/,
  ],
  // pad, repeat, tile
  [
    'pad: odd pads',
    (a) => ag.pad(a, [1]),
    RangeError,
    /^pad: pads must be an array of \(before, after\) pairs/,
  ],
  [
    'pad: too many pads',
    (a) => ag.pad(a, [1, 1, 1, 1, 1, 1]),
    RangeError,
    /^pad: pads must be .* for at most 2 axes/,
  ],
  [
    'pad: negative pad',
    (a) => ag.pad(a, [1, -1]),
    RangeError,
    /^pad: pads\[1\] must be a non-negative integer, got number -1/,
  ],
  [
    'pad: reflect too wide',
    (a) => ag.pad(a, [3, 0], { mode: 'reflect' }),
    RangeError,
    /^pad: reflect padding \(3, 0\) of axis 1 of \[2, 3\] must be at most 2/,
  ],
  [
    'pad: unknown mode',
    (a) => ag.pad(a, [1, 1], { mode: 'mirror' as never }),
    TypeError,
    /^pad: mode must be one of constant, reflect, replicate, circular/,
  ],
  [
    'pad: value with reflect',
    (a) => ag.pad(a, [1, 1], { mode: 'reflect', value: 1 }),
    TypeError,
    /^pad: value applies to mode 'constant' only/,
  ],
  [
    'pad: unknown option',
    (a) => ag.pad(a, [1, 1], { fill: 1 } as never),
    TypeError,
    /^pad: unknown option "fill"; valid: mode, value/,
  ],
  [
    'repeat: too few reps',
    (a) => ag.repeat(a, [2]),
    RangeError,
    /^repeat: reps \[2\] has fewer entries than x \[2, 3\] has axes/,
  ],
  [
    'tile: negative reps',
    (a) => ag.tile(a, [-1]),
    TypeError,
    /^tile: reps must be an array of non-negative integers/,
  ],
];

describe.each(['js', 'native', 'wasm'] as BackendName[])('%s backend', (backend) => {
  it.each(CASES)('%s: refused by name, nothing changed', (_what, call, Err, msg) => {
    setBackend(backend);
    const a = x23();
    const b = x4();
    const before = [Array.from(a.data), Array.from(b.data)];
    let thrown: unknown;
    try {
      call(a, b);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Err);
    expect((thrown as Error).message).toMatch(msg);
    expect([Array.from(a.data), Array.from(b.data)]).toEqual(before);
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    // The process and the tensors carry on: a well-formed call on the same inputs works.
    ag.sum(ag.mul(a, a)).backward();
    expect(Array.from((a.grad as Tensor).data)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('tensors of two backends are refused by name in the new ops', () => {
    setBackend(backend);
    const js = x23().to('js');
    const nat = x23().to('native');
    expect(() => ag.cat([js, nat])).toThrow(/^cat: .*computed on the js backend.*native backend/);
    expect(() => ag.where(idx([1, 0, 1]), js, nat)).toThrow(/^where: .*js backend.*native/);
    expect(() => ag.gather(nat, 1, idx([0], [1, 1]).to('js'))).toThrow(
      /^gather: .*native backend.*js backend/,
    );
  });
});
