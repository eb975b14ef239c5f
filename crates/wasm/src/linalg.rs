//! GEMM (the `gemm` crate's simd128 microkernels), softmax and its fused cross-entropy.

use crate::{r, w};
use descent_kernels::{gemm as gk, softmax as sk};

/// # Safety
/// `a` holds `m·k` f32, `b` `k·n`, `c` `m·n`; `c` is disjoint from `a` and `b`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gemm(
    trans_a: u32,
    trans_b: u32,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: *const f32,
    b: *const f32,
    beta: f64,
    c: *mut f32,
) {
    gk::sgemm(
        trans_a != 0,
        trans_b != 0,
        m,
        n,
        k,
        alpha as f32,
        r(a, m * k),
        r(b, k * n),
        beta as f32,
        w(c, m * n),
    );
}

/// # Safety
/// `out`, `x` hold `rows·cols` f32 and are the same pointer or disjoint.
#[no_mangle]
pub unsafe extern "C" fn softmax(out: *mut f32, x: *const f32, rows: usize, cols: usize, log: u32) {
    let n = rows * cols;
    if std::ptr::eq(out, x) {
        sk::softmax_inplace(w(out, n), rows, cols, log != 0);
    } else {
        sk::softmax(w(out, n), r(x, n), rows, cols, log != 0);
    }
}

/// # Safety
/// `dx`, `y`, `dy` hold `rows·cols` f32; `dx` is `dy` or disjoint from both.
#[no_mangle]
pub unsafe extern "C" fn softmax_backward(
    dx: *mut f32,
    y: *const f32,
    dy: *const f32,
    rows: usize,
    cols: usize,
    log: u32,
) {
    let n = rows * cols;
    if std::ptr::eq(dx, dy) {
        sk::softmax_backward_inplace(r(y, n), w(dx, n), rows, cols, log != 0);
    } else {
        sk::softmax_backward(w(dx, n), r(y, n), r(dy, n), rows, cols, log != 0);
    }
}

/// # Safety
/// `logits` holds `rows·cols` f32, `labels` `rows` i32 in [0, cols), `grad` null or
/// `rows·cols` f32 disjoint from the others.
#[no_mangle]
pub unsafe extern "C" fn softmax_cross_entropy(
    logits: *const f32,
    labels: *const i32,
    grad: *mut f32,
    rows: usize,
    cols: usize,
    scale: f64,
) -> f64 {
    let n = rows * cols;
    let lab = if rows == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(labels, rows)
    };
    let g = if grad.is_null() {
        None
    } else {
        Some(w(grad, n))
    };
    sk::softmax_cross_entropy(r(logits, n), lab, g, rows, cols, scale as f32)
}
