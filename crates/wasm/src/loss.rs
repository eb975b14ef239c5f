//! Fused losses: cross-entropy with labels or probabilities, BCE with logits. Optional
//! arrays (weights, grad) are null pointers when absent.

use crate::{r, w};
use descent_kernels::loss as lk;

unsafe fn opt<'a>(p: *const f32, n: usize) -> Option<&'a [f32]> {
    (!p.is_null()).then(|| r(p, n))
}

unsafe fn opt_mut<'a>(p: *mut f32, n: usize) -> Option<&'a mut [f32]> {
    (!p.is_null()).then(|| w(p, n))
}

/// # Safety
/// `logits` (and `grad`) hold `rows·cols` f32, `labels` `rows` i32 (each in [0, cols) or
/// `ignore`), `weight` null or `cols` f32; `grad` disjoint from the rest.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cross_entropy_labels(
    logits: *const f32,
    labels: *const i32,
    weight: *const f32,
    grad: *mut f32,
    rows: usize,
    cols: usize,
    smoothing: f64,
    ignore: i32,
    scale: f64,
) -> f64 {
    let n = rows * cols;
    let lab = if rows == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(labels, rows)
    };
    lk::cross_entropy_labels(
        r(logits, n),
        lab,
        opt(weight, cols),
        opt_mut(grad, n),
        rows,
        cols,
        smoothing as f32,
        ignore,
        scale as f32,
    )
}

/// # Safety
/// `logits`, `target` (and `grad`) hold `rows·cols` f32, `weight` null or `cols`; `grad`
/// disjoint from the rest.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cross_entropy_probs(
    logits: *const f32,
    target: *const f32,
    weight: *const f32,
    grad: *mut f32,
    rows: usize,
    cols: usize,
    smoothing: f64,
    scale: f64,
) -> f64 {
    let n = rows * cols;
    lk::cross_entropy_probs(
        r(logits, n),
        r(target, n),
        opt(weight, cols),
        opt_mut(grad, n),
        rows,
        cols,
        smoothing as f32,
        scale as f32,
    )
}

/// # Safety
/// `x`, `y` and the non-null `weight`, `pos_weight`, `grad` hold `n` f32; `grad` disjoint.
#[no_mangle]
pub unsafe extern "C" fn bce_with_logits(
    x: *const f32,
    y: *const f32,
    weight: *const f32,
    pos_weight: *const f32,
    grad: *mut f32,
    n: usize,
    scale: f64,
) -> f64 {
    lk::bce_with_logits(
        r(x, n),
        r(y, n),
        opt(weight, n),
        opt(pos_weight, n),
        opt_mut(grad, n),
        scale as f32,
    )
}
