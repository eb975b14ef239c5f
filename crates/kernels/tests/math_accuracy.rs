//! Accuracy of the vector math against f64 references, on every instruction set.
mod common;
use common::*;
use descent_kernels::unary::{unary, Params, Unary};

type Case = (Unary, Params, Vec<f32>, Box<dyn Fn(f64) -> f64>, f64);

fn max_err(op: Unary, p: Params, xs: &[f32], reference: impl Fn(f64) -> f64) -> (f64, f32) {
    let mut out = vec![0f32; xs.len()];
    unary(op, p, &mut out, xs);
    let mut worst = (0.0, 0.0);
    for (x, y) in xs.iter().zip(&out) {
        let e = rel_err(*y, reference(*x as f64));
        if e > worst.0 || e.is_nan() {
            worst = (e, *x);
        }
    }
    worst
}

#[test]
fn unary_forward_matches_f64_reference() {
    let p0 = Params::default();
    let cases: Vec<Case> = vec![
        (
            Unary::Exp,
            p0,
            grid(-103.0, 88.7, 200_001),
            Box::new(f64::exp),
            3e-7,
        ),
        (
            Unary::Log,
            p0,
            grid(1e-38, 1e6, 200_001)
                .into_iter()
                .map(f32::abs)
                .filter(|x| *x > 0.0)
                .collect(),
            Box::new(f64::ln),
            3e-7,
        ),
        (
            Unary::Tanh,
            p0,
            grid(-12.0, 12.0, 200_001),
            Box::new(f64::tanh),
            3e-7,
        ),
        (
            Unary::Sigmoid,
            p0,
            grid(-100.0, 40.0, 200_001),
            Box::new(sigmoid64),
            4e-7,
        ),
        (
            Unary::Gelu,
            p0,
            grid(-13.0, 10.0, 200_001),
            Box::new(|x| x * normal_cdf64(x)),
            1.5e-6,
        ),
        (
            Unary::Silu,
            p0,
            grid(-80.0, 40.0, 200_001),
            Box::new(|x| x * sigmoid64(x)),
            4e-7,
        ),
        (
            Unary::Softplus,
            Params {
                alpha: 1.0,
                beta: 20.0,
            },
            grid(-80.0, 40.0, 200_001),
            Box::new(|x| if x > 20.0 { x } else { x.exp().ln_1p() }),
            4e-7,
        ),
        (
            Unary::Mish,
            p0,
            grid(-80.0, 40.0, 200_001),
            Box::new(|x| x * x.exp().ln_1p().tanh()),
            1e-6,
        ),
        (
            Unary::Elu,
            Params {
                alpha: 1.0,
                beta: 0.0,
            },
            grid(-20.0, 5.0, 200_001),
            Box::new(|x| if x > 0.0 { x } else { x.exp_m1() }),
            3e-7,
        ),
    ];
    for_each_level(|level| {
        for (op, p, xs, reference, tol) in &cases {
            let (e, at) = max_err(*op, *p, xs, reference);
            println!("{:?} {:?}: max rel err {:.3e} at x = {}", level, op, e, at);
            assert!(
                e <= *tol,
                "{:?} on {:?}: rel err {:e} at x = {} exceeds {:e}",
                op,
                level,
                e,
                at,
                tol
            );
        }
    });
}

/// Far outside the fitted ranges the gated activations take their limits: x for large finite
/// x, a zero for very negative x, derivative 1 or 0; never NaN (at ±∞ itself x·σ(x) is NaN,
/// as in PyTorch). (GELU-tanh gave NaN on FMA
/// levels below about −1e13, where 2u overflows: found by the elementwise fuzz target.)
#[test]
fn gated_activations_take_their_limits_on_huge_inputs() {
    let neg = [-3.6e16f32, -1e20, -1e30, -3e38, -f32::MAX];
    let pos = [3.6e16f32, 1e20, 1e30, f32::MAX];
    let p = Params::default();
    for_each_level(|level| {
        for op in [Unary::Gelu, Unary::GeluTanh, Unary::Silu, Unary::Mish] {
            let (mut yn, mut yp) = ([1f32; 5], [1f32; 4]);
            unary(op, p, &mut yn, &neg);
            unary(op, p, &mut yp, &pos);
            for (x, y) in neg.iter().zip(&yn) {
                assert!(*y == 0.0, "{level:?} {op:?}({x}) = {y}, expected ±0");
            }
            for (x, y) in pos.iter().zip(&yp) {
                assert!(y == x, "{level:?} {op:?}({x}) = {y}");
            }
            let (mut dn, mut dp) = ([1f32; 5], [1f32; 4]);
            descent_kernels::unary::unary_backward(op, p, &mut dn, &neg, &[1.0; 5]);
            descent_kernels::unary::unary_backward(op, p, &mut dp, &pos, &[1.0; 4]);
            for (x, d) in neg.iter().zip(&dn) {
                assert!(*d == 0.0, "{level:?} {op:?}'({x}) = {d}, expected ±0");
            }
            for (x, d) in pos.iter().zip(&dp) {
                assert!(*d == 1.0, "{level:?} {op:?}'({x}) = {d}, expected 1");
            }
        }
    });
}
