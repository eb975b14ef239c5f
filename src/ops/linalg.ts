/** Checked GEMM, softmax and fused softmax-cross-entropy. */
import {
  bool,
  count,
  f32,
  finite,
  i32,
  knownKeys,
  lengthIs,
  noOverlap,
  oneOf,
  options,
} from '../backend/validate.js';
import type { Pick } from './pick.js';

/** Sizes and scalars of `ops.gemm` (BLAS sgemm's arguments, row-major). */
export interface GemmOptions {
  /** Rows of op(A) and of C. */
  m: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** Columns of op(A) = rows of op(B) (the summed dimension). */
  k: number;
  /** Use Aᵀ: A is stored k×m (default false). */
  transA?: boolean;
  /** Use Bᵀ: B is stored n×k (default false). */
  transB?: boolean;
  /** Scale of op(A)·op(B) (default 1). */
  alpha?: number;
  /** Scale of C's old contents (default 0: C is overwritten). */
  beta?: number;
}

const GEMM_KEYS = ['m', 'n', 'k', 'transA', 'transB', 'alpha', 'beta'] as const;

/** Options of `ops.softmaxCrossEntropy` (fused softmax and negative log-likelihood over rows of logits). */
export interface CrossEntropyOptions {
  /** Where to write the gradient with respect to the logits (same shape), if wanted. */
  grad?: Float32Array;
  /** 'mean' (default, PyTorch's) or 'sum' over rows; the gradient is scaled to match. */
  reduction?: 'mean' | 'sum';
}

