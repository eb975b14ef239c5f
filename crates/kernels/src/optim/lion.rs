//! Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), following
//! `optax.lion` = chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate):
//! g = ±grad; c = (1-β1)·g + β1·m; p -= lr·(sign(c) + wd·p); m = (1-β2)·g + β2·m.
//! sign(0) = 0 and sign(NaN) = NaN, as `jnp.sign`.

use super::lanes::{lanes, sign};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy)]
struct Consts {
    neg_lr: f32,
    b1: f32,
    one_minus_b1: f32,
    b2: f32,
    one_minus_b2: f32,
    wd: f32,
    maximize: bool,
}

simd_fn! {
    fn serial<S>(s, c: Consts, p: &mut [f32], g: &[f32], m: &mut [f32]) {
        let (nlr, b1, omb1) = (s.splat(c.neg_lr), s.splat(c.b1), s.splat(c.one_minus_b1));
        let (b2, omb2, wd) = (s.splat(c.b2), s.splat(c.one_minus_b2), s.splat(c.wd));
        let (has_wd, maximize) = (c.wd != 0.0, c.maximize);
        let n = p.len();
        crate::unswitch!([maximize, has_wd], [], {
            lanes(s, n, [p, m], [g], |w, r, _| {
                let [pv, mv] = *w;
                let gv = if maximize { s.neg(r[0]) } else { r[0] };
                let u = sign(s, s.fma(omb1, gv, s.mul(b1, mv)));
                // optax skips add_decayed_weights when the weight decay is 0.
                let u = if has_wd { s.fma(wd, pv, u) } else { u };
                *w = [s.fma(nlr, u, pv), s.fma(omb2, gv, s.mul(b2, mv))];
            });
        });
    }
}

/// Hyperparameters: [lr, beta1, beta2, weight_decay, maximize]; state 0: exp_avg.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, b1, b2, wd, maximize] = super::hyper("lion", h)?;
    let c = Consts {
        neg_lr: -lr as f32,
        b1: b1 as f32,
        one_minus_b1: (1.0 - b1) as f32,
        b2: b2 as f32,
        one_minus_b2: (1.0 - b2) as f32,
        wd: wd as f32,
        maximize: maximize != 0.0,
    };
    let m = grp.state(0, "exp_avg")?;
    let n = grp.len();
    for_chunks((&mut *grp.p, grp.g, m), n, PAR_MIN, &|(p, g, m)| {
        serial(c, p, g, m)
    });
    Ok(())
}
