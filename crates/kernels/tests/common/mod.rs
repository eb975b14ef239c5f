//! Shared helpers for the kernel tests: f64 reference functions, error metrics, level sweeps.
#![allow(dead_code)]

use descent_kernels::simd::{detected_level, force_level, Level};
use std::sync::Mutex;

/// Tests that change the global instruction-set cap hold this lock.
pub static LEVEL_LOCK: Mutex<()> = Mutex::new(());

/// Every instruction set this CPU can run, scalar first.
pub fn levels() -> Vec<Level> {
    let d = detected_level();
    [Level::Scalar, Level::Neon, Level::Avx2, Level::Avx512]
        .into_iter()
        .filter(|l| *l == Level::Scalar || force_level(Some(*l)).is_ok() && *l <= d)
        .collect()
}

/// Runs `f` once per instruction set with the cap set to it.
pub fn for_each_level(mut f: impl FnMut(Level)) {
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for l in levels() {
        force_level(Some(l)).unwrap();
        f(l);
    }
    force_level(None).unwrap();
}

/// |got - want| / max(|want|, f32::MIN_POSITIVE); equal infinities and NaNs count as exact.
pub fn rel_err(got: f32, want: f64) -> f64 {
    if want.is_nan() {
        return if got.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if want.is_infinite() || got.is_infinite() {
        return if got as f64 == want {
            0.0
        } else {
            f64::INFINITY
        };
    }
    (got as f64 - want).abs() / want.abs().max(f32::MIN_POSITIVE as f64)
}

/// erfc in f64: alternating series below 3, continued fraction above (independent of the
/// kernels' Chebyshev fit).
pub fn erfc64(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc64(-x);
    }
    if x < 3.0 {
        let mut sum = 0.0f64;
        let mut term = x; // x^(2n+1)/n! with sign
        let mut n = 0.0;
        while term.abs() > 1e-20 * sum.abs().max(1e-300) || n < 5.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        return 1.0 - sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    let mut k = x;
    for n in (1..200).rev() {
        k = x + (n as f64 / 2.0) / k;
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / k
}

pub fn sigmoid64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

pub fn normal_cdf64(x: f64) -> f64 {
    0.5 * erfc64(-x / std::f64::consts::SQRT_2)
}

/// A deterministic spread of test points: a dense grid plus special values.
pub fn grid(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..n)
        .map(|i| lo + (hi - lo) * (i as f32) / ((n - 1) as f32))
        .collect();
    v.extend_from_slice(&[0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7, 0.5, -0.5, 1.0, -1.0]);
    v
}

/// α·op(A)·op(B) + β·C in f64 (β = 0 ignores C), and per element the magnitude
/// |α|·Σ|a·b| + |β·c| that bounds GEMM's rounding error.
#[allow(clippy::too_many_arguments)]
pub fn naive_gemm(
    ta: bool,
    tb: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: &[f32],
    b: &[f32],
    beta: f64,
    c: &[f32],
) -> (Vec<f64>, Vec<f64>) {
    let mut out = vec![0f64; m * n];
    let mut mag = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            let (mut s, mut t) = (0f64, 0f64);
            for p in 0..k {
                let av = if ta { a[p * m + i] } else { a[i * k + p] } as f64;
                let bv = if tb { b[j * k + p] } else { b[p * n + j] } as f64;
                s += av * bv;
                t += (av * bv).abs();
            }
            let cv = if beta == 0.0 {
                0.0
            } else {
                beta * c[i * n + j] as f64
            };
            out[i * n + j] = alpha * s + cv;
            mag[i * n + j] = alpha.abs() * t + cv.abs();
        }
    }
    (out, mag)
}
