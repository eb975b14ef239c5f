//! Reductions: sums in f64 as the kernels return them, maxima as f32 widened.

use crate::{r, w};
use descent_kernels::reduce as rk;

/// # Safety (all): pointers hold the stated number of f32.
#[no_mangle]
pub unsafe extern "C" fn sum(x: *const f32, n: usize) -> f64 {
    rk::sum(r(x, n))
}

/// # Safety
/// `x` holds `n` f32.
#[no_mangle]
pub unsafe extern "C" fn sum_squares(x: *const f32, n: usize) -> f64 {
    rk::sum_squares(r(x, n))
}

/// # Safety
/// `x` holds `n` f32.
#[no_mangle]
pub unsafe extern "C" fn sum_abs(x: *const f32, n: usize) -> f64 {
    rk::sum_abs(r(x, n))
}

/// # Safety
/// `x` holds `n` f32.
#[no_mangle]
pub unsafe extern "C" fn max_abs(x: *const f32, n: usize) -> f64 {
    rk::max_abs(r(x, n)) as f64
}

/// # Safety
/// `x` holds `n` f32.
#[no_mangle]
pub unsafe extern "C" fn max(x: *const f32, n: usize) -> f64 {
    rk::max(r(x, n)) as f64
}

/// # Safety
/// `a`, `b` hold `n` f32.
#[no_mangle]
pub unsafe extern "C" fn dot(a: *const f32, b: *const f32, n: usize) -> f64 {
    rk::dot(r(a, n), r(b, n))
}

/// # Safety
/// `out` holds `rows` i32, `x` `rows·cols` f32.
#[no_mangle]
pub unsafe extern "C" fn argmax_rows(out: *mut i32, x: *const f32, rows: usize, cols: usize) {
    let o = if rows == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(out, rows)
    };
    rk::argmax_rows(o, r(x, rows * cols), rows, cols);
}

/// # Safety
/// `out` holds `cols` f32, `x` `rows·cols`, disjoint.
#[no_mangle]
pub unsafe extern "C" fn col_sums(
    out: *mut f32,
    x: *const f32,
    rows: usize,
    cols: usize,
    acc: u32,
) {
    rk::col_sums(w(out, cols), r(x, rows * cols), rows, cols, acc != 0);
}

/// # Safety
/// `out` holds `c` f32, `x` `outer·c·inner`, disjoint.
#[no_mangle]
pub unsafe extern "C" fn bias_grad(
    out: *mut f32,
    x: *const f32,
    outer: usize,
    c: usize,
    inner: usize,
    acc: u32,
) {
    rk::bias_grad(
        w(out, c),
        r(x, outer * c * inner),
        outer,
        c,
        inner,
        acc != 0,
    );
}
