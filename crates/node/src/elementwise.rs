//! Unary, binary and scalar elementwise kernels, axpy, fill, copy.

use crate::buf::{code, disjoint, invalid, len_is, F32};
use descent_kernels::{binary as bk, unary as uk};
use napi::Result;
use napi_derive::napi;

fn unary_op(func: &str, v: f64) -> Result<uk::Unary> {
    let c = code(func, v)?;
    uk::Unary::from_code(c).ok_or_else(|| invalid(func, format!("unknown unary op {c}")))
}

fn binary_op(func: &str, v: f64) -> Result<bk::Binary> {
    let c = code(func, v)?;
    bk::Binary::from_code(c).ok_or_else(|| invalid(func, format!("unknown binary op {c}")))
}

fn params(alpha: f64, beta: f64) -> uk::Params {
    uk::Params {
        alpha: alpha as f32,
        beta: beta as f32,
    }
}

/// out = op(x); out may be x itself.
#[napi(catch_unwind)]
pub fn unary(op: f64, out: F32, x: F32, alpha: f64, beta: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "unary";
    let op = unary_op(f, op)?;
    len_is(f, "out", &out, x.len())?;
    // SAFETY (all branches): slices are made only after the exact-alias / overlap checks.
    if out.same(&x) {
        uk::unary_inplace(op, params(alpha, beta), unsafe { out.as_mut() });
    } else {
        disjoint(f, ("out", &out), &[("x", &x)])?;
        uk::unary(op, params(alpha, beta), unsafe { out.as_mut() }, unsafe {
            x.as_ref()
        });
    }
    Ok(())
}

/// dx = dy * op'(x); dx may be dy itself.
#[napi(catch_unwind)]
pub fn unary_backward(op: f64, dx: F32, x: F32, dy: F32, alpha: f64, beta: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "unaryBackward";
    let op = unary_op(f, op)?;
    len_is(f, "dx", &dx, x.len())?;
    len_is(f, "dy", &dy, x.len())?;
    let p = params(alpha, beta);
    if dx.same(&dy) {
        disjoint(f, ("dx", &dx), &[("x", &x)])?;
        uk::unary_backward_inplace(op, p, unsafe { x.as_ref() }, unsafe { dx.as_mut() });
    } else {
        disjoint(f, ("dx", &dx), &[("x", &x), ("dy", &dy)])?;
        uk::unary_backward(
            op,
            p,
            unsafe { dx.as_mut() },
            unsafe { x.as_ref() },
            unsafe { dy.as_ref() },
        );
    }
    Ok(())
}

/// out = a op b; out may be a or b itself.
#[napi(catch_unwind)]
pub fn binary(op: f64, out: F32, a: F32, b: F32) -> Result<()> {
    let _call = crate::call::enter();
    let f = "binary";
    let op = binary_op(f, op)?;
    len_is(f, "out", &out, a.len())?;
    len_is(f, "b", &b, a.len())?;
    if out.same(&a) && out.same(&b) {
        // a op a, in place: read a copy so no slice aliases the written one.
        let copy = unsafe { a.as_ref() }.to_vec();
        bk::binary_inplace_a(op, unsafe { out.as_mut() }, &copy);
    } else if out.same(&a) {
        disjoint(f, ("out", &out), &[("b", &b)])?;
        bk::binary_inplace_a(op, unsafe { out.as_mut() }, unsafe { b.as_ref() });
    } else if out.same(&b) {
        disjoint(f, ("out", &out), &[("a", &a)])?;
        bk::binary_inplace_b(op, unsafe { a.as_ref() }, unsafe { out.as_mut() });
    } else {
        disjoint(f, ("out", &out), &[("a", &a), ("b", &b)])?;
        bk::binary(op, unsafe { out.as_mut() }, unsafe { a.as_ref() }, unsafe {
            b.as_ref()
        });
    }
    Ok(())
}

/// out = x op s; out may be x itself.
#[napi(catch_unwind)]
pub fn binary_scalar(op: f64, out: F32, x: F32, s: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "binaryScalar";
    let op = binary_op(f, op)?;
    len_is(f, "out", &out, x.len())?;
    if out.same(&x) {
        bk::binary_scalar_inplace(op, unsafe { out.as_mut() }, s as f32);
    } else {
        disjoint(f, ("out", &out), &[("x", &x)])?;
        bk::binary_scalar(op, unsafe { out.as_mut() }, unsafe { x.as_ref() }, s as f32);
    }
    Ok(())
}

/// y += alpha * x.
#[napi(catch_unwind)]
pub fn axpy(alpha: f64, x: F32, y: F32) -> Result<()> {
    let _call = crate::call::enter();
    let f = "axpy";
    len_is(f, "y", &y, x.len())?;
    disjoint(f, ("y", &y), &[("x", &x)])?;
    bk::axpy(alpha as f32, unsafe { x.as_ref() }, unsafe { y.as_mut() });
    Ok(())
}

#[napi(catch_unwind)]
pub fn fill(out: F32, value: f64) -> Result<()> {
    let _call = crate::call::enter();
    bk::fill(unsafe { out.as_mut() }, value as f32);
    Ok(())
}

/// dst = src; the same view is a no-op, any other overlap is refused.
#[napi(catch_unwind)]
pub fn copy(dst: F32, src: F32) -> Result<()> {
    let _call = crate::call::enter();
    let f = "copy";
    len_is(f, "dst", &dst, src.len())?;
    if dst.same(&src) {
        return Ok(());
    }
    disjoint(f, ("dst", &dst), &[("src", &src)])?;
    bk::copy(unsafe { dst.as_mut() }, unsafe { src.as_ref() });
    Ok(())
}

/// a += w·(b − a) (torch.lerp).
#[napi(catch_unwind)]
pub fn lerp(a: F32, b: F32, w: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "lerp";
    len_is(f, "b", &b, a.len())?;
    disjoint(f, ("a", &a), &[("b", &b)])?;
    bk::lerp(unsafe { a.as_mut() }, unsafe { b.as_ref() }, w as f32);
    Ok(())
}

/// out = clamp(x, lo, hi); out may be x itself.
#[napi(catch_unwind)]
pub fn clamp(out: F32, x: F32, lo: f64, hi: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "clamp";
    len_is(f, "out", &out, x.len())?;
    if out.same(&x) {
        bk::clamp_inplace(unsafe { out.as_mut() }, lo as f32, hi as f32);
    } else {
        disjoint(f, ("out", &out), &[("x", &x)])?;
        bk::clamp(
            unsafe { out.as_mut() },
            unsafe { x.as_ref() },
            lo as f32,
            hi as f32,
        );
    }
    Ok(())
}

/// x[o, j, i] += b[j] for x of shape (outer, n, inner).
#[napi(catch_unwind)]
pub fn bias_add(x: F32, b: F32, outer: f64, n: f64, inner: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "biasAdd";
    let (o, c, i) = (
        crate::buf::count(f, "outer", outer)?,
        crate::buf::count(f, "n", n)?,
        crate::buf::count(f, "inner", inner)?,
    );
    len_is(
        f,
        "x",
        &x,
        crate::buf::product(f, "outer × n × inner", &[o, c, i])?,
    )?;
    len_is(f, "b", &b, c)?;
    disjoint(f, ("x", &x), &[("b", &b)])?;
    bk::bias_add(unsafe { x.as_mut() }, unsafe { b.as_ref() }, o, c, i);
    Ok(())
}
