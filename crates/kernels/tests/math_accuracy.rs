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
