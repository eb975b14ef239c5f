//! LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning"), following
//! `optax.lamb` = chain(scale_by_adam, add_decayed_weights, scale_by_trust_ratio,
//! scale_by_learning_rate): g = ±grad; m = (1-β1)·g + β1·m; v = (1-β2)·g² + β2·v;
//! u = (m/(1-β1^t)) / (√(v/(1-β2^t) + ε_root) + ε) + wd·p; per tensor r = ‖p‖/‖u‖, or 1
//! when either norm is 0; p -= lr·r·u.
//!
//! Pass 1 updates the moments and sums p² and u²; pass 2 recomputes u from the stored moments
//! (bit-identical to pass 1's, so no scratch buffer is needed) and applies it.

use super::lanes::{first_lanes, lanes};
use super::trust::{per_tensor, Seg, SquareSums, Sums};
use crate::simd_fn;

#[derive(Clone, Copy)]
struct Consts {
    lr: f64,
    b1: f32,
    one_minus_b1: f32,
    b2: f32,
    one_minus_b2: f32,
    eps: f32,
    eps_root: f32,
    inv_bc1: f32,
    inv_bc2: f32,
    wd: f32,
    maximize: bool,
}

simd_fn! {
    fn pass1<S>(s, c: Consts, p: &[f32], g: &[f32], m: &mut [f32], v: &mut [f32]) -> Sums {
        let (b1, omb1, b2, omb2) = (s.splat(c.b1), s.splat(c.one_minus_b1), s.splat(c.b2), s.splat(c.one_minus_b2));
        let (eps, eps_root, wd) = (s.splat(c.eps), s.splat(c.eps_root), s.splat(c.wd));
        let (ibc1, ibc2) = (s.splat(c.inv_bc1), s.splat(c.inv_bc2));
        let (has_wd, maximize) = (c.wd != 0.0, c.maximize);
        let mut sums = SquareSums::new(s);
        let n = p.len();
        crate::unswitch!([maximize, has_wd], [], {
            lanes(s, n, [m, v], [p, g], |w, r, valid| {
                let [pv, gv] = *r;
                let gv = if maximize { s.neg(gv) } else { gv };
                let mv = s.fma(omb1, gv, s.mul(b1, w[0]));
                let vv = s.fma(omb2, s.mul(gv, gv), s.mul(b2, w[1]));
                let u = s.div(s.mul(mv, ibc1), s.add(s.sqrt(s.fma(vv, ibc2, eps_root)), eps));
                let u = if has_wd { s.fma(wd, pv, u) } else { u };
                // Padded lanes may hold 0/0 (ε = 0): keep them out of the sum.
                let u = if valid < S::LANES { s.select(first_lanes(s, valid), u, s.zero()) } else { u };
                *w = [mv, vv];
                sums.add(s, pv, u);
            });
        });
        sums.finish(s)
    }
}

simd_fn! {
    fn pass2<S>(s, c: Consts, neg_lr_r: f32, p: &mut [f32], m: &[f32], v: &[f32]) {
        let (eps, eps_root, wd) = (s.splat(c.eps), s.splat(c.eps_root), s.splat(c.wd));
        let (ibc1, ibc2, a) = (s.splat(c.inv_bc1), s.splat(c.inv_bc2), s.splat(neg_lr_r));
        let has_wd = c.wd != 0.0;
        let n = p.len();
        crate::unswitch!([has_wd], [], {
            lanes(s, n, [p], [m, v], |w, r, _| {
                let [mv, vv] = *r;
                let pv = w[0];
                let u = s.div(s.mul(mv, ibc1), s.add(s.sqrt(s.fma(vv, ibc2, eps_root)), eps));
                let u = if has_wd { s.fma(wd, pv, u) } else { u };
                w[0] = s.fma(a, u, pv);
            });
        });
    }
}

/// The trust ratio of optax.scale_by_trust_ratio (min_norm 0, coefficient 1, eps 0).
fn ratio((sp, su): Sums) -> f64 {
    if sp == 0.0 || su == 0.0 {
        1.0
    } else {
        sp.sqrt() / su.sqrt()
    }
}

/// Hyperparameters: [lr, beta1, beta2, eps, eps_root, weight_decay, maximize, step];
/// states: 0 exp_avg, 1 exp_avg_sq; segments: the tensor lengths (None: one tensor).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, b1, b2, eps, eps_root, wd, maximize, t] = super::hyper("lamb", h)?;
    let c = Consts {
        lr,
        b1: b1 as f32,
        one_minus_b1: (1.0 - b1) as f32,
        b2: b2 as f32,
        one_minus_b2: (1.0 - b2) as f32,
        eps: eps as f32,
        eps_root: eps_root as f32,
        inv_bc1: (1.0 / (1.0 - b1.powf(t))) as f32,
        inv_bc2: (1.0 / (1.0 - b2.powf(t))) as f32,
        wd: wd as f32,
        maximize: maximize != 0.0,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_sq")?;
    let x = Seg {
        p: &mut *grp.p,
        g: grp.g,
        a: Some(m),
        b: Some(v),
    };
    let p1 = |x: Seg<'_>| {
        let (m, v) = (x.a.expect("exp_avg"), x.b.expect("exp_avg_sq"));
        pass1(c, x.p, x.g, m, v)
    };
    let p2 = |x: Seg<'_>, sums: Sums| {
        let (m, v) = (x.a.expect("exp_avg"), x.b.expect("exp_avg_sq"));
        pass2(c, (-c.lr * ratio(sums)) as f32, x.p, m, v)
    };
    per_tensor("lamb", x, grp.segments, &p1, &p2)
}
