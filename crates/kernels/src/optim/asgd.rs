//! ASGD, averaged SGD (Polyak & Juditsky, 1992; Bottou, 2012), following `torch.optim.ASGD`
//! (single-tensor path). The per-parameter scalars η and μ are kept by the caller:
//! g = ±grad + wd·p; p *= 1 − λη; p −= η·g; ax = μ = 1 ? p : ax + (p − ax)·μ.

use super::stream::{grad, stream};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AsgdParams {
    /// 1 − λ·η.
    pub decay: f64,
    pub eta: f64,
    pub mu: f64,
    pub weight_decay: f64,
    pub maximize: bool,
}

simd_fn! {
    fn asgd_serial<S>(s, o: AsgdParams, p: &mut [f32], g: &[f32], ax: &mut [f32]) {
        let (decay, neta, mu) = (s.splat(o.decay as f32), s.splat(-o.eta as f32), s.splat(o.mu as f32));
        let (maximize, wd, copy) = (o.maximize, o.weight_decay as f32, o.mu == 1.0);
        crate::unswitch!([maximize, copy], [wd], {
            stream(s, [g], [p, ax], |[gv], [pv, av]| {
                let gv = grad(s, maximize, wd, pv, gv);
                let pv = s.fma(neta, gv, s.mul(pv, decay));
                let av = if copy { pv } else { s.add(av, s.mul(s.sub(pv, av), mu)) };
                [pv, av]
            });
        });
    }
}

/// One ASGD step in place.
pub fn asgd_step(o: AsgdParams, p: &mut [f32], g: &[f32], ax: &mut [f32]) {
    let n = p.len();
    assert!(g.len() == n && ax.len() == n, "asgd_step: lengths");
    for_chunks((p, g, ax), n, PAR_MIN, &|(p, g, ax)| {
        asgd_serial(o, p, g, ax)
    });
}

/// Hyperparameters: [decay (1 − λη), eta, mu, weight_decay, maximize]; state 0: ax.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [decay, eta, mu, weight_decay, maximize] = super::hyper("asgd", h)?;
    let o = AsgdParams {
        decay,
        eta,
        mu,
        weight_decay,
        maximize: maximize != 0.0,
    };
    let ax = grp.state(0, "ax")?;
    asgd_step(o, grp.p, grp.g, ax);
    Ok(())
}
