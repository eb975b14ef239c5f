//! RAdam (Liu et al., 2020), following `torch.optim.RAdam` (single-tensor path). The caller
//! computes the step's scalars (bias corrections, ρₜ > 5, the rectification term r):
//! g = ±grad (+ wd·p, or p *= 1 − lr·wd when decoupled); m = lerp(m, g, 1−β₁);
//! v = β₂v + (1−β₂)g²; m̂ = m / (1−β₁ᵗ);
//! ρₜ > 5: p −= m̂ · lr · (√(1−β₂ᵗ) / (√v + ε)) · r, else p −= m̂ · lr.

use super::stream::{grad, lerp_from, lerp_near_a, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RadamParams {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Coupled weight decay (added to the gradient); 0 when decoupled.
    pub weight_decay: f64,
    /// Decoupled weight decay factor 1 − lr·wd (1 when coupled).
    pub param_scale: f64,
    pub maximize: bool,
    /// 1 − β₁ᵗ.
    pub bias_correction1: f64,
    /// √(1 − β₂ᵗ).
    pub bias_correction2_sqrt: f64,
    /// Whether ρₜ > 5 (the adaptive, rectified update).
    pub adaptive: bool,
    /// The rectification term (used when `adaptive`).
    pub rect: f64,
}

simd_fn! {
    fn radam_serial<S>(s, o: RadamParams, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        let w = (1.0 - o.beta1) as f32;
        let (b2, omb2) = (s.splat(o.beta2 as f32), s.splat((1.0 - o.beta2) as f32));
        let (lr, eps, bc1) = (s.splat(o.lr as f32), s.splat(o.eps as f32), s.splat(o.bias_correction1 as f32));
        let (bc2s, rect) = (s.splat(o.bias_correction2_sqrt as f32), s.splat(o.rect as f32));
        let (scale, has_scale) = (s.splat(o.param_scale as f32), o.param_scale != 1.0);
        let (maximize, wd, adaptive) = (o.maximize, o.weight_decay as f32, o.adaptive);
        let near = lerp_near_a(w);
        crate::unswitch!([has_scale, maximize, adaptive, near], [wd], {
            stream(s, [g], [p, m, v], |[gv], [pv, mv, vv]| {
                let pv = if has_scale { s.mul(pv, scale) } else { pv };
                let gv = grad(s, maximize, wd, pv, gv);
                let mv = lerp_from(s, mv, gv, w, near);
                let vv = s.fma(s.mul(omb2, gv), gv, s.mul(vv, b2));
                let upd = s.mul(s.div(mv, bc1), lr);
                let upd = if adaptive {
                    let alr = s.div(bc2s, s.add(s.sqrt(vv), eps));
                    s.mul(s.mul(upd, alr), rect)
                } else {
                    upd
                };
                [s.sub(pv, upd), mv, vv]
            });
        });
    }
}

/// One RAdam step in place.
pub fn radam_step(
    o: RadamParams,
    p: &mut [f32],
    g: &[f32],
    exp_avg: &mut [f32],
    exp_avg_sq: &mut [f32],
) {
    let n = p.len();
    assert!(
        g.len() == n && exp_avg.len() == n && exp_avg_sq.len() == n,
        "radam_step: lengths"
    );
    for_chunks((p, g, exp_avg, exp_avg_sq), n, PAR_MIN, &|(p, g, m, v)| {
        radam_serial(o, p, g, m, v)
    });
}

/// Hyperparameters: [lr, beta1, beta2, eps, weight_decay, param_scale, maximize,
/// bias_correction1, bias_correction2_sqrt, adaptive, rect] (see [`RadamParams`]);
/// states: 0 exp_avg, 1 exp_avg_sq.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, beta1, beta2, eps, weight_decay, param_scale, maximize, bias_correction1, bias_correction2_sqrt, adaptive, rect] =
        super::hyper("radam", h)?;
    let o = RadamParams {
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        param_scale,
        maximize: maximize != 0.0,
        bias_correction1,
        bias_correction2_sqrt,
        adaptive: adaptive != 0.0,
        rect,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_sq")?;
    radam_step(o, grp.p, grp.g, m, v);
    Ok(())
}
