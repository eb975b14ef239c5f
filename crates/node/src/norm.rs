//! Batch norm (outer, channels, inner), layer norm (rows × cols) and embedding kernels.

use crate::buf::{count, disjoint, invalid, len_is, product, F32, I32};
use descent_kernels::{embedding as ek, norm as nk};
use napi::Result;
use napi_derive::napi;

/// (outer, channels, inner) and their overflow-checked product.
fn layout(f: &str, outer: f64, channels: f64, inner: f64) -> Result<(usize, usize, usize, usize)> {
    let (o, c, i) = (
        count(f, "outer", outer)?,
        count(f, "channels", channels)?,
        count(f, "inner", inner)?,
    );
    let n = product(f, "outer × channels × inner", &[o, c, i])?;
    Ok((o, c, i, n))
}

/// Refuses overlap between any two written buffers and between each written and each read one.
fn all_disjoint(f: &str, written: &[(&str, &F32)], read: &[(&str, &F32)]) -> Result<()> {
    for (k, w) in written.iter().enumerate() {
        disjoint(f, *w, read)?;
        disjoint(f, *w, &written[k + 1..])?;
    }
    Ok(())
}

/// Per-channel mean and biased variance of x (outer, channels, inner).
#[napi(catch_unwind)]
pub fn batch_norm_stats(
    mean: F32,
    var: F32,
    x: F32,
    outer: f64,
    channels: f64,
    inner: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "batchNormStats";
    let (o, c, i, n) = layout(f, outer, channels, inner)?;
    len_is(f, "x", &x, n)?;
    len_is(f, "mean", &mean, c)?;
    len_is(f, "var", &var, c)?;
    all_disjoint(f, &[("mean", &mean), ("var", &var)], &[("x", &x)])?;
    nk::batch_norm_stats(
        unsafe { mean.as_mut() },
        unsafe { var.as_mut() },
        unsafe { x.as_ref() },
        o,
        c,
        i,
    );
    Ok(())
}

/// y = (x − mean[c])·scale[c] + shift[c].
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward(
    y: F32,
    x: F32,
    mean: F32,
    scale: F32,
    shift: F32,
    outer: f64,
    channels: f64,
    inner: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "batchNormForward";
    let (o, c, i, n) = layout(f, outer, channels, inner)?;
    len_is(f, "y", &y, n)?;
    len_is(f, "x", &x, n)?;
    for (name, b) in [("mean", &mean), ("scale", &scale), ("shift", &shift)] {
        len_is(f, name, b, c)?;
    }
    all_disjoint(
        f,
        &[("y", &y)],
        &[
            ("x", &x),
            ("mean", &mean),
            ("scale", &scale),
            ("shift", &shift),
        ],
    )?;
    let (xs, m, a, b) = unsafe { (x.as_ref(), mean.as_ref(), scale.as_ref(), shift.as_ref()) };
    nk::batch_norm_forward(unsafe { y.as_mut() }, xs, m, a, b, o, c, i);
    Ok(())
}

/// sumDy[c] = Σ dy, sumDyXmu[c] = Σ dy·(x − mean[c]) over the outer and inner axes.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_reduce(
    sum_dy: F32,
    sum_dy_xmu: F32,
    dy: F32,
    x: F32,
    mean: F32,
    outer: f64,
    channels: f64,
    inner: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "batchNormBackwardReduce";
    let (o, c, i, n) = layout(f, outer, channels, inner)?;
    len_is(f, "dy", &dy, n)?;
    len_is(f, "x", &x, n)?;
    for (name, b) in [
        ("sumDy", &sum_dy),
        ("sumDyXmu", &sum_dy_xmu),
        ("mean", &mean),
    ] {
        len_is(f, name, b, c)?;
    }
    all_disjoint(
        f,
        &[("sumDy", &sum_dy), ("sumDyXmu", &sum_dy_xmu)],
        &[("dy", &dy), ("x", &x), ("mean", &mean)],
    )?;
    let (g, xs, m) = unsafe { (dy.as_ref(), x.as_ref(), mean.as_ref()) };
    nk::batch_norm_backward_reduce(
        unsafe { sum_dy.as_mut() },
        unsafe { sum_dy_xmu.as_mut() },
        g,
        xs,
        m,
        o,
        c,
        i,
    );
    Ok(())
}

