//! Adagrad (Duchi, Hazan & Singer, 2011), following `torch.optim.Adagrad` (single-tensor,
//! dense path): g = ±grad + wd·p; clr = lr / (1 + (t−1)·lr_decay); sum += g²;
//! p −= clr · g / (√sum + ε).

use super::stream::{grad, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradParams {
    pub lr: f64,
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub eps: f64,
    pub maximize: bool,
    /// 1-based step count after incrementing.
    pub step: f64,
}

simd_fn! {
    fn adagrad_serial<S>(s, o: AdagradParams, p: &mut [f32], g: &[f32], sum: &mut [f32]) {
        // clr in f64 as PyTorch computes it in Python; `value=-clr` becomes an f32 scalar.
        let nclr = s.splat((-(o.lr / (1.0 + (o.step - 1.0) * o.lr_decay))) as f32);
        let eps = s.splat(o.eps as f32);
        let (maximize, wd) = (o.maximize, o.weight_decay as f32);
        crate::unswitch!([maximize], [wd], {
            stream(s, [g], [p, sum], |[gv], [pv, sv]| {
                let gv = grad(s, maximize, wd, pv, gv);
                let sv = s.fma(gv, gv, sv);
                let std = s.add(s.sqrt(sv), eps);
                [s.add(pv, s.div(s.mul(nclr, gv), std)), sv]
            });
        });
    }
}

/// One Adagrad step in place.
pub fn adagrad_step(o: AdagradParams, p: &mut [f32], g: &[f32], sum: &mut [f32]) {
    let n = p.len();
    assert!(g.len() == n && sum.len() == n, "adagrad_step: lengths");
    for_chunks((p, g, sum), n, PAR_MIN, &|(p, g, sum)| {
        adagrad_serial(o, p, g, sum)
    });
}

/// Hyperparameters: [lr, lr_decay, weight_decay, eps, maximize, step]; state 0: sum.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, lr_decay, weight_decay, eps, maximize, step] = super::hyper("adagrad", h)?;
    let o = AdagradParams {
        lr,
        lr_decay,
        weight_decay,
        eps,
        maximize: maximize != 0.0,
        step,
    };
    let sum = grp.state(0, "sum")?;
    adagrad_step(o, grp.p, grp.g, sum);
    Ok(())
}
