/**
 * Kernel tests against independent f64 references (formulas, naive loops, finite
 * differences, statistics).
 */
import { describe, expect, it } from 'vitest';
import { detLn, jsKernels, nextU32, seedState } from '../src/backend/js/index.js';
import type {
  AdamStepOptions,
  BinaryOp,
  Kernels,
  SgdStepOptions,
  UnaryOp,
} from '../src/backend/kernels.js';
import { adamStep, sgdStep } from '../src/backend/optim-steps.js';

const F32_MIN_NORMAL = 1.1754944e-38;

// ---------------------------------------------------------------------------------------------
// Test helpers

/** Deterministic test data (mulberry32). */
function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randArray(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = makeRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/**
 * Compares f32 results with f64 references: NaN must match NaN, a reference that overflows
 * f32 must match exactly (±Infinity), otherwise |actual - ref| <= rtol * max(|ref|, floor).
 * Returns a list of mismatch descriptions (empty when everything matches).
 */
function mismatches(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  floor = F32_MIN_NORMAL,
  inputs?: ArrayLike<number>,
): string[] {
  const bad: string[] = [];
  if (actual.length !== expected.length) return [`length ${actual.length} != ${expected.length}`];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(Math.fround(e))) ok = a === Math.fround(e);
    else ok = Math.abs(a - e) <= rtol * Math.max(Math.abs(e), floor);
    if (!ok && bad.length < 10) {
      const x = inputs ? ` (x=${inputs[i]})` : '';
      bad.push(`[${i}]${x}: got ${a}, expected ${e}`);
    }
  }
  return bad;
}

/** Accurate erfc(z) for all real z (series for |z| < 2, continued fraction beyond). */
function erfcRef(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) return 2 - erfcRef(-z);
  if (z < 2) {
    // erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    let term = z;
    let s = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      s += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * s;
  }
  if (z > 30) return 0;
  // erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...))))
  let k = z;
  for (let n = 400; n >= 1; n--) k = z + n / 2 / k;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / k;
}

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** Independent f64 forward references (written differently from the kernels where possible). */
function unaryRef(op: UnaryOp, x: number, alpha: number, beta: number): number {
  switch (op) {
    case 'neg':
      return -x;
    case 'abs':
      return Math.abs(x);
    case 'square':
      return x * x;
    case 'sqrt':
      return Math.sqrt(x);
    case 'exp':
      return Math.exp(x);
    case 'log':
      return Math.log(x);
    case 'reciprocal':
      return 1 / x;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.max(x, 0);
    case 'leakyRelu':
      return x > 0 ? x : alpha * x;
    case 'elu':
      return x > 0 ? x : alpha * Math.expm1(x);
    case 'selu':
      return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'gelu':
      return 0.5 * x * erfcRef(-x / Math.SQRT2);
    case 'geluTanh': {
      const u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
      return x / (1 + Math.exp(-2 * u));
    }
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'mish':
      return x * Math.tanh(Math.log1p(Math.exp(x)));
    case 'softplus':
      return alpha * x > beta ? x : Math.log1p(Math.exp(alpha * x)) / alpha;
    case 'hardSigmoid':
      return x <= -3 ? 0 : x >= 3 ? 1 : (x + 3) / 6;
  }
}

interface UnaryCase {
  op: UnaryOp;
  alpha: number;
  beta: number;
  /** Input domain for random / finite-difference points. */
  domain?: 'positive' | 'awayFromZero';
  /** Non-differentiable points to stay 1e-3 away from in finite-difference checks. */
  kinks?: number[];
}

const UNARY_CASES: UnaryCase[] = [
  { op: 'neg', alpha: 0, beta: 0 },
  { op: 'abs', alpha: 0, beta: 0, kinks: [0] },
  { op: 'square', alpha: 0, beta: 0 },
  { op: 'sqrt', alpha: 0, beta: 0, domain: 'positive' },
  { op: 'exp', alpha: 0, beta: 0 },
  { op: 'log', alpha: 0, beta: 0, domain: 'positive' },
  { op: 'reciprocal', alpha: 0, beta: 0, domain: 'awayFromZero' },
  { op: 'sigmoid', alpha: 0, beta: 0 },
  { op: 'tanh', alpha: 0, beta: 0 },
  { op: 'relu', alpha: 0, beta: 0, kinks: [0] },
  { op: 'leakyRelu', alpha: 0.01, beta: 0, kinks: [0] },
  { op: 'leakyRelu', alpha: 0.2, beta: 0, kinks: [0] },
  { op: 'elu', alpha: 1, beta: 0, kinks: [0] },
  { op: 'elu', alpha: 0.7, beta: 0, kinks: [0] },
  { op: 'selu', alpha: 0, beta: 0, kinks: [0] },
  { op: 'gelu', alpha: 0, beta: 0 },
  { op: 'geluTanh', alpha: 0, beta: 0 },
  { op: 'silu', alpha: 0, beta: 0 },
  { op: 'mish', alpha: 0, beta: 0 },
  { op: 'softplus', alpha: 1, beta: 20, kinks: [20] },
  { op: 'softplus', alpha: 2, beta: 5, kinks: [2.5] },
  { op: 'hardSigmoid', alpha: 0, beta: 0, kinks: [-3, 3] },
];

const caseName = (c: UnaryCase) => (c.alpha || c.beta ? `${c.op}(${c.alpha}, ${c.beta})` : c.op);

