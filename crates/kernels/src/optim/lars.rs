//! LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"), following
//! `optax.lars` = chain(add_decayed_weights, scale_by_trust_ratio, scale_by_learning_rate,
//! trace) with no masks: u = ±grad + wd·p; per tensor r = c·‖p‖/(‖u‖ + ε), or 1 when either
//! norm is 0; u = -lr·r·u; t = u + μ·t; p += nesterov ? u + μ·t : t. The trace holds the
//! lr-scaled, negated updates, as optax's.
//!
//! Pass 1 sums p² and u²; pass 2 recomputes u and applies it.

use super::lanes::lanes;
use super::trust::{per_tensor, Seg, SquareSums, Sums};
use crate::simd_fn;

#[derive(Clone, Copy)]
struct Consts {
    lr: f64,
    momentum: f32,
    wd: f32,
    trust_coefficient: f64,
    eps: f64,
    nesterov: bool,
    maximize: bool,
}

simd_fn! {
    fn pass1<S>(s, c: Consts, p: &[f32], g: &[f32]) -> Sums {
        let wd = s.splat(c.wd);
        let (has_wd, maximize) = (c.wd != 0.0, c.maximize);
        let mut sums = SquareSums::new(s);
        let n = p.len();
        // Padded lanes hold p = g = 0, so u = 0 there: no masking needed.
        crate::unswitch!([maximize, has_wd], [], {
            lanes(s, n, [], [p, g], |_, r, _| {
                let [pv, gv] = *r;
                let gv = if maximize { s.neg(gv) } else { gv };
                let u = if has_wd { s.fma(wd, pv, gv) } else { gv };
                sums.add(s, pv, u);
            });
        });
        sums.finish(s)
    }
}

simd_fn! {
    fn pass2<S>(s, c: Consts, neg_lr_r: f32, p: &mut [f32], g: &[f32], trace: Option<&mut [f32]>) {
        let (wd, a, mu) = (s.splat(c.wd), s.splat(neg_lr_r), s.splat(c.momentum));
        let (has_wd, maximize, nesterov) = (c.wd != 0.0, c.maximize, c.nesterov);
        let n = p.len();
        crate::unswitch!([maximize, has_wd, nesterov], [], {
            match trace {
                None => lanes(s, n, [p], [g], |w, r, _| {
                    let pv = w[0];
                    let gv = if maximize { s.neg(r[0]) } else { r[0] };
                    let u = if has_wd { s.fma(wd, pv, gv) } else { gv };
                    w[0] = s.fma(a, u, pv);
                }),
                Some(t) => lanes(s, n, [p, t], [g], |w, r, _| {
                    let [pv, tv] = *w;
                    let gv = if maximize { s.neg(r[0]) } else { r[0] };
                    let u = s.mul(a, if has_wd { s.fma(wd, pv, gv) } else { gv });
                    let tv = s.fma(mu, tv, u);
                    let d = if nesterov { s.fma(mu, tv, u) } else { tv };
                    *w = [s.add(pv, d), tv];
                }),
            }
        });
    }
}

/// optax.scale_by_trust_ratio (min_norm 0): 1 when either norm is 0.
fn ratio(c: &Consts, (sp, su): Sums) -> f64 {
    let (pn, un) = (sp.sqrt(), su.sqrt());
    if pn == 0.0 || un == 0.0 {
        1.0
    } else {
        c.trust_coefficient * pn / (un + c.eps)
    }
}

/// Hyperparameters: [lr, momentum, weight_decay, trust_coefficient, eps, nesterov, maximize];
/// state 0: trace (required when momentum ≠ 0); segments: the tensor lengths (None: one
/// tensor).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, momentum, wd, tc, eps, nesterov, maximize] = super::hyper("lars", h)?;
    let c = Consts {
        lr,
        momentum: momentum as f32,
        wd: wd as f32,
        trust_coefficient: tc,
        eps,
        nesterov: nesterov != 0.0,
        maximize: maximize != 0.0,
    };
    let trace = if momentum != 0.0 {
        Some(grp.state(0, "trace")?)
    } else {
        None
    };
    let x = Seg {
        p: &mut *grp.p,
        g: grp.g,
        a: trace,
        b: None,
    };
    let p1 = |x: Seg<'_>| pass1(c, x.p, x.g);
    let p2 = |x: Seg<'_>, sums: Sums| pass2(c, (-c.lr * ratio(&c, sums)) as f32, x.p, x.g, x.a);
    per_tensor("lars", x, grp.segments, &p1, &p2)
}
