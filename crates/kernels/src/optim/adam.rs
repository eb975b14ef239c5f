//! Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019) with amsgrad, following
//! `torch.optim.Adam`/`AdamW` (single-tensor path):
//! g = ±grad; AdamW: p *= 1 - lr·wd, Adam: g += wd·p;
//! m += (1-β1)(g - m); v = β2·v + (1-β2)g²; v̂ = amsgrad ? max(v̂, v) : v;
//! p -= (lr / (1-β1^t)) · m / (√v̂ / √(1-β2^t) + ε).

use super::stream::stream;
use super::subnormal::{route_for, scalable, scaled_fma, SCALE_DOWN};
use super::PAR_MIN;
use crate::parallel::for_chunks;
use crate::simd_fn;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled: bool,
    pub amsgrad: bool,
    pub maximize: bool,
    /// 1-based step count after incrementing.
    pub step: f64,
}

/// Per-step scalars, computed in f64 as PyTorch computes them in Python.
#[derive(Clone, Copy)]
struct Scalars {
    decay: f32,
    wd: f32,
    one_minus_b1: f32,
    b2: f32,
    one_minus_b2: f32,
    neg_step_size: f32,
    bc2_sqrt: f32,
    eps: f32,
}

impl Scalars {
    fn new(o: &AdamParams) -> Self {
        let bc1 = 1.0 - o.beta1.powf(o.step);
        let bc2 = 1.0 - o.beta2.powf(o.step);
        Scalars {
            decay: if o.decoupled {
                (1.0 - o.lr * o.weight_decay) as f32
            } else {
                1.0
            },
            wd: if o.decoupled {
                0.0
            } else {
                o.weight_decay as f32
            },
            one_minus_b1: (1.0 - o.beta1) as f32,
            b2: o.beta2 as f32,
            one_minus_b2: (1.0 - o.beta2) as f32,
            neg_step_size: (-(o.lr / bc1)) as f32,
            bc2_sqrt: bc2.sqrt() as f32,
            eps: o.eps as f32,
        }
    }
}

/// Views of one chunk of a parameter group.
struct Views<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
    vmax: Option<&'a mut [f32]>,
}

/// Below this 1 − β1, m − (1 − β1)·m for a subnormal m is not always exact in f64, and the
/// moments are not routed (β1 > 0.992 keeps the assists).
const ROUTE_MIN_OMB1: f32 = 1.0 / 128.0;

/// (p, g, m, v, vmax, amsgrad) -> (p, m, v, vmax), out of line.
type RoutedStep<'a, V> = dyn Fn(V, V, V, V, V, bool) -> (V, V, V, V) + 'a;

