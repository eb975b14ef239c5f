//! Fused loss kernels: cross-entropy with class weights / label smoothing / ignored rows or
//! probability targets, and binary cross-entropy on logits.

use crate::buf::{count, disjoint, invalid, len_is, product, F32, I32};
use descent_kernels::loss as lk;
use napi::Result;
use napi_derive::napi;

/// Rows and columns (cols ≥ 1), refusing a product that overflows.
fn shape(f: &str, rows: f64, cols: f64) -> Result<(usize, usize)> {
    let (r, c) = (count(f, "rows", rows)?, count(f, "cols", cols)?);
    if c == 0 {
        return Err(invalid(f, "cols must be positive".into()));
    }
    product(f, "rows × cols", &[r, c])?;
    Ok((r, c))
}

/// The optional class-weight vector (length cols).
fn opt_len(f: &str, name: &str, b: &Option<F32>, want: usize) -> Result<()> {
    match b {
        Some(b) => len_is(f, name, b, want),
        None => Ok(()),
    }
}

/// Checks the optional gradient buffer (length n, disjoint from every input) and borrows it
/// mutably: the only mutable view made of it during the call.
#[allow(clippy::mut_from_ref)]
fn grad_mut<'a>(
    f: &str,
    grad: &'a Option<F32>,
    n: usize,
    inputs: &[(&str, &F32)],
    labels: Option<&I32>,
) -> Result<Option<&'a mut [f32]>> {
    let Some(g) = grad else { return Ok(None) };
    len_is(f, "grad", g, n)?;
    disjoint(f, ("grad", g), inputs)?;
    if let Some(l) = labels {
        if g.overlaps(l) {
            return Err(invalid(f, "grad overlaps labels in memory".into()));
        }
    }
    // SAFETY: grad overlaps no other argument (checked above).
    Ok(Some(unsafe { g.as_mut() }))
}

/// Summed cross-entropy with integer labels, class weights, label smoothing and an ignored
/// label; grad = scale·(softmax·Σa − a) (see `Kernels.crossEntropyLabels`).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_labels(
    logits: F32,
    labels: I32,
    weight: Option<F32>,
    grad: Option<F32>,
    rows: f64,
    cols: f64,
    smoothing: f64,
    ignore_index: f64,
    grad_scale: f64,
) -> Result<f64> {
    let _call = crate::call::enter();
    let f = "crossEntropyLabels";
    let (r, c) = shape(f, rows, cols)?;
    len_is(f, "logits", &logits, r * c)?;
    len_is(f, "labels", &labels, r)?;
    opt_len(f, "weight", &weight, c)?;
    if !(ignore_index.fract() == 0.0
        && ignore_index >= i32::MIN as f64
        && ignore_index <= i32::MAX as f64)
    {
        return Err(invalid(
            f,
            format!("ignoreIndex must be a 32-bit integer, got {ignore_index}"),
        ));
    }
    let ignore = ignore_index as i32;
    // SAFETY: labels is only read; grad (the only written buffer) is checked disjoint below.
    let lab = unsafe { labels.as_ref() };
    if let Some(i) = lab
        .iter()
        .position(|&l| l != ignore && (l < 0 || l as usize >= c))
    {
        return Err(invalid(
            f,
            format!("labels[{i}] = {} is outside [0, {c})", lab[i]),
        ));
    }
    let mut inputs = vec![("logits", &logits)];
    if let Some(w) = &weight {
        inputs.push(("weight", w));
    }
    let g = grad_mut(f, &grad, r * c, &inputs, Some(&labels))?;
    // SAFETY: read-only views; none overlaps grad.
    let (x, w) = unsafe { (logits.as_ref(), weight.as_ref().map(|w| w.as_ref())) };
    Ok(lk::cross_entropy_labels(
        x,
        lab,
        w,
        g,
        r,
        c,
        smoothing as f32,
        ignore,
        grad_scale as f32,
    ))
}

/// Summed cross-entropy against dense class probabilities, with class weights and label
/// smoothing; grad = scale·(softmax·Σa − a) (see `Kernels.crossEntropyProbs`).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_probs(
    logits: F32,
    target: F32,
    weight: Option<F32>,
    grad: Option<F32>,
    rows: f64,
    cols: f64,
    smoothing: f64,
    grad_scale: f64,
) -> Result<f64> {
    let _call = crate::call::enter();
    let f = "crossEntropyProbs";
    let (r, c) = shape(f, rows, cols)?;
    len_is(f, "logits", &logits, r * c)?;
    len_is(f, "target", &target, r * c)?;
    opt_len(f, "weight", &weight, c)?;
    let mut inputs = vec![("logits", &logits), ("target", &target)];
    if let Some(w) = &weight {
        inputs.push(("weight", w));
    }
    let g = grad_mut(f, &grad, r * c, &inputs, None)?;
    // SAFETY: read-only views; none overlaps grad.
    let (x, t, w) = unsafe {
        (
            logits.as_ref(),
            target.as_ref(),
            weight.as_ref().map(|w| w.as_ref()),
        )
    };
    Ok(lk::cross_entropy_probs(
        x,
        t,
        w,
        g,
        r,
        c,
        smoothing as f32,
        grad_scale as f32,
    ))
}

/// Summed binary cross-entropy on logits with optional per-element weight and positive-class
/// weight; grad = scale·w·((1 − y)·σ(x) − pw·y·σ(−x)) (see `Kernels.bceWithLogits`).
#[napi(catch_unwind)]
pub fn bce_with_logits(
    x: F32,
    target: F32,
    weight: Option<F32>,
    pos_weight: Option<F32>,
    grad: Option<F32>,
    grad_scale: f64,
) -> Result<f64> {
    let _call = crate::call::enter();
    let f = "bceWithLogits";
    let n = x.len();
    len_is(f, "target", &target, n)?;
    opt_len(f, "weight", &weight, n)?;
    opt_len(f, "posWeight", &pos_weight, n)?;
    let mut inputs = vec![("x", &x), ("target", &target)];
    if let Some(w) = &weight {
        inputs.push(("weight", w));
    }
    if let Some(p) = &pos_weight {
        inputs.push(("posWeight", p));
    }
    let g = grad_mut(f, &grad, n, &inputs, None)?;
    // SAFETY: read-only views; none overlaps grad.
    let (xs, ys, w, p) = unsafe {
        (
            x.as_ref(),
            target.as_ref(),
            weight.as_ref().map(|w| w.as_ref()),
            pos_weight.as_ref().map(|p| p.as_ref()),
        )
    };
    Ok(lk::bce_with_logits(xs, ys, w, p, g, grad_scale as f32))
}
