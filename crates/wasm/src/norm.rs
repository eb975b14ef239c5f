//! Batch norm, layer norm and embedding kernels (contracts in src/backend/kernels.ts).

use crate::{r, w};
use descent_kernels::{embedding as ek, norm as nk};

unsafe fn opt<'a>(p: *const f32, n: usize) -> Option<&'a [f32]> {
    (!p.is_null()).then(|| r(p, n))
}

unsafe fn opt_mut<'a>(p: *mut f32, n: usize) -> Option<&'a mut [f32]> {
    (!p.is_null()).then(|| w(p, n))
}

unsafe fn ints<'a>(p: *const i32, n: usize) -> &'a [i32] {
    if n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

/// # Safety
/// `mean`, `var` hold `channels` f32, `x` `outer·channels·inner`; written ones disjoint.
#[no_mangle]
pub unsafe extern "C" fn batch_norm_stats(
    mean: *mut f32,
    var: *mut f32,
    x: *const f32,
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    nk::batch_norm_stats(
        w(mean, channels),
        w(var, channels),
        r(x, n),
        outer,
        channels,
        inner,
    );
}

/// # Safety
/// `y`, `x` hold `outer·channels·inner` f32, the rest `channels`; `y` disjoint from all.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_forward(
    y: *mut f32,
    x: *const f32,
    mean: *const f32,
    scale: *const f32,
    shift: *const f32,
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    let c = channels;
    nk::batch_norm_forward(
        w(y, n),
        r(x, n),
        r(mean, c),
        r(scale, c),
        r(shift, c),
        outer,
        c,
        inner,
    );
}

/// # Safety
/// `sum_dy`, `sum_dy_xmu`, `mean` hold `channels` f32, `dy`, `x` the full size; written ones
/// disjoint from all.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_backward_reduce(
    sum_dy: *mut f32,
    sum_dy_xmu: *mut f32,
    dy: *const f32,
    x: *const f32,
    mean: *const f32,
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    let c = channels;
    nk::batch_norm_backward_reduce(
        w(sum_dy, c),
        w(sum_dy_xmu, c),
        r(dy, n),
        r(x, n),
        r(mean, c),
        outer,
        c,
        inner,
    );
}

/// # Safety
/// `dx`, `dy`, `x` hold the full size, `mean`, `p`, `q`, `r` `channels`; `dx` disjoint.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn batch_norm_backward(
    dx: *mut f32,
    dy: *const f32,
    x: *const f32,
    mean: *const f32,
    p: *const f32,
    q: *const f32,
    rr: *const f32,
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    let c = channels;
    nk::batch_norm_backward(
        w(dx, n),
        r(dy, n),
        r(x, n),
        r(mean, c),
        r(p, c),
        r(q, c),
        r(rr, c),
        outer,
        c,
        inner,
    );
}

/// # Safety
/// `y`, `x` hold `rows·cols` f32, `mean`, `rstd` `rows`, `gamma`, `beta` null or `cols`;
/// written ones disjoint from all.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn layer_norm_forward(
    y: *mut f32,
    mean: *mut f32,
    rstd: *mut f32,
    x: *const f32,
    gamma: *const f32,
    beta: *const f32,
    rows: usize,
    cols: usize,
    eps: f64,
) {
    let n = rows * cols;
    nk::layer_norm_forward(
        w(y, n),
        w(mean, rows),
        w(rstd, rows),
        r(x, n),
        opt(gamma, cols),
        opt(beta, cols),
        rows,
        cols,
        eps,
    );
}

/// # Safety
/// `dx`, `dy`, `x` hold `rows·cols` f32, `mean`, `rstd` `rows`, the others null or `cols`;
/// written ones disjoint from all.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn layer_norm_backward(
    dx: *mut f32,
    dgamma: *mut f32,
    dbeta: *mut f32,
    dy: *const f32,
    x: *const f32,
    mean: *const f32,
    rstd: *const f32,
    gamma: *const f32,
    rows: usize,
    cols: usize,
) {
    let n = rows * cols;
    nk::layer_norm_backward(
        w(dx, n),
        opt_mut(dgamma, cols),
        opt_mut(dbeta, cols),
        r(dy, n),
        r(x, n),
        r(mean, rows),
        r(rstd, rows),
        opt(gamma, cols),
        rows,
        cols,
    );
}

/// # Safety
/// `out` holds `rows·dim` f32, `weight` `wn` f32, `idx` `rows` i32 in [0, wn / dim).
#[no_mangle]
pub unsafe extern "C" fn embedding_forward(
    out: *mut f32,
    weight: *const f32,
    wn: usize,
    idx: *const i32,
    rows: usize,
    dim: usize,
) {
    ek::embedding_forward(w(out, rows * dim), r(weight, wn), ints(idx, rows), dim);
}

/// # Safety
/// `grad` holds `gn` f32, `dy` `rows·dim`, `idx` `rows` i32 in [0, gn / dim) or `skip`.
#[no_mangle]
pub unsafe extern "C" fn embedding_backward(
    grad: *mut f32,
    gn: usize,
    dy: *const f32,
    idx: *const i32,
    rows: usize,
    dim: usize,
    skip: f64,
) {
    ek::embedding_backward(
        w(grad, gn),
        r(dy, rows * dim),
        ints(idx, rows),
        dim,
        skip as i64,
    );
}
