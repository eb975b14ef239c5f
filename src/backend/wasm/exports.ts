/**
 * The raw exports of crates/wasm. Pointers and lengths are byte addresses / element counts
 * in the module's linear memory (usize = i32 on wasm32); booleans are 0/1; a null pointer (0)
 * is an absent optional array.
 */
import type { WasmMemory } from './webassembly.js';

type P = number;

export interface WasmExports {
  memory: WasmMemory;
  descent_alloc(bytes: number): P;
  descent_free(p: P, bytes: number): void;
  /** The shared build only: sizes its thread pool (0 on success). */
  threads_init?(n: number): number;
  simd_level(): number;
  error_ptr(): P;
  error_len(): number;
  unary(op: number, out: P, x: P, n: number, alpha: number, beta: number): number;
  unary_backward(op: number, dx: P, x: P, dy: P, n: number, alpha: number, beta: number): number;
  binary(op: number, out: P, a: P, b: P, n: number): number;
  binary_scalar(op: number, out: P, x: P, n: number, s: number): number;
  axpy(alpha: number, x: P, y: P, n: number): void;
  fill(out: P, n: number, value: number): void;
  copy(dst: P, src: P, n: number): void;
  lerp(a: P, b: P, n: number, w: number): void;
  clamp(out: P, x: P, n: number, lo: number, hi: number): void;
  bias_add(x: P, b: P, outer: number, c: number, inner: number): void;
  sum(x: P, n: number): number;
  sum_squares(x: P, n: number): number;
  sum_abs(x: P, n: number): number;
  max_abs(x: P, n: number): number;
  max(x: P, n: number): number;
  dot(a: P, b: P, n: number): number;
  argmax_rows(out: P, x: P, rows: number, cols: number): void;
  col_sums(out: P, x: P, rows: number, cols: number, acc: number): void;
  bias_grad(out: P, x: P, outer: number, c: number, inner: number, acc: number): void;
  gemm(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: P,
    b: P,
    beta: number,
    c: P,
  ): void;
  softmax(out: P, x: P, rows: number, cols: number, log: number): void;
  softmax_backward(dx: P, y: P, dy: P, rows: number, cols: number, log: number): void;
  softmax_cross_entropy(
    logits: P,
    labels: P,
    grad: P,
    rows: number,
    cols: number,
    scale: number,
  ): number;
  im2col(cols: P, x: P, geo: P): void;
  col2im(dx: P, cols: P, geo: P): void;
  max_pool2d(y: P, idx: P, x: P, geo: P): void;
  max_pool2d_backward(dx: P, idx: P, dy: P, geo: P): void;
  avg_pool2d(y: P, x: P, geo: P, cip: number): void;
  avg_pool2d_backward(dx: P, dy: P, geo: P, cip: number): void;
  cross_entropy_labels(
    logits: P,
    labels: P,
    weight: P,
    grad: P,
    rows: number,
    cols: number,
    smoothing: number,
    ignore: number,
    scale: number,
  ): number;
  cross_entropy_probs(
    logits: P,
    target: P,
    weight: P,
    grad: P,
    rows: number,
    cols: number,
    smoothing: number,
    scale: number,
  ): number;
  bce_with_logits(x: P, y: P, weight: P, posWeight: P, grad: P, n: number, scale: number): number;
  batch_norm_stats(mean: P, v: P, x: P, outer: number, c: number, inner: number): void;
  batch_norm_forward(
    y: P,
    x: P,
    mean: P,
    scale: P,
    shift: P,
    outer: number,
    c: number,
    inner: number,
  ): void;
  batch_norm_backward_reduce(
    sumDy: P,
    sumDyXmu: P,
    dy: P,
    x: P,
    mean: P,
    outer: number,
    c: number,
    inner: number,
  ): void;
  batch_norm_backward(
    dx: P,
    dy: P,
    x: P,
    mean: P,
    p: P,
    q: P,
    r: P,
    outer: number,
    c: number,
    inner: number,
  ): void;
  layer_norm_forward(
    y: P,
    mean: P,
    rstd: P,
    x: P,
    gamma: P,
    beta: P,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layer_norm_backward(
    dx: P,
    dgamma: P,
    dbeta: P,
    dy: P,
    x: P,
    mean: P,
    rstd: P,
    gamma: P,
    rows: number,
    cols: number,
  ): void;
  embedding_forward(out: P, weight: P, wn: number, idx: P, rows: number, dim: number): void;
  embedding_backward(
    grad: P,
    gn: number,
    dy: P,
    idx: P,
    rows: number,
    dim: number,
    skip: number,
  ): void;
  rng_uniform(s: P, out: P, n: number, lo: number, hi: number): void;
  rng_normal(s: P, out: P, n: number, mean: number, std: number): void;
  rng_dropout_mask(s: P, out: P, n: number, p: number): void;
  // Recurrent steps: strided arrays pass (pointer, length, offset, stride); see
  // crates/wasm/src/recurrent.rs for the order.
  rnn_cell_forward(...a: number[]): void;
  rnn_cell_backward(...a: number[]): void;
  lstm_cell_forward(...a: number[]): void;
  lstm_cell_backward(...a: number[]): void;
  gru_cell_forward(...a: number[]): void;
  gru_cell_backward(...a: number[]): void;
  optim_step(
    kind: number,
    p: P,
    g: P,
    s0: P,
    s1: P,
    s2: P,
    s3: P,
    n: number,
    hyper: P,
    hn: number,
    seg: P,
    sn: number,
  ): number;
}
