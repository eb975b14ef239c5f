//! `sgemm` on arbitrary shapes (zero sizes included), transposes, α and β, with operands in
//! exactly-sized buffers (AddressSanitizer sees any access outside them): every element within
//! the dot-product error bound (k + 2)·ε·(|α|·Σ|a·b| + |β·c|) of the f64 result, and β = 0
//! ignoring NaNs already in C (BLAS semantics).
#![no_main]

use descent_kernels::gemm::sgemm;
use descent_kernels_fuzz::common::naive_gemm;
use descent_kernels_fuzz::tame;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    m: u8,
    n: u8,
    k: u8,
    ta: bool,
    tb: bool,
    alpha: u16,
    beta: Option<u16>,
    nan_c: bool,
    seed: u16,
}

fuzz_target!(|inp: Input| {
    let (m, n, k) = (
        inp.m as usize % 80,
        inp.n as usize % 80,
        inp.k as usize % 140,
    );
    let v = |salt: usize, i: usize| {
        let h = (i as u32 ^ (salt as u32) << 24 ^ inp.seed as u32).wrapping_mul(0x9E37_79B1);
        tame((h >> 16) as u16, 1.0)
    };
    let a: Vec<f32> = (0..m * k).map(|i| v(1, i)).collect();
    let b: Vec<f32> = (0..k * n).map(|i| v(2, i)).collect();
    let c0: Vec<f32> = (0..m * n)
        .map(|i| {
            if inp.nan_c && inp.beta.is_none() {
                f32::NAN
            } else {
                v(3, i)
            }
        })
        .collect();
    let alpha = tame(inp.alpha, 2.0);
    let beta = inp.beta.map_or(0.0, |b| tame(b, 1.0));
    let mut c = c0.clone();
    sgemm(inp.ta, inp.tb, m, n, k, alpha, &a, &b, beta, &mut c);
    let (want, mag) = naive_gemm(
        inp.ta,
        inp.tb,
        m,
        n,
        k,
        alpha as f64,
        &a,
        &b,
        beta as f64,
        &c0,
    );
    for i in 0..m {
        for j in 0..n {
            let (want, bound) = (
                want[i * n + j],
                (k as f64 + 2.0) * f32::EPSILON as f64 * mag[i * n + j] + 1e-30,
            );
            let got = c[i * n + j] as f64;
            assert!(
                (got - want).abs() <= bound,
                "{m}x{n}x{k} ta={} tb={} α={alpha} β={beta}: c[{i},{j}] = {got} vs {want}",
                inp.ta,
                inp.tb
            );
        }
    }
});
