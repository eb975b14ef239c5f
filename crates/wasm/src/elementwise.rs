//! Unary, binary and scalar elementwise kernels, axpy, fill, copy, bias add.
//! Return 0 on success, -1 for an unknown op code.

use crate::{r, w};
use descent_kernels::{binary as bk, unary as uk};

fn params(alpha: f64, beta: f64) -> uk::Params {
    uk::Params {
        alpha: alpha as f32,
        beta: beta as f32,
    }
}

/// # Safety
/// `out` and `x` hold `n` f32 and are the same pointer or disjoint.
#[no_mangle]
pub unsafe extern "C" fn unary(
    op: u32,
    out: *mut f32,
    x: *const f32,
    n: usize,
    alpha: f64,
    beta: f64,
) -> i32 {
    let Some(op) = uk::Unary::from_code(op) else {
        return -1;
    };
    if std::ptr::eq(out, x) {
        uk::unary_inplace(op, params(alpha, beta), w(out, n));
    } else {
        uk::unary(op, params(alpha, beta), w(out, n), r(x, n));
    }
    0
}

/// # Safety
/// `dx`, `x`, `dy` hold `n` f32; `dx` is `dy` or disjoint from both.
#[no_mangle]
pub unsafe extern "C" fn unary_backward(
    op: u32,
    dx: *mut f32,
    x: *const f32,
    dy: *const f32,
    n: usize,
    alpha: f64,
    beta: f64,
) -> i32 {
    let Some(op) = uk::Unary::from_code(op) else {
        return -1;
    };
    let p = params(alpha, beta);
    if std::ptr::eq(dx, dy) {
        uk::unary_backward_inplace(op, p, r(x, n), w(dx, n));
    } else {
        uk::unary_backward(op, p, w(dx, n), r(x, n), r(dy, n));
    }
    0
}

/// # Safety
/// `out`, `a`, `b` hold `n` f32; `out` is `a`, `b`, both, or disjoint.
#[no_mangle]
pub unsafe extern "C" fn binary(
    op: u32,
    out: *mut f32,
    a: *const f32,
    b: *const f32,
    n: usize,
) -> i32 {
    let Some(op) = bk::Binary::from_code(op) else {
        return -1;
    };
    let o = out as *const f32;
    if o == a && o == b {
        // a op a in place: read a copy so no slice aliases the written one.
        let copy = r(a, n).to_vec();
        bk::binary_inplace_a(op, w(out, n), &copy);
    } else if o == a {
        bk::binary_inplace_a(op, w(out, n), r(b, n));
    } else if o == b {
        bk::binary_inplace_b(op, r(a, n), w(out, n));
    } else {
        bk::binary(op, w(out, n), r(a, n), r(b, n));
    }
    0
}

/// # Safety
/// `out` and `x` hold `n` f32 and are the same pointer or disjoint.
#[no_mangle]
pub unsafe extern "C" fn binary_scalar(
    op: u32,
    out: *mut f32,
    x: *const f32,
    n: usize,
    s: f64,
) -> i32 {
    let Some(op) = bk::Binary::from_code(op) else {
        return -1;
    };
    if std::ptr::eq(out, x) {
        bk::binary_scalar_inplace(op, w(out, n), s as f32);
    } else {
        bk::binary_scalar(op, w(out, n), r(x, n), s as f32);
    }
    0
}

/// # Safety
/// `x`, `y` hold `n` f32, disjoint.
#[no_mangle]
pub unsafe extern "C" fn axpy(alpha: f64, x: *const f32, y: *mut f32, n: usize) {
    bk::axpy(alpha as f32, r(x, n), w(y, n));
}

/// # Safety
/// `out` holds `n` f32.
#[no_mangle]
pub unsafe extern "C" fn fill(out: *mut f32, n: usize, value: f64) {
    bk::fill(w(out, n), value as f32);
}

/// # Safety
/// `dst`, `src` hold `n` f32, disjoint.
#[no_mangle]
pub unsafe extern "C" fn copy(dst: *mut f32, src: *const f32, n: usize) {
    bk::copy(w(dst, n), r(src, n));
}

/// # Safety
/// `a`, `b` hold `n` f32, disjoint.
#[no_mangle]
pub unsafe extern "C" fn lerp(a: *mut f32, b: *const f32, n: usize, wt: f64) {
    bk::lerp(w(a, n), r(b, n), wt as f32);
}

/// # Safety
/// `x` holds `outer·c·inner` f32, `b` `c`, disjoint.
#[no_mangle]
pub unsafe extern "C" fn bias_add(
    x: *mut f32,
    b: *const f32,
    outer: usize,
    c: usize,
    inner: usize,
) {
    bk::bias_add(w(x, outer * c * inner), r(b, c), outer, c, inner);
}

/// # Safety
/// `out`, `x` hold `n` f32 and are the same pointer or disjoint.
#[no_mangle]
pub unsafe extern "C" fn clamp(out: *mut f32, x: *const f32, n: usize, lo: f64, hi: f64) {
    if std::ptr::eq(out, x) {
        bk::clamp_inplace(w(out, n), lo as f32, hi as f32);
    } else {
        bk::clamp(w(out, n), r(x, n), lo as f32, hi as f32);
    }
}
