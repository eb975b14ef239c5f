//! SGD with momentum, dampening, Nesterov, weight decay and maximize, following
//! `torch.optim.SGD` (single-tensor path):
//! g = ±grad + wd·p; buf = first ? g : μ·buf + (1-τ)·g; d = nesterov ? g + μ·buf : buf;
//! p -= lr·d.

use super::stream::{grad, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdParams {
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
    pub maximize: bool,
    pub first_step: bool,
}

simd_fn! {
    fn plain_serial<S>(s, o: SgdParams, p: &mut [f32], g: &[f32]) {
        let nlr = s.splat(-o.lr);
        let (maximize, wd) = (o.maximize, o.weight_decay);
        crate::unswitch!([maximize], [wd], {
            crate::map::zip_inplace(s, p, g, |pv, gv| s.fma(nlr, grad(s, maximize, wd, pv, gv), pv));
        });
    }
}

simd_fn! {
    fn momentum_serial<S>(s, o: SgdParams, p: &mut [f32], g: &[f32], buf: &mut [f32]) {
        let nlr = s.splat(-o.lr);
        let mu = s.splat(o.momentum);
        let damp = s.splat(1.0 - o.dampening);
        let (first, nesterov, maximize, wd) = (o.first_step, o.nesterov, o.maximize, o.weight_decay);
        crate::unswitch!([first, nesterov, maximize], [wd], {
            stream(s, [g], [p, buf], |[gv], [pv, bv]| {
                let gv = grad(s, maximize, wd, pv, gv);
                let b = if first { gv } else { s.fma(mu, bv, s.mul(damp, gv)) };
                let d = if nesterov { s.fma(mu, b, gv) } else { b };
                [s.fma(nlr, d, pv), b]
            });
        });
    }
}

/// One SGD step in place; `buf` (the momentum buffer) is required iff momentum ≠ 0.
pub fn sgd_step(o: SgdParams, p: &mut [f32], g: &[f32], buf: Option<&mut [f32]>) {
    assert_eq!(p.len(), g.len(), "sgd_step: grads length");
    let n = p.len();
    match buf {
        Some(b) if o.momentum != 0.0 => {
            assert_eq!(b.len(), n, "sgd_step: momentum buffer length");
            for_chunks((p, (g, b)), n, PAR_MIN, &|(p, (g, b))| {
                momentum_serial(o, p, g, b)
            });
        }
        _ => for_chunks((p, g), n, PAR_MIN, &|(p, g)| plain_serial(o, p, g)),
    }
}

/// Hyperparameters: [lr, momentum, dampening, weight_decay, nesterov, maximize, first_step];
/// state 0: the momentum buffer (required when momentum ≠ 0).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, momentum, dampening, weight_decay, nesterov, maximize, first_step] =
        super::hyper("sgd", h)?;
    let o = SgdParams {
        lr: lr as f32,
        momentum: momentum as f32,
        dampening: dampening as f32,
        weight_decay: weight_decay as f32,
        nesterov: nesterov != 0.0,
        maximize: maximize != 0.0,
        first_step: first_step != 0.0,
    };
    let buf = if o.momentum != 0.0 {
        Some(grp.state(0, "momentum_buffer")?)
    } else {
        None
    };
    sgd_step(o, grp.p, grp.g, buf);
    Ok(())
}
