//! Adadelta (Zeiler, 2012), following `torch.optim.Adadelta` (single-tensor path):
//! g = ±grad + wd·p; v = ρv + (1−ρ)g²; δ = √(u + ε) / √(v + ε) · g; u = ρu + (1−ρ)δ²;
//! p −= lr·δ.

use super::stream::{grad, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdadeltaParams {
    pub lr: f64,
    pub rho: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

simd_fn! {
    fn adadelta_serial<S>(s, o: AdadeltaParams, p: &mut [f32], g: &[f32], sq: &mut [f32], acc: &mut [f32]) {
        let (rho, omr) = (s.splat(o.rho as f32), s.splat((1.0 - o.rho) as f32));
        let (eps, nlr) = (s.splat(o.eps as f32), s.splat(-o.lr as f32));
        let (maximize, wd) = (o.maximize, o.weight_decay as f32);
        crate::unswitch!([maximize], [wd], {
            stream(s, [g], [p, sq, acc], |[gv], [pv, qv, uv]| {
                let gv = grad(s, maximize, wd, pv, gv);
                let qv = s.fma(s.mul(omr, gv), gv, s.mul(qv, rho));
                let std = s.sqrt(s.add(qv, eps));
                let delta = s.mul(s.div(s.sqrt(s.add(uv, eps)), std), gv);
                let uv = s.fma(s.mul(omr, delta), delta, s.mul(uv, rho));
                [s.fma(nlr, delta, pv), qv, uv]
            });
        });
    }
}

/// One Adadelta step in place.
pub fn adadelta_step(
    o: AdadeltaParams,
    p: &mut [f32],
    g: &[f32],
    square_avg: &mut [f32],
    acc_delta: &mut [f32],
) {
    let n = p.len();
    assert!(
        g.len() == n && square_avg.len() == n && acc_delta.len() == n,
        "adadelta_step: lengths"
    );
    for_chunks((p, g, square_avg, acc_delta), n, PAR_MIN, &|(
        p,
        g,
        sq,
        acc,
    )| {
        adadelta_serial(o, p, g, sq, acc)
    });
}

/// Hyperparameters: [lr, rho, eps, weight_decay, maximize];
/// states: 0 square_avg, 1 acc_delta.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, rho, eps, weight_decay, maximize] = super::hyper("adadelta", h)?;
    let o = AdadeltaParams {
        lr,
        rho,
        eps,
        weight_decay,
        maximize: maximize != 0.0,
    };
    let sq = grp.state(0, "square_avg")?;
    let acc = grp.state(1, "acc_delta")?;
    adadelta_step(o, grp.p, grp.g, sq, acc);
    Ok(())
}