/// dx = p[c]·dy + q[c]·(x − mean[c]) + r[c].
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    dx: F32,
    dy: F32,
    x: F32,
    mean: F32,
    p: F32,
    q: F32,
    r: F32,
    outer: f64,
    channels: f64,
    inner: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "batchNormBackward";
    let (o, c, i, n) = layout(f, outer, channels, inner)?;
    for (name, b) in [("dx", &dx), ("dy", &dy), ("x", &x)] {
        len_is(f, name, b, n)?;
    }
    for (name, b) in [("mean", &mean), ("p", &p), ("q", &q), ("r", &r)] {
        len_is(f, name, b, c)?;
    }
    all_disjoint(
        f,
        &[("dx", &dx)],
        &[
            ("dy", &dy),
            ("x", &x),
            ("mean", &mean),
            ("p", &p),
            ("q", &q),
            ("r", &r),
        ],
    )?;
    let (g, xs, m, pp, qq, rr) = unsafe {
        (
            dy.as_ref(),
            x.as_ref(),
            mean.as_ref(),
            p.as_ref(),
            q.as_ref(),
            r.as_ref(),
        )
    };
    nk::batch_norm_backward(unsafe { dx.as_mut() }, g, xs, m, pp, qq, rr, o, c, i);
    Ok(())
}

/// Rows and columns, refusing a product that overflows.
fn shape(f: &str, rows: f64, cols: f64) -> Result<(usize, usize, usize)> {
    let (r, c) = (count(f, "rows", rows)?, count(f, "cols", cols)?);
    let n = product(f, "rows × cols", &[r, c])?;
    Ok((r, c, n))
}

/// Layer norm forward: per-row mean and rstd, y = (x − mean)·rstd·γ + β.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn layer_norm_forward(
    y: F32,
    mean: F32,
    rstd: F32,
    x: F32,
    gamma: Option<F32>,
    beta: Option<F32>,
    rows: f64,
    cols: f64,
    eps: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "layerNormForward";
    let (r, c, n) = shape(f, rows, cols)?;
    if !(eps.is_finite() && eps >= 0.0) {
        return Err(invalid(f, format!("eps must be finite and ≥ 0, got {eps}")));
    }
    len_is(f, "y", &y, n)?;
    len_is(f, "x", &x, n)?;
    len_is(f, "mean", &mean, r)?;
    len_is(f, "rstd", &rstd, r)?;
    let mut read = vec![("x", &x)];
    if let Some(g) = &gamma {
        len_is(f, "gamma", g, c)?;
        read.push(("gamma", g));
    }
    if let Some(b) = &beta {
        len_is(f, "beta", b, c)?;
        read.push(("beta", b));
    }
    all_disjoint(f, &[("y", &y), ("mean", &mean), ("rstd", &rstd)], &read)?;
    let (xs, g, b) = unsafe {
        (
            x.as_ref(),
            gamma.as_ref().map(|v| v.as_ref()),
            beta.as_ref().map(|v| v.as_ref()),
        )
    };
    nk::layer_norm_forward(
        unsafe { y.as_mut() },
        unsafe { mean.as_mut() },
        unsafe { rstd.as_mut() },
        xs,
        g,
        b,
        r,
        c,
        eps,
    );
    Ok(())
}

