//! Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"), following
//! `optax.yogi` (scale_by_yogi with eps_root = 0, then scale_by_learning_rate): g = ±grad;
//! m = (1-β1)·g + β1·m; v = v - (1-β2)·sign(v - g²)·g²;
//! p -= lr·(m/(1-β1^t)) / (√(v/(1-β2^t)) + ε). Both moments start at the initial
//! accumulator value (set by the caller).

use super::lanes::{lanes, sign};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy)]
struct Consts {
    neg_lr: f32,
    b1: f32,
    one_minus_b1: f32,
    one_minus_b2: f32,
    eps: f32,
    inv_bc1: f32,
    inv_bc2: f32,
    maximize: bool,
}

simd_fn! {
    fn serial<S>(s, c: Consts, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        let (nlr, b1, omb1) = (s.splat(c.neg_lr), s.splat(c.b1), s.splat(c.one_minus_b1));
        let (omb2, eps) = (s.splat(c.one_minus_b2), s.splat(c.eps));
        let (ibc1, ibc2) = (s.splat(c.inv_bc1), s.splat(c.inv_bc2));
        let (n, maximize) = (p.len(), c.maximize);
        crate::unswitch!([maximize], [], {
            lanes(s, n, [p, m, v], [g], |w, r, _| {
                let [pv, mv, vv] = *w;
                let gv = if maximize { s.neg(r[0]) } else { r[0] };
                let g2 = s.mul(gv, gv);
                let mv = s.fma(omb1, gv, s.mul(b1, mv));
                let vv = s.sub(vv, s.mul(s.mul(omb2, sign(s, s.sub(vv, g2))), g2));
                let denom = s.add(s.sqrt(s.mul(vv, ibc2)), eps);
                let u = s.div(s.mul(mv, ibc1), denom);
                *w = [s.fma(nlr, u, pv), mv, vv];
            });
        });
    }
}

/// Hyperparameters: [lr, beta1, beta2, eps, maximize, step]; states: 0 exp_avg, 1 exp_avg_sq.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, b1, b2, eps, maximize, t] = super::hyper("yogi", h)?;
    let c = Consts {
        neg_lr: -lr as f32,
        b1: b1 as f32,
        one_minus_b1: (1.0 - b1) as f32,
        one_minus_b2: (1.0 - b2) as f32,
        eps: eps as f32,
        inv_bc1: (1.0 / (1.0 - b1.powf(t))) as f32,
        inv_bc2: (1.0 / (1.0 - b2.powf(t))) as f32,
        maximize: maximize != 0.0,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_sq")?;
    let n = grp.len();
    for_chunks((&mut *grp.p, grp.g, m, v), n, PAR_MIN, &|(p, g, m, v)| {
        serial(c, p, g, m, v)
    });
    Ok(())
}