const EDGE_VALUES = [
  0,
  -0,
  1e-30,
  -1e-30,
  1e-7,
  -1e-7,
  0.5,
  -0.5,
  1,
  -1,
  2.5,
  -2.5,
  3,
  -3,
  5,
  -5,
  10,
  -10,
  20,
  -20,
  30,
  -30,
  50,
  -50,
  88,
  -88,
  100,
  -100,
  1e4,
  -1e4,
  1e30,
  -1e30,
  Number.NaN,
];

function randomInputs(c: UnaryCase, n: number, seed: number): Float32Array {
  const r = makeRng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Mix of moderate values and a log-uniform magnitude spread (1e-6 .. 1e3).
    const mag = i % 2 === 0 ? 8 * r() : 10 ** (-6 + 9 * r());
    let v = (r() < 0.5 ? -1 : 1) * mag;
    if (c.domain === 'positive') v = Math.abs(v) + 1e-3;
    if (c.domain === 'awayFromZero') v = (v < 0 ? -1 : 1) * (Math.abs(v) + 1e-2);
    x[i] = v;
  }
  return x;
}

function forwardRefArray(c: UnaryCase, x: Float32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = unaryRef(c.op, x[i], c.alpha, c.beta);
  return out;
}

/** Central difference of the f64 reference at x. */
function derivFd(c: UnaryCase, x: number): number {
  const h = 1e-5 * Math.max(1, Math.abs(x));
  return (
    (unaryRef(c.op, x + h, c.alpha, c.beta) - unaryRef(c.op, x - h, c.alpha, c.beta)) / (2 * h)
  );
}

function fdPoints(c: UnaryCase, seed: number): Float32Array {
  const r = makeRng(seed);
  const pts: number[] = [0.5, -0.5, 1, -1, 2, -2, 2.9, -2.9, 3.1, -3.1, 4, -4, 7, -7, 15, -15];
  for (let i = 0; i < 300; i++) pts.push(-12 + 24 * r());
  for (let i = 0; i < 50; i++) pts.push((r() - 0.5) * 0.02);
  const out: number[] = [];
  for (let v of pts) {
    if (c.domain === 'positive') v = Math.abs(v) + 0.05;
    if (c.domain === 'awayFromZero') v = (v < 0 ? -1 : 1) * (Math.abs(v) + 0.05);
    if (c.op === 'exp' && v > 10) continue;
    const kinks = c.kinks ?? [];
    if (kinks.some((k) => Math.abs(v - k) < 1e-3 * Math.max(1, Math.abs(k)))) continue;
    out.push(v);
  }
  return Float32Array.from(out);
}

function refGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c0: Float32Array,
): { ref: Float64Array; scale: Float64Array } {
  const ref = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
        sa += Math.abs(av * bv);
      }
      const cOld = beta === 0 ? 0 : beta * c0[i * n + j];
      ref[i * n + j] = alpha * s + cOld;
      scale[i * n + j] = Math.abs(alpha) * sa + Math.abs(cOld);
    }
  }
  return { ref, scale };
}

function softmaxRef(row: ArrayLike<number>): Float64Array {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  const out = new Float64Array(row.length);
  let s = 0;
  for (let i = 0; i < row.length; i++) s += out[i] = Math.exp(row[i] - m);
  for (let i = 0; i < row.length; i++) out[i] /= s;
  return out;
}

function logSumExpRef(row: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]);
  let s = 0;
  for (let i = 0; i < row.length; i++) s += Math.exp(row[i] - m);
  return m + Math.log(s);
}

// ---------------------------------------------------------------------------------------------
// Reference self-checks (so a broken reference cannot make the kernel tests vacuous)

describe('test references', () => {
  it('erfcRef matches tabulated values', () => {
    const table: Array<[number, number]> = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [z, v] of table) expect(Math.abs(erfcRef(z) - v)).toBeLessThanOrEqual(1e-13 * v);
  });
});

// ---------------------------------------------------------------------------------------------