/// Layer norm backward: dx, and dγ += Σ dy·x̂, dβ += Σ dy when given.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn layer_norm_backward(
    dx: F32,
    dgamma: Option<F32>,
    dbeta: Option<F32>,
    dy: F32,
    x: F32,
    mean: F32,
    rstd: F32,
    gamma: Option<F32>,
    rows: f64,
    cols: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "layerNormBackward";
    let (r, c, n) = shape(f, rows, cols)?;
    for (name, b) in [("dx", &dx), ("dy", &dy), ("x", &x)] {
        len_is(f, name, b, n)?;
    }
    len_is(f, "mean", &mean, r)?;
    len_is(f, "rstd", &rstd, r)?;
    let mut read = vec![("dy", &dy), ("x", &x), ("mean", &mean), ("rstd", &rstd)];
    if let Some(g) = &gamma {
        len_is(f, "gamma", g, c)?;
        read.push(("gamma", g));
    }
    let mut written = vec![("dx", &dx)];
    if let Some(g) = &dgamma {
        len_is(f, "dgamma", g, c)?;
        written.push(("dgamma", g));
    }
    if let Some(b) = &dbeta {
        len_is(f, "dbeta", b, c)?;
        written.push(("dbeta", b));
    }
    all_disjoint(f, &written, &read)?;
    let (g, xs, m, rs, gm) = unsafe {
        (
            dy.as_ref(),
            x.as_ref(),
            mean.as_ref(),
            rstd.as_ref(),
            gamma.as_ref().map(|v| v.as_ref()),
        )
    };
    nk::layer_norm_backward(
        unsafe { dx.as_mut() },
        dgamma.as_ref().map(|v| unsafe { v.as_mut() }),
        dbeta.as_ref().map(|v| unsafe { v.as_mut() }),
        g,
        xs,
        m,
        rs,
        gm,
        r,
        c,
    );
    Ok(())
}

/// Index range check (errors, not panics, for a direct caller's bad index).
fn check_indices(f: &str, idx: &[i32], rows: usize) -> Result<()> {
    if let Some(k) = crate::buf::first_outside(idx, rows as i64) {
        return Err(invalid(
            f,
            format!("indices[{k}] = {} is outside [0, {rows})", idx[k]),
        ));
    }
    Ok(())
}

/// out[r, :] = weight[indices[r], :].
#[napi(catch_unwind)]
pub fn embedding_forward(out: F32, weight: F32, indices: I32, dim: f64) -> Result<()> {
    let _call = crate::call::enter();
    let f = "embeddingForward";
    let d = count(f, "dim", dim)?;
    if d == 0 {
        return Err(invalid(f, "dim must be positive".into()));
    }
    if !weight.len().is_multiple_of(d) {
        return Err(invalid(
            f,
            format!(
                "weight has length {}, not a multiple of dim {d}",
                weight.len()
            ),
        ));
    }
    len_is(
        f,
        "out",
        &out,
        product(f, "indices × dim", &[indices.len(), d])?,
    )?;
    disjoint(f, ("out", &out), &[("weight", &weight)])?;
    if out.overlaps(&indices) {
        return Err(invalid(f, "out overlaps indices in memory".into()));
    }
    let idx = unsafe { indices.as_ref() };
    check_indices(f, idx, weight.len() / d)?;
    ek::embedding_forward(unsafe { out.as_mut() }, unsafe { weight.as_ref() }, idx, d);
    Ok(())
}

/// grad[indices[r], :] += dy[r, :], skipping rows whose index is paddingIdx (−1: none).
#[napi(catch_unwind)]
pub fn embedding_backward(
    grad: F32,
    dy: F32,
    indices: I32,
    dim: f64,
    padding_idx: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "embeddingBackward";
    let d = count(f, "dim", dim)?;
    if d == 0 {
        return Err(invalid(f, "dim must be positive".into()));
    }
    if !grad.len().is_multiple_of(d) {
        return Err(invalid(
            f,
            format!("grad has length {}, not a multiple of dim {d}", grad.len()),
        ));
    }
    let skip = if padding_idx == -1.0 {
        -1i64
    } else {
        count(f, "paddingIdx", padding_idx)? as i64
    };
    len_is(
        f,
        "dy",
        &dy,
        product(f, "indices × dim", &[indices.len(), d])?,
    )?;
    disjoint(f, ("grad", &grad), &[("dy", &dy)])?;
    if grad.overlaps(&indices) {
        return Err(invalid(f, "grad overlaps indices in memory".into()));
    }
    let idx = unsafe { indices.as_ref() };
    check_indices(f, idx, grad.len() / d)?;
    ek::embedding_backward(
        unsafe { grad.as_mut() },
        unsafe { dy.as_ref() },
        idx,
        d,
        skip,
    );
    Ok(())
}
