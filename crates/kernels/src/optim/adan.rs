//! Adan (Xie et al. 2022, "Adan: Adaptive Nesterov Momentum Algorithm"), following
//! `optax.adan` = chain(scale_by_adan, add_decayed_weights, scale_by_learning_rate):
//! g = ±grad; d = g - g_prev (0 at the first step); m = (1-β1)·g + β1·m;
//! v = (1-β2)·d + β2·v; n = (1-β3)·(g + (1-β2)·d)² + β3·n;
//! u = (m̂ + (1-β2)·v̂) / (√(n̂ + ε_root) + ε) + wd·p (hats: divided by 1-β^t); p -= lr·u.

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
    b3: f32,
    one_minus_b3: f32,
    eps: f32,
    eps_root: f32,
    inv_bc1: f32,
    inv_bc2: f32,
    inv_bc3: f32,
    wd: f32,
    maximize: bool,
    first: bool,
}

/// The four state buffers of one chunk.
type States<'a> = (&'a mut [f32], &'a mut [f32], &'a mut [f32], &'a mut [f32]);

simd_fn! {
    fn serial<S>(s, c: Consts, p: &mut [f32], g: &[f32], st: States<'_>) {
        let (m, v, nn, prev) = st;
        let (nlr, b1, omb1) = (s.splat(c.neg_lr), s.splat(c.b1), s.splat(c.one_minus_b1));
        let (b2, omb2, b3, omb3) = (s.splat(c.b2), s.splat(c.one_minus_b2), s.splat(c.b3), s.splat(c.one_minus_b3));
        let (eps, eps_root, wd) = (s.splat(c.eps), s.splat(c.eps_root), s.splat(c.wd));
        let (ibc1, ibc2, ibc3) = (s.splat(c.inv_bc1), s.splat(c.inv_bc2), s.splat(c.inv_bc3));
        let (has_wd, maximize, first) = (c.wd != 0.0, c.maximize, c.first);
        let n = p.len();
        crate::unswitch!([maximize, has_wd, first], [], {
            lanes(s, n, [p, m, v, nn, prev], [g], |w, r, _| {
                let [pv, mv, vv, nv, prv] = *w;
                let gv = if maximize { s.neg(r[0]) } else { r[0] };
                let d = if first { s.zero() } else { s.sub(gv, prv) };
                let mv = s.fma(omb1, gv, s.mul(b1, mv));
                let vv = s.fma(omb2, d, s.mul(b2, vv));
                let q = s.fma(omb2, d, gv);
                let nv = s.fma(omb3, s.mul(q, q), s.mul(b3, nv));
                let num = s.fma(omb2, s.mul(vv, ibc2), s.mul(mv, ibc1));
                let denom = s.add(s.sqrt(s.fma(nv, ibc3, eps_root)), eps);
                let u = s.div(num, denom);
                let u = if has_wd { s.fma(wd, pv, u) } else { u };
                *w = [s.fma(nlr, u, pv), mv, vv, nv, gv];
            });
        });
    }
}

/// Hyperparameters: [lr, beta1, beta2, beta3, eps, eps_root, weight_decay, maximize, step];
/// states: 0 exp_avg (m), 1 exp_avg_diff (v), 2 exp_avg_sq (n), 3 prev_grad.
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, b1, b2, b3, eps, eps_root, wd, maximize, t] = super::hyper("adan", h)?;
    let c = Consts {
        neg_lr: -lr as f32,
        b1: b1 as f32,
        one_minus_b1: (1.0 - b1) as f32,
        b2: b2 as f32,
        one_minus_b2: (1.0 - b2) as f32,
        b3: b3 as f32,
        one_minus_b3: (1.0 - b3) as f32,
        eps: eps as f32,
        eps_root: eps_root as f32,
        inv_bc1: (1.0 / (1.0 - b1.powf(t))) as f32,
        inv_bc2: (1.0 / (1.0 - b2.powf(t))) as f32,
        inv_bc3: (1.0 / (1.0 - b3.powf(t))) as f32,
        wd: wd as f32,
        maximize: maximize != 0.0,
        first: t == 1.0,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_diff")?;
    let nn = grp.state(2, "exp_avg_sq")?;
    let prev = grp.state(3, "prev_grad")?;
    let n = grp.len();
    for_chunks((&mut *grp.p, grp.g, (m, v, nn, prev)), n, PAR_MIN, &|(
        p,
        g,
        st,
    )| {
        serial(c, p, g, st)
    });
    Ok(())
}
