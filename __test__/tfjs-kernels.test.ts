/**
 * The `descent` TensorFlow.js backend's kernels against tfjs's cpu backend, on seeded random
 * inputs with sizes that are not multiples of a vector width, on descent's js and native
 * kernels (native with the small-call routing off, so every call crosses into Rust). Each case
 * also checks that descent's kernel ran rather than handing the call to tfjs cpu, so a
 * fallback cannot pass for parity. Then the inputs descent must not touch — other dtypes,
 * float32 tensors stored as Int32Array (a cpu Cast shares the int storage), SharedArrayBuffer
 * storage, NaN in max pooling, layouts outside the lowerings — must reach tfjs cpu and give
 * its results or its errors.
 *
 * Tolerances: exact for copies, comparisons and single IEEE operations (+ − × ÷, max, min:
 * both round the exact result once); |descent − cpu| ≤ 2e-5·|cpu| + 1e-6 for transcendental
 * unary ops (descent's native polynomials); ≤ 2e-6·Σ|terms| per element for sums, matmul,
 * convolution and their gradients (different summation orders, each within Higham's bound).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, setMinNativeLength } from '../src/backend/select.js';
import { descentKernels } from '../src/tfjs/all.js';
import '../src/tfjs/index.js';
import { setScratchMax } from '../src/tfjs/util.js';

/** How often each descent kernel ran itself (`descent`) or handed the call to cpu. */
const ran: Record<string, { descent: number; cpu: number }> = {};
for (const k of descentKernels) {
  const run = k.run;
  const s = (ran[k.kernelName] = { descent: 0, cpu: 0 });
  k.run = (args) => {
    const r = run(args);
    if (r === null) s.cpu++;
    else s.descent++;
    return r;
  };
}

/** Calls into descent's kernel layer (any kernel, either backend) during `fn`. */
function kernelCalls(fn: () => void): number {
  let calls = 0;
  const spied: Array<[Record<string, unknown>, string, unknown]> = [];
  for (const name of ['js', 'native'] as const) {
    const k = setBackend(name).kernels as unknown as Record<string, unknown>;
    for (const [key, f] of Object.entries(k)) {
      if (typeof f !== 'function') continue;
      spied.push([k, key, f]);
      k[key] = (...a: unknown[]) => {
        calls++;
        return (f as (...a: unknown[]) => unknown)(...a);
      };
    }
  }
  setBackend(descentName);
  try {
    fn();
  } finally {
    for (const [k, key, f] of spied) k[key] = f;
  }
  return calls;
}

let descentName: 'js' | 'native' = 'native';

/** A seeded uniform array in [lo, hi). */
function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  }
  return out;
}

type Result = { shape: number[]; dtype: string; values: Float32Array | Int32Array | Uint8Array };

/** Runs `fn` on `backend` (inputs made inside, from the same data) and reads its result. */
async function on(backend: string, fn: () => tf.Tensor): Promise<Result> {
  await tf.setBackend(backend);
  const t = tf.tidy(fn);
  const values = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  const r = { shape: t.shape, dtype: t.dtype, values: values.slice() };
  t.dispose();
  return r;
}

/** Σ|terms| per output element of a linear op, computed by the same op on |inputs| (cpu). */
type Tol = 'exact' | 'ulps' | 'unary' | ((abs: Result) => (i: number) => number);

/**
 * Checks descent against cpu for `fn`, and that descent's kernel `kernel` ran. `absFn` (for
 * sums) gives Σ|terms| per element: the op applied to the inputs' absolute values.
 */
async function parity(kernel: string, fn: () => tf.Tensor, tol: Tol, absFn?: () => tf.Tensor) {
  const want = await on('cpu', fn);
  const before = ran[kernel].descent;
  const got = await on('descent', fn);
  expect(ran[kernel].descent, `${kernel} ran on descent`).toBeGreaterThan(before);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const bound =
    tol === 'exact'
      ? () => 0
      : tol === 'ulps'
        ? (i: number) => 2 ** -22 * Math.abs(want.values[i])
        : tol === 'unary'
          ? (i: number) => 2e-5 * Math.abs(want.values[i]) + 1e-6
          : tol(await on('cpu', absFn as () => tf.Tensor));
  for (let i = 0; i < want.values.length; i++) {
    const a = got.values[i];
    const b = want.values[i];
    if (Number.isNaN(b)) expect(a, `element ${i}`).toBeNaN();
    else if (a !== b && !(Math.abs(a - b) <= bound(i)))
      expect.fail(`${kernel} element ${i}: descent ${a}, cpu ${b} (tolerance ${bound(i)})`);
  }
}