export function linalgOps(pick: Pick) {
  function rowsCols(fn: string, name: string, x: Float32Array, rows: number, cols: number): void {
    f32(fn, name, x);
    count(fn, 'rows', rows);
    count(fn, 'cols', cols);
    lengthIs(fn, name, x, rows * cols, `rows × cols = ${rows} × ${cols}`);
  }

  function softmaxImpl(
    fn: string,
    log: boolean,
    x: Float32Array,
    rows: number,
    cols: number,
    out?: Float32Array,
  ) {
    rowsCols(fn, 'x', x, rows, cols);
    const o = out ?? new Float32Array(x.length);
    f32(fn, 'out', o);
    lengthIs(fn, 'out', o, x.length, 'the length of x');
    noOverlap(fn, 'out', o, 'x', x, true);
    pick(8 * x.length).softmax(o, x, rows, cols, log);
    return o;
  }

  function softmaxBackwardImpl(
    fn: string,
    log: boolean,
    y: Float32Array,
    dy: Float32Array,
    rows: number,
    cols: number,
    dx?: Float32Array,
  ) {
    rowsCols(fn, 'y', y, rows, cols);
    f32(fn, 'dy', dy);
    lengthIs(fn, 'dy', dy, y.length, 'the length of y');
    const d = dx ?? new Float32Array(y.length);
    f32(fn, 'dx', d);
    lengthIs(fn, 'dx', d, y.length, 'the length of y');
    noOverlap(fn, 'dx', d, 'y', y, false);
    noOverlap(fn, 'dx', d, 'dy', dy, true);
    pick(8 * y.length).softmaxBackward(d, y, dy, rows, cols, log);
    return d;
  }

  return {
    /**
     * C = alpha·op(A)·op(B) + beta·C (row-major); op(A) is m×k, op(B) k×n, C m×n.
     * With beta = 0 (the default) C's old contents are ignored. Returns C.
     */
    gemm(a: Float32Array, b: Float32Array, c: Float32Array, o: GemmOptions): Float32Array {
      const fn = 'gemm';
      options(fn, 'options {m, n, k}', o);
      knownKeys(fn, 'option', o, GEMM_KEYS);
      const { m, n, k } = o;
      count(fn, 'm', m);
      count(fn, 'n', n);
      count(fn, 'k', k);
      const transA = o.transA ?? false;
      const transB = o.transB ?? false;
      const alpha = o.alpha ?? 1;
      const beta = o.beta ?? 0;
      bool(fn, 'transA', transA);
      bool(fn, 'transB', transB);
      finite(fn, 'alpha', alpha);
      finite(fn, 'beta', beta);
      f32(fn, 'a', a);
      f32(fn, 'b', b);
      f32(fn, 'c', c);
      lengthIs(fn, 'a', a, m * k, transA ? `k × m = ${k} × ${m}` : `m × k = ${m} × ${k}`);
      lengthIs(fn, 'b', b, k * n, transB ? `n × k = ${n} × ${k}` : `k × n = ${k} × ${n}`);
      lengthIs(fn, 'c', c, m * n, `m × n = ${m} × ${n}`);
      noOverlap(fn, 'c', c, 'a', a, false);
      noOverlap(fn, 'c', c, 'b', b, false);
      pick(m * n * k).gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
      return c;
    },

    /** Row-wise softmax of a rows × cols matrix; `out` may be `x` itself. */
    softmax(x: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
      return softmaxImpl('softmax', false, x, rows, cols, out);
    },
    /** Row-wise log-softmax; `out` may be `x` itself. */
    logSoftmax(x: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
      return softmaxImpl('logSoftmax', true, x, rows, cols, out);
    },
    /** Gradient through softmax from its output y: dx = y ⊙ (dy − Σ dy ⊙ y). */
    softmaxBackward(
      y: Float32Array,
      dy: Float32Array,
      rows: number,
      cols: number,
      dx?: Float32Array,
    ) {
      return softmaxBackwardImpl('softmaxBackward', false, y, dy, rows, cols, dx);
    },
    /** Gradient through log-softmax from its output y: dx = dy − exp(y) Σ dy. */
    logSoftmaxBackward(
      y: Float32Array,
      dy: Float32Array,
      rows: number,
      cols: number,
      dx?: Float32Array,
    ) {
      return softmaxBackwardImpl('logSoftmaxBackward', true, y, dy, rows, cols, dx);
    },

    /**
     * Cross-entropy of softmax(logits) against integer labels, fused: returns the mean (or
     * summed) loss and, with `grad`, writes its gradient with respect to the logits.
     */
    softmaxCrossEntropy(
      logits: Float32Array,
      labels: Int32Array,
      rows: number,
      cols: number,
      o: CrossEntropyOptions = {},
    ): number {
      const fn = 'softmaxCrossEntropy';
      rowsCols(fn, 'logits', logits, rows, cols);
      if (cols === 0) throw new RangeError(`${fn}: cols must be ≥ 1, got 0`);
      i32(fn, 'labels', labels);
      lengthIs(fn, 'labels', labels, rows, 'rows');
      options(fn, 'options', o);
      knownKeys(fn, 'option', o, ['grad', 'reduction']);
      const reduction = o.reduction ?? 'mean';
      oneOf(fn, 'reduction', reduction, ['mean', 'sum'] as const);
      for (let i = 0; i < rows; i++) {
        const l = labels[i];
        if (l < 0 || l >= cols)
          throw new RangeError(`${fn}: labels[${i}] = ${l} is outside [0, ${cols})`);
      }
      const grad = o.grad ?? null;
      if (grad !== null) {
        f32(fn, 'grad', grad);
        lengthIs(fn, 'grad', grad, logits.length, 'the length of logits');
        noOverlap(fn, 'grad', grad, 'logits', logits, false);
        noOverlap(fn, 'grad', grad, 'labels', labels, false);
      }
      const scale = reduction === 'mean' && rows > 0 ? 1 / rows : 1;
      const total = pick(8 * logits.length).softmaxCrossEntropy(
        logits,
        labels,
        grad,
        rows,
        cols,
        scale,
      );
      return reduction === 'mean' ? (rows > 0 ? total / rows : Number.NaN) : total;
    },
  };
}
