//! Schedule-free SGD and AdamW (Defazio et al. 2024, "The Road Less Scheduled"), following
//! `schedulefree.SGDScheduleFree` / `AdamWScheduleFree` (the non-reference versions, which keep
//! y in the parameters and z in the state). With c = ckp1 = weight/weight_sum, per element:
//! AdamW: v = β2·v + (1-β2)·g², g = g / (√(v/(1-β2^(k+1))) + ε); then g += wd·y;
//! y = lerp(y, z, c) + lr·(β1·(1-c) - 1)·g; z -= lr·g. z starts as y (`first`).
//! The train/eval switch is p = lerp(p, z, w). lerp is torch.lerp's formula:
//! a + w·(b-a) when |w| < 0.5, else b - (b-a)·(1-w).

use super::lanes::lanes;
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd::Simd;
use crate::simd_fn;

#[derive(Clone, Copy)]
struct Consts {
    lr: f32,
    c: f32,
    /// lr·(β1·(1-c) - 1), computed in f64.
    coef: f32,
    wd: f32,
    b2: f32,
    one_minus_b2: f32,
    eps: f32,
    inv_bc2: f32,
    first: bool,
}

/// torch.lerp(a, b, w) for a per-call weight `w` (`small` = |w| < 0.5, `one_minus_w` = 1-w).
#[inline(always)]
fn lerp<S: Simd>(s: S, a: S::V, b: S::V, small: bool, w: S::V, one_minus_w: S::V) -> S::V {
    let d = s.sub(b, a);
    if small {
        s.fma(w, d, a)
    } else {
        s.fma(s.neg(d), one_minus_w, b)
    }
}

simd_fn! {
    fn sgd_serial<S>(s, c: Consts, y: &mut [f32], g: &[f32], z: &mut [f32]) {
        let (nlr, coef, wd) = (s.splat(-c.lr), s.splat(c.coef), s.splat(c.wd));
        let (cw, omc, small) = (s.splat(c.c), s.splat(1.0 - c.c), c.c.abs() < 0.5);
        let (has_wd, first) = (c.wd != 0.0, c.first);
        let n = y.len();
        crate::unswitch!([first, has_wd, small], [], {
            lanes(s, n, [y, z], [g], |w, r, _| {
                let [yv, zv] = *w;
                let zv = if first { yv } else { zv };
                let gv = if has_wd { s.fma(wd, yv, r[0]) } else { r[0] };
                let yl = lerp(s, yv, zv, small, cw, omc);
                *w = [s.fma(coef, gv, yl), s.fma(nlr, gv, zv)];
            });
        });
    }
}

simd_fn! {
    fn adamw_serial<S>(s, c: Consts, y: &mut [f32], g: &[f32], z: &mut [f32], v: &mut [f32]) {
        let (nlr, coef, wd) = (s.splat(-c.lr), s.splat(c.coef), s.splat(c.wd));
        let (cw, omc, small) = (s.splat(c.c), s.splat(1.0 - c.c), c.c.abs() < 0.5);
        let (b2, omb2, eps, ibc2) = (s.splat(c.b2), s.splat(c.one_minus_b2), s.splat(c.eps), s.splat(c.inv_bc2));
        let (has_wd, first) = (c.wd != 0.0, c.first);
        let n = y.len();
        crate::unswitch!([first, has_wd, small], [], {
            lanes(s, n, [y, z, v], [g], |w, r, _| {
                let [yv, zv, vv] = *w;
                let zv = if first { yv } else { zv };
                let gv = r[0];
                let vv = s.fma(omb2, s.mul(gv, gv), s.mul(b2, vv));
                let gv = s.div(gv, s.add(s.sqrt(s.mul(vv, ibc2)), eps));
                let gv = if has_wd { s.fma(wd, yv, gv) } else { gv };
                let yl = lerp(s, yv, zv, small, cw, omc);
                *w = [s.fma(coef, gv, yl), s.fma(nlr, gv, zv), vv];
            });
        });
    }
}

simd_fn! {
    fn swap_serial<S>(s, wt: f32, p: &mut [f32], z: &[f32]) {
        let (cw, omc, small) = (s.splat(wt), s.splat(1.0 - wt), wt.abs() < 0.5);
        let n = p.len();
        crate::unswitch!([small], [], {
            lanes(s, n, [p], [z], |w, r, _| {
                w[0] = lerp(s, w[0], r[0], small, cw, omc);
            });
        });
    }
}

/// Hyperparameters: [lr, ckp1, beta1, weight_decay, adam, beta2, eps, bias_correction2, first]
/// (lr already warmed up); states: 0 z, 1 exp_avg_sq (adam only).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, ckp1, beta1, wd, adam, beta2, eps, bc2, first] = super::hyper("schedule_free", h)?;
    let c = Consts {
        lr: lr as f32,
        c: ckp1 as f32,
        coef: (lr * (beta1 * (1.0 - ckp1) - 1.0)) as f32,
        wd: wd as f32,
        b2: beta2 as f32,
        one_minus_b2: (1.0 - beta2) as f32,
        eps: eps as f32,
        inv_bc2: (1.0 / bc2) as f32,
        first: first != 0.0,
    };
    let z = grp.state(0, "z")?;
    let n = grp.len();
    if adam != 0.0 {
        let v = grp.state(1, "exp_avg_sq")?;
        for_chunks((&mut *grp.p, grp.g, z, v), n, PAR_MIN, &|(y, g, z, v)| {
            adamw_serial(c, y, g, z, v)
        });
    } else {
        for_chunks((&mut *grp.p, grp.g, z), n, PAR_MIN, &|(y, g, z)| {
            sgd_serial(c, y, g, z)
        });
    }
    Ok(())
}

/// The train/eval switch p = lerp(p, z, w): hyperparameters [w]; `grp.g` carries z (read
/// only); no states.
pub(crate) fn swap(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [w] = super::hyper("schedule_free_swap", h)?;
    let n = grp.len();
    let wt = w as f32;
    for_chunks((&mut *grp.p, grp.g), n, PAR_MIN, &|(p, z)| {
        swap_serial(wt, p, z)
    });
    Ok(())
}