simd_fn! {
    fn adam_serial<S>(s, c: Scalars, maximize: bool, route: bool, x: Views<'_>) {
        let Views { p, g, m, v, vmax } = x;
        let (decay, wd) = (s.splat(c.decay), s.splat(c.wd));
        let (omb1, b2, omb2) = (s.splat(c.one_minus_b1), s.splat(c.b2), s.splat(c.one_minus_b2));
        let (nss, bc2s, eps) = (s.splat(c.neg_step_size), s.splat(c.bc2_sqrt), s.splat(c.eps));
        let has_wd = c.wd != 0.0;
        let has_decay = c.decay != 1.0;
        let route = route
            && route_for::<S>()
            && c.one_minus_b1 >= ROUTE_MIN_OMB1
            && scalable(c.neg_step_size);
        let nss_down = s.splat(c.neg_step_size * SCALE_DOWN);
        let zero = s.zero();
        crate::unswitch!([maximize, has_wd, has_decay], [], {
            // (p, g, m, v, vmax) -> (p, m, v, vmax); without AMSGrad, vmax is v.
            let plain = |pv: S::V, gv: S::V, mv: S::V, vv: S::V, xv: S::V, amsgrad: bool| {
                let mv = s.fma(omb1, s.sub(gv, mv), mv);
                let vv = s.fma(omb2, s.mul(gv, gv), s.mul(b2, vv));
                let xv = if amsgrad { s.max(xv, vv) } else { vv };
                let denom = s.add(s.div(s.sqrt(xv), bc2s), eps);
                (s.fma(nss, s.div(mv, denom), pv), mv, vv, xv)
            };
            // The same roundings with subnormal lanes kept away from the f32 mul, fma, sqrt
            // and div (optim/subnormal.rs). Called through `dyn` so that it stays out of line
            // and the common path inlined.
            let routed: &RoutedStep<'_, S::V> = &|pv, gv, mv, vv, xv, amsgrad| {
                let g0 = s.eq(gv, zero);
                // m + (1−β1)(0 − m) = m − (1−β1)·m, exact in f64 for 1−β1 ≥ 2⁻⁷ (the bits of m
                // and of (1−β1)·m span at most 53).
                let rm = s.and_m(s.is_subnormal(mv), g0);
                let mz = s.zero_lanes(rm, mv);
                let mv = s.select(rm, s.fma_f64(omb1, s.neg(mv), mv), s.fma(omb1, s.sub(gv, mz), mz));
                // β2·v + (1−β2)·0: the product is exact in f64; adding the +0 keeps the fma's sign.
                let gg = s.mul(gv, gv);
                let rv = s.and_m(s.is_subnormal(vv), g0);
                let vz = s.zero_lanes(rv, vv);
                let vv = s.select(rv, s.add(s.mul_f64(b2, vv), s.mul(omb2, gg)), s.fma(omb2, gg, s.mul(b2, vz)));
                let xv = if amsgrad { s.max(xv, vv) } else { vv };
                let rx = s.is_subnormal(xv);
                let root = s.select(rx, s.sqrt_f64(xv), s.sqrt(s.zero_lanes(rx, xv)));
                let denom = s.add(s.div(root, bc2s), eps);
                let rq = s.is_subnormal(mv);
                let q = s.select(rq, s.div_f64(mv, denom), s.div(s.zero_lanes(rq, mv), denom));
                // q is subnormal where m is stuck at a few ulps of 2⁻¹⁴⁹ and √v ≪ 1.
                (scaled_fma(s, nss, nss_down, q, pv), mv, vv, xv)
            };
            let step = |pv: S::V, gv: S::V, mv: S::V, vv: S::V, xv: S::V, amsgrad: bool| {
                let gv = if maximize { s.neg(gv) } else { gv };
                let pv = if has_decay { s.mul(pv, decay) } else { pv };
                let gv = if has_wd { s.fma(wd, pv, gv) } else { gv };
                let sub = s.or_m(s.is_subnormal(mv), s.is_subnormal(vv));
                let sub = if amsgrad { s.or_m(sub, s.is_subnormal(xv)) } else { sub };
                if route && s.any(sub) {
                    routed(pv, gv, mv, vv, xv, amsgrad)
                } else {
                    plain(pv, gv, mv, vv, xv, amsgrad)
                }
            };
            match vmax {
                None => stream(s, [g], [p, m, v], |[gv], [pv, mv, vv]| {
                    let (pv, mv, vv, _) = step(pv, gv, mv, vv, vv, false);
                    [pv, mv, vv]
                }),
                Some(vm) => stream(s, [g], [p, m, v, vm], |[gv], [pv, mv, vv, xv]| {
                    let (pv, mv, vv, xv) = step(pv, gv, mv, vv, xv, true);
                    [pv, mv, vv, xv]
                }),
            }
        });
    }
}

/// One Adam/AdamW step in place. `vmax` is required iff `o.amsgrad`.
pub fn adam_step(
    o: AdamParams,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    vmax: Option<&mut [f32]>,
) {
    adam_step_routed(o, true, p, g, m, v, vmax);
}

/// [`adam_step`], choosing whether subnormal lanes take the f64 route (tests compare both).
#[doc(hidden)]
pub fn adam_step_routed(
    o: AdamParams,
    route: bool,
    p: &mut [f32],
    g: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    vmax: Option<&mut [f32]>,
) {
    let n = p.len();
    assert!(
        g.len() == n && m.len() == n && v.len() == n,
        "adam_step: state length"
    );
    assert_eq!(
        o.amsgrad,
        vmax.is_some(),
        "adam_step: amsgrad needs max_exp_avg_sq"
    );
    if let Some(x) = &vmax {
        assert_eq!(x.len(), n, "adam_step: max_exp_avg_sq length");
    }
    let c = Scalars::new(&o);
    let maximize = o.maximize;
    for_chunks((p, g, m, v, vmax), n, PAR_MIN, &|(p, g, m, v, vmax)| {
        adam_serial(c, maximize, route, Views { p, g, m, v, vmax })
    });
}

/// Hyperparameters: [lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize, step];
/// states: 0 exp_avg, 1 exp_avg_sq, 2 max_exp_avg_sq (amsgrad only).
pub(crate) fn step(h: &[f64], grp: &mut super::Group<'_>) -> Result<(), String> {
    let [lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize, step] =
        super::hyper("adam", h)?;
    let o = AdamParams {
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        decoupled: decoupled != 0.0,
        amsgrad: amsgrad != 0.0,
        maximize: maximize != 0.0,
        step,
    };
    let m = grp.state(0, "exp_avg")?;
    let v = grp.state(1, "exp_avg_sq")?;
    let vmax = if o.amsgrad {
        Some(grp.state(2, "max_exp_avg_sq")?)
    } else {
        None
    };
    adam_step(o, grp.p, grp.g, m, v, vmax);
    Ok(())
}