// The oracle's own tests (tight, f64-exact); the native backend is held to it in parity.test.ts.
describe.each([['js', jsKernels]] as Array<[string, Kernels]>)(
  '%s kernels',
  (_name: string, K: Kernels) => {
    describe('unary forward', () => {
      it.each(UNARY_CASES.map((c) => [caseName(c), c] as const))('%s on edge values', (_n, c) => {
        const x = Float32Array.from(EDGE_VALUES);
        const out = new Float32Array(x.length);
        K.unary(c.op, out, x, c.alpha, c.beta);
        expect(mismatches(out, forwardRefArray(c, x), 1e-6, F32_MIN_NORMAL, x)).toEqual([]);
      });

      it.each(UNARY_CASES.map((c) => [caseName(c), c] as const))('%s on random values', (_n, c) => {
        const x = randomInputs(c, 2001, 17);
        const out = new Float32Array(x.length);
        K.unary(c.op, out, x, c.alpha, c.beta);
        expect(mismatches(out, forwardRefArray(c, x), 1e-6, F32_MIN_NORMAL, x)).toEqual([]);
      });

      it.each(UNARY_CASES.map((c) => [caseName(c), c] as const))(
        '%s in place equals out of place',
        (_n, c) => {
          const x = randomInputs(c, 257, 5);
          const out = new Float32Array(x.length);
          K.unary(c.op, out, x, c.alpha, c.beta);
          const inplace = x.slice();
          K.unary(c.op, inplace, inplace, c.alpha, c.beta);
          expect(inplace).toEqual(out);
        },
      );
    });

    describe('unary backward', () => {
      it.each(UNARY_CASES.map((c) => [caseName(c), c] as const))(
        '%s matches finite differences',
        (_n, c) => {
          const x = fdPoints(c, 99);
          const dy = randArray(x.length, -2, 2, 7);
          const dx = new Float32Array(x.length);
          K.unaryBackward(c.op, dx, x, dy, c.alpha, c.beta);
          const bad: string[] = [];
          for (let i = 0; i < x.length; i++) {
            const want = dy[i] * derivFd(c, x[i]);
            if (!(Math.abs(dx[i] - want) <= 1e-4 * (1 + Math.abs(want))) && bad.length < 10)
              bad.push(`x=${x[i]} dy=${dy[i]}: got ${dx[i]}, fd ${want}`);
          }
          expect(bad).toEqual([]);
        },
      );

      it.each(UNARY_CASES.map((c) => [caseName(c), c] as const))(
        '%s with dx === dy equals out of place',
        (_n, c) => {
          const x = randomInputs(c, 257, 8);
          const dy = randArray(x.length, -3, 3, 9);
          const dx = new Float32Array(x.length);
          K.unaryBackward(c.op, dx, x, dy, c.alpha, c.beta);
          const inplace = dy.slice();
          K.unaryBackward(c.op, inplace, x, inplace, c.alpha, c.beta);
          expect(inplace).toEqual(dx);
        },
      );

      it('has the right limits far from the origin', () => {
        const x = Float32Array.from([-1e4, 1e4]);
        const dy = Float32Array.from([1, 1]);
        const dx = new Float32Array(2);
        const limits: Array<[UnaryOp, number, number, number, number]> = [
          ['sigmoid', 0, 0, 0, 0],
          ['tanh', 0, 0, 0, 0],
          ['gelu', 0, 0, 0, 1],
          ['geluTanh', 0, 0, 0, 1],
          ['silu', 0, 0, 0, 1],
          ['mish', 0, 0, 0, 1],
          ['softplus', 1, 20, 0, 1],
          ['elu', 1, 0, 0, 1],
          ['hardSigmoid', 0, 0, 0, 0],
        ];
        for (const [op, alpha, beta, lo, hi] of limits) {
          K.unaryBackward(op, dx, x, dy, alpha, beta);
          expect([op, Math.abs(dx[0]), dx[1]]).toEqual([op, lo, hi]);
        }
      });

      it('relu/abs/hardSigmoid use the specified values at their kinks', () => {
        const x = Float32Array.from([0, -0, 3, -3]);
        const dy = Float32Array.from([5, 5, 5, 5]);
        const dx = new Float32Array(4);
        K.unaryBackward('relu', dx, x, dy, 0, 0);
        expect(Array.from(dx)).toEqual([0, 0, 5, 0]);
        K.unaryBackward('abs', dx, x, dy, 0, 0);
        expect(Array.from(dx)).toEqual([0, 0, 5, -5]);
        K.unaryBackward('hardSigmoid', dx, x, dy, 0, 0);
        expect(Array.from(dx)).toEqual([5 / 6, 5 / 6, 0, 0].map(Math.fround));
      });
    });

    describe('binary and misc elementwise', () => {
      const OPS: Array<[BinaryOp, (a: number, b: number) => number]> = [
        ['add', (a, b) => a + b],
        ['sub', (a, b) => a - b],
        ['mul', (a, b) => a * b],
        ['div', (a, b) => a / b],
        // Written out (not Math.max/min) to stay independent of the kernels.
        // biome-ignore lint/complexity/useMathMinMax: independent reference
        ['max', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a > b ? a : b)],
        // biome-ignore lint/complexity/useMathMinMax: independent reference
        ['min', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a < b ? a : b)],
      ];
      const a = randArray(301, -5, 5, 1);
      const b = randArray(301, -5, 5, 2);
      a[0] = Number.NaN;
      b[1] = Number.NaN;
      b[2] = 0;
      a[3] = Number.POSITIVE_INFINITY;

      it.each(OPS)('%s matches f64 formula rounded once', (op, f) => {
        const out = new Float32Array(a.length);
        K.binary(op, out, a, b);
        const want = Array.from(a, (v, i) => Math.fround(f(v, b[i])));
        expect(Array.from(out)).toEqual(want);
      });

      it.each(OPS)('%s in place (out === a, out === b)', (op) => {
        const out = new Float32Array(a.length);
        K.binary(op, out, a, b);
        const a2 = a.slice();
        K.binary(op, a2, a2, b);
        expect(a2).toEqual(out);
        const b2 = b.slice();
        K.binary(op, b2, a, b2);
        expect(b2).toEqual(out);
        const self = a.slice();
        const selfOut = new Float32Array(a.length);
        K.binary(op, selfOut, self, self);
        K.binary(op, self, self, self);
        expect(self).toEqual(selfOut);
      });

      it.each(OPS)('%s with a scalar, also in place', (op, f) => {
        for (const s of [2.5, -0.75, 0]) {
          const out = new Float32Array(a.length);
          K.binaryScalar(op, out, a, s);
          const want = Array.from(a, (v) => Math.fround(f(v, s)));
          expect(Array.from(out)).toEqual(want);
          const inplace = a.slice();
          K.binaryScalar(op, inplace, inplace, s);
          expect(inplace).toEqual(out);
        }
      });

      it('axpy, fill, copy', () => {
        const x = randArray(37, -1, 1, 3);
        const y = randArray(37, -1, 1, 4);
        // The scalar is an f32 operand (0.3 rounds to 0.30000001192…).
        const want = Array.from(y, (v, i) => Math.fround(v + Math.fround(0.3) * x[i]));
        K.axpy(0.3, x, y);
        expect(Array.from(y)).toEqual(want);
        K.fill(y, 1.5);
        expect(Array.from(y)).toEqual(new Array(37).fill(1.5));
        K.copy(y, x);
        expect(y).toEqual(x);
        // Views into a larger buffer are respected.
        const big = new Float32Array(10);
        K.fill(big.subarray(3, 6), 7);
        expect(Array.from(big)).toEqual([0, 0, 0, 7, 7, 7, 0, 0, 0, 0]);
      });
    });

    describe('reductions', () => {
      it('sum and sumSquares accumulate in f64', () => {
        const x = randArray(100_003, -1, 1, 11);
        let s = 0;
        let s2 = 0;
        for (const v of x) {
          s += v;
          s2 += v * v;
        }
        expect(Math.abs(K.sum(x) - s)).toBeLessThanOrEqual(1e-9 * x.length);
        expect(Math.abs(K.sumSquares(x) - s2)).toBeLessThanOrEqual(1e-9 * s2);
        // 2^24 + 1 + 1 + ... is not representable with f32 accumulation.
        const y = new Float32Array(1001).fill(1);
        y[0] = 16777216;
        expect(K.sum(y)).toBe(16777216 + 1000);
        expect(K.sum(new Float32Array(0))).toBe(0);
        expect(K.sumSquares(Float32Array.from([3, 4]))).toBe(25);
      });

      it('max propagates NaN and is -Infinity when empty', () => {
        expect(K.max(Float32Array.from([1, 5, -2]))).toBe(5);
        expect(K.max(Float32Array.from([1, Number.NaN, 7]))).toBeNaN();
        expect(K.max(Float32Array.from([Number.NaN]))).toBeNaN();
        expect(K.max(new Float32Array(0))).toBe(Number.NEGATIVE_INFINITY);
        expect(K.max(Float32Array.from([Number.NEGATIVE_INFINITY]))).toBe(Number.NEGATIVE_INFINITY);
      });

      it('argmaxRows returns the first max and the first NaN', () => {
        const x = Float32Array.from([
          1,
          3,
          3,
          2, // tie -> first
          5,
          1,
          1,
          1,
          1,
          Number.NaN,
          9,
          Number.NaN, // first NaN
          Number.NaN,
          1,
          2,
          3,
          -1,
          -1,
          -1,
          -1,
          Number.NEGATIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          -5,
          Number.NEGATIVE_INFINITY,
        ]);
        const out = new Int32Array(6);
        K.argmaxRows(out, x, 6, 4);
        expect(Array.from(out)).toEqual([1, 0, 1, 0, 0, 2]);
      });

      it('colSums with and without accumulate', () => {
        const rows = 37;
        const cols = 11;
        const x = randArray(rows * cols, -2, 2, 12);
        const want = new Float64Array(cols);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c] += x[r * cols + c];
        const out = new Float32Array(cols).fill(Number.NaN);
        K.colSums(out, x, rows, cols, false);
        expect(mismatches(out, want, 1e-6, 1e-6)).toEqual([]);
        const acc = Float32Array.from({ length: cols }, (_, c) => c);
        K.colSums(acc, x, rows, cols, true);
        expect(
          mismatches(
            acc,
            Array.from(want, (v, c) => v + c),
            1e-6,
            1e-6,
          ),
        ).toEqual([]);
      });
    });

    describe('softmax', () => {
      const rows = 9;
      const cols = 13;
      const x = randArray(rows * cols, -30, 30, 21);
      // A row that would overflow exp without the max shift, and one of equal values.
      for (let c = 0; c < cols; c++) {
        x[cols + c] = 1000 + c;
        x[2 * cols + c] = -7;
      }

      it('rows sum to 1 and match the f64 reference', () => {
        const out = new Float32Array(x.length);
        K.softmax(out, x, rows, cols, false);
        for (let r = 0; r < rows; r++) {
          const row = out.subarray(r * cols, (r + 1) * cols);
          let s = 0;
          for (const v of row) s += v;
          expect(Math.abs(s - 1)).toBeLessThan(1e-6);
          const ref = softmaxRef(x.subarray(r * cols, (r + 1) * cols));
          expect(mismatches(row, ref, 1e-6)).toEqual([]);
        }
      });

      it('logSoftmax equals log(softmax) and x - logsumexp(x)', () => {
        const sm = new Float32Array(x.length);
        const lsm = new Float32Array(x.length);
        K.softmax(sm, x, rows, cols, false);
        K.softmax(lsm, x, rows, cols, true);
        for (let r = 0; r < rows; r++) {
          const lse = logSumExpRef(x.subarray(r * cols, (r + 1) * cols));
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            expect(Math.abs(lsm[i] - Math.log(sm[i]))).toBeLessThan(1e-5 * (1 + Math.abs(lsm[i])));
            const want = x[i] - lse;
            expect(Math.abs(lsm[i] - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
          }
        }
      });

      it.each([false, true])('in place equals out of place (log=%s)', (log) => {
        const out = new Float32Array(x.length);
        K.softmax(out, x, rows, cols, log);
        const inplace = x.slice();
        K.softmax(inplace, inplace, rows, cols, log);
        expect(inplace).toEqual(out);
      });

      it.each([false, true])('backward matches finite differences (log=%s)', (log) => {
        const r = 4;
        const cc = 7;
        const xs = randArray(r * cc, -3, 3, 31);
        const w = randArray(r * cc, -1, 1, 32);
        // Scalar loss L = sum w * f(x), f = softmax or log-softmax per row, evaluated in f64.
        const loss = (xv: Float64Array): number => {
          let total = 0;
          for (let i = 0; i < r; i++) {
            const row = xv.subarray(i * cc, (i + 1) * cc);
            const sm = softmaxRef(row);
            const lse = logSumExpRef(row);
            for (let c = 0; c < cc; c++) total += w[i * cc + c] * (log ? row[c] - lse : sm[c]);
          }
          return total;
        };
        const y = new Float32Array(r * cc);
        K.softmax(y, xs, r, cc, log);
        const dx = new Float32Array(r * cc);
        K.softmaxBackward(dx, y, w, r, cc, log);
        const xv = Float64Array.from(xs);
        for (let i = 0; i < xv.length; i++) {
          const h = 1e-5;
          const x0 = xv[i];
          xv[i] = x0 + h;
          const lp = loss(xv);
          xv[i] = x0 - h;
          const lm = loss(xv);
          xv[i] = x0;
          const fd = (lp - lm) / (2 * h);
          // y is rounded to f32 (relative 6e-8); the f64 finite difference is good to ~1e-10.
          expect(Math.abs(dx[i] - fd)).toBeLessThanOrEqual(2e-7 + 1e-6 * Math.abs(fd));
        }
        // dx === dy gives the same result.
        const inplace = w.slice();
        K.softmaxBackward(inplace, y, inplace, r, cc, log);
        expect(inplace).toEqual(dx);
      });
    });

    describe('softmaxCrossEntropy', () => {
      const rows = 6;
      const cols = 10;
      // Quarter-integers so that shifting by 1000 is exact in f32.
      const r = makeRng(41);
      const logits = Float32Array.from(
        { length: rows * cols },
        () => Math.round((r() - 0.5) * 80) / 4,
      );
      const labels = Int32Array.from([0, 9, 3, 3, 7, 1]);

      const directLoss = (x: ArrayLike<number>): number => {
        let total = 0;
        for (let i = 0; i < rows; i++) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += Math.exp(x[i * cols + c]);
          total += Math.log(s) - x[i * cols + labels[i]];
        }
        return total;
      };

      it('loss matches the direct formula, with and without grad', () => {
        const want = directLoss(logits);
        const l1 = K.softmaxCrossEntropy(logits, labels, null, rows, cols, 1);
        const grad = new Float32Array(rows * cols);
        const l2 = K.softmaxCrossEntropy(logits, labels, grad, rows, cols, 0.5);
        expect(Math.abs(l1 - want)).toBeLessThanOrEqual(1e-6 * Math.abs(want));
        expect(l2).toBe(l1);
      });

      it('is stable for large logits (shift invariance)', () => {
        const shifted = logits.map((v) => v + 1000);
        const l0 = K.softmaxCrossEntropy(logits, labels, null, rows, cols, 1);
        const l1 = K.softmaxCrossEntropy(shifted, labels, null, rows, cols, 1);
        expect(Number.isFinite(l1)).toBe(true);
        expect(Math.abs(l1 - l0)).toBeLessThanOrEqual(1e-6 * Math.abs(l0));
      });

      it('gradient matches finite differences times gradScale', () => {
        const scale = 1 / rows;
        const grad = new Float32Array(rows * cols);
        K.softmaxCrossEntropy(logits, labels, grad, rows, cols, scale);
        const xv = Float64Array.from(logits);
        for (let i = 0; i < xv.length; i++) {
          const h = 1e-5;
          const x0 = xv[i];
          xv[i] = x0 + h;
          const lp = directLoss(xv);
          xv[i] = x0 - h;
          const lm = directLoss(xv);
          xv[i] = x0;
          const fd = (scale * (lp - lm)) / (2 * h);
          expect(Math.abs(grad[i] - fd)).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.abs(fd));
        }
      });
    });

    describe('gemm', () => {
      const SHAPES: Array<[number, number, number]> = [
        [1, 1, 1],
        [1, 50, 30],
        [2, 70, 40],
        [3, 5, 7],
        [4, 4, 4],
        [5, 9, 3],
        [7, 3, 129],
        [17, 13, 11],
        [33, 31, 65],
        [64, 8, 100],
        [9, 130, 2],
        [6, 6, 0],
      ];
      const SCALARS: Array<[number, number]> = [
        [1, 0],
        [0.5, 2],
        [-1.5, 1],
        [2, -0.25],
      ];
      const cases: Array<[boolean, boolean]> = [
        [false, false],
        [false, true],
        [true, false],
        [true, true],
      ];
      it.each(cases)('transA=%s transB=%s matches a naive f64 triple loop', (tA, tB) => {
        let seed = 100;
        for (const [m, n, k] of SHAPES) {
          for (const [alpha, beta] of SCALARS) {
            const a = randArray(m * k, -1, 1, seed++);
            const b = randArray(k * n, -1, 1, seed++);
            const c0 = randArray(m * n, -1, 1, seed++);
            if (beta === 0) c0.fill(Number.NaN);
            const c = c0.slice();
            K.gemm(tA, tB, m, n, k, alpha, a, b, beta, c);
            const { ref, scale } = refGemm(tA, tB, m, n, k, alpha, a, b, beta, c0);
            const bad: string[] = [];
            for (let i = 0; i < m * n; i++) {
              if (!(Math.abs(c[i] - ref[i]) <= 1e-6 * scale[i] + 1e-30) && bad.length < 5)
                bad.push(`${m}x${n}x${k} a=${alpha} b=${beta} [${i}]: ${c[i]} vs ${ref[i]}`);
            }
            expect(bad).toEqual([]);
          }
        }
      });

      it('respects views with offsets and leaves the rest of C alone', () => {
        const m = 6;
        const n = 5;
        const k = 9;
        const abuf = randArray(m * k + 3, -1, 1, 7);
        const bbuf = randArray(k * n + 5, -1, 1, 8);
        const cbuf = new Float32Array(m * n + 4).fill(42);
        const a = abuf.subarray(3);
        const b = bbuf.subarray(5);
        const c = cbuf.subarray(2, 2 + m * n);
        K.gemm(false, false, m, n, k, 1, a, b, 0, c);
        const { ref, scale } = refGemm(false, false, m, n, k, 1, a, b, 0, c);
        for (let i = 0; i < m * n; i++) {
          expect(Math.abs(c[i] - ref[i])).toBeLessThanOrEqual(1e-6 * scale[i]);
        }
        expect([cbuf[0], cbuf[1], cbuf[m * n + 2], cbuf[m * n + 3]]).toEqual([42, 42, 42, 42]);
      });

      it('a product spanning several column panels matches in every layout', () => {
        const m = 70;
        const n = 90;
        const k = 600;
        const a = randArray(m * k, -1, 1, 1);
        const b = randArray(k * n, -1, 1, 2);
        const at = new Float32Array(k * m);
        const bt = new Float32Array(n * k);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) at[p * m + i] = a[i * k + p];
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
        const c0 = randArray(m * n, -1, 1, 3);
        const { ref, scale } = refGemm(false, false, m, n, k, 0.75, a, b, 0.5, c0);
        for (const [tA, tB] of cases) {
          const c = c0.slice();
          K.gemm(tA, tB, m, n, k, 0.75, tA ? at : a, tB ? bt : b, 0.5, c);
          const bad: string[] = [];
          for (let i = 0; i < m * n; i++) {
            if (!(Math.abs(c[i] - ref[i]) <= 1e-6 * scale[i]) && bad.length < 5)
              bad.push(`tA=${tA} tB=${tB} [${i}]: ${c[i]} vs ${ref[i]}`);
          }
          expect(bad).toEqual([]);
        }
      });
    });

    describe('optimizers', () => {
      const N = 257;
      const STEPS = 5;

      function sgdRef(
        p: Float32Array,
        grads: Float32Array[],
        buf: Float32Array,
        o: Omit<SgdStepOptions, 'firstStep'>,
      ): void {
        grads.forEach((grad, step) => {
          for (let i = 0; i < p.length; i++) {
            let g = o.maximize ? -grad[i] : grad[i];
            if (o.weightDecay !== 0) g = g + o.weightDecay * p[i];
            if (o.momentum !== 0) {
              if (step === 0) buf[i] = g;
              else buf[i] = o.momentum * buf[i] + (1 - o.dampening) * g;
              g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
            }
            p[i] = p[i] - o.lr * g;
          }
        });
      }

      const SGD_CASES: Array<Omit<SgdStepOptions, 'firstStep'>> = [
        { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
        { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
        {
          lr: 0.05,
          momentum: 0.9,
          dampening: 0.3,
          weightDecay: 0,
          nesterov: false,
          maximize: false,
        },
        {
          lr: 0.05,
          momentum: 0.8,
          dampening: 0,
          weightDecay: 0.01,
          nesterov: true,
          maximize: false,
        },
        { lr: 0.02, momentum: 0, dampening: 0, weightDecay: 0.1, nesterov: false, maximize: true },
        {
          lr: 0.02,
          momentum: 0.5,
          dampening: 0.1,
          weightDecay: 0.05,
          nesterov: false,
          maximize: true,
        },
      ];

      it.each(SGD_CASES)('sgd %o matches the per-element reference', (o) => {
        const p = randArray(N, -1, 1, 50);
        const grads = Array.from({ length: STEPS }, (_, s) => randArray(N, -2, 2, 60 + s));
        const pRef = p.slice();
        const bufRef = new Float32Array(N);
        sgdRef(pRef, grads, bufRef, o);
        const buf = o.momentum !== 0 ? new Float32Array(N).fill(Number.NaN) : null;
        grads.forEach((g, s) => {
          sgdStep(K, p, g, buf, { ...o, firstStep: s === 0 });
        });
        // Parameters and buffers are O(1) and p - lr * g can cancel, so the tolerance is
        // relative to max(|ref|, 1): both sides round intermediates to f32 at different points.
        expect(mismatches(p, pRef, 1e-6, 1)).toEqual([]);
        if (buf) expect(mismatches(buf, bufRef, 1e-6, 1)).toEqual([]);
      });

      function adamRef(
        p: Float32Array,
        grads: Float32Array[],
        m: Float32Array,
        v: Float32Array,
        vmax: Float32Array,
        o: Omit<AdamStepOptions, 'step'>,
      ): void {
        grads.forEach((grad, s) => {
          const step = s + 1;
          const bc1 = 1 - o.beta1 ** step;
          const bc2 = 1 - o.beta2 ** step;
          for (let i = 0; i < p.length; i++) {
            let g = o.maximize ? -grad[i] : grad[i];
            if (o.decoupled) p[i] = p[i] * (1 - o.lr * o.weightDecay);
            else if (o.weightDecay !== 0) g = g + o.weightDecay * p[i];
            m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
            v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
            let vv = v[i];
            if (o.amsgrad) {
              vmax[i] = Math.max(vmax[i], v[i]);
              vv = vmax[i];
            }
            const mHat = m[i] / bc1;
            const vHat = vv / bc2;
            p[i] = p[i] - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
          }
        });
      }

      const base = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
      const ADAM_CASES: Array<Omit<AdamStepOptions, 'step'>> = [
        { ...base, weightDecay: 0, decoupled: false, amsgrad: false, maximize: false },
        { ...base, weightDecay: 0.1, decoupled: false, amsgrad: false, maximize: false },
        { ...base, weightDecay: 0.1, decoupled: true, amsgrad: false, maximize: false },
        { ...base, weightDecay: 0, decoupled: false, amsgrad: true, maximize: false },
        { ...base, weightDecay: 0.05, decoupled: true, amsgrad: true, maximize: true },
        {
          ...base,
          beta1: 0.5,
          beta2: 0.9,
          eps: 1e-3,
          weightDecay: 0.01,
          decoupled: false,
          amsgrad: true,
          maximize: true,
        },
      ];

      it.each(ADAM_CASES)('adam %o matches the per-element reference', (o) => {
        const p = randArray(N, -1, 1, 70);
        const grads = Array.from({ length: STEPS }, (_, s) => {
          // Shrinking gradients make amsgrad's running max matter.
          const g = randArray(N, -2, 2, 80 + s);
          return g.map((v) => v / (1 + 3 * s));
        });
        const pRef = p.slice();
        const mRef = new Float32Array(N);
        const vRef = new Float32Array(N);
        const vmaxRef = new Float32Array(N);
        adamRef(pRef, grads, mRef, vRef, vmaxRef, o);
        const m = new Float32Array(N);
        const v = new Float32Array(N);
        const vmax = o.amsgrad ? new Float32Array(N) : null;
        grads.forEach((g, s) => {
          adamStep(K, p, g, m, v, vmax, { ...o, step: s + 1 });
        });
        expect(mismatches(p, pRef, 1e-6, 1e-3)).toEqual([]);
        expect(mismatches(m, mRef, 1e-5, 1e-6)).toEqual([]);
        expect(mismatches(v, vRef, 1e-5, 1e-8)).toEqual([]);
        if (vmax) expect(mismatches(vmax, vmaxRef, 1e-5, 1e-8)).toEqual([]);
      });

      it('adam first step moves every parameter by about lr', () => {
        const p = new Float32Array(N);
        const g = randArray(N, -2, 2, 90).map((v) => (v === 0 ? 1 : v));
        adamStep(K, p, g, new Float32Array(N), new Float32Array(N), null, {
          ...base,
          weightDecay: 0,
          decoupled: false,
          amsgrad: false,
          maximize: false,
          step: 1,
        });
        for (let i = 0; i < N; i++)
          expect(Math.abs(p[i] + base.lr * Math.sign(g[i]))).toBeLessThan(1e-6);
      });
    });

    describe('rng kernels', () => {
      // Cross-language vectors: seedState(0) followed by each kernel. The native backend must
      // reproduce these bit for bit.
      it('rngUniform from seedState(0) gives the reference values', () => {
        const s = seedState(0);
        const out = new Float32Array(5);
        K.rngUniform(s, out, 0, 1);
        expect(Array.from(out)).toEqual([
          0.6701667308807373, 0.31154799461364746, 0.9869817495346069, 0.0380062460899353,
          0.6921643018722534,
        ]);
        // The state was advanced by exactly five outputs.
        const t = seedState(0);
        nextU32(t, 5);
        expect(Array.from(s)).toEqual(Array.from(t));
      });

      it('rngUniform applies lo + (hi - lo) * u to the 24-bit draws', () => {
        const s = seedState(12345);
        const raw = nextU32(seedState(12345), 64);
        const out = new Float32Array(64);
        K.rngUniform(s, out, -2, 3);
        expect(Array.from(out)).toEqual(
          Array.from(raw, (r) => Math.fround(-2 + 5 * ((r >>> 8) * 2 ** -24))),
        );
      });

      it('rngNormal from seedState(0) gives the reference values (odd length)', () => {
        const s = seedState(0);
        const out = new Float32Array(5);
        K.rngNormal(s, out, 0, 1);
        expect(Array.from(out)).toEqual([
          1.1033598184585571, -1.2219213247299194, 0.47625279426574707, 0.8523691892623901,
          1.5282877683639526,
        ]);
        expect(Array.from(s)).toEqual([3770797529, 3039687039, 3655509662, 1126216362]);
      });

      it('rngDropoutMask from seedState(0) gives the reference values', () => {
        const s = seedState(0);
        const out = new Float32Array(8);
        K.rngDropoutMask(s, out, 0.5);
        expect(Array.from(out)).toEqual([2, 0, 2, 0, 2, 2, 2, 0]);
      });

      it('consecutive calls continue the stream', () => {
        const one = new Float32Array(10);
        K.rngUniform(seedState(7), one, 0, 1);
        const s = seedState(7);
        const a = new Float32Array(3);
        const b = new Float32Array(7);
        K.rngUniform(s, a, 0, 1);
        K.rngUniform(s, b, 0, 1);
        expect([...a, ...b]).toEqual(Array.from(one));

        const n1 = new Float32Array(8);
        K.rngNormal(seedState(8), n1, 0, 1);
        const s2 = seedState(8);
        const c = new Float32Array(4);
        const d = new Float32Array(4);
        K.rngNormal(s2, c, 0, 1);
        K.rngNormal(s2, d, 0, 1);
        expect([...c, ...d]).toEqual(Array.from(n1));
      });

      const DRAWS = 1_000_000;

      it('uniform draws have the right range, mean and variance', () => {
        const out = new Float32Array(DRAWS);
        K.rngUniform(seedState(1), out, -1, 3);
        let s = 0;
        let s2 = 0;
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const v of out) {
          s += v;
          s2 += v * v;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        const mean = s / DRAWS;
        const variance = s2 / DRAWS - mean * mean;
        // U(-1, 3): mean 1, variance 16/12; Var[(X - mu)^2] = w^4/80 - (w^2/12)^2 with w = 4.
        expect(lo).toBeGreaterThanOrEqual(-1);
        expect(hi).toBeLessThanOrEqual(3);
        expect(Math.abs(mean - 1)).toBeLessThan(4 * Math.sqrt(16 / 12 / DRAWS));
        expect(Math.abs(variance - 16 / 12)).toBeLessThan(
          4 * Math.sqrt((256 / 80 - (16 / 12) ** 2) / DRAWS),
        );
      });

      it('normal draws have mean 0 and variance 1 (and honour mean/std)', () => {
        const out = new Float32Array(DRAWS);
        K.rngNormal(seedState(2), out, 0, 1);
        let s = 0;
        let s2 = 0;
        let s4 = 0;
        for (const v of out) {
          s += v;
          s2 += v * v;
          s4 += v ** 4;
        }
        const mean = s / DRAWS;
        const variance = s2 / DRAWS - mean * mean;
        expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(1 / DRAWS));
        expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / DRAWS));
        // Fourth moment 3 (Var[X^4] = 105 - 9 = 96).
        expect(Math.abs(s4 / DRAWS - 3)).toBeLessThan(4 * Math.sqrt(96 / DRAWS));

        const shifted = new Float32Array(100_001);
        K.rngNormal(seedState(3), shifted, 5, 2);
        let t = 0;
        let t2 = 0;
        for (const v of shifted) {
          t += v;
          t2 += v * v;
        }
        const m2 = t / shifted.length;
        const v2 = t2 / shifted.length - m2 * m2;
        expect(Math.abs(m2 - 5)).toBeLessThan(4 * Math.sqrt(4 / shifted.length));
        expect(Math.abs(v2 - 4)).toBeLessThan(4 * 4 * Math.sqrt(2 / shifted.length));
      });

      it.each([0.1, 0.3, 0.5, 0.9])('dropout mask with p=%s keeps about 1-p', (p) => {
        const out = new Float32Array(DRAWS);
        K.rngDropoutMask(seedState(4), out, p);
        const scale = Math.fround(1 / (1 - p));
        let kept = 0;
        let other = 0;
        for (const v of out) {
          if (v === scale) kept++;
          else if (v !== 0) other++;
        }
        expect(other).toBe(0);
        expect(Math.abs(kept / DRAWS - (1 - p))).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / DRAWS));
      });

      it('dropout mask with p=0 keeps everything', () => {
        const out = new Float32Array(1000);
        K.rngDropoutMask(seedState(5), out, 0);
        expect(out.every((v) => v === 1)).toBe(true);
      });
    });
  },
);

