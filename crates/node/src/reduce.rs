//! Reductions.

use crate::buf::{count, invalid, len_is, product, F32, I32};
use descent_kernels::reduce as rk;
use napi::Result;
use napi_derive::napi;

#[napi(catch_unwind)]
pub fn sum(x: F32) -> f64 {
    let _call = crate::call::enter();
    rk::sum(unsafe { x.as_ref() })
}

#[napi(catch_unwind)]
pub fn sum_squares(x: F32) -> f64 {
    let _call = crate::call::enter();
    rk::sum_squares(unsafe { x.as_ref() })
}

#[napi(catch_unwind)]
pub fn max(x: F32) -> f64 {
    let _call = crate::call::enter();
    rk::max(unsafe { x.as_ref() }) as f64
}

#[napi(catch_unwind)]
pub fn argmax_rows(out: I32, x: F32, rows: f64, cols: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "argmaxRows";
    let (r, c) = (count(f, "rows", rows)?, count(f, "cols", cols)?);
    if c == 0 && r > 0 {
        return Err(invalid(f, "cols must be positive".into()));
    }
    len_is(f, "x", &x, product(f, "rows × cols", &[r, c])?)?;
    len_is(f, "out", &out, r)?;
    if r > 0 {
        // SAFETY: an Int32Array output cannot be written through the f32 slice: checked apart.
        if out.overlaps(&x) {
            return Err(invalid(f, "out overlaps x in memory".into()));
        }
        rk::argmax_rows(unsafe { out.as_mut() }, unsafe { x.as_ref() }, r, c);
    }
    Ok(())
}

#[napi(catch_unwind)]
pub fn col_sums(out: F32, x: F32, rows: f64, cols: f64, accumulate: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "colSums";
    let (r, c) = (count(f, "rows", rows)?, count(f, "cols", cols)?);
    len_is(f, "x", &x, product(f, "rows × cols", &[r, c])?)?;
    len_is(f, "out", &out, c)?;
    crate::buf::disjoint(f, ("out", &out), &[("x", &x)])?;
    rk::col_sums(
        unsafe { out.as_mut() },
        unsafe { x.as_ref() },
        r,
        c,
        accumulate,
    );
    Ok(())
}

#[napi(catch_unwind)]
pub fn sum_abs(x: F32) -> f64 {
    let _call = crate::call::enter();
    rk::sum_abs(unsafe { x.as_ref() })
}

/// max |x|; NaN if any element is NaN; 0 when empty.
#[napi(catch_unwind)]
pub fn max_abs(x: F32) -> f64 {
    let _call = crate::call::enter();
    rk::max_abs(unsafe { x.as_ref() }) as f64
}

#[napi(catch_unwind)]
pub fn dot(a: F32, b: F32) -> Result<f64> {
    let _call = crate::call::enter();
    len_is("dot", "b", &b, a.len())?;
    Ok(rk::dot(unsafe { a.as_ref() }, unsafe { b.as_ref() }))
}

/// out[j] (+)= Σ over the outer and inner axes of x (outer, n, inner): a bias gradient.
#[napi(catch_unwind)]
pub fn bias_grad(out: F32, x: F32, outer: f64, n: f64, inner: f64, accumulate: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "biasGrad";
    let (o, c, i) = (
        count(f, "outer", outer)?,
        count(f, "n", n)?,
        count(f, "inner", inner)?,
    );
    len_is(f, "x", &x, product(f, "outer × n × inner", &[o, c, i])?)?;
    len_is(f, "out", &out, c)?;
    crate::buf::disjoint(f, ("out", &out), &[("x", &x)])?;
    rk::bias_grad(
        unsafe { out.as_mut() },
        unsafe { x.as_ref() },
        o,
        c,
        i,
        accumulate,
    );
    Ok(())
}
