//! RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning", 2012; centered:
//! Graves, 2013), following `torch.optim.RMSprop` (single-tensor path):
//! g = ±grad + wd·p; v = αv + (1−α)g²; centered: ḡ = lerp(ḡ, g, 1−α), a = √(v − ḡ²) + ε
//! (v − ḡ² fused, as PyTorch's addcmul: it cancels when the gradient varies little; clamped
//! at 0, a deviation: v ≥ ḡ² holds exactly, so a negative value is rounding, where PyTorch's
//! √ gives a NaN that never leaves the parameter; found by the optim_step fuzz target),
//! else a = √v + ε; momentum: b = μb + g/a, p −= lr·b; else p −= lr·g/a.

use super::stream::{grad, lerp_from, lerp_near_a, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmspropParams {
    pub lr: f64,
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
    pub maximize: bool,
}

simd_fn! {
    fn rmsprop_serial<S>(
        s,
        o: RmspropParams,
        p: &mut [f32],
        g: &[f32],
        sq: &mut [f32],
        grad_avg: Option<&mut [f32]>,
        buf: Option<&mut [f32]>,
    ) {
        let (alpha, oma) = (s.splat(o.alpha as f32), s.splat((1.0 - o.alpha) as f32));
        let w = (1.0 - o.alpha) as f32;
        let (eps, nlr, mu) = (s.splat(o.eps as f32), s.splat(-o.lr as f32), s.splat(o.momentum as f32));
        let (maximize, wd, near) = (o.maximize, o.weight_decay as f32, lerp_near_a(w));
        crate::unswitch!([maximize, near], [wd], {
            // (p, g) -> (g, v)
            let sq_avg = |pv: S::V, gv: S::V, qv: S::V| {
                let gv = grad(s, maximize, wd, pv, gv);
                (gv, s.fma(s.mul(oma, gv), gv, s.mul(qv, alpha)))
            };
            match (grad_avg, buf) {
                (None, None) => stream(s, [g], [p, sq], |[gv], [pv, qv]| {
                    let (gv, qv) = sq_avg(pv, gv, qv);
                    let avg = s.add(s.sqrt(qv), eps);
                    [s.add(pv, s.div(s.mul(nlr, gv), avg)), qv]
                }),
                (Some(ga), None) => stream(s, [g], [p, sq, ga], |[gv], [pv, qv, av]| {
                    let (gv, qv) = sq_avg(pv, gv, qv);
                    let av = lerp_from(s, av, gv, w, near);
                    let avg = s.add(s.sqrt(s.max(s.zero(), s.fma(s.neg(av), av, qv))), eps);
                    [s.add(pv, s.div(s.mul(nlr, gv), avg)), qv, av]
                }),
                (None, Some(b)) => stream(s, [g], [p, sq, b], |[gv], [pv, qv, bv]| {
                    let (gv, qv) = sq_avg(pv, gv, qv);
                    let avg = s.add(s.sqrt(qv), eps);
                    let bv = s.add(s.mul(bv, mu), s.div(gv, avg));
                    [s.fma(nlr, bv, pv), qv, bv]
                }),
                (Some(ga), Some(b)) => stream(s, [g], [p, sq, ga, b], |[gv], [pv, qv, av, bv]| {
                    let (gv, qv) = sq_avg(pv, gv, qv);
                    let av = lerp_from(s, av, gv, w, near);
                    let avg = s.add(s.sqrt(s.max(s.zero(), s.fma(s.neg(av), av, qv))), eps);
                    let bv = s.add(s.mul(bv, mu), s.div(gv, avg));
                    [s.fma(nlr, bv, pv), qv, av, bv]
                }),
            }
        });
    }
}

/// One RMSprop step in place. `grad_avg` is required iff `o.centered`, `buf` iff
/// `o.momentum > 0`.
pub fn rmsprop_step(
    o: RmspropParams,
    p: &mut [f32],
    g: &[f32],
    square_avg: &mut [f32],
    grad_avg: Option<&mut [f32]>,
    buf: Option<&mut [f32]>,
) {
    let n = p.len();
    assert!(
        g.len() == n && square_avg.len() == n,
        "rmsprop_step: lengths"
    );
    assert_eq!(
        o.centered,
        grad_avg.is_some(),
        "rmsprop_step: centered needs grad_avg"
    );
    assert_eq!(
        o.momentum > 0.0,
        buf.is_some(),
        "rmsprop_step: momentum needs momentum_buffer"
    );
    assert!(
        grad_avg.as_ref().is_none_or(|b| b.len() == n) && buf.as_ref().is_none_or(|b| b.len() == n),
        "rmsprop_step: state lengths"
    );
    for_chunks((p, g, square_avg, grad_avg, buf), n, PAR_MIN, &|(
        p,
        g,
        sq,
        ga,
        b,
    )| {
        rmsprop_serial(o, p, g, sq, ga, b)
    });
}

/// Hyperparameters: [lr, alpha, eps, weight_decay, momentum, centered, maximize];
/// states: 0 square_avg, 1 grad_avg (centered only), 2 momentum_buffer (momentum > 0 only).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, alpha, eps, weight_decay, momentum, centered, maximize] = super::hyper("rmsprop", h)?;
    let o = RmspropParams {
        lr,
        alpha,
        eps,
        weight_decay,
        momentum,
        centered: centered != 0.0,
        maximize: maximize != 0.0,
    };
    let sq = grp.state(0, "square_avg")?;
    let ga = if o.centered {
        Some(grp.state(1, "grad_avg")?)
    } else {
        None
    };
    let buf = if o.momentum > 0.0 {
        Some(grp.state(2, "momentum_buffer")?)
    } else {
        None
    };
    rmsprop_step(o, grp.p, grp.g, sq, ga, buf);
    Ok(())
}