// ---------------------------------------------------------------------------------------------
// The JS generator itself: these vectors are shared with the Rust implementation.

describe('xoshiro128** and seeding (cross-language vectors)', () => {
  it('matches the reference xoshiro128** stream from state [1, 2, 3, 4]', () => {
    // Published reference output (Blackman & Vigna's C code; rand_xoshiro's test vector).
    expect(Array.from(nextU32(Uint32Array.from([1, 2, 3, 4]), 10))).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597,
      4258142804,
    ]);
  });

  it('seedState gives the reference states and first outputs', () => {
    const vectors: Array<[number, number[], number[]]> = [
      [
        0,
        [0x808f5cca, 0x2ba1399a, 0x6b34298f, 0x56b87693],
        [2878344405, 1338088672, 4239054466, 163235784],
      ],
      [
        1,
        [0x8b3a74d9, 0x72488121, 0xbda3a3e4, 0x8051b8af],
        [1599694725, 1712420748, 1191534354, 3820912405],
      ],
      [
        42,
        [0x911e57d8, 0x791ccad9, 0x5a51607c, 0x0a40644a],
        [131339294, 1640464037, 3806549446, 4218314521],
      ],
      [
        2 ** 32,
        [0xf2d77098, 0xabe37562, 0xa7babf7d, 0x73ab756e],
        [2110856853, 2338644444, 3222020290, 321097859],
      ],
      [
        2 ** 53 - 1,
        [0xfb206297, 0x07f07bb9, 0x2e62ba63, 0x268f23df],
        [2732573483, 3009037566, 1082250465, 3050601118],
      ],
    ];
    for (const [seed, state, outputs] of vectors) {
      const s = seedState(seed);
      expect(Array.from(s)).toEqual(state);
      expect(Array.from(nextU32(s, 4))).toEqual(outputs);
    }
  });

  it('detLn is within a few ulp of Math.log on (0, 1)', () => {
    const r = makeRng(77);
    const pts = [
      2 ** -46,
      1e-10,
      0.25,
      0.5,
      Math.SQRT1_2,
      Math.SQRT1_2 + 1e-16,
      0.9999999,
      1 - 2 ** -46,
    ];
    for (let i = 0; i < 20000; i++) pts.push(r() ** 4 || 0.5);
    for (const s of pts) {
      const want = Math.log(s);
      expect(Math.abs(detLn(s) - want)).toBeLessThanOrEqual(
        8 * Number.EPSILON * Math.abs(want) + 1e-300,
      );
    }
  });
});
