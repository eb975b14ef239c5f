//! Property tests (proptest): on arbitrary lengths, offsets, shapes and values, every
//! instruction set agrees with the scalar one, GEMM stays within its error bound for every
//! transpose, and the Adam step matches its f64 reference, so that no size or alignment
//! (vector tails, unaligned views, empty inputs) escapes the fixed-size tests.
mod common;

use common::*;
use descent_kernels::{gemm, optim, reduce, unary as uk};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// `n` reproducible values in [-1, 1) from `seed` (a 64-bit LCG).
fn lcg(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// `n` values in [-a, a] after `offset` padding ones: the slice starts unaligned.
fn values() -> impl Strategy<Value = (Vec<f32>, usize)> {
    (0usize..2100, 0usize..17, 0.1f32..30.0)
        .prop_flat_map(|(n, off, a)| (proptest::collection::vec(-a..a, n + off), Just(off)))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_level_agrees_with_scalar_on_unary_ops((buf, off) in values(), op_i in 0usize..19) {
        let op = uk::Unary::ALL[op_i];
        let x = &buf[off..];
        let p = if op == uk::Unary::Softplus {
            uk::Params { alpha: 1.0, beta: 20.0 }
        } else {
            uk::Params { alpha: 0.01, beta: 0.0 }
        };
        let mut outs = Vec::new();
        for_each_level(|l| {
            let mut out = vec![0f32; x.len()];
            uk::unary(op, p, &mut out, x);
            outs.push((l, out));
        });
        let (_, scalar) = &outs[0];
        for (l, out) in &outs[1..] {
            for i in 0..x.len() {
                let (a, b) = (out[i], scalar[i]);
                let same = a == b || (a.is_nan() && b.is_nan());
                // each level is within 1e-5 of the exact value (kernels.rs checks it against
                // f64), so two levels may differ by twice that
                let tol = 2e-5 * b.abs().max(f32::MIN_POSITIVE);
                prop_assert!(same || (a - b).abs() <= tol,
                    "{op:?} at {l:?}, n={}, x[{i}]={}: {a} vs scalar {b}", x.len(), x[i]);
            }
        }
    }

    #[test]
    fn sums_are_within_their_bound_at_every_level((buf, off) in values()) {
        let x = &buf[off..];
        let exact: f64 = x.iter().map(|&v| v as f64).sum();
        let abs: f64 = x.iter().map(|&v| (v as f64).abs()).sum();
        for_each_level(|l| {
            let s = reduce::sum(x);
            assert!((s - exact).abs() <= 2e-6 * abs + 1e-30, "{l:?}: {s} vs {exact}");
        });
    }

    #[test]
    fn gemm_is_within_the_dot_product_bound(
        m in 1usize..40, n in 1usize..40, k in 1usize..70,
        ta in any::<bool>(), tb in any::<bool>(),
        alpha in -2.0f32..2.0, beta in prop_oneof![Just(0.0f32), -1.0f32..1.0],
        seed in 0u64..1000,
    ) {
        let a = lcg(m * k, seed);
        let b = lcg(k * n, seed + 1);
        let c0 = lcg(m * n, seed + 2);
        let mut c = c0.clone();
        gemm::sgemm(ta, tb, m, n, k, alpha, &a, &b, beta, &mut c);
        let (want, mag) = naive_gemm(ta, tb, m, n, k, alpha as f64, &a, &b, beta as f64, &c0);
        for i in 0..m {
            for j in 0..n {
                let (want, bound) = (want[i * n + j], (k as f64 + 2.0) * f32::EPSILON as f64 * mag[i * n + j] + 1e-30);
                prop_assert!((c[i * n + j] as f64 - want).abs() <= bound,
                    "{m}x{n}x{k} ta={ta} tb={tb}: c[{i},{j}] = {} vs {want}", c[i * n + j]);
            }
        }
    }

    #[test]
    fn adam_matches_its_f64_reference_at_every_level(
        (buf, off) in values(),
        lr in 1e-4f64..0.1, wd in prop_oneof![Just(0.0f64), 1e-4f64..0.1],
        decoupled in any::<bool>(), amsgrad in any::<bool>(), maximize in any::<bool>(),
        steps in 1usize..6,
    ) {
        let p0 = &buf[off..];
        let g: Vec<f32> = p0.iter().map(|v| v.sin()).collect();
        let o = |step: usize| optim::AdamParams {
            lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: wd,
            decoupled, amsgrad, maximize, step: step as f64,
        };
        let reference = {
            let (mut p, mut m, mut v, mut vmax) =
                (p0.iter().map(|&x| x as f64).collect::<Vec<_>>(), vec![0f64; p0.len()], vec![0f64; p0.len()], vec![0f64; p0.len()]);
            for s in 1..=steps {
                for i in 0..p.len() {
                    let mut gi = g[i] as f64;
                    if maximize { gi = -gi; }
                    if decoupled { p[i] *= 1.0 - lr * wd; } else { gi += wd * p[i]; }
                    m[i] = 0.9 * m[i] + 0.1 * gi;
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                    let bc1 = 1.0 - 0.9f64.powi(s as i32);
                    let bc2 = 1.0 - 0.999f64.powi(s as i32);
                    let vv = if amsgrad { vmax[i] = vmax[i].max(v[i]); vmax[i] } else { v[i] };
                    p[i] -= lr / bc1 * m[i] / ((vv / bc2).sqrt() + 1e-8);
                }
            }
            p
        };
        for_each_level(|l| {
            let mut p = p0.to_vec();
            let (mut m, mut v, mut vmax) = (vec![0f32; p.len()], vec![0f32; p.len()], vec![0f32; p.len()]);
            for s in 1..=steps {
                optim::adam_step(o(s), &mut p, &g, &mut m, &mut v, if amsgrad { Some(&mut vmax) } else { None });
            }
            for i in 0..p.len() {
                let err = (p[i] as f64 - reference[i]).abs();
                assert!(err <= 1e-5 * reference[i].abs().max(lr),
                    "{l:?}: p[{i}] = {} vs {} after {steps} steps", p[i], reference[i]);
            }
        });
    }
}
