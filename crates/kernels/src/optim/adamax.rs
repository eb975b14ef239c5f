//! Adamax (Kingma & Ba, 2015, §7.1), following `torch.optim.Adamax` (single-tensor path):
//! g = ±grad + wd·p; m = lerp(m, g, 1−β₁); u = max(β₂u, |g| + ε) (NaN-propagating, as
//! `torch.maximum`); p −= (lr / (1−β₁ᵗ)) · m / u.

use super::stream::{grad, lerp_from, lerp_near_a, max_nan, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamaxParams {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub maximize: bool,
    /// 1-based step count after incrementing.
    pub step: f64,
}

simd_fn! {
    fn adamax_serial<S>(s, o: AdamaxParams, p: &mut [f32], g: &[f32], m: &mut [f32], u: &mut [f32]) {
        let w = (1.0 - o.beta1) as f32;
        let (b2, eps) = (s.splat(o.beta2 as f32), s.splat(o.eps as f32));
        // clr in f64 as PyTorch computes it in Python.
        let nclr = s.splat((-(o.lr / (1.0 - o.beta1.powf(o.step)))) as f32);
        let (maximize, wd, near) = (o.maximize, o.weight_decay as f32, lerp_near_a(w));
        crate::unswitch!([maximize, near], [wd], {
            stream(s, [g], [p, m, u], |[gv], [pv, mv, uv]| {
                let gv = grad(s, maximize, wd, pv, gv);
                let mv = lerp_from(s, mv, gv, w, near);
                let uv = max_nan(s, s.mul(uv, b2), s.add(s.abs(gv), eps));
                [s.add(pv, s.div(s.mul(nclr, mv), uv)), mv, uv]
            });
        });
    }
}

/// One Adamax step in place.
pub fn adamax_step(
    o: AdamaxParams,
    p: &mut [f32],
    g: &[f32],
    exp_avg: &mut [f32],
    exp_inf: &mut [f32],
) {
    let n = p.len();
    assert!(
        g.len() == n && exp_avg.len() == n && exp_inf.len() == n,
        "adamax_step: lengths"
    );
    for_chunks((p, g, exp_avg, exp_inf), n, PAR_MIN, &|(p, g, m, u)| {
        adamax_serial(o, p, g, m, u)
    });
}

/// Hyperparameters: [lr, beta1, beta2, eps, weight_decay, maximize, step];
/// states: 0 exp_avg, 1 exp_inf.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, beta1, beta2, eps, weight_decay, maximize, step] = super::hyper("adamax", h)?;
    let o = AdamaxParams {
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        maximize: maximize != 0.0,
        step,
    };
    let m = grp.state(0, "exp_avg")?;
    let u = grp.state(1, "exp_inf")?;
    adamax_step(o, grp.p, grp.g, m, u);
    Ok(())
}
