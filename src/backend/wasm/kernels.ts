/**
 * Adapts the wasm exports to the `Kernels` contract. Each kernel registers its arrays with
 * the marshaller (read, written or both), calls the export with their addresses and copies
 * the written ones back. Every kernel of the contract runs in the module.
 */
import { BINARY_CODES, type Kernels, OPTIM_KINDS, UNARY_CODES, type Window2d } from '../kernels.js';
import type { WasmExports } from './exports.js';
import { BOTH, Marshal, READ, WRITE } from './marshal.js';

/** The window geometry in the layout crates/wasm reads (one reused array). */
const WINDOW = new Float64Array(14);
function window2d(g: Window2d): Float64Array {
  const v = WINDOW;
  v[0] = g.n;
  v[1] = g.c;
  v[2] = g.h;
  v[3] = g.w;
  v[4] = g.kh;
  v[5] = g.kw;
  v[6] = g.strideH;
  v[7] = g.strideW;
  v[8] = g.padH;
  v[9] = g.padW;
  v[10] = g.dilationH;
  v[11] = g.dilationW;
  v[12] = g.outH;
  v[13] = g.outW;
  return v;
}

export function wasmKernels(e: WasmExports): Kernels {
  const m = new Marshal(e);
  /** Runs `f` over committed arguments; copies back only when it returns normally. */
  const run = <T>(what: string, f: () => T): T => {
    m.commit(what);
    let r: T;
    try {
      r = f();
    } catch (err) {
      m.reset();
      throw err;
    }
    m.finish();
    return r;
  };
  const bad = (what: string, code: number) => {
    throw new RangeError(`${what}: unknown op code ${code}`);
  };
  const reduce = (f: (p: number, n: number) => number) => (x: Float32Array) => {
    const i = m.add(x, READ);
    return run('reduce', () => f(m.p(i), x.length));
  };
  return {
    unary: (op, out, x, alpha, beta) => {
      const o = m.add(out, WRITE);
      const a = m.add(x, READ);
      const c = UNARY_CODES[op];
      run('unary', () => e.unary(c, m.p(o), m.p(a), x.length, alpha, beta) && bad('unary', c));
    },
    unaryBackward: (op, dx, x, dy, alpha, beta) => {
      const o = m.add(dx, WRITE);
      const a = m.add(x, READ);
      const g = m.add(dy, READ);
      const c = UNARY_CODES[op];
      run(
        'unaryBackward',
        () =>
          e.unary_backward(c, m.p(o), m.p(a), m.p(g), x.length, alpha, beta) &&
          bad('unaryBackward', c),
      );
    },
    binary: (op, out, a, b) => {
      const o = m.add(out, WRITE);
      const x = m.add(a, READ);
      const y = m.add(b, READ);
      const c = BINARY_CODES[op];
      run('binary', () => e.binary(c, m.p(o), m.p(x), m.p(y), a.length) && bad('binary', c));
    },
    binaryScalar: (op, out, x, s) => {
      const o = m.add(out, WRITE);
      const a = m.add(x, READ);
      const c = BINARY_CODES[op];
      run(
        'binaryScalar',
        () => e.binary_scalar(c, m.p(o), m.p(a), x.length, s) && bad('binaryScalar', c),
      );
    },
    axpy: (alpha, x, y) => {
      const a = m.add(x, READ);
      const b = m.add(y, BOTH);
      run('axpy', () => e.axpy(alpha, m.p(a), m.p(b), x.length));
    },
    fill: (out, v) => {
      const o = m.add(out, WRITE);
      run('fill', () => e.fill(m.p(o), out.length, v));
    },
    copy: (dst, src) => {
      const o = m.add(dst, WRITE);
      const a = m.add(src, READ);
      run('copy', () => e.copy(m.p(o), m.p(a), src.length));
    },
    lerp: (a, b, w) => {
      const x = m.add(a, BOTH);
      const y = m.add(b, READ);
      run('lerp', () => e.lerp(m.p(x), m.p(y), a.length, w));
    },
    clamp: (out, x, lo, hi) => {
      const o = m.add(out, WRITE);
      const a = m.add(x, READ);
      run('clamp', () => e.clamp(m.p(o), m.p(a), x.length, lo, hi));
    },
    biasAdd: (x, b, outer, n, inner) => {
      const a = m.add(x, BOTH);
      const v = m.add(b, READ);
      run('biasAdd', () => e.bias_add(m.p(a), m.p(v), outer, n, inner));
    },
    sum: reduce((p, n) => e.sum(p, n)),
    sumSquares: reduce((p, n) => e.sum_squares(p, n)),
    sumAbs: reduce((p, n) => e.sum_abs(p, n)),
    maxAbs: reduce((p, n) => e.max_abs(p, n)),
    max: reduce((p, n) => e.max(p, n)),
    dot: (a, b) => {
      const x = m.add(a, READ);
      const y = m.add(b, READ);
      return run('dot', () => e.dot(m.p(x), m.p(y), a.length));
    },
    argmaxRows: (out, x, rows, cols) => {
      const o = m.add(out, WRITE);
      const a = m.add(x, READ);
      run('argmaxRows', () => e.argmax_rows(m.p(o), m.p(a), rows, cols));
    },
    colSums: (out, x, rows, cols, acc) => {
      const o = m.add(out, acc ? BOTH : WRITE);
      const a = m.add(x, READ);
      run('colSums', () => e.col_sums(m.p(o), m.p(a), rows, cols, +acc));
    },
    biasGrad: (out, x, outer, n, inner, acc) => {
      const o = m.add(out, acc ? BOTH : WRITE);
      const a = m.add(x, READ);
      run('biasGrad', () => e.bias_grad(m.p(o), m.p(a), outer, n, inner, +acc));
    },
    gemm: (ta, tb, mm, n, k, alpha, a, b, beta, c) => {
      const x = m.add(a, READ);
      const y = m.add(b, READ);
      const o = m.add(c, beta !== 0 ? BOTH : WRITE);
      run('gemm', () => e.gemm(+ta, +tb, mm, n, k, alpha, m.p(x), m.p(y), beta, m.p(o)));
    },
    softmax: (out, x, rows, cols, log) => {
      const o = m.add(out, WRITE);
      const a = m.add(x, READ);
      run('softmax', () => e.softmax(m.p(o), m.p(a), rows, cols, +log));
    },
    softmaxBackward: (dx, y, dy, rows, cols, log) => {
      const o = m.add(dx, WRITE);
      const a = m.add(y, READ);
      const g = m.add(dy, READ);
      run('softmaxBackward', () => e.softmax_backward(m.p(o), m.p(a), m.p(g), rows, cols, +log));
    },
    softmaxCrossEntropy: (logits, labels, grad, rows, cols, scale) => {
      const x = m.add(logits, READ);
      const l = m.add(labels, READ);
      const g = m.add(grad, WRITE);
      return run('softmaxCrossEntropy', () =>
        e.softmax_cross_entropy(m.p(x), m.p(l), m.p(g), rows, cols, scale),
      );
    },
    im2col: (cols, x, g) => {
      const o = m.add(cols, WRITE);
      const a = m.add(x, READ);
      const w = m.add(window2d(g), READ);
      run('im2col', () => e.im2col(m.p(o), m.p(a), m.p(w)));
    },
    col2im: (dx, cols, g) => {
      const o = m.add(dx, WRITE);
      const a = m.add(cols, READ);
      const w = m.add(window2d(g), READ);
      run('col2im', () => e.col2im(m.p(o), m.p(a), m.p(w)));
    },
    maxPool2d: (y, idx, x, g) => {
      const o = m.add(y, WRITE);
      const i = m.add(idx, WRITE);
      const a = m.add(x, READ);
      const w = m.add(window2d(g), READ);
      run('maxPool2d', () => e.max_pool2d(m.p(o), m.p(i), m.p(a), m.p(w)));
    },
    maxPool2dBackward: (dx, idx, dy, g) => {
      const o = m.add(dx, WRITE);
      const i = m.add(idx, READ);
      const a = m.add(dy, READ);
      const w = m.add(window2d(g), READ);
      run('maxPool2dBackward', () => e.max_pool2d_backward(m.p(o), m.p(i), m.p(a), m.p(w)));
    },
    avgPool2d: (y, x, g, cip) => {
      const o = m.add(y, WRITE);
      const a = m.add(x, READ);
      const w = m.add(window2d(g), READ);
      run('avgPool2d', () => e.avg_pool2d(m.p(o), m.p(a), m.p(w), +cip));
    },
    avgPool2dBackward: (dx, dy, g, cip) => {
      const o = m.add(dx, WRITE);
      const a = m.add(dy, READ);
      const w = m.add(window2d(g), READ);
      run('avgPool2dBackward', () => e.avg_pool2d_backward(m.p(o), m.p(a), m.p(w), +cip));
    },
    crossEntropyLabels: (x, l, wt, g, rows, cols, eps, ignore, scale) => {
      const a = m.add(x, READ);
      const b = m.add(l, READ);
      const c = m.add(wt, READ);
      const o = m.add(g, WRITE);
      return run('crossEntropyLabels', () =>
        e.cross_entropy_labels(m.p(a), m.p(b), m.p(c), m.p(o), rows, cols, eps, ignore, scale),
      );
    },
    crossEntropyProbs: (x, t, wt, g, rows, cols, eps, scale) => {
      const a = m.add(x, READ);
      const b = m.add(t, READ);
      const c = m.add(wt, READ);
      const o = m.add(g, WRITE);
      return run('crossEntropyProbs', () =>
        e.cross_entropy_probs(m.p(a), m.p(b), m.p(c), m.p(o), rows, cols, eps, scale),
      );
    },
    bceWithLogits: (x, t, wt, pw, g, scale) => {
      const a = m.add(x, READ);
      const b = m.add(t, READ);
      const c = m.add(wt, READ);
      const d = m.add(pw, READ);
      const o = m.add(g, WRITE);
      return run('bceWithLogits', () =>
        e.bce_with_logits(m.p(a), m.p(b), m.p(c), m.p(d), m.p(o), x.length, scale),
      );
    },
    batchNormStats: (mean, v, x, outer, c, inner) => {
      const a = m.add(mean, WRITE);
      const b = m.add(v, WRITE);
      const d = m.add(x, READ);
      run('batchNormStats', () => e.batch_norm_stats(m.p(a), m.p(b), m.p(d), outer, c, inner));
    },
    batchNormForward: (y, x, mean, scale, shift, outer, c, inner) => {
      const o = m.add(y, WRITE);
      const [a, b, d, f] = [x, mean, scale, shift].map((v) => m.add(v, READ));
      run('batchNormForward', () =>
        e.batch_norm_forward(m.p(o), m.p(a), m.p(b), m.p(d), m.p(f), outer, c, inner),
      );
    },
    batchNormBackwardReduce: (s1, s2, dy, x, mean, outer, c, inner) => {
      const o1 = m.add(s1, WRITE);
      const o2 = m.add(s2, WRITE);
      const [a, b, d] = [dy, x, mean].map((v) => m.add(v, READ));
      run('batchNormBackwardReduce', () =>
        e.batch_norm_backward_reduce(m.p(o1), m.p(o2), m.p(a), m.p(b), m.p(d), outer, c, inner),
      );
    },
    batchNormBackward: (dx, dy, x, mean, p, q, r, outer, c, inner) => {
      const o = m.add(dx, WRITE);
      const [a, b, d, f, g, h] = [dy, x, mean, p, q, r].map((v) => m.add(v, READ));
      run('batchNormBackward', () =>
        e.batch_norm_backward(
          m.p(o),
          m.p(a),
          m.p(b),
          m.p(d),
          m.p(f),
          m.p(g),
          m.p(h),
          outer,
          c,
          inner,
        ),
      );
    },
    layerNormForward: (y, mean, rstd, x, gamma, beta, rows, cols, eps) => {
      const [o, a, b] = [y, mean, rstd].map((v) => m.add(v, WRITE));
      const [d, f, g] = [x, gamma, beta].map((v) => m.add(v, READ));
      run('layerNormForward', () =>
        e.layer_norm_forward(m.p(o), m.p(a), m.p(b), m.p(d), m.p(f), m.p(g), rows, cols, eps),
      );
    },
    layerNormBackward: (dx, dg, db, dy, x, mean, rstd, gamma, rows, cols) => {
      const o = m.add(dx, WRITE);
      // dgamma and dbeta accumulate: read and written
      const [a, b] = [dg, db].map((v) => m.add(v, BOTH));
      const [d, f, g, h, k] = [dy, x, mean, rstd, gamma].map((v) => m.add(v, READ));
      run('layerNormBackward', () =>
        e.layer_norm_backward(
          m.p(o),
          m.p(a),
          m.p(b),
          m.p(d),
          m.p(f),
          m.p(g),
          m.p(h),
          m.p(k),
          rows,
          cols,
        ),
      );
    },
    embeddingForward: (out, weight, idx, dim) => {
      const o = m.add(out, WRITE);
      const a = m.add(weight, READ);
      const b = m.add(idx, READ);
      run('embeddingForward', () =>
        e.embedding_forward(m.p(o), m.p(a), weight.length, m.p(b), idx.length, dim),
      );
    },
    embeddingBackward: (grad, dy, idx, dim, pad) => {
      const o = m.add(grad, BOTH); // accumulates
      const a = m.add(dy, READ);
      const b = m.add(idx, READ);
      run('embeddingBackward', () =>
        e.embedding_backward(m.p(o), grad.length, m.p(a), m.p(b), idx.length, dim, pad),
      );
    },
    rngUniform: (st, out, lo, hi) => {
      const s = m.add(st, BOTH);
      const o = m.add(out, WRITE);
      run('rngUniform', () => e.rng_uniform(m.p(s), m.p(o), out.length, lo, hi));
    },
    rngNormal: (st, out, mean, std) => {
      const s = m.add(st, BOTH);
      const o = m.add(out, WRITE);
      run('rngNormal', () => e.rng_normal(m.p(s), m.p(o), out.length, mean, std));
    },
    rngDropoutMask: (st, out, p) => {
      const s = m.add(st, BOTH);
      const o = m.add(out, WRITE);
      run('rngDropoutMask', () => e.rng_dropout_mask(m.p(s), m.p(o), out.length, p));
    },
    // Recurrent steps. Written arrays are registered BOTH: the strided ones are written only
    // on their rows, so the elements between rows must travel in and back unchanged.
    rnnCellForward: (relu, rows, hd, gates, gOff, gStride, hp, h, y, yOff, yStride) => {
      const g = m.add(gates, BOTH);
      const a = m.add(hp, READ);
      const o = m.add(h, BOTH);
      const yy = m.add(y, BOTH);
      run('rnnCellForward', () =>
        e.rnn_cell_forward(
          +relu,
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(o),
          m.p(yy),
          y?.length ?? 0,
          yOff,
          yStride,
        ),
      );
    },
    rnnCellBackward: (
      relu,
      rows,
      hd,
      gates,
      gOff,
      gStride,
      dh,
      dy,
      dyOff,
      dyStride,
      dpre,
      dpreS,
    ) => {
      const [g, a, d] = [gates, dh, dy].map((v) => m.add(v, READ));
      const [o, os] = [dpre, dpreS].map((v) => m.add(v, BOTH));
      run('rnnCellBackward', () =>
        e.rnn_cell_backward(
          +relu,
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(d),
          dy?.length ?? 0,
          dyOff,
          dyStride,
          m.p(o),
          m.p(os),
          dpreS.length,
        ),
      );
    },
    lstmCellForward: (rows, hd, gates, gOff, gStride, hp, cPrev, c, h, y, yOff, yStride) => {
      const g = m.add(gates, BOTH);
      const [a, b] = [hp, cPrev].map((v) => m.add(v, READ));
      const [oc, oh, yy] = [c, h, y].map((v) => m.add(v, BOTH));
      run('lstmCellForward', () =>
        e.lstm_cell_forward(
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(b),
          m.p(oc),
          m.p(oh),
          m.p(yy),
          y?.length ?? 0,
          yOff,
          yStride,
        ),
      );
    },
    lstmCellBackward: (
      rows,
      hd,
      gates,
      gOff,
      gStride,
      cPrev,
      c,
      dh,
      dy,
      dyOff,
      dyStride,
      dc,
      dpre,
      dpreS,
    ) => {
      const [g, a, b, d, yy] = [gates, cPrev, c, dh, dy].map((v) => m.add(v, READ));
      const [oc, o, os] = [dc, dpre, dpreS].map((v) => m.add(v, BOTH));
      run('lstmCellBackward', () =>
        e.lstm_cell_backward(
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(b),
          m.p(d),
          m.p(yy),
          dy?.length ?? 0,
          dyOff,
          dyStride,
          m.p(oc),
          m.p(o),
          m.p(os),
          dpreS.length,
        ),
      );
    },
    gruCellForward: (rows, hd, gates, gOff, gStride, hp, bhh, hPrev, hn, h, y, yOff, yStride) => {
      const g = m.add(gates, BOTH);
      const [a, b, d] = [hp, bhh, hPrev].map((v) => m.add(v, READ));
      const [on, oh, yy] = [hn, h, y].map((v) => m.add(v, BOTH));
      run('gruCellForward', () =>
        e.gru_cell_forward(
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(b),
          m.p(d),
          m.p(on),
          m.p(oh),
          m.p(yy),
          y?.length ?? 0,
          yOff,
          yStride,
        ),
      );
    },
    gruCellBackward: (
      rows,
      hd,
      gates,
      gOff,
      gStride,
      hn,
      hPrev,
      dh,
      dy,
      dyOff,
      dyStride,
      dpre,
      dpreS,
      dhPrev,
    ) => {
      const [g, a, b, d, yy] = [gates, hn, hPrev, dh, dy].map((v) => m.add(v, READ));
      const [o, os, op] = [dpre, dpreS, dhPrev].map((v) => m.add(v, BOTH));
      run('gruCellBackward', () =>
        e.gru_cell_backward(
          rows,
          hd,
          m.p(g),
          gates.length,
          gOff,
          gStride,
          m.p(a),
          m.p(b),
          m.p(d),
          m.p(yy),
          dy?.length ?? 0,
          dyOff,
          dyStride,
          m.p(o),
          m.p(os),
          dpreS.length,
          m.p(op),
        ),
      );
    },
    optimStep: (kind, params, grads, states, hyper, segments) => {
      const p = m.add(params, BOTH);
      const g = m.add(grads, READ);
      const s = [0, 1, 2, 3].map((i) => m.add(states[i] ?? null, BOTH));
      const h = m.add(hyper, READ);
      const sg = m.add(segments, READ);
      run('optimStep', () => {
        const rc = e.optim_step(
          OPTIM_KINDS[kind],
          m.p(p),
          m.p(g),
          m.p(s[0]),
          m.p(s[1]),
          m.p(s[2]),
          m.p(s[3]),
          params.length,
          m.p(h),
          hyper.length,
          m.p(sg),
          segments ? segments.length : 0,
        );
        // Error, as the native addon throws for the same refusal (napi InvalidArg).
        if (rc !== 0) throw new Error(`optimStep: ${m.error()}`);
      });
    },
  };
}
