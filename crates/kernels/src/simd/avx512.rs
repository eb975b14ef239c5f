//! 16 lanes with AVX-512 (F, VL, DQ, BW); masks live in k-registers.

use super::Simd;
use core::arch::x86_64::*;

#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// # Safety
    /// The CPU must support AVX-512 F/VL/DQ/BW plus everything [`super::Avx2`] needs.
    #[inline(always)]
    pub unsafe fn new_unchecked() -> Self {
        Avx512(())
    }
}

const SIGN: i32 = i32::MIN;

// SAFETY (whole impl): a value of `Avx512` exists only after runtime detection of the
// features the intrinsics need; loads and stores check the slice length first.
#[allow(unused_unsafe)]
impl Simd for Avx512 {
    const LANES: usize = 16;
    type V = __m512;
    type M = __mmask16;

    #[inline(always)]
    fn splat(self, x: f32) -> __m512 {
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    fn load(self, s: &[f32]) -> __m512 {
        assert!(s.len() >= 16);
        unsafe { _mm512_loadu_ps(s.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], v: __m512) {
        assert!(s.len() >= 16);
        unsafe { _mm512_storeu_ps(s.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn add(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_div_ps(a, b) }
    }
    #[inline(always)]
    fn fma(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn min(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    fn max(self, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    fn sqrt(self, a: __m512) -> __m512 {
        unsafe { _mm512_sqrt_ps(a) }
    }
    #[inline(always)]
    fn abs(self, a: __m512) -> __m512 {
        unsafe { _mm512_abs_ps(a) }
    }
    #[inline(always)]
    fn neg(self, a: __m512) -> __m512 {
        unsafe {
            _mm512_castsi512_ps(_mm512_xor_si512(
                _mm512_castps_si512(a),
                _mm512_set1_epi32(SIGN),
            ))
        }
    }
    #[inline(always)]
    fn round(self, a: __m512) -> __m512 {
        unsafe { _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn copysign(self, mag: __m512, sign: __m512) -> __m512 {
        unsafe {
            let m = _mm512_set1_epi32(SIGN);
            _mm512_castsi512_ps(_mm512_or_si512(
                _mm512_andnot_si512(m, _mm512_castps_si512(mag)),
                _mm512_and_si512(m, _mm512_castps_si512(sign)),
            ))
        }
    }
    #[inline(always)]
    fn pow2i(self, n: __m512) -> __m512 {
        unsafe {
            let i = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
            _mm512_castsi512_ps(_mm512_slli_epi32::<23>(i))
        }
    }
    #[inline(always)]
    fn frexp(self, x: __m512) -> (__m512, __m512) {
        unsafe {
            let b = _mm512_castps_si512(x);
            let e = _mm512_sub_epi32(
                _mm512_and_si512(_mm512_srli_epi32::<23>(b), _mm512_set1_epi32(0xff)),
                _mm512_set1_epi32(126),
            );
            let m = _mm512_or_si512(
                _mm512_and_si512(b, _mm512_set1_epi32(0x807f_ffff_u32 as i32)),
                _mm512_set1_epi32(0x3f00_0000),
            );
            (_mm512_castsi512_ps(m), _mm512_cvtepi32_ps(e))
        }
    }
    #[inline(always)]
    fn lt(self, a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b) }
    }
    #[inline(always)]
    fn le(self, a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(a, b) }
    }
    #[inline(always)]
    fn gt(self, a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: __m512, b: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b) }
    }
    #[inline(always)]
    fn is_nan(self, a: __m512) -> __mmask16 {
        unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(a, a) }
    }
    #[inline(always)]
    fn and_m(self, a: __mmask16, b: __mmask16) -> __mmask16 {
        a & b
    }
    #[inline(always)]
    fn or_m(self, a: __mmask16, b: __mmask16) -> __mmask16 {
        a | b
    }
    #[inline(always)]
    fn select(self, m: __mmask16, a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_mask_blend_ps(m, b, a) }
    }
    const SLOW_SUBNORMALS: bool = true;
    #[inline(always)]
    fn is_subnormal(self, a: __m512) -> __mmask16 {
        // One classification instruction (category 0x20: denormal) instead of abs and two
        // compares: the check runs on every vector of a light optimizer's step.
        unsafe { _mm512_fpclass_ps_mask::<0x20>(a) }
    }
    #[inline(always)]
    fn zero_lanes(self, m: __mmask16, a: __m512) -> __m512 {
        unsafe { opaque(self.select(m, self.zero(), a)) }
    }
    #[inline(always)]
    fn any(self, m: __mmask16) -> bool {
        m != 0
    }
    #[inline(always)]
    fn mul_f64(self, a: __m512, b: __m512) -> __m512 {
        unsafe { wide2(a, b, |x, y| _mm512_mul_pd(x, y)) }
    }
    #[inline(always)]
    fn div_f64(self, a: __m512, b: __m512) -> __m512 {
        unsafe { wide2(a, b, |x, y| _mm512_div_pd(x, y)) }
    }
    #[inline(always)]
    fn sqrt_f64(self, a: __m512) -> __m512 {
        unsafe { wide2(a, a, |x, _| _mm512_sqrt_pd(x)) }
    }
    #[inline(always)]
    fn fma_f64(self, a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe {
            let (c0, c1) = halves(c);
            let (a0, a1) = halves(a);
            let (b0, b1) = halves(b);
            join(_mm512_fmadd_pd(a0, b0, c0), _mm512_fmadd_pd(a1, b1, c1))
        }
    }
    #[inline(always)]
    fn reduce_add(self, v: __m512) -> f32 {
        unsafe {
            let s = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps::<1>(v));
            let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    fn reduce_max(self, v: __m512) -> f32 {
        unsafe {
            let s = _mm256_max_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps::<1>(v));
            let s = _mm_max_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
            let s = _mm_max_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_max_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
}

/// The two f64 halves of `a` (exact; no assist for subnormal lanes).
#[inline(always)]
unsafe fn halves(a: __m512) -> (__m512d, __m512d) {
    unsafe {
        (
            _mm512_cvtps_pd(_mm512_castps512_ps256(a)),
            _mm512_cvtps_pd(_mm512_extractf32x8_ps::<1>(a)),
        )
    }
}

/// `lo` and `hi` rounded to f32 and put back together.
#[inline(always)]
unsafe fn join(lo: __m512d, hi: __m512d) -> __m512 {
    unsafe {
        _mm512_insertf32x8::<1>(
            _mm512_castps256_ps512(_mm512_cvtpd_ps(lo)),
            _mm512_cvtpd_ps(hi),
        )
    }
}

/// `f` on the f64 halves of `a` and `b`, rounded back to f32.
#[inline(always)]
unsafe fn wide2(a: __m512, b: __m512, f: impl Fn(__m512d, __m512d) -> __m512d) -> __m512 {
    unsafe {
        let (a0, a1) = halves(a);
        let (b0, b1) = halves(b);
        join(f(a0, b0), f(a1, b1))
    }
}

/// `z`, through an empty asm block the optimizer cannot see into.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn opaque(mut z: __m512) -> __m512 {
    // SAFETY: the template is empty; it reads and writes only `z`'s register.
    unsafe {
        core::arch::asm!("/* {0} */", inout(zmm_reg) z, options(pure, nomem, nostack, preserves_flags))
    };
    z
}
