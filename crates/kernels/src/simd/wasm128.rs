//! 4 lanes with WebAssembly SIMD128 (compiled in with `-C target-feature=+simd128`; a
//! module using it does not validate on an engine without it, so no runtime check exists).
//! Semantics of the instructions: https://webassembly.github.io/spec/core/exec/numerics.html

use super::Simd;
use core::arch::wasm32::*;

#[derive(Clone, Copy, Debug)]
pub struct Wasm128(());

impl Wasm128 {
    #[inline(always)]
    pub fn new() -> Self {
        Wasm128(())
    }
}

impl Default for Wasm128 {
    fn default() -> Self {
        Self::new()
    }
}

/// Lanes 0-1 and 2-3 of `a` widened to f64.
#[inline(always)]
fn widen(a: v128) -> (v128, v128) {
    (
        f64x2_promote_low_f32x4(a),
        f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(a, a)),
    )
}

// Loads and stores check the slice length first; the rest is plain SIMD128 arithmetic.
impl Simd for Wasm128 {
    const LANES: usize = 4;
    type V = v128;
    type M = v128;

    #[inline(always)]
    fn splat(self, x: f32) -> v128 {
        f32x4_splat(x)
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> v128 {
        assert!(s.len() >= 4);
        // SAFETY: 4 f32 are readable (checked); v128.load has no alignment requirement.
        unsafe { v128_load(s.as_ptr() as *const v128) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: v128) {
        assert!(s.len() >= 4);
        // SAFETY: 4 f32 are writable (checked); v128.store has no alignment requirement.
        unsafe { v128_store(s.as_mut_ptr() as *mut v128, v) }
    }
    #[inline(always)]
    fn add(self, a: v128, b: v128) -> v128 {
        f32x4_add(a, b)
    }
    #[inline(always)]
    fn sub(self, a: v128, b: v128) -> v128 {
        f32x4_sub(a, b)
    }
    #[inline(always)]
    fn mul(self, a: v128, b: v128) -> v128 {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    fn div(self, a: v128, b: v128) -> v128 {
        f32x4_div(a, b)
    }
    #[inline(always)]
    fn fma(self, a: v128, b: v128, c: v128) -> v128 {
        // SIMD128 has no fused multiply-add (relaxed-simd's is not guaranteed fused).
        f32x4_add(f32x4_mul(a, b), c)
    }
    #[inline(always)]
    fn fma_exact(self, a: v128, b: v128, c: v128) -> v128 {
        // In f64 the product of two f32 is exact, so this rounds once more than a true FMA
        // only when the f64 sum itself rounds: never for the error terms fma(a, b, -a·b).
        let (al, ah) = widen(a);
        let (bl, bh) = widen(b);
        let (cl, ch) = widen(c);
        let lo = f32x4_demote_f64x2_zero(f64x2_add(f64x2_mul(al, bl), cl));
        let hi = f32x4_demote_f64x2_zero(f64x2_add(f64x2_mul(ah, bh), ch));
        i32x4_shuffle::<0, 1, 4, 5>(lo, hi)
    }
    #[inline(always)]
    fn min(self, a: v128, b: v128) -> v128 {
        // pmin(b, a) = a < b ? a : b: the second operand on NaN, as the trait requires.
        f32x4_pmin(b, a)
    }
    #[inline(always)]
    fn max(self, a: v128, b: v128) -> v128 {
        // pmax(b, a) = b < a ? a : b = a > b ? a : b.
        f32x4_pmax(b, a)
    }
    #[inline(always)]
    fn sqrt(self, a: v128) -> v128 {
        f32x4_sqrt(a)
    }
    #[inline(always)]
    fn abs(self, a: v128) -> v128 {
        f32x4_abs(a)
    }
    #[inline(always)]
    fn neg(self, a: v128) -> v128 {
        f32x4_neg(a)
    }
    #[inline(always)]
    fn round(self, a: v128) -> v128 {
        f32x4_nearest(a)
    }
    #[inline(always)]
    fn copysign(self, mag: v128, sign: v128) -> v128 {
        v128_bitselect(sign, mag, u32x4_splat(0x8000_0000))
    }
    #[inline(always)]
    fn pow2i(self, n: v128) -> v128 {
        let i = i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127));
        i32x4_shl(i, 23)
    }
    #[inline(always)]
    fn frexp(self, x: v128) -> (v128, v128) {
        let e = i32x4_sub(
            v128_and(u32x4_shr(x, 23), i32x4_splat(0xff)),
            i32x4_splat(126),
        );
        let m = v128_or(
            v128_and(x, u32x4_splat(0x807f_ffff)),
            u32x4_splat(0x3f00_0000),
        );
        (m, f32x4_convert_i32x4(e))
    }
    #[inline(always)]
    fn lt(self, a: v128, b: v128) -> v128 {
        f32x4_lt(a, b)
    }
    #[inline(always)]
    fn le(self, a: v128, b: v128) -> v128 {
        f32x4_le(a, b)
    }
    #[inline(always)]
    fn gt(self, a: v128, b: v128) -> v128 {
        f32x4_gt(a, b)
    }
    #[inline(always)]
    fn eq(self, a: v128, b: v128) -> v128 {
        f32x4_eq(a, b)
    }
    #[inline(always)]
    fn is_nan(self, a: v128) -> v128 {
        f32x4_ne(a, a)
    }
    #[inline(always)]
    fn and_m(self, a: v128, b: v128) -> v128 {
        v128_and(a, b)
    }
    #[inline(always)]
    fn or_m(self, a: v128, b: v128) -> v128 {
        v128_or(a, b)
    }
    #[inline(always)]
    fn select(self, m: v128, a: v128, b: v128) -> v128 {
        v128_bitselect(a, b, m)
    }
    #[inline(always)]
    fn reduce_add(self, v: v128) -> f32 {
        // (v0 + v2) + (v1 + v3), the pairing the x86 paths use.
        let s = f32x4_add(v, i32x4_shuffle::<2, 3, 2, 3>(v, v));
        f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s)
    }
    #[inline(always)]
    fn reduce_max(self, v: v128) -> f32 {
        let s = self.max(v, i32x4_shuffle::<2, 3, 2, 3>(v, v));
        let s = self.max(s, i32x4_shuffle::<1, 1, 1, 1>(s, s));
        f32x4_extract_lane::<0>(s)
    }
}
