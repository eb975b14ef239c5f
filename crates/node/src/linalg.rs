//! GEMM, softmax and the fused softmax-cross-entropy.

use crate::buf::{count, disjoint, invalid, len_is, product, F32, I32};
use descent_kernels::{gemm as gk, softmax as sk};
use napi::Result;
use napi_derive::napi;

#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    trans_a: bool,
    trans_b: bool,
    m: f64,
    n: f64,
    k: f64,
    alpha: f64,
    a: F32,
    b: F32,
    beta: f64,
    c: F32,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "gemm";
    let (m, n, k) = (count(f, "m", m)?, count(f, "n", n)?, count(f, "k", k)?);
    len_is(f, "a", &a, product(f, "m × k", &[m, k])?)?;
    len_is(f, "b", &b, product(f, "k × n", &[k, n])?)?;
    len_is(f, "c", &c, product(f, "m × n", &[m, n])?)?;
    // The kernel indexes up to m·n·k-sized strides internally: refuse products that overflow.
    product(f, "m × n × k", &[m, n, k])?;
    disjoint(f, ("c", &c), &[("a", &a), ("b", &b)])?;
    let (a, b) = unsafe { (a.as_ref(), b.as_ref()) };
    gk::sgemm(
        trans_a,
        trans_b,
        m,
        n,
        k,
        alpha as f32,
        a,
        b,
        beta as f32,
        unsafe { c.as_mut() },
    );
    Ok(())
}

/// Rows and columns, refusing a product that overflows.
fn shape(f: &str, rows: f64, cols: f64) -> Result<(usize, usize)> {
    let (r, c) = (count(f, "rows", rows)?, count(f, "cols", cols)?);
    product(f, "rows × cols", &[r, c])?;
    Ok((r, c))
}

/// Row-wise softmax / log-softmax; out may be x itself.
#[napi(catch_unwind)]
pub fn softmax(out: F32, x: F32, rows: f64, cols: f64, log: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "softmax";
    let (r, c) = shape(f, rows, cols)?;
    len_is(f, "x", &x, r * c)?;
    len_is(f, "out", &out, r * c)?;
    if out.same(&x) {
        sk::softmax_inplace(unsafe { out.as_mut() }, r, c, log);
    } else {
        disjoint(f, ("out", &out), &[("x", &x)])?;
        sk::softmax(unsafe { out.as_mut() }, unsafe { x.as_ref() }, r, c, log);
    }
    Ok(())
}

/// Backward of softmax / log-softmax from its output y; dx may be dy itself.
#[napi(catch_unwind)]
pub fn softmax_backward(dx: F32, y: F32, dy: F32, rows: f64, cols: f64, log: bool) -> Result<()> {
    let _call = crate::call::enter();
    let f = "softmaxBackward";
    let (r, c) = shape(f, rows, cols)?;
    for (name, b) in [("dx", &dx), ("y", &y), ("dy", &dy)] {
        len_is(f, name, b, r * c)?;
    }
    if dx.same(&dy) {
        disjoint(f, ("dx", &dx), &[("y", &y)])?;
        sk::softmax_backward_inplace(unsafe { y.as_ref() }, unsafe { dx.as_mut() }, r, c, log);
    } else {
        disjoint(f, ("dx", &dx), &[("y", &y), ("dy", &dy)])?;
        let (y, dy) = unsafe { (y.as_ref(), dy.as_ref()) };
        sk::softmax_backward(unsafe { dx.as_mut() }, y, dy, r, c, log);
    }
    Ok(())
}

/// Summed softmax cross-entropy; writes grad = scale·(softmax - onehot) when grad is given.
#[napi(catch_unwind)]
pub fn softmax_cross_entropy(
    logits: F32,
    labels: I32,
    grad: Option<F32>,
    rows: f64,
    cols: f64,
    grad_scale: f64,
) -> Result<f64> {
    let _call = crate::call::enter();
    let f = "softmaxCrossEntropy";
    let (r, c) = shape(f, rows, cols)?;
    if c == 0 {
        return Err(invalid(f, "cols must be positive".into()));
    }
    len_is(f, "logits", &logits, r * c)?;
    len_is(f, "labels", &labels, r)?;
    let lab = unsafe { labels.as_ref() };
    if let Some(i) = lab.iter().position(|&l| l < 0 || l as usize >= c) {
        return Err(invalid(
            f,
            format!("labels[{i}] = {} is outside [0, {c})", lab[i]),
        ));
    }
    let logits_s = unsafe { logits.as_ref() };
    let g = match &grad {
        Some(g) => {
            len_is(f, "grad", g, r * c)?;
            disjoint(f, ("grad", g), &[("logits", &logits)])?;
            if g.overlaps(&labels) {
                return Err(invalid(f, "grad overlaps labels in memory".into()));
            }
            Some(unsafe { g.as_mut() })
        }
        None => None,
    };
    Ok(sk::softmax_cross_entropy(
        logits_s,
        lab,
        g,
        r,
        c,
        grad_scale as f32,
    ))
}
