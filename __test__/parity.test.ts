/**
 * Parity: every native and wasm kernel against the JS reference on seeded random inputs, at lengths
 * 0, 1, 7, 15, 16, 17, 1023 and 1,048,583 (over a million, not a multiple of any vector
 * width), on views with non-zero offsets.
 *
 * Tolerances, stated once:
 * - elementwise forward: |native − js| ≤ 1e-5 · max(|js|, FLT_MIN) (relative, floor at the
 *   smallest normal float);
 * - backward and multi-term results: ≤ 1e-5 · (sum of the absolute values of the terms),
 *   because near a zero of f' no float computation keeps relative accuracy; floor
 *   1e-3 · FLT_MIN, since a derivative built from subnormal intermediates (a sigmoid tail
 *   times a large factor) carries only a few significant bits;
 * - reductions: ≤ 2e-6 · Σ|x| (f32 lanes over 64-vector blocks, blocks summed in f64);
 * - GEMM: Higham's dot-product bound (k + 2) · 2^-24 · (|α| Σ|a||b| + |β||c|);
 * - RNG: bit-identical.
 */
import { describe, expect, it } from 'vitest';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import { type Kernels, UNARY_CODES, type UnaryOp } from '../src/backend/kernels.js';
import { adamStep, sgdStep } from '../src/backend/optim-steps.js';
import { nativeUnderTest, wasmUnderTest } from './helpers/backends.js';

const js: Kernels = jsKernels;
const FLT_MIN = 1.1754943508222875e-38;
const LENGTHS = [0, 1, 7, 15, 16, 17, 1023, 1_048_583];
const OFFSET = 3;

/** A seeded random view of length n at a non-zero offset into a larger buffer. */
function rand(n: number, lo: number, hi: number, seed: number): Float32Array {
  const buf = new Float32Array(n + OFFSET + 5);
  js.rngUniform(seedState(seed), buf, lo, hi);
  return buf.subarray(OFFSET, OFFSET + n);
}

function view(n: number, fill = 0): Float32Array {
  return new Float32Array(n + OFFSET + 2).fill(fill).subarray(OFFSET, OFFSET + n);
}

/** Bitwise equality of two views (vitest's deep equality is slow on millions of elements). */
function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Index and size of the worst violation of |a − b| ≤ tol(i), or null. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, tol: (i: number) => number) {
  let bad: { i: number; got: number; want: number; excess: number } | null = null;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    const excess = Math.abs(a[i] - b[i]) / tol(i);
    if (!(excess <= 1) && (bad === null || !(excess <= bad.excess)))
      bad = { i, got: a[i], want: b[i], excess };
  }
  return bad;
}

const SELU = 1.0507009873554805;
const SELU_A = 1.6732632423543772;
const sig = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const dsig = (x: number) => sig(x) * sig(-x);
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** Sum of |terms| of f'(x) for multi-term derivatives (1-term ones return |f'(x)|). */
function derivScale(op: UnaryOp, x: number, alpha: number): number {
  const k = Math.sqrt(2 / Math.PI);
  switch (op) {
    case 'gelu': {
      const phi = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
      return 1 + Math.abs(x * phi); // Φ ≤ 1
    }
    case 'geluTanh': {
      const u2 = 2 * k * (x + 0.044715 * x ** 3);
      return sig(u2) + Math.abs(x * dsig(u2) * 2 * k * (1 + 3 * 0.044715 * x * x));
    }
    case 'silu':
      return sig(x) + Math.abs(x * dsig(x));
    case 'mish': {
      const sp = softplus(x);
      return Math.tanh(sp) + Math.abs(x * (1 - Math.tanh(sp) ** 2) * sig(x));
    }
    case 'sigmoid':
      return dsig(x);
    case 'tanh':
      return 1 - Math.tanh(x) ** 2;
    case 'elu':
      return x > 0 ? 1 : Math.abs(alpha) * Math.exp(x);
    case 'selu':
      return x > 0 ? SELU : SELU * SELU_A * Math.exp(x);
    case 'softplus':
      return sig(alpha * x);
    case 'exp':
      return Math.exp(x);
    case 'log':
      return 1 / Math.abs(x);
    case 'sqrt':
      return 0.5 / Math.sqrt(x);
    case 'reciprocal':
      return 1 / (x * x);
    case 'square':
      return 2 * Math.abs(x);
    default:
      return 1;
  }
}

