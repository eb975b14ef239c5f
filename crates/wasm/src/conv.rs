//! im2col / col2im and 2-D pooling. The window geometry arrives as 14 f64 counts, in the
//! order of `Window2d` (see crates/node/src/conv.rs), already validated by the checked ops.

use crate::{r, w};
use descent_kernels::conv::{self as ck, Geometry};
use descent_kernels::pool as pk;

/// # Safety
/// `g` points to 14 f64 holding non-negative integers.
unsafe fn geometry(g: *const f64) -> Geometry {
    let s = std::slice::from_raw_parts(g, 14);
    let v: [usize; 14] = std::array::from_fn(|i| s[i] as usize);
    Geometry {
        n: v[0],
        c: v[1],
        h: v[2],
        w: v[3],
        kh: v[4],
        kw: v[5],
        sh: v[6],
        sw: v[7],
        ph: v[8],
        pw: v[9],
        dh: v[10],
        dw: v[11],
        oh: v[12],
        ow: v[13],
    }
}

/// Output elements (`n·c·oh·ow`) of a pooling window.
fn pooled(g: &Geometry) -> usize {
    g.n * g.c * g.oh * g.ow
}

/// # Safety
/// `cols` holds `col_rows·col_cols` f32, `x` `input_len`, disjoint; `geo` as [`geometry`].
#[no_mangle]
pub unsafe extern "C" fn im2col(cols: *mut f32, x: *const f32, geo: *const f64) {
    let g = geometry(geo);
    ck::im2col(
        w(cols, g.col_rows() * g.col_cols()),
        r(x, g.input_len()),
        &g,
    );
}

/// # Safety
/// `dx` holds `input_len` f32, `cols` `col_rows·col_cols`, disjoint; `geo` as [`geometry`].
#[no_mangle]
pub unsafe extern "C" fn col2im(dx: *mut f32, cols: *const f32, geo: *const f64) {
    let g = geometry(geo);
    ck::col2im(
        w(dx, g.input_len()),
        r(cols, g.col_rows() * g.col_cols()),
        &g,
    );
}

/// # Safety
/// `y` and `idx` hold the pooled length, `x` `input_len`, all disjoint.
#[no_mangle]
pub unsafe extern "C" fn max_pool2d(y: *mut f32, idx: *mut i32, x: *const f32, geo: *const f64) {
    let g = geometry(geo);
    let n = pooled(&g);
    let ix = if n == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(idx, n)
    };
    pk::max_pool2d(w(y, n), ix, r(x, g.input_len()), &g);
}

/// # Safety
/// `dx` holds `input_len` f32, `idx` and `dy` the pooled length, disjoint from `dx`.
#[no_mangle]
pub unsafe extern "C" fn max_pool2d_backward(
    dx: *mut f32,
    idx: *const i32,
    dy: *const f32,
    geo: *const f64,
) {
    let g = geometry(geo);
    let n = pooled(&g);
    let ix = if n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(idx, n)
    };
    pk::max_pool2d_backward(w(dx, g.input_len()), ix, r(dy, n), &g);
}

/// # Safety
/// `y` holds the pooled length, `x` `input_len`, disjoint.
#[no_mangle]
pub unsafe extern "C" fn avg_pool2d(y: *mut f32, x: *const f32, geo: *const f64, cip: u32) {
    let g = geometry(geo);
    pk::avg_pool2d(w(y, pooled(&g)), r(x, g.input_len()), &g, cip != 0);
}

/// # Safety
/// `dx` holds `input_len` f32, `dy` the pooled length, disjoint.
#[no_mangle]
pub unsafe extern "C" fn avg_pool2d_backward(
    dx: *mut f32,
    dy: *const f32,
    geo: *const f64,
    cip: u32,
) {
    let g = geometry(geo);
    pk::avg_pool2d_backward(w(dx, g.input_len()), r(dy, pooled(&g)), &g, cip != 0);
}
