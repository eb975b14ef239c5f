//! Max and average pooling, forward and backward (geometry as in `conv.rs`).

use crate::buf::{disjoint, invalid, len_is, F32, F64, I32};
use crate::conv::geometry;
use descent_kernels::conv::Geometry;
use descent_kernels::pool as pk;
use napi::Result;
use napi_derive::napi;

/// Indices are i32 flat positions within a plane.
fn plane_fits(f: &str, g: &Geometry) -> Result<()> {
    if g.h * g.w > i32::MAX as usize {
        return Err(invalid(
            f,
            format!("a plane of {}×{} does not fit int32 indices", g.h, g.w),
        ));
    }
    Ok(())
}

/// y, indices (n, c, oh, ow) = window maxima of x and their flat positions in the plane.
#[napi(catch_unwind, js_name = "maxPool2d")]
pub fn max_pool2d(y: F32, indices: I32, x: F32, geom: F64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "maxPool2d";
    let g = geometry(f, &geom)?;
    plane_fits(f, &g)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "y", &y, g.output_len())?;
    len_is(f, "indices", &indices, g.output_len())?;
    disjoint(f, ("y", &y), &[("x", &x)])?;
    disjoint(f, ("indices", &indices), &[("x", &x), ("y", &y)])?;
    pk::max_pool2d(
        unsafe { y.as_mut() },
        unsafe { indices.as_mut() },
        unsafe { x.as_ref() },
        &g,
    );
    Ok(())
}

/// dx (n, c, h, w) = dy scattered to the saved argmax positions (written, not accumulated).
#[napi(catch_unwind, js_name = "maxPool2dBackward")]
pub fn max_pool2d_backward(dx: F32, indices: I32, dy: F32, geom: F64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "maxPool2dBackward";
    let g = geometry(f, &geom)?;
    plane_fits(f, &g)?;
    len_is(f, "dx", &dx, g.input_len())?;
    len_is(f, "dy", &dy, g.output_len())?;
    len_is(f, "indices", &indices, g.output_len())?;
    disjoint(f, ("dx", &dx), &[("dy", &dy)])?;
    if dx.overlaps(&indices) {
        return Err(invalid(f, "dx overlaps indices in memory".into()));
    }
    let idx = unsafe { indices.as_ref() };
    let hw = (g.h * g.w) as i64;
    if let Some(i) = crate::buf::first_outside(idx, hw) {
        return Err(invalid(
            f,
            format!("indices[{i}] = {} is outside the plane [0, {hw})", idx[i]),
        ));
    }
    pk::max_pool2d_backward(unsafe { dx.as_mut() }, idx, unsafe { dy.as_ref() }, &g);
    Ok(())
}

fn no_dilation(f: &str, g: &Geometry) -> Result<()> {
    if g.dh != 1 || g.dw != 1 {
        return Err(invalid(
            f,
            format!("dilation must be 1, got {}×{}", g.dh, g.dw),
        ));
    }
    Ok(())
}

/// y (n, c, oh, ow) = window means of x (PyTorch's divisor rules).
#[napi(catch_unwind, js_name = "avgPool2d")]
pub fn avg_pool2d(y: F32, x: F32, geom: F64, count_include_pad: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "avgPool2d";
    let g = geometry(f, &geom)?;
    no_dilation(f, &g)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "y", &y, g.output_len())?;
    disjoint(f, ("y", &y), &[("x", &x)])?;
    pk::avg_pool2d(
        unsafe { y.as_mut() },
        unsafe { x.as_ref() },
        &g,
        count_include_pad,
    );
    Ok(())
}

/// dx (n, c, h, w) = the adjoint of avgPool2d applied to dy (written, not accumulated).
#[napi(catch_unwind, js_name = "avgPool2dBackward")]
pub fn avg_pool2d_backward(dx: F32, dy: F32, geom: F64, count_include_pad: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "avgPool2dBackward";
    let g = geometry(f, &geom)?;
    no_dilation(f, &g)?;
    len_is(f, "dx", &dx, g.input_len())?;
    len_is(f, "dy", &dy, g.output_len())?;
    disjoint(f, ("dx", &dx), &[("dy", &dy)])?;
    pk::avg_pool2d_backward(
        unsafe { dx.as_mut() },
        unsafe { dy.as_ref() },
        &g,
        count_include_pad,
    );
    Ok(())
}