const sumTol = (abs: Result) => (i: number) => 2e-6 * abs.values[i] + 1e-7;

for (const name of ['js', 'native'] as const) {
  describe(`descent backend on descent's ${name} kernels`, () => {
    let oldMin = 0;
    beforeAll(() => {
      descentName = name;
      setBackend(name);
      oldMin = setMinNativeLength(0);
    });
    afterAll(() => {
      setMinNativeLength(oldMin);
      setBackend('native');
    });

    describe('elementwise', () => {
      const a = () => tf.tensor(rand(3 * 5 * 7, 1), [3, 5, 7]);
      const cases: Array<[string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor]> = [
        ['Add', tf.add],
        ['Sub', tf.sub],
        ['Multiply', tf.mul],
        ['RealDiv', tf.div],
        ['Maximum', tf.maximum],
        ['Minimum', tf.minimum],
      ];
      const shapes: Array<[string, number[]]> = [
        ['same shape', [3, 5, 7]],
        ['a scalar', []],
        ['a row (leading axes broadcast)', [5, 7]],
        ['a column (trailing axes broadcast)', [3, 1, 1]],
        ['a [3, 5, 1] block', [3, 5, 1]],
      ];
      for (const [kernel, op] of cases)
        for (const [what, shape] of shapes) {
          it(`${kernel} with ${what}, on either side`, async () => {
            const b = () =>
              tf.tensor(
                rand(
                  shape.reduce((p, d) => p * d, 1),
                  2,
                  0.5,
                  2,
                ),
                shape,
              );
            await parity(kernel, () => op(a(), b()), 'exact');
            await parity(kernel, () => op(b(), a()), 'exact');
          });
        }
      it('SquaredDifference and AddN', async () => {
        // (a − b)² rounds twice in f32 (descent) and once from f64 (cpu)
        await parity('SquaredDifference', () => tf.squaredDifference(a(), tf.scalar(0.25)), 'ulps');
        await parity('AddN', () => tf.addN([a(), a(), tf.neg(a())]), 'exact');
      });
      it('NaN and infinities propagate as in tfjs', async () => {
        const x = () => tf.tensor([Number.NaN, 1, Number.POSITIVE_INFINITY, -0, 3, -2, 0.5]);
        const y = () => tf.tensor([2, Number.NaN, Number.NEGATIVE_INFINITY, 0, 3, 0, -0.5]);
        for (const [kernel, op] of cases) await parity(kernel, () => op(x(), y()), 'exact');
      });
    });

    describe('unary and activations', () => {
      const x = () =>
        tf.concat([
          tf.tensor(rand(301, 3, -6, 6)),
          tf.tensor([Number.NaN, 0, -0, 20, -20, 13.9, 14, 1e-30]),
        ]);
      const pos = () => tf.abs(x());
      const cases: Array<[string, () => tf.Tensor, Tol]> = [
        ['Abs', () => tf.abs(x()), 'exact'],
        ['Neg', () => tf.neg(x()), 'exact'],
        ['Square', () => tf.square(x()), 'exact'],
        ['Sqrt', () => tf.sqrt(pos()), 'exact'],
        ['Exp', () => tf.exp(x()), 'unary'],
        ['Log', () => tf.log(pos()), 'unary'],
        ['Reciprocal', () => tf.reciprocal(x()), 'exact'],
        ['Sigmoid', () => tf.sigmoid(x()), 'unary'],
        ['Tanh', () => tf.tanh(x()), 'unary'],
        ['Relu', () => tf.relu(x()), 'exact'],
        ['Relu6', () => tf.relu6(tf.mul(x(), 2)), 'exact'],
        ['Elu', () => tf.elu(x()), 'unary'],
        ['Selu', () => tf.selu(x()), 'unary'],
        ['Softplus', () => tf.softplus(x()), 'unary'],
        // descent multiplies by α rounded to f32, cpu by the f64 α, then rounds
        ['LeakyRelu', () => tf.leakyRelu(x(), 0.15), 'ulps'],
        ['ClipByValue', () => tf.clipByValue(x(), -0.5, 0.75), 'exact'],
        ['Step', () => tf.step(x()), 'exact'],
        ['Step', () => tf.step(x(), 0.3), 'exact'],
      ];
      for (const [kernel, fn, tol] of cases) it(kernel, () => parity(kernel, fn, tol));
      it('Step without NaN takes the relu derivative', async () => {
        await parity('Step', () => tf.step(tf.tensor(rand(1001, 4))), 'exact');
      });
    });

    describe('reductions and softmax', () => {
      const x = () => tf.tensor(rand(4 * 3 * 70, 5), [4, 3, 70]);
      const ax = () => tf.abs(x());
      const axes: Array<[string, number | number[] | undefined]> = [
        ['all axes', undefined],
        ['leading axes', [0, 1]],
        ['trailing axis (long rows)', 2],
        ['trailing axes', [1, 2]],
        ['a size-1 axis', 0],
      ];
      for (const [what, axis] of axes)
        for (const keepDims of [false, true]) {
          it(`Sum, Mean over ${what}${keepDims ? ', keepDims' : ''}`, async () => {
            await parity(
              'Sum',
              () => tf.sum(x(), axis, keepDims),
              sumTol,
              () => tf.sum(ax(), axis, keepDims),
            );
            await parity(
              'Mean',
              () => tf.mean(x(), axis, keepDims),
              sumTol,
              () => tf.mean(ax(), axis, keepDims),
            );
          });
        }
      it('Sum and Max over short rows', async () => {
        const s = () => tf.tensor(rand(37 * 10, 6), [37, 10]);
        await parity(
          'Sum',
          () => tf.sum(s(), 1),
          sumTol,
          () => tf.sum(tf.abs(s()), 1),
        );
        await parity('Max', () => tf.max(s(), 1), 'exact');
        await parity(
          'Max',
          () =>
            tf.max(
              tf.tensor([
                [1, Number.NaN, 3],
                [-1, -2, -3],
              ]),
              1,
            ),
          'exact',
        );
      });
      it('Max over trailing and all axes', async () => {
        await parity('Max', () => tf.max(x(), [1, 2], true), 'exact');
        await parity('Max', () => tf.max(x()), 'exact');
      });
      it('Softmax over the last axis', async () => {
        await parity('Softmax', () => tf.softmax(tf.mul(x(), 5)), 'unary');
      });
    });

    describe('matmul', () => {
      const m = (shape: number[], seed: number) =>
        tf.tensor(
          rand(
            shape.reduce((p, d) => p * d, 1),
            seed,
          ),
          shape,
        );
      const abs = (t: tf.Tensor) => tf.abs(t);
      const cases: Array<[string, number[], number[], boolean, boolean]> = [
        ['plain', [13, 17], [17, 9], false, false],
        ['A transposed', [17, 13], [17, 9], true, false],
        ['B transposed', [13, 17], [9, 17], false, true],
        ['both transposed', [17, 13], [9, 17], true, true],
        ['batched', [3, 13, 17], [3, 17, 9], false, false],
        ['batch of A, shared B', [3, 13, 17], [1, 17, 9], false, false],
        ['shared A, batch of B, transposed', [1, 17, 13], [2, 3, 9, 17], true, true],
      ];
      for (const [what, sa, sb, ta, tb] of cases) {
        it(`BatchMatMul, ${what}`, () =>
          parity(
            'BatchMatMul',
            () => tf.matMul(m(sa, 1), m(sb, 2), ta, tb),
            sumTol,
            () => tf.matMul(abs(m(sa, 1)), abs(m(sb, 2)), ta, tb),
          ));
      }
      for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const)
        for (const [what, bias] of [
          ['row bias', [9]],
          ['scalar bias', []],
          ['column bias', [13, 1]],
        ] as const)
          it(`_FusedMatMul, ${activation}, ${what}`, () =>
            parity(
              '_FusedMatMul',
              () =>
                tf.fused.matMul({
                  a: m([13, 17], 3),
                  b: m([17, 9], 4),
                  bias: m([...bias], 5),
                  activation,
                  leakyreluAlpha: 0.1,
                }),
              (abs) => (i) => 4e-6 * abs.values[i] + 1e-6,
              () =>
                tf.add(tf.matMul(abs(m([13, 17], 3)), abs(m([17, 9], 4))), abs(m([...bias], 5))),
            ));
      it('matMul gradients (transposed BatchMatMuls)', async () => {
        const g = (wrt: 0 | 1) => () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b)))([
            m([13, 17], 6),
            m([17, 9], 7),
          ])[wrt];
        const gAbs = (wrt: 0 | 1) => () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b)))([
            abs(m([13, 17], 6)),
            abs(m([17, 9], 7)),
          ])[wrt];
        await parity('BatchMatMul', g(0), sumTol, gAbs(0));
        await parity('BatchMatMul', g(1), sumTol, gAbs(1));
      });
    });

    describe('convolution (NHWC)', () => {
      const t = (shape: number[], seed: number, lo = -1) =>
        tf.tensor4d(
          rand(
            shape.reduce((p, d) => p * d, 1),
            seed,
            lo,
          ),
          shape as [number, number, number, number],
        );
      type Case = [
        string,
        number[],
        number[],
        number | [number, number],
        'same' | 'valid' | number,
        [number, number],
      ];
      const cases: Case[] = [
        ['3×3 same, 1 channel', [2, 9, 11, 1], [3, 3, 1, 5], 1, 'same', [1, 1]],
        ['3×3 same, 7 channels', [2, 9, 11, 7], [3, 3, 7, 5], 1, 'same', [1, 1]],
        ['5×3 valid, stride 2', [3, 13, 10, 3], [5, 3, 3, 4], 2, 'valid', [1, 1]],
        ['3×3 same, strides 2×3', [2, 11, 13, 3], [3, 3, 3, 6], [2, 3], 'same', [1, 1]],
        ['explicit padding 2', [1, 7, 9, 2], [3, 3, 2, 3], 1, 2, [1, 1]],
        ['dilated height', [2, 13, 9, 3], [3, 3, 3, 4], 1, 'same', [2, 1]],
        ['1×1 pointwise', [2, 5, 7, 6], [1, 1, 6, 5], 1, 'valid', [1, 1]],
      ];
      const abs = (x: tf.Tensor4D) => tf.abs(x) as tf.Tensor4D;
      for (const [what, xs, fs, strides, pad, dil] of cases) {
        const conv = (x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, strides, pad, 'NHWC', dil);
        it(`Conv2D, ${what}`, () =>
          parity(
            'Conv2D',
            () => conv(t(xs, 1), t(fs, 2)),
            sumTol,
            () => conv(abs(t(xs, 1)), abs(t(fs, 2))),
          ));
        if (dil[0] === 1) {
          it(`Conv2DBackpropInput and Conv2DBackpropFilter, ${what}`, async () => {
            const grads = (x: tf.Tensor4D, f: tf.Tensor4D, dy: tf.Tensor4D) =>
              tf.grads((a: tf.Tensor, b: tf.Tensor) =>
                tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
              )([x, f]);
            const dy = (x: tf.Tensor4D, f: tf.Tensor4D, seed: number) => t(conv(x, f).shape, seed);
            const run = (i: 0 | 1, absolute: boolean) => () => {
              const [x, f] = [t(xs, 1), t(fs, 2)];
              const d = dy(x, f, 3);
              return absolute ? grads(abs(x), abs(f), abs(d))[i] : grads(x, f, d)[i];
            };
            await parity('Conv2DBackpropInput', run(0, false), sumTol, run(0, true));
            await parity('Conv2DBackpropFilter', run(1, false), sumTol, run(1, true));
          });
        }
      }
      it('FusedConv2D with bias and relu', () =>
        parity(
          'FusedConv2D',
          () =>
            tf.fused.conv2d({
              x: t([2, 9, 11, 3], 4),
              filter: t([3, 3, 3, 5], 5),
              strides: 1,
              pad: 'same',
              bias: t([1, 1, 1, 5], 6).reshape([5]),
              activation: 'relu',
            }),
          (abs) => (i) => 4e-6 * abs.values[i] + 1e-6,
          () =>
            tf.add(
              tf.conv2d(abs(t([2, 9, 11, 3], 4)), abs(t([3, 3, 3, 5], 5)), 1, 'same'),
              tf.abs(t([1, 1, 1, 5], 6).reshape([5])),
            ),
        ));
      it('a batch split into chunks of the scratch buffer', async () => {
        const old = setScratchMax(700); // 27 rows × 12 columns per image: one image per chunk
        try {
          const conv = (x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, 2, 'same');
          await parity(
            'Conv2D',
            () => conv(t([5, 7, 6, 3], 7), t([3, 3, 3, 4], 8)),
            sumTol,
            () => conv(abs(t([5, 7, 6, 3], 7)), abs(t([3, 3, 3, 4], 8))),
          );
          const g = (i: 0 | 1, a: boolean) => () => {
            const [x, f] = [t([5, 7, 6, 3], 7), t([3, 3, 3, 4], 8)];
            const p = a ? abs : (v: tf.Tensor4D) => v;
            return tf.grads((u: tf.Tensor, v: tf.Tensor) =>
              tf.sum(conv(u as tf.Tensor4D, v as tf.Tensor4D)),
            )([p(x), p(f)])[i];
          };
          await parity('Conv2DBackpropInput', g(0, false), sumTol, g(0, true));
          await parity('Conv2DBackpropFilter', g(1, false), sumTol, g(1, true));
        } finally {
          setScratchMax(old);
        }
      });
    });

    describe('pooling (NHWC)', () => {
      const t = (shape: number[], seed: number) =>
        tf.tensor4d(
          rand(
            shape.reduce((p, d) => p * d, 1),
            seed,
          ),
          shape as [number, number, number, number],
        );
      type Case = [
        string,
        number[],
        number | [number, number],
        number | [number, number],
        'same' | 'valid' | number,
      ];
      const cases: Case[] = [
        ['2×2 stride 2', [3, 8, 10, 5], 2, 2, 'valid'],
        ['2×2 stride 2 on odd sizes, same (padding only after)', [2, 7, 9, 3], 2, 2, 'same'],
        ['3×3 stride 2 same (padding 1 both sides)', [2, 9, 11, 4], 3, 2, 'same'],
        ['3×3 stride 2 same (asymmetric padding)', [2, 10, 9, 4], 3, 2, 'same'],
        ['3×2 stride 1 valid, one channel', [2, 6, 7, 1], [3, 2], 1, 'valid'],
        ['3×3 stride 1, padding 1', [1, 5, 6, 3], 3, 1, 1],
      ];
      for (const [what, xs, f, s, pad] of cases) {
        it(`MaxPool and MaxPoolGrad, ${what}`, async () => {
          await parity('MaxPool', () => tf.maxPool(t(xs, 1), f, s, pad), 'exact');
          // overlapping windows add several dy into one dx: f32 (descent) vs f64 (cpu) sums
          const g = (a: boolean) => () => {
            const x = t(xs, 1);
            const dy = t(tf.maxPool(x, f, s, pad).shape, 2);
            return tf.grad((u: tf.Tensor) =>
              tf.sum(tf.mul(tf.maxPool(u as tf.Tensor4D, f, s, pad), a ? tf.abs(dy) : dy)),
            )(x);
          };
          await parity('MaxPoolGrad', g(false), sumTol, g(true));
        });
        it(`AvgPool and AvgPoolGrad, ${what}`, async () => {
          const y = (x: tf.Tensor4D) => tf.avgPool(x, f, s, pad);
          await parity(
            'AvgPool',
            () => y(t(xs, 1)),
            sumTol,
            () => y(tf.abs(t(xs, 1)) as tf.Tensor4D),
          );
          const g = (a: boolean) => () => {
            const x = t(xs, 1);
            const dy = t(y(x).shape, 3);
            return tf.grad((u: tf.Tensor) =>
              tf.sum(tf.mul(y(u as tf.Tensor4D), a ? tf.abs(dy) : dy)),
            )(x);
          };
          // tfjs divides a window's gradient by filterH·filterW even where its forward
          // divided by fewer positions (padding): descent's countIncludePad divisor, or
          // col2im where the far padding is wider than descent's divisor clips
          await parity('AvgPoolGrad', g(false), sumTol, g(true));
        });
      }
      it('ties send the gradient to the row-major first maximum, as tfjs cpu', async () => {
        const x = () => tf.tensor4d([0, 5, 5, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], [1, 4, 4, 1]);
        await parity(
          'MaxPoolGrad',
          () => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(x()),
          'exact',
        );
        await parity(
          'MaxPoolGrad',
          () => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 3, 1, 'same')))(x()),
          'exact',
        );
      });
    });

    describe('GatherV2', () => {
      const x = () => tf.tensor(rand(6 * 5 * 4, 1), [6, 5, 4]);
      for (const [axis, idx] of [
        [0, [5, 0, 2, 2]],
        [
          1,
          [
            [4, 1],
            [0, 3],
          ],
        ],
        [2, [3, 0]],
      ] as const)
        it(`axis ${axis}`, () =>
          parity(
            'GatherV2',
            () => tf.gather(x(), tf.tensor(idx as unknown as number[], undefined, 'int32'), axis),
            'exact',
          ));
      it('int32, bool, and float32 stored as Int32Array (one-hot labels cast by a cpu Cast)', async () => {
        const i = () => tf.tensor([2, 0, 2], undefined, 'int32');
        const labels = () => tf.tensor([3, 1, 4, 1, 5], undefined, 'int32');
        await parity('GatherV2', () => tf.gather(tf.oneHot(labels(), 6), i()), 'exact');
        await parity(
          'GatherV2',
          () => tf.gather(tf.cast(tf.oneHot(labels(), 6), 'float32'), i()),
          'exact',
        );
        await parity(
          'GatherV2',
          () => tf.gather(tf.greater(tf.oneHot(labels(), 6), 0), i(), 1),
          'exact',
        );
      });
    });

    describe('inputs descent does not handle go to tfjs cpu', () => {
      /** Result, kernel-layer calls and descent/cpu decisions of `fn` on descent. */
      async function onDescent(kernel: string, fn: () => tf.Tensor) {
        await tf.setBackend('descent');
        const before = { ...ran[kernel] };
        let r: Result | undefined;
        const calls = kernelCalls(() => {
          const t = tf.tidy(fn);
          r = { shape: t.shape, dtype: t.dtype, values: (t.dataSync() as Float32Array).slice() };
          t.dispose();
        });
        return { r: r as Result, calls, cpu: ran[kernel].cpu - before.cpu };
      }

      const fallbacks: Array<[string, string, () => tf.Tensor]> = [
        [
          'int32 add',
          'Add',
          () =>
            tf.add(
              tf.tensor([1, 2, 3], undefined, 'int32'),
              tf.tensor([4, 5, 6], undefined, 'int32'),
            ),
        ],
        [
          'int32 matMul',
          'BatchMatMul',
          () =>
            tf.matMul(
              tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'),
              tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32'),
            ),
        ],
        ['int32 sum', 'Sum', () => tf.sum(tf.tensor([1, 2, 3], undefined, 'int32'))],
        ['bool sum', 'Sum', () => tf.sum(tf.tensor([true, false, true], undefined, 'bool'))],
        ['int32 relu', 'Relu', () => tf.relu(tf.tensor([-1, 2, -3], undefined, 'int32'))],
        [
          'int32 maxPool',
          'MaxPool',
          () => tf.maxPool(tf.tensor4d([1, 5, 3, 4], [1, 2, 2, 1], 'int32'), 2, 1, 'valid'),
        ],
        [
          'complex64 add',
          'Add',
          () => tf.real(tf.add(tf.complex([1, 2], [3, 4]), tf.complex([5, 6], [7, 8]))),
        ],
        [
          'complex64 mul',
          'Multiply',
          () => tf.imag(tf.mul(tf.complex([1, 2], [3, 4]), tf.complex([5, 6], [7, 8]))),
        ],
        [
          'float32 stored as Int32Array (cast from int32)',
          'Multiply',
          () =>
            tf.mul(
              tf.cast(tf.tensor([1, 2, 3], undefined, 'int32'), 'float32'),
              tf.tensor([0.5, 0.25, 2]),
            ),
        ],
        [
          'float32 stored as Uint8Array (cast from bool)',
          'Relu',
          () => tf.relu(tf.cast(tf.tensor([true, false], undefined, 'bool'), 'float32')),
        ],
        [
          'float32 on a SharedArrayBuffer',
          'Add',
          () => {
            const v = new Float32Array(new SharedArrayBuffer(16));
            v.set([1, 2, 3, 4]);
            return tf.add(tf.tensor(v), tf.tensor([1, 1, 1, 1]));
          },
        ],
        [
          'max pooling over a NaN (tfjs skips it)',
          'MaxPool',
          () =>
            tf.maxPool(
              tf.tensor4d([1, Number.NaN, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]),
              2,
              1,
              'valid',
            ),
        ],
        [
          'NCHW convolution',
          'Conv2D',
          () =>
            tf.conv2d(
              tf.tensor4d(rand(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]),
              tf.tensor4d(rand(27 * 2, 2), [3, 3, 3, 2]),
              1,
              'same',
              'NCHW',
            ),
        ],
        [
          'width-dilated convolution',
          'Conv2D',
          () =>
            tf.conv2d(
              tf.tensor4d(rand(50, 1), [1, 5, 10, 1]),
              tf.tensor4d(rand(9, 2), [3, 3, 1, 1]),
              1,
              'same',
              'NHWC',
              [1, 2],
            ),
        ],
        [
          'both operands broadcast',
          'Add',
          () => tf.add(tf.tensor(rand(3, 1), [3, 1]), tf.tensor(rand(4, 2), [1, 4])),
        ],
        [
          'a sum over interleaved axes',
          'Sum',
          () => tf.sum(tf.tensor(rand(24, 3), [2, 3, 4]), [0, 2]),
        ],
        [
          'prelu fused matmul',
          '_FusedMatMul',
          () =>
            tf.fused.matMul({
              a: tf.tensor2d(rand(6, 1), [2, 3]),
              b: tf.tensor2d(rand(6, 2), [3, 2]),
              activation: 'prelu',
              preluActivationWeights: tf.tensor([0.1, 0.2]),
            }),
        ],
      ];
      for (const [what, kernel, fn] of fallbacks)
        it(what, async () => {
          const want = await on('cpu', fn);
          const { r, cpu } = await onDescent(kernel, fn);
          expect(cpu, `${kernel} handed the call to cpu`).toBeGreaterThan(0);
          expect(r).toEqual(want);
        });

      it('non-float32 tensors never reach descent kernels', async () => {
        const { calls } = await onDescent('Add', () => {
          const i = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
          const b = tf.tensor([true, false, true, true], [2, 2], 'bool');
          const c = tf.complex([1, 2], [3, 4]);
          const f = tf.cast(i, 'float32'); // Int32Array storage
          tf.add(i, i);
          tf.matMul(i, i);
          tf.sum(b);
          tf.mul(c, c);
          tf.relu(f);
          tf.matMul(f, f);
          return tf.add(f, f);
        });
        expect(calls).toBe(0);
        // the spy sees descent's kernel calls when there are some
        const control = await onDescent('Add', () => tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])));
        expect(control.calls).toBeGreaterThan(0);
      });

      it("errors are tfjs cpu's own", async () => {
        const bad: Array<() => tf.Tensor> = [
          () => tf.gather(tf.tensor([1, 2, 3]), tf.tensor([3], undefined, 'int32')),
          () => tf.matMul(tf.tensor2d(rand(6, 1), [2, 3]), tf.tensor2d(rand(6, 2), [2, 3])),
          () =>
            tf.conv2d(
              tf.tensor4d(rand(16, 1), [1, 4, 4, 1]),
              tf.tensor4d(rand(18, 2), [3, 3, 2, 1]),
              1,
              'same',
            ),
        ];
        for (const fn of bad) {
          await tf.setBackend('cpu');
          const want = (() => {
            try {
              tf.tidy(fn);
            } catch (e) {
              return (e as Error).message;
            }
            return 'no error';
          })();
          await tf.setBackend('descent');
          expect(() => tf.tidy(fn)).toThrow(want);
          expect(want).not.toBe('no error');
        }
      });
    });
  });
}
