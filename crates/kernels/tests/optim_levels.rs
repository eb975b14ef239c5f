//! Every optimizer kind, through the generic `optim::step` entry with typical hyperparameters
//! and every option branch that has a state buffer, agrees at every instruction set with the
//! scalar level over three steps on an unaligned view with a vector tail. (Adam and SGD are
//! also checked against f64 references in kernels.rs; the rest against the JS reference in
//! the vitest suite. Run under qemu on aarch64 by scripts/cross.mjs, this is what covers NEON.)
mod common;

use common::*;
use descent_kernels::optim::{step, Group, Kind};

/// Hyperparameters (layouts in each optimizer's module) and which states it needs.
fn cases() -> Vec<(Kind, Vec<f64>, [bool; 4], bool)> {
    let (t, f) = (true, false);
    vec![
        (
            Kind::Sgd,
            vec![0.1, 0.9, 0.1, 1e-3, 1.0, 0.0, 0.0],
            [t, f, f, f],
            f,
        ),
        (
            Kind::Sgd,
            vec![0.1, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            [f, f, f, f],
            f,
        ),
        (
            Kind::Adam,
            vec![1e-2, 0.9, 0.999, 1e-8, 1e-2, 1.0, 1.0, 0.0, 3.0],
            [t, t, t, f],
            f,
        ),
        (
            Kind::Adam,
            vec![1e-2, 0.9, 0.999, 1e-8, 1e-2, 0.0, 0.0, 1.0, 1.0],
            [t, t, f, f],
            f,
        ),
        (Kind::Lion, vec![1e-3, 0.9, 0.99, 0.1, 0.0], [t, f, f, f], f),
        (
            Kind::AdaBelief,
            vec![1e-2, 0.9, 0.999, 1e-8, 1e-16, 1e-2, 0.0, 3.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Yogi,
            vec![1e-2, 0.9, 0.999, 1e-3, 0.0, 3.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Adan,
            vec![1e-2, 0.98, 0.92, 0.99, 1e-8, 0.0, 1e-2, 0.0, 3.0],
            [t, t, t, t],
            f,
        ),
        (
            Kind::Lamb,
            vec![1e-2, 0.9, 0.999, 1e-6, 0.0, 1e-2, 0.0, 3.0],
            [t, t, f, f],
            t,
        ),
        (
            Kind::Lars,
            vec![0.1, 0.9, 1e-4, 1e-3, 1e-8, 1.0, 0.0],
            [t, f, f, f],
            t,
        ),
        (
            Kind::ScheduleFree,
            vec![1e-2, 0.5, 0.9, 1e-3, 1.0, 0.999, 1e-8, 0.5, 0.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::ScheduleFree,
            vec![1e-2, 0.5, 0.9, 0.0, 0.0, 0.999, 1e-8, 1.0, 0.0],
            [t, f, f, f],
            f,
        ),
        (Kind::ScheduleFreeSwap, vec![0.3], [f, f, f, f], f),
        (
            Kind::Adagrad,
            vec![1e-2, 1e-3, 1e-3, 1e-10, 0.0, 3.0],
            [t, f, f, f],
            f,
        ),
        (
            Kind::Adadelta,
            vec![1.0, 0.9, 1e-6, 1e-3, 0.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Rmsprop,
            vec![1e-2, 0.99, 1e-8, 1e-3, 0.9, 1.0, 0.0],
            [t, t, t, f],
            f,
        ),
        (
            Kind::Rmsprop,
            vec![1e-2, 0.99, 1e-8, 0.0, 0.0, 0.0, 1.0],
            [t, f, f, f],
            f,
        ),
        (
            Kind::Adamax,
            vec![2e-3, 0.9, 0.999, 1e-8, 1e-3, 0.0, 3.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Nadam,
            vec![-1e-3, -9e-3, 0.9, 0.999, 3e-3, 1e-8, 0.0, 0.999, 0.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Radam,
            vec![
                1e-2, 0.9, 0.999, 1e-8, 0.0, 1.0, 0.0, 0.271, 0.0774, 1.0, 0.5,
            ],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Rprop,
            vec![0.5, 1.2, 1e-6, 50.0, 0.0],
            [t, t, f, f],
            f,
        ),
        (
            Kind::Asgd,
            vec![0.9999, 1e-2, 0.5, 1e-4, 0.0],
            [t, f, f, f],
            f,
        ),
    ]
}

/// `n` values in [lo, hi) from a 64-bit LCG.
fn lcg(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
        })
        .collect()
}

fn pick(on: bool, v: &mut [f32]) -> Option<&mut [f32]> {
    if on {
        Some(&mut v[3..])
    } else {
        None
    }
}

#[test]
fn every_optimizer_agrees_with_scalar_at_every_level() {
    const OFF: usize = 3; // as in `pick`
    const N: usize = 1037; // odd: every vector width leaves a tail
    let segments = [500u32, 1, 536];
    for (c, (kind, h, needs, segmented)) in cases().into_iter().enumerate() {
        let g = lcg(N + OFF, 7 + c as u64, -1.0, 1.0);
        let mut results: Vec<(descent_kernels::simd::Level, Vec<Vec<f32>>)> = Vec::new();
        for_each_level(|level| {
            let mut p = lcg(N + OFF, 1, -1.0, 1.0);
            // states positive (second moments must be), the step size of Rprop at lr
            let mut s: Vec<Vec<f32>> = (0..4)
                .map(|k| lcg(N + OFF, 20 + k as u64, 0.01, 0.5))
                .collect();
            for _ in 0..3 {
                let [s0, s1, s2, s3] = &mut s[..] else {
                    unreachable!()
                };
                let grp = Group {
                    p: &mut p[OFF..],
                    g: &g[OFF..],
                    s: [
                        pick(needs[0], s0),
                        pick(needs[1], s1),
                        pick(needs[2], s2),
                        pick(needs[3], s3),
                    ],
                    segments: if segmented { Some(&segments) } else { None },
                };
                step(kind, &h, grp).unwrap_or_else(|e| panic!("{kind:?} case {c}: {e}"));
            }
            let mut out = vec![p[OFF..].to_vec()];
            out.extend((0..4).filter(|&k| needs[k]).map(|k| s[k][OFF..].to_vec()));
            results.push((level, out));
        });
        let (_, reference) = &results[0];
        for (level, out) in &results[1..] {
            for (b, (got, want)) in out.iter().zip(reference).enumerate() {
                for i in 0..N {
                    let (a, w) = (got[i], want[i]);
                    assert!(
                        (a - w).abs() <= 1e-5 * (1.0 + w.abs()),
                        "{kind:?} case {c} at {level:?}: buffer {b}[{i}] = {a} vs scalar {w}"
                    );
                }
            }
        }
        // x86-64 and aarch64 always have a vector level to compare
        let simd = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));
        assert!(results.len() > simd as usize, "levels: {:?}", levels());
    }
}