/** Input range per op (positive where the op needs it). */
function domain(op: UnaryOp): [number, number] {
  if (op === 'sqrt' || op === 'log' || op === 'reciprocal') return [0.01, 50];
  if (op === 'exp') return [-80, 80];
  return [-12, 12];
}

const PARAMS: Partial<Record<UnaryOp, [number, number]>> = {
  leakyRelu: [0.01, 0],
  elu: [1.3, 0],
  softplus: [1.5, 20],
};

// The accelerated backends, each against the JS reference.
describe.each([
  ['native', nativeUnderTest()],
  ['wasm', wasmUnderTest()],
  ['wasm-plain', wasmUnderTest('plain')],
] as [string, Kernels][])('%s', (_name, native) => {
  describe('parity: unary forward and backward', () => {
    for (const op of Object.keys(UNARY_CODES) as UnaryOp[]) {
      const [alpha, beta] = PARAMS[op] ?? [0, 0];
      it(`${op}`, () => {
        for (const n of LENGTHS) {
          const [lo, hi] = domain(op);
          const x = rand(n, lo, hi, 11 + n);
          const dy = rand(n, -1, 1, 12 + n);
          const [a, b] = [view(n), view(n)];
          native.unary(op, a, x, alpha, beta);
          js.unary(op, b, x, alpha, beta);
          const f = worst(a, b, (i) => 1e-5 * Math.max(Math.abs(b[i]), FLT_MIN));
          expect(f, `${op} forward, n = ${n}`).toBeNull();
          const [da, db] = [view(n), view(n)];
          native.unaryBackward(op, da, x, dy, alpha, beta);
          js.unaryBackward(op, db, x, dy, alpha, beta);
          const g = worst(da, db, (i) =>
            Math.max(1e-5 * Math.abs(dy[i]) * derivScale(op, x[i], alpha), 1e-3 * FLT_MIN),
          );
          expect(g, `${op} backward, n = ${n}`).toBeNull();
          // The declared in-place forms give exactly the out-of-place results.
          const ip = Float32Array.from(x);
          native.unary(op, ip, ip, alpha, beta);
          expect(same(ip, a)).toBe(true);
          const gp = Float32Array.from(dy);
          native.unaryBackward(op, gp, x, gp, alpha, beta);
          expect(same(gp, da)).toBe(true);
        }
      });
    }

    it('edge values: ±0, tiny, huge, ±Infinity, NaN', () => {
      const edge = Float32Array.from([
        0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 88, -88, 100, -100, 1e30, -1e30,
      ]);
      for (const op of Object.keys(UNARY_CODES) as UnaryOp[]) {
        const [alpha, beta] = PARAMS[op] ?? [0, 0];
        const x = op === 'sqrt' || op === 'log' ? edge.map(Math.abs) : edge;
        const [a, b] = [new Float32Array(x.length), new Float32Array(x.length)];
        native.unary(op, a, x, alpha, beta);
        js.unary(op, b, x, alpha, beta);
        expect(
          worst(a, b, (i) => 1e-5 * Math.max(Math.abs(b[i]), FLT_MIN)),
          op,
        ).toBeNull();
      }
      const nan = Float32Array.from([Number.NaN, 1]);
      for (const op of Object.keys(UNARY_CODES) as UnaryOp[]) {
        const a = new Float32Array(2);
        native.unary(op, a, nan, ...(PARAMS[op] ?? [0, 0]));
        expect(Number.isNaN(a[0]), `${op}(NaN) is NaN`).toBe(true);
      }
    });
  });

  describe('parity: binary, scalar, axpy, fill, copy', () => {
    it('binary and scalar ops, out-of-place and in place', () => {
      for (const n of LENGTHS) {
        const a = rand(n, -4, 4, 21 + n);
        const b = rand(n, 0.25, 4, 22 + n);
        for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as const) {
          const [o1, o2] = [view(n), view(n)];
          native.binary(op, o1, a, b);
          js.binary(op, o2, a, b);
          expect(
            worst(o1, o2, (i) => 1e-5 * Math.max(Math.abs(o2[i]), FLT_MIN)),
            `${op} n=${n}`,
          ).toBeNull();
          const ia = Float32Array.from(a);
          native.binary(op, ia, ia, b);
          expect(same(ia, o1)).toBe(true);
          const ib = Float32Array.from(b);
          native.binary(op, ib, a, ib);
          expect(same(ib, o1)).toBe(true);
          const [s1, s2] = [view(n), view(n)];
          native.binaryScalar(op, s1, a, 1.7);
          js.binaryScalar(op, s2, a, 1.7);
          expect(
            worst(s1, s2, (i) => 1e-5 * Math.max(Math.abs(s2[i]), FLT_MIN)),
            `${op} scalar`,
          ).toBeNull();
        }
        const [y1, y2] = [Float32Array.from(b), Float32Array.from(b)];
        native.axpy(-0.75, a, y1);
        js.axpy(-0.75, a, y2);
        expect(worst(y1, y2, (i) => 1e-5 * (Math.abs(b[i]) + 0.75 * Math.abs(a[i])))).toBeNull();
        const f = view(n);
        native.fill(f, 2.5);
        expect(f.every((v) => v === 2.5)).toBe(true);
        const c = view(n);
        native.copy(c, a);
        expect(same(c, a)).toBe(true);
      }
    });

    it('lerp and clamp, out-of-place and in place', () => {
      for (const n of LENGTHS) {
        const a = rand(n, -3, 3, 91 + n);
        const b = rand(n, -3, 3, 92 + n);
        for (const w of [0.1, 0.5, 0.9, 1]) {
          const [x1, x2] = [Float32Array.from(a), Float32Array.from(a)];
          native.lerp(x1, b, w);
          js.lerp(x2, b, w);
          expect(
            worst(x1, x2, (i) => 1e-5 * (Math.abs(a[i]) + Math.abs(b[i])) + 1e-30),
            `lerp w=${w}`,
          ).toBeNull();
        }
        const [c1, c2] = [view(n), view(n)];
        native.clamp(c1, a, -1, 2);
        js.clamp(c2, a, -1, 2);
        expect(same(c1, c2)).toBe(true);
        const ip = Float32Array.from(a);
        native.clamp(ip, ip, -1, 2);
        expect(same(ip, c1)).toBe(true);
      }
    });

    it('max and min propagate NaN', () => {
      const a = Float32Array.from([
        1,
        Number.NaN,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
      ]);
      const b = new Float32Array(a.length).fill(2);
      for (const op of ['max', 'min'] as const) {
        const o = new Float32Array(a.length);
        native.binary(op, o, b, a);
        expect(Number.isNaN(o[1])).toBe(true);
        expect(o[0]).toBe(op === 'max' ? 2 : 1);
      }
    });
  });

  describe('parity: reductions', () => {
    it('sum, sumSquares, max within the blockwise bound', () => {
      for (const n of LENGTHS) {
        const x = rand(n, -1, 1, 31 + n);
        let abs = 0;
        let sq = 0;
        for (const v of x) {
          abs += Math.abs(v);
          sq += v * v;
        }
        expect(Math.abs(native.sum(x) - js.sum(x))).toBeLessThanOrEqual(2e-6 * abs + 1e-30);
        expect(Math.abs(native.sumSquares(x) - js.sumSquares(x))).toBeLessThanOrEqual(
          2e-6 * sq + 1e-30,
        );
        expect(native.max(x)).toBe(js.max(x));
        expect(native.maxAbs(x)).toBe(js.maxAbs(x));
        expect(Math.abs(native.sumAbs(x) - js.sumAbs(x))).toBeLessThanOrEqual(2e-6 * abs + 1e-30);
        const y = rand(n, -1, 1, 33 + n);
        let absDot = 0;
        for (let i = 0; i < n; i++) absDot += Math.abs(x[i] * y[i]);
        expect(Math.abs(native.dot(x, y) - js.dot(x, y))).toBeLessThanOrEqual(
          2e-6 * absDot + 1e-30,
        );
      }
      const withNaN = rand(100_003, -1, 1, 5);
      withNaN[77_777] = Number.NaN;
      expect(native.max(withNaN)).toBeNaN();
      expect(native.maxAbs(withNaN)).toBeNaN();
    });

    it('biasAdd and biasGrad over (outer, n, inner)', () => {
      for (const [outer, n, inner] of [
        [1, 1, 1],
        [7, 5, 1],
        [128, 256, 1],
        [3, 4, 17],
        [16, 32, 169],
      ]) {
        const x = rand(outer * n * inner, -2, 2, outer + n + inner);
        const b = rand(n, -1, 1, n);
        const [x1, x2] = [Float32Array.from(x), Float32Array.from(x)];
        native.biasAdd(x1, b, outer, n, inner);
        js.biasAdd(x2, b, outer, n, inner);
        expect(same(x1, x2)).toBe(true);
        const [g1, g2] = [Float32Array.from(b), Float32Array.from(b)];
        for (const acc of [false, true]) {
          native.biasGrad(g1, x, outer, n, inner, acc);
          js.biasGrad(g2, x, outer, n, inner, acc);
          const abs = new Float64Array(n);
          for (let i = 0; i < x.length; i++) abs[Math.floor(i / inner) % n] += Math.abs(x[i]);
          expect(
            worst(g1, g2, (j) => 1e-5 * (abs[j] + Math.abs(b[j])) + 1e-30),
            `acc=${acc}`,
          ).toBeNull();
        }
      }
    });

    it('argmaxRows (exact) and colSums', () => {
      for (const [rows, cols] of [
        [1, 1],
        [7, 3],
        [128, 10],
        [1000, 17],
        [3, 1025],
      ]) {
        const x = rand(rows * cols, -3, 3, rows + cols);
        const [i1, i2] = [new Int32Array(rows), new Int32Array(rows)];
        native.argmaxRows(i1, x, rows, cols);
        js.argmaxRows(i2, x, rows, cols);
        expect(i1).toEqual(i2);
        const [c1, c2] = [view(cols), view(cols)];
        native.colSums(c1, x, rows, cols, false);
        js.colSums(c2, x, rows, cols, false);
        const absCol = new Float64Array(cols);
        for (let i = 0; i < rows * cols; i++) absCol[i % cols] += Math.abs(x[i]);
        expect(worst(c1, c2, (j) => 1e-5 * absCol[j] + 1e-30)).toBeNull();
        native.colSums(c1, x, rows, cols, true);
        js.colSums(c2, x, rows, cols, true);
        expect(worst(c1, c2, (j) => 2e-5 * absCol[j] + 1e-30)).toBeNull();
      }
    });
  });

  describe('parity: softmax family and fused cross-entropy', () => {
    const shapes = [
      [1, 1],
      [1, 7],
      [13, 10],
      [64, 17],
      [1025, 1023],
    ];
    it('softmax and logSoftmax, forward and backward', () => {
      for (const [rows, cols] of shapes) {
        const x = rand(rows * cols, -10, 10, 41 + rows);
        const dy = rand(rows * cols, -1, 1, 42 + rows);
        for (const log of [false, true]) {
          const [a, b] = [view(rows * cols), view(rows * cols)];
          native.softmax(a, x, rows, cols, log);
          js.softmax(b, x, rows, cols, log);
          // log-softmax is x − lse: its error scales with |x| + |lse| (≤ ~30 here).
          const tol = (i: number) =>
            log ? 1e-5 * (Math.abs(x[i]) + 20) : 1e-5 * Math.max(b[i], FLT_MIN);
          expect(worst(a, b, tol), `log=${log} ${rows}x${cols}`).toBeNull();
          const [da, db] = [view(rows * cols), view(rows * cols)];
          native.softmaxBackward(da, b, dy, rows, cols, log);
          js.softmaxBackward(db, b, dy, rows, cols, log);
          // Terms: y·dy and y·Σ(dy·y) (softmax); dy and exp(y)·Σdy (log-softmax).
          const scale = (i: number) => {
            const r = Math.floor(i / cols) * cols;
            let s = 0;
            for (let j = r; j < r + cols; j++) s += log ? Math.abs(dy[j]) : Math.abs(dy[j] * b[j]);
            return log
              ? 1e-5 * (Math.abs(dy[i]) + Math.exp(b[i]) * s)
              : 1e-5 * b[i] * (Math.abs(dy[i]) + s);
          };
          expect(
            worst(da, db, (i) => Math.max(scale(i), 1e-5 * FLT_MIN)),
            `backward log=${log}`,
          ).toBeNull();
        }
      }
    });

    it('softmaxCrossEntropy loss and gradient', () => {
      for (const [rows, cols] of shapes) {
        const x = rand(rows * cols, -8, 8, 51 + rows);
        const labels = new Int32Array(rows).map((_, i) => (i * 7 + 3) % cols);
        const [g1, g2] = [view(rows * cols), view(rows * cols)];
        const scale = 1 / Math.max(rows, 1);
        const l1 = native.softmaxCrossEntropy(x, labels, g1, rows, cols, scale);
        const l2 = js.softmaxCrossEntropy(x, labels, g2, rows, cols, scale);
        expect(Math.abs(l1 - l2)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(l2), 1) * 8);
        expect(
          worst(
            g1,
            g2,
            (i) =>
              1e-5 *
                scale *
                (Math.abs(g2[i]) / scale + (labels[Math.floor(i / cols)] === i % cols ? 1 : 0)) +
              1e-5 * FLT_MIN,
          ),
        ).toBeNull();
        expect(native.softmaxCrossEntropy(x, labels, null, rows, cols, 1)).toBeCloseTo(l1, 3);
      }
    });
  });

  describe('parity: GEMM', () => {
    it('all transposes, alpha/beta, odd sizes and views', () => {
      const cases = [
        [1, 1, 1],
        [7, 15, 17],
        [16, 16, 16],
        [33, 1, 65],
        [128, 256, 784],
        [129, 67, 300],
      ];
      for (const [m, n, k] of cases) {
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          for (const [alpha, beta] of [
            [1, 0],
            [-0.5, 1.5],
          ]) {
            const a = rand(m * k, -1, 1, m + k);
            const b = rand(k * n, -1, 1, k + n + 1);
            const c0 = rand(m * n, -1, 1, m + n + 2);
            const [c1, c2] = [Float32Array.from(c0), Float32Array.from(c0)];
            if (beta === 0) c1[0] = Number.NaN; // ignored when beta = 0
            native.gemm(ta, tb, m, n, k, alpha, a, b, beta, c1);
            js.gemm(ta, tb, m, n, k, alpha, a, b, beta, c2);
            const bound = (k + 2) * 2 ** -24;
            const tol = (idx: number) => {
              const i = Math.floor(idx / n);
              const j = idx % n;
              let s = 0;
              for (let p = 0; p < k; p++) {
                const av = ta ? a[p * m + i] : a[i * k + p];
                const bv = tb ? b[j * k + p] : b[p * n + j];
                s += Math.abs(av * bv);
              }
              return 2 * bound * (Math.abs(alpha) * s + Math.abs(beta * c0[idx])) + 1e-30;
            };
            expect(
              worst(c1, c2, tol),
              `${m}x${n}x${k} ta=${ta} tb=${tb} a=${alpha} b=${beta}`,
            ).toBeNull();
          }
        }
      }
    });
  });

  describe('parity: RNG is bit-identical', () => {
    it('uniform, normal, dropout mask and the advanced state', () => {
      for (const n of [0, 1, 7, 1023, 1_048_583]) {
        for (const seed of [0, 1, 42, 2 ** 32 + 5, 2 ** 53 - 1]) {
          const [s1, s2] = [seedState(seed), seedState(seed)];
          const [a, b] = [view(n), view(n)];
          native.rngUniform(s1, a, -2, 3);
          js.rngUniform(s2, b, -2, 3);
          native.rngNormal(s1, a, 0.5, 2);
          js.rngNormal(s2, b, 0.5, 2);
          expect(same(a, b)).toBe(true);
          native.rngDropoutMask(s1, a, 0.3);
          js.rngDropoutMask(s2, b, 0.3);
          expect(same(a, b)).toBe(true);
          expect(same(s1, s2)).toBe(true);
        }
      }
    });
  });

  describe('parity: fused optimizer steps', () => {
    const n = 1_048_583;
    const p0 = rand(n, -1, 1, 61);
    it('SGD (momentum, dampening, Nesterov, weight decay, maximize) over 5 steps', () => {
      for (const o of [
        { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false },
        { momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-2, maximize: false },
        { momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-3, maximize: true },
      ]) {
        const [pa, pb] = [Float32Array.from(p0), Float32Array.from(p0)];
        const [ba, bb] = [new Float32Array(n), new Float32Array(n)];
        for (let step = 1; step <= 5; step++) {
          const g = rand(n, -1, 1, 70 + step);
          const opts = { lr: 0.05, ...o, firstStep: step === 1 };
          sgdStep(native, pa, g, o.momentum ? ba : null, opts);
          sgdStep(js, pb, g, o.momentum ? bb : null, opts);
        }
        // Scale: the parameters' magnitude (≤ 1), over which f32 rounding accumulates.
        expect(
          worst(pa, pb, (i) => 1e-5 * Math.max(Math.abs(pb[i]), 1)),
          JSON.stringify(o),
        ).toBeNull();
        expect(worst(ba, bb, (i) => 1e-5 * Math.max(Math.abs(bb[i]), 1))).toBeNull();
      }
    });

    it('Adam / AdamW / amsgrad / maximize over 5 steps', () => {
      for (const o of [
        { weightDecay: 0, decoupled: false, amsgrad: false, maximize: false },
        { weightDecay: 0.1, decoupled: false, amsgrad: true, maximize: false },
        { weightDecay: 0.01, decoupled: true, amsgrad: false, maximize: true },
      ]) {
        const st = () => [
          Float32Array.from(p0),
          new Float32Array(n),
          new Float32Array(n),
          new Float32Array(n),
        ];
        const [pa, ma, va, xa] = st();
        const [pb, mb, vb, xb] = st();
        for (let step = 1; step <= 5; step++) {
          const g = rand(n, -1, 1, 80 + step);
          const opts = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...o, step };
          adamStep(native, pa, g, ma, va, o.amsgrad ? xa : null, opts);
          adamStep(js, pb, g, mb, vb, o.amsgrad ? xb : null, opts);
        }
        expect(
          worst(pa, pb, (i) => 1e-5 * Math.max(Math.abs(pb[i]), 1)),
          JSON.stringify(o),
        ).toBeNull();
        expect(worst(ma, mb, (i) => 1e-5 * Math.max(Math.abs(mb[i]), 1))).toBeNull();
        expect(worst(va, vb, (i) => 1e-5 * Math.max(Math.abs(vb[i]), 1e-6))).toBeNull();
      }
    });
  });
});
