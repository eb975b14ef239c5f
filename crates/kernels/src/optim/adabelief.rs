//! AdaBelief (Zhuang et al. 2020), following `optax.scale_by_belief` (+ `add_decayed_weights`
//! when weight_decay ≠ 0, then `scale_by_learning_rate`): g = ±grad; m = (1-β1)·g + β1·m;
//! s = (1-β2)·(g-m)² + β2·s + ε_root; u = (m/(1-β1^t)) / (√(s/(1-β2^t)) + ε) + wd·p;
//! p -= lr·u.

use super::lanes::lanes;
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
    eps: f32,
    eps_root: f32,
    inv_bc1: f32,
    inv_bc2: f32,
    wd: f32,
    maximize: bool,
}

simd_fn! {
    fn serial<S>(s, c: Consts, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        let (nlr, b1, omb1) = (s.splat(c.neg_lr), s.splat(c.b1), s.splat(c.one_minus_b1));
        let (b2, omb2, wd) = (s.splat(c.b2), s.splat(c.one_minus_b2), s.splat(c.wd));
        let (eps, eps_root) = (s.splat(c.eps), s.splat(c.eps_root));
        let (ibc1, ibc2) = (s.splat(c.inv_bc1), s.splat(c.inv_bc2));
        let (has_wd, maximize) = (c.wd != 0.0, c.maximize);
        let n = p.len();
        crate::unswitch!([maximize, has_wd], [], {
            lanes(s, n, [p, m, v], [g], |w, r, _| {
                let [pv, mv, vv] = *w;
                let gv = if maximize { s.neg(r[0]) } else { r[0] };
                let mv = s.fma(omb1, gv, s.mul(b1, mv));
                let e = s.sub(gv, mv);
                let vv = s.add(s.fma(omb2, s.mul(e, e), s.mul(b2, vv)), eps_root);
                let denom = s.add(s.sqrt(s.mul(vv, ibc2)), eps);
                let u = s.div(s.mul(mv, ibc1), denom);
                let u = if has_wd { s.fma(wd, pv, u) } else { u };
                *w = [s.fma(nlr, u, pv), mv, vv];
            });
        });
    }
}

/// Hyperparameters: [lr, beta1, beta2, eps, eps_root, weight_decay, maximize, step];
/// states: 0 exp_avg, 1 exp_avg_var.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, b1, b2, eps, eps_root, wd, maximize, t] = super::hyper("adabelief", h)?;
    let c = Consts {
        neg_lr: -lr as f32,
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
    let v = grp.state(1, "exp_avg_var")?;
    let n = grp.len();
    for_chunks((&mut *grp.p, grp.g, m, v), n, PAR_MIN, &|(p, g, m, v)| {
        serial(c, p, g, m, v)
    });
    Ok(())
}
