//! SGD with momentum, dampening, Nesterov, weight decay and maximize, following
//! `torch.optim.SGD` (single-tensor path):
//! g = ±grad + wd·p; buf = first ? g : μ·buf + (1-τ)·g; d = nesterov ? g + μ·buf : buf;
//! p -= lr·d.

use super::stream::{grad, stream};
use super::subnormal::{route_for, scalable, scaled_fma, SCALE_DOWN};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdParams {
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
    pub maximize: bool,
    pub first_step: bool,
}

simd_fn! {
    fn plain_serial<S>(s, o: SgdParams, p: &mut [f32], g: &[f32]) {
        let nlr = s.splat(-o.lr);
        let (maximize, wd) = (o.maximize, o.weight_decay);
        crate::unswitch!([maximize], [wd], {
            crate::map::zip_inplace(s, p, g, |pv, gv| s.fma(nlr, grad(s, maximize, wd, pv, gv), pv));
        });
    }
}

/// (p, g, buf) -> [p, buf], out of line.
type RoutedStep<'a, V> = dyn Fn(V, V, V) -> [V; 2] + 'a;

simd_fn! {
    fn momentum_serial<S>(s, o: SgdParams, route: bool, p: &mut [f32], g: &[f32], buf: &mut [f32]) {
        let nlr = s.splat(-o.lr);
        let nlr_down = s.splat(-o.lr * SCALE_DOWN);
        let mu = s.splat(o.momentum);
        let damp = s.splat(1.0 - o.dampening);
        let zero = s.zero();
        let (first, nesterov, maximize, wd) = (o.first_step, o.nesterov, o.maximize, o.weight_decay);
        // The first step reads no buffer; a non-finite 1 − τ would make (1 − τ)·0 a NaN.
        let route = route
            && route_for::<S>()
            && !first
            && scalable(-o.lr)
            && (1.0 - o.dampening).is_finite();
        crate::unswitch!([first, nesterov, maximize], [wd], {
            // A buffer stuck in the subnormal range (g = 0) kept off the slow instructions
            // (optim/subnormal.rs): μ·b + (1−τ)·(±0) and, for Nesterov, μ·b + (±0) are the
            // product μ·b rounded once, exact in f64. Out of line through `dyn`.
            let routed: &RoutedStep<'_, S::V> = &|pv, gv, bv| {
                let g0 = s.eq(gv, zero);
                let rb = s.and_m(s.is_subnormal(bv), g0);
                let bz = s.zero_lanes(rb, bv);
                let b = s.select(rb, s.mul_f64(mu, bv), s.fma(mu, bz, s.mul(damp, gv)));
                let d = if nesterov {
                    let rd = s.and_m(s.is_subnormal(b), g0);
                    s.select(rd, s.mul_f64(mu, b), s.fma(mu, s.zero_lanes(rd, b), gv))
                } else {
                    b
                };
                [scaled_fma(s, nlr, nlr_down, d, pv), b]
            };
            stream(s, [g], [p, buf], |[gv], [pv, bv]| {
                let gv = grad(s, maximize, wd, pv, gv);
                if route && s.any(s.is_subnormal(bv)) {
                    return routed(pv, gv, bv);
                }
                let b = if first { gv } else { s.fma(mu, bv, s.mul(damp, gv)) };
                let d = if nesterov { s.fma(mu, b, gv) } else { b };
                [s.fma(nlr, d, pv), b]
            });
        });
    }
}

/// One SGD step in place; `buf` (the momentum buffer) is required iff momentum ≠ 0.
pub fn sgd_step(o: SgdParams, p: &mut [f32], g: &[f32], buf: Option<&mut [f32]>) {
    sgd_step_routed(o, true, p, g, buf);
}

/// [`sgd_step`], choosing whether subnormal buffer lanes take the exact route (tests compare
/// both).
#[doc(hidden)]
pub fn sgd_step_routed(
    o: SgdParams,
    route: bool,
    p: &mut [f32],
    g: &[f32],
    buf: Option<&mut [f32]>,
) {
    assert_eq!(p.len(), g.len(), "sgd_step: grads length");
    let n = p.len();
    match buf {
        Some(b) if o.momentum != 0.0 => {
            assert_eq!(b.len(), n, "sgd_step: momentum buffer length");
            for_chunks((p, (g, b)), n, PAR_MIN, &|(p, (g, b))| {
                momentum_serial(o, route, p, g, b)
            });
        }
        _ => for_chunks((p, g), n, PAR_MIN, &|(p, g)| plain_serial(o, p, g)),
    }
}

/// Hyperparameters: [lr, momentum, dampening, weight_decay, nesterov, maximize, first_step];
/// state 0: the momentum buffer (required when momentum ≠ 0).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, momentum, dampening, weight_decay, nesterov, maximize, first_step] =
        super::hyper("sgd", h)?;
    let o = SgdParams {
        lr: lr as f32,
        momentum: momentum as f32,
        dampening: dampening as f32,
        weight_decay: weight_decay as f32,
        nesterov: nesterov != 0.0,
        maximize: maximize != 0.0,
        first_step: first_step != 0.0,
    };
    let buf = if o.momentum != 0.0 {
        Some(grp.state(0, "momentum_buffer")?)
    } else {
        None
    };
    sgd_step(o, grp.p, grp.g, buf);
    Ok(())
}
