//! Vectorised f32 transcendental functions, written once over [`Simd`].
//!
//! exp and log follow Cephes `expf`/`logf` (S. L. Moshier): range reduction by powers of two
//! and a minimax polynomial, ~1 ulp. erfc uses the Chebyshev fit of Numerical Recipes
//! (`erfcc`, fractional error < 1.2e-7), with exp(-x²/2) split so that x² is exact.
//! Every function is written to avoid cancellation in the tails, so results keep their
//! relative accuracy where they are tiny.

#![allow(clippy::excessive_precision)] // coefficients kept as published

use crate::simd::Simd;

const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4; // 0.693359375, exact in 9 bits
const LN2_LO: f32 = -2.121_944_4e-4;
const EXP_HI: f32 = 88.722_84; // ln(f32::MAX)
const EXP_LO: f32 = -104.0; // below this exp underflows to 0
const FLT_MIN: f32 = f32::MIN_POSITIVE;

#[inline(always)]
fn horner<S: Simd>(s: S, x: S::V, coeffs: &[f32]) -> S::V {
    let mut p = s.splat(coeffs[0]);
    for &c in &coeffs[1..] {
        p = s.fma(p, x, s.splat(c));
    }
    p
}

/// e^x, correct to ~1 ulp, with gradual underflow, +inf above ln(f32::MAX), NaN kept.
#[inline(always)]
pub fn exp<S: Simd>(s: S, x: S::V) -> S::V {
    let xc = s.max(s.min(x, s.splat(EXP_HI)), s.splat(EXP_LO));
    let n = s.round(s.mul(xc, s.splat(LOG2E)));
    let r = s.fma(n, s.splat(-LN2_HI), xc);
    let r = s.fma(n, s.splat(-LN2_LO), r);
    let p = horner(
        s,
        r,
        &[
            1.987_569_2e-4,
            1.398_2e-3,
            8.333_452e-3,
            4.166_579_6e-2,
            0.166_666_65,
            0.5,
        ],
    );
    let y = s.add(s.fma(s.mul(p, r), r, r), s.splat(1.0));
    // Scale in two steps so that results below f32::MIN_POSITIVE round once, as subnormals.
    let n1 = s.round(s.mul(n, s.splat(0.5)));
    let n2 = s.sub(n, n1);
    let y = s.mul(s.mul(y, s.pow2i(n1)), s.pow2i(n2));
    let y = s.select(s.gt(x, s.splat(EXP_HI)), s.splat(f32::INFINITY), y);
    let y = s.select(s.lt(x, s.splat(EXP_LO)), s.zero(), y);
    s.select(s.is_nan(x), x, y)
}

/// ln(x): -inf at 0, NaN below 0 and for NaN, +inf at +inf; subnormals handled.
#[inline(always)]
pub fn log<S: Simd>(s: S, x: S::V) -> S::V {
    let tiny = s.lt(x, s.splat(FLT_MIN));
    let xs = s.select(tiny, s.mul(x, s.splat(8_388_608.0)), x); // 2^23
    let (m, e) = s.frexp(xs);
    let e = s.select(tiny, s.sub(e, s.splat(23.0)), e);
    let small = s.lt(m, s.splat(std::f32::consts::FRAC_1_SQRT_2));
    let e = s.select(small, s.sub(e, s.splat(1.0)), e);
    let m = s.sub(s.select(small, s.add(m, m), m), s.splat(1.0));
    let z = s.mul(m, m);
    let p = horner(
        s,
        m,
        &[
            7.037_683_6e-2,
            -0.115_146_1,
            0.116_769_98,
            -0.124_201_41,
            0.142_493_23,
            -0.166_680_58,
            0.200_007_15,
            -0.249_999_94,
            0.333_333_3,
        ],
    );
    let y = s.mul(s.mul(p, m), z);
    let y = s.fma(e, s.splat(LN2_LO), y);
    let y = s.fma(z, s.splat(-0.5), y);
    let y = s.fma(e, s.splat(LN2_HI), s.add(m, y));
    let y = s.select(s.eq(x, s.zero()), s.splat(f32::NEG_INFINITY), y);
    let y = s.select(s.lt(x, s.zero()), s.splat(f32::NAN), y);
    let y = s.select(s.eq(x, s.splat(f32::INFINITY)), x, y);
    s.select(s.is_nan(x), x, y)
}

/// ln(1 + t) for t > -1, accurate for tiny t (Goldberg's correction: ln(u)·t/(u-1), u = 1+t).
#[inline(always)]
pub fn log1p<S: Simd>(s: S, t: S::V) -> S::V {
    let u = s.add(t, s.splat(1.0));
    let d = s.sub(u, s.splat(1.0));
    let corrected = s.div(s.mul(log(s, u), t), d);
    let y = s.select(s.eq(d, s.zero()), t, corrected);
    // Beyond 2^24, 1 + t == t and ln(t) is already exact to f32 precision.
    s.select(s.gt(t, s.splat(16_777_216.0)), log(s, t), y)
}

