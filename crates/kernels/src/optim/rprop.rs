//! Rprop (Riedmiller & Braun, 1993), following `torch.optim.Rprop` (single-tensor path):
//! g = ±grad; s = sign(g·prev) (0 for NaN); Δ = clamp(Δ · (s > 0 ? η⁺ : s < 0 ? η⁻ : 1),
//! Δmin, Δmax); g = 0 where s < 0; p −= sign(g)·Δ; prev = g.

use super::stream::{clamp_nan, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RpropParams {
    pub eta_minus: f64,
    pub eta_plus: f64,
    pub step_size_min: f64,
    pub step_size_max: f64,
    pub maximize: bool,
}

simd_fn! {
    fn rprop_serial<S>(s, o: RpropParams, p: &mut [f32], g: &[f32], prev: &mut [f32], step_size: &mut [f32]) {
        let (em, ep) = (s.splat(o.eta_minus as f32), s.splat(o.eta_plus as f32));
        let (lo, hi) = (s.splat(o.step_size_min as f32), s.splat(o.step_size_max as f32));
        let (zero, one) = (s.zero(), s.splat(1.0));
        let maximize = o.maximize;
        crate::unswitch!([maximize], [], {
            stream(s, [g], [p, prev, step_size], |[gv], [pv, qv, dv]| {
                let gv = if maximize { s.neg(gv) } else { gv };
                // The product is rounded to f32 as PyTorch does (it may underflow to 0: factor 1).
                let x = s.mul(gv, qv);
                let neg = s.lt(x, zero);
                let factor = s.select(s.gt(x, zero), ep, s.select(neg, em, one));
                let dv = clamp_nan(s, s.mul(dv, factor), lo, hi);
                let gv = s.select(neg, zero, gv);
                let sign = s.select(s.gt(gv, zero), one, s.select(s.lt(gv, zero), s.neg(one), zero));
                [s.add(pv, s.mul(s.neg(sign), dv)), gv, dv]
            });
        });
    }
}

/// One Rprop step in place.
pub fn rprop_step(
    o: RpropParams,
    p: &mut [f32],
    g: &[f32],
    prev: &mut [f32],
    step_size: &mut [f32],
) {
    let n = p.len();
    assert!(
        g.len() == n && prev.len() == n && step_size.len() == n,
        "rprop_step: lengths"
    );
    for_chunks((p, g, prev, step_size), n, PAR_MIN, &|(p, g, q, d)| {
        rprop_serial(o, p, g, q, d)
    });
}

/// Hyperparameters: [eta_minus, eta_plus, step_size_min, step_size_max, maximize];
/// states: 0 prev, 1 step_size (starts at lr).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [eta_minus, eta_plus, step_size_min, step_size_max, maximize] = super::hyper("rprop", h)?;
    let o = RpropParams {
        eta_minus,
        eta_plus,
        step_size_min,
        step_size_max,
        maximize: maximize != 0.0,
    };
    let prev = grp.state(0, "prev")?;
    let step_size = grp.state(1, "step_size")?;
    rprop_step(o, grp.p, grp.g, prev, step_size);
    Ok(())
}
