//! Fused optimizer steps over flat parameter groups.

use crate::buf::{disjoint, invalid, len_is, F32};
use descent_kernels::optim as ok;
use napi::Result;
use napi_derive::napi;

/// Every pair of buffers must be disjoint: all but the gradient are written.
fn all_disjoint(f: &str, bufs: &[(&str, &F32)]) -> Result<()> {
    for (i, (name, b)) in bufs.iter().enumerate() {
        len_is(f, name, b, bufs[0].1.len())?;
        disjoint(f, (name, b), &bufs[i + 1..])?;
    }
    Ok(())
}

#[napi(object)]
pub struct SgdOptions {
    pub lr: f64,
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    pub maximize: bool,
    pub first_step: bool,
}

#[napi(catch_unwind)]
pub fn sgd_step(params: F32, grads: F32, momentum_buf: Option<F32>, o: SgdOptions) -> Result<()> {
    let f = "sgdStep";
    let mut bufs = vec![("params", &params), ("grads", &grads)];
    if let Some(b) = &momentum_buf {
        bufs.push(("momentumBuf", b));
    }
    all_disjoint(f, &bufs)?;
    if o.momentum != 0.0 && momentum_buf.is_none() {
        return Err(invalid(f, "momentum needs a momentum buffer".into()));
    }
    let p = ok::SgdParams {
        lr: o.lr as f32,
        momentum: o.momentum as f32,
        dampening: o.dampening as f32,
        weight_decay: o.weight_decay as f32,
        nesterov: o.nesterov,
        maximize: o.maximize,
        first_step: o.first_step,
    };
    let buf = momentum_buf.as_ref().map(|b| unsafe { b.as_mut() });
    ok::sgd_step(
        p,
        unsafe { params.as_mut() },
        unsafe { grads.as_ref() },
        buf,
    );
    Ok(())
}

#[napi(object)]
pub struct AdamOptions {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled: bool,
    pub amsgrad: bool,
    pub maximize: bool,
    pub step: f64,
}

#[napi(catch_unwind)]
pub fn adam_step(
    params: F32,
    grads: F32,
    exp_avg: F32,
    exp_avg_sq: F32,
    max_exp_avg_sq: Option<F32>,
    o: AdamOptions,
) -> Result<()> {
    let f = "adamStep";
    let mut bufs = vec![
        ("params", &params),
        ("grads", &grads),
        ("expAvg", &exp_avg),
        ("expAvgSq", &exp_avg_sq),
    ];
    if let Some(b) = &max_exp_avg_sq {
        bufs.push(("maxExpAvgSq", b));
    }
    all_disjoint(f, &bufs)?;
    if o.amsgrad != max_exp_avg_sq.is_some() {
        return Err(invalid(
            f,
            "maxExpAvgSq must be given exactly when amsgrad is set".into(),
        ));
    }
    let p = ok::AdamParams {
        lr: o.lr,
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
        weight_decay: o.weight_decay,
        decoupled: o.decoupled,
        amsgrad: o.amsgrad,
        maximize: o.maximize,
        step: o.step,
    };
    let vmax = max_exp_avg_sq.as_ref().map(|b| unsafe { b.as_mut() });
    let (pm, g) = unsafe { (params.as_mut(), grads.as_ref()) };
    ok::adam_step(
        p,
        pm,
        g,
        unsafe { exp_avg.as_mut() },
        unsafe { exp_avg_sq.as_mut() },
        vmax,
    );
    Ok(())
}