/// e^x - 1, accurate near 0 (degree-8 Taylor polynomial on |x| < 0.5).
#[inline(always)]
pub fn expm1<S: Simd>(s: S, x: S::V) -> S::V {
    let p = horner(
        s,
        x,
        &[
            1.0 / 40320.0,
            1.0 / 5040.0,
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
            1.0,
        ],
    );
    let near = s.mul(p, x);
    let far = s.sub(exp(s, x), s.splat(1.0));
    s.select(s.lt(s.abs(x), s.splat(0.5)), near, far)
}

/// tanh(x): Cephes odd polynomial for |x| < 0.625, else (1 - e)/(1 + e) with e = e^(-2|x|).
#[inline(always)]
pub fn tanh<S: Simd>(s: S, x: S::V) -> S::V {
    let z = s.mul(x, x);
    let p = horner(
        s,
        z,
        &[
            -5.704_988_7e-3,
            2.063_908_9e-2,
            -5.373_971_6e-2,
            0.133_314_42,
            -0.333_332_82,
        ],
    );
    let near = s.fma(s.mul(p, z), x, x);
    let e = exp(s, s.mul(s.abs(x), s.splat(-2.0)));
    let far = s.copysign(s.div(s.sub(s.splat(1.0), e), s.add(s.splat(1.0), e)), x);
    s.select(s.lt(s.abs(x), s.splat(0.625)), near, far)
}

/// 1 - tanh(x)^2 without cancellation: 4e/(1+e)^2 with e = e^(-2|x|).
#[inline(always)]
pub fn sech2<S: Simd>(s: S, x: S::V) -> S::V {
    let e = exp(s, s.mul(s.abs(x), s.splat(-2.0)));
    let d = s.add(s.splat(1.0), e);
    s.div(s.mul(s.splat(4.0), e), s.mul(d, d))
}

/// Logistic sigmoid 1/(1+e^-x), relatively accurate in both tails.
#[inline(always)]
pub fn sigmoid<S: Simd>(s: S, x: S::V) -> S::V {
    let e = exp(s, s.neg(s.abs(x)));
    let r = s.div(s.splat(1.0), s.add(s.splat(1.0), e));
    s.select(s.lt(x, s.zero()), s.mul(e, r), r)
}

/// Derivative of the sigmoid, σ(x)(1-σ(x)) = e/(1+e)^2 with e = e^(-|x|).
#[inline(always)]
pub fn sigmoid_grad<S: Simd>(s: S, x: S::V) -> S::V {
    let e = exp(s, s.neg(s.abs(x)));
    let d = s.add(s.splat(1.0), e);
    s.div(e, s.mul(d, d))
}

/// ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), without overflow.
#[inline(always)]
pub fn softplus<S: Simd>(s: S, x: S::V) -> S::V {
    let t = exp(s, s.neg(s.abs(x)));
    s.add(s.max(x, s.zero()), log1p(s, t))
}

/// e^(-a²/2) with a² split so the large part is exact: a = m + f, m a multiple of 1/64.
#[inline(always)]
pub fn exp_neg_half_sq<S: Simd>(s: S, a: S::V) -> S::V {
    let m = s.mul(s.round(s.mul(a, s.splat(64.0))), s.splat(1.0 / 64.0));
    let big = s.mul(s.mul(m, m), s.splat(-0.5));
    let small = s.mul(s.mul(s.sub(a, m), s.add(a, m)), s.splat(-0.5));
    let r = s.mul(exp(s, big), exp(s, small));
    // Far beyond underflow (and at infinity, where a - m is NaN) the answer is 0.
    s.select(s.gt(a, s.splat(64.0)), s.zero(), r)
}

/// Φ(-|x|) = erfc(|x|/√2)/2, the standard normal lower tail, relatively accurate.
#[inline(always)]
pub fn normal_tail<S: Simd>(s: S, x: S::V) -> S::V {
    let a = s.abs(x);
    let z = s.mul(a, s.splat(std::f32::consts::FRAC_1_SQRT_2));
    let t = s.div(s.splat(1.0), s.fma(z, s.splat(0.5), s.splat(1.0)));
    let p = horner(
        s,
        t,
        &[
            0.170_872_77,
            -0.822_152_23,
            1.488_515_9,
            -1.135_204,
            0.278_868_07,
            -0.186_288_06,
            0.096_784_18,
            0.374_091_96,
            1.000_023_7,
            -1.265_512_2,
        ],
    );
    s.mul(
        s.mul(s.mul(t, s.splat(0.5)), exp(s, p)),
        exp_neg_half_sq(s, a),
    )
}

/// Standard normal cumulative distribution Φ(x).
#[inline(always)]
pub fn normal_cdf<S: Simd>(s: S, x: S::V) -> S::V {
    let q = normal_tail(s, x);
    s.select(s.lt(x, s.zero()), q, s.sub(s.splat(1.0), q))
}

/// Standard normal density φ(x) = e^(-x²/2)/√(2π).
#[inline(always)]
pub fn normal_pdf<S: Simd>(s: S, x: S::V) -> S::V {
    s.mul(
        exp_neg_half_sq(s, s.abs(x)),
        s.splat(0.398_942_3), // 1/√(2π)
    )
}
