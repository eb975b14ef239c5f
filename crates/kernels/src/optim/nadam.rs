//! NAdam (Dozat, 2016), following `torch.optim.NAdam` (single-tensor path). The momentum
//! schedule μₜ, μₜ₊₁ and the running product Πμ are per-parameter scalars kept by the caller,
//! which passes the two update coefficients:
//! g = ±grad (+ wd·p, or p *= 1 − lr·wd when decoupled); m = lerp(m, g, 1−β₁);
//! v = β₂v + (1−β₂)g²; d = √(v / (1−β₂ᵗ)) + ε; p += c_g · g/d; p += c_m · m/d with
//! c_g = −lr(1−μₜ)/(1−Πμ), c_m = −lr·μₜ₊₁/(1−Πμ·μₜ₊₁).

use super::stream::{grad, lerp_from, lerp_near_a, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NadamParams {
    /// −lr(1−μₜ)/(1−Πμ).
    pub grad_coef: f64,
    /// −lr·μₜ₊₁/(1−Πμ·μₜ₊₁).
    pub avg_coef: f64,
    pub beta1: f64,
    pub beta2: f64,
    /// 1 − β₂ᵗ.
    pub bias_correction2: f64,
    pub eps: f64,
    /// Coupled weight decay (added to the gradient); 0 when decoupled.
    pub weight_decay: f64,
    /// Decoupled weight decay factor 1 − lr·wd (1 when coupled).
    pub param_scale: f64,
    pub maximize: bool,
}

simd_fn! {
    fn nadam_serial<S>(s, o: NadamParams, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        let w = (1.0 - o.beta1) as f32;
        let (b2, omb2) = (s.splat(o.beta2 as f32), s.splat((1.0 - o.beta2) as f32));
        let (cg, cm) = (s.splat(o.grad_coef as f32), s.splat(o.avg_coef as f32));
        let (bc2, eps) = (s.splat(o.bias_correction2 as f32), s.splat(o.eps as f32));
        let (scale, has_scale) = (s.splat(o.param_scale as f32), o.param_scale != 1.0);
        let (maximize, wd, near) = (o.maximize, o.weight_decay as f32, lerp_near_a(w));
        crate::unswitch!([has_scale, maximize, near], [wd], {
            stream(s, [g], [p, m, v], |[gv], [pv, mv, vv]| {
                let pv = if has_scale { s.mul(pv, scale) } else { pv };
                let gv = grad(s, maximize, wd, pv, gv);
                let mv = lerp_from(s, mv, gv, w, near);
                let vv = s.fma(s.mul(omb2, gv), gv, s.mul(vv, b2));
                let denom = s.add(s.sqrt(s.div(vv, bc2)), eps);
                let pv = s.add(pv, s.div(s.mul(cg, gv), denom));
                [s.add(pv, s.div(s.mul(cm, mv), denom)), mv, vv]
            });
        });
    }
}

/// One NAdam step in place.
pub fn nadam_step(
    o: NadamParams,
    p: &mut [f32],
    g: &[f32],
    exp_avg: &mut [f32],
    exp_avg_sq: &mut [f32],
) {
    let n = p.len();
    assert!(
        g.len() == n && exp_avg.len() == n && exp_avg_sq.len() == n,
        "nadam_step: lengths"
    );
    for_chunks((p, g, exp_avg, exp_avg_sq), n, PAR_MIN, &|(p, g, m, v)| {
        nadam_serial(o, p, g, m, v)
    });
}

/// Hyperparameters: [grad_coef, avg_coef, beta1, beta2, bias_correction2, eps, weight_decay,
/// param_scale, maximize] (see [`NadamParams`]); states: 0 exp_avg, 1 exp_avg_sq.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [grad_coef, avg_coef, beta1, beta2, bias_correction2, eps, weight_decay, param_scale, maximize] =
        super::hyper("nadam", h)?;
    let o = NadamParams {
        grad_coef,
        avg_coef,
        beta1,
        beta2,
        bias_correction2,
        eps,
        weight_decay,
        param_scale,
        maximize: maximize != 0.0,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_sq")?;
    nadam_step(o, grp.p, grp.g, m, v);
    Ok(())
}
