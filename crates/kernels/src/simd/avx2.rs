//! 8 lanes with AVX2 and FMA.

use super::Simd;
use core::arch::x86_64::*;

#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

impl Avx2 {
    /// # Safety
    /// The CPU must support AVX2, FMA, BMI1, BMI2, LZCNT and POPCNT.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Avx2(())
    }
}

const SIGN: i32 = i32::MIN;

// SAFETY (whole impl): a value of `Avx2` exists only after runtime detection of the features
// the intrinsics need; loads and stores check the slice length first.
#[allow(unused_unsafe)]
impl Simd for Avx2 {
    const LANES: usize = 8;
    type V = __m256;
    type M = __m256;

    #[inline(always)]
    fn splat(self, x: f32) -> __m256 {
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> __m256 {
        assert!(s.len() >= 8);
        unsafe { _mm256_loadu_ps(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: __m256) {
        assert!(s.len() >= 8);
        unsafe { _mm256_storeu_ps(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn add(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn fma(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn min(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m256) -> __m256 {
        unsafe { _mm256_sqrt_ps(a) }
    }
    #[inline(always)]
    fn abs(self, a: __m256) -> __m256 {
        unsafe { _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_set1_epi32(SIGN)), a) }
    }
    #[inline(always)]
    fn neg(self, a: __m256) -> __m256 {
        unsafe { _mm256_xor_ps(_mm256_castsi256_ps(_mm256_set1_epi32(SIGN)), a) }
    }
    #[inline(always)]
    fn round(self, a: __m256) -> __m256 {
        unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn copysign(self, mag: __m256, sign: __m256) -> __m256 {
        unsafe {
            let m = _mm256_castsi256_ps(_mm256_set1_epi32(SIGN));
            _mm256_or_ps(_mm256_andnot_ps(m, mag), _mm256_and_ps(m, sign))
        }
    }
    #[inline(always)]
    fn pow2i(self, n: __m256) -> __m256 {
        unsafe {
            let i = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
            _mm256_castsi256_ps(_mm256_slli_epi32::<23>(i))
        }
    }
    #[inline(always)]
    fn frexp(self, x: __m256) -> (__m256, __m256) {
        unsafe {
            let b = _mm256_castps_si256(x);
            let e = _mm256_sub_epi32(
                _mm256_and_si256(_mm256_srli_epi32::<23>(b), _mm256_set1_epi32(0xff)),
                _mm256_set1_epi32(126),
            );
            let m = _mm256_or_si256(
                _mm256_and_si256(b, _mm256_set1_epi32(0x807f_ffff_u32 as i32)),
                _mm256_set1_epi32(0x3f00_0000),
            );
            (_mm256_castsi256_ps(m), _mm256_cvtepi32_ps(e))
        }
    }
    #[inline(always)]
    fn lt(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(a, b) }
    }
    #[inline(always)]
    fn gt(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    fn is_nan(self, a: __m256) -> __m256 {
        unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(a, a) }
    }
    #[inline(always)]
    fn and_m(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_and_ps(a, b) }
    }
    #[inline(always)]
    fn or_m(self, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_or_ps(a, b) }
    }
    #[inline(always)]
    fn select(self, m: __m256, a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_blendv_ps(b, a, m) }
    }
    const SLOW_SUBNORMALS: bool = true;
    #[inline(always)]
    fn zero_lanes(self, m: __m256, a: __m256) -> __m256 {
        unsafe { opaque(self.select(m, self.zero(), a)) }
    }
    #[inline(always)]
    fn any(self, m: __m256) -> bool {
        unsafe { _mm256_movemask_ps(m) != 0 }
    }
    #[inline(always)]
    fn mul_f64(self, a: __m256, b: __m256) -> __m256 {
        unsafe { wide2(a, b, |x, y| _mm256_mul_pd(x, y)) }
    }
    #[inline(always)]
    fn div_f64(self, a: __m256, b: __m256) -> __m256 {
        unsafe { wide2(a, b, |x, y| _mm256_div_pd(x, y)) }
    }
    #[inline(always)]
    fn sqrt_f64(self, a: __m256) -> __m256 {
        unsafe { wide2(a, a, |x, _| _mm256_sqrt_pd(x)) }
    }
    #[inline(always)]
    fn fma_f64(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        unsafe {
            let (c0, c1) = halves(c);
            let (a0, a1) = halves(a);
            let (b0, b1) = halves(b);
            join(_mm256_fmadd_pd(a0, b0, c0), _mm256_fmadd_pd(a1, b1, c1))
        }
    }
    #[inline(always)]
    fn reduce_add(self, v: __m256) -> f32 {
        unsafe {
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    fn reduce_max(self, v: __m256) -> f32 {
        unsafe {
            let s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let s = _mm_max_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_max_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
}

/// The two f64 halves of `a` (exact; no assist for subnormal lanes).
#[inline(always)]
unsafe fn halves(a: __m256) -> (__m256d, __m256d) {
    unsafe {
        (
            _mm256_cvtps_pd(_mm256_castps256_ps128(a)),
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(a)),
        )
    }
}

/// `lo` and `hi` rounded to f32 and put back together.
#[inline(always)]
unsafe fn join(lo: __m256d, hi: __m256d) -> __m256 {
    unsafe { _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo)) }
}

/// `f` on the f64 halves of `a` and `b`, rounded back to f32.
#[inline(always)]
unsafe fn wide2(a: __m256, b: __m256, f: impl Fn(__m256d, __m256d) -> __m256d) -> __m256 {
    unsafe {
        let (a0, a1) = halves(a);
        let (b0, b1) = halves(b);
        join(f(a0, b0), f(a1, b1))
    }
}

/// `z`, through an empty asm block the optimizer cannot see into.
#[target_feature(enable = "avx")]
#[inline]
unsafe fn opaque(mut z: __m256) -> __m256 {
    // SAFETY: the template is empty; it reads and writes only `z`'s register.
    unsafe {
        core::arch::asm!("/* {0} */", inout(ymm_reg) z, options(pure, nomem, nostack, preserves_flags))
    };
    z
}
