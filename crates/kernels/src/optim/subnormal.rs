//! Exact routes around the microcode assist x86 takes for a subnormal operand of a mul, fma,
//! divide or square root (~40 ns per vector against 1-3, `benchmarks/c/subnormal.c`).
//! Optimizer state of a weight whose gradient stays 0 decays into the subnormal range and
//! sticks there (0.9·k rounds back to k for k ≤ 4 ulps of 2⁻¹⁴⁹), so every later step would
//! pay for it. A kernel checks each vector's state for subnormal lanes and, where it finds
//! some, computes those lanes through f64 or scaled operands, equal bit for bit (the `*_f64`
//! operations of [`crate::simd::Simd`]); the other lanes see a zero put there by
//! [`crate::simd::Simd::zero_lanes`].

use crate::simd::Simd;

/// Whether kernels at instruction set `S` route subnormal lanes: where they are slow, and not
/// when `DESCENT_FLUSH_DENORMAL=1` flushes them anyway (the route would then keep values the
/// flushing arithmetic drops).
pub(super) fn route_for<S: Simd>() -> bool {
    S::SLOW_SUBNORMALS && !crate::denormal::enabled()
}

/// 2⁶⁴ and 2⁻⁶⁴.
const SCALE_UP: f32 = 18_446_744_073_709_551_616.0;
pub(super) const SCALE_DOWN: f32 = 1.0 / SCALE_UP;

/// Whether [`scaled_fma`] is exact for this coefficient: its 2⁻⁶⁴ multiple must be normal.
pub(super) fn scalable(coef: f32) -> bool {
    coef == 0.0 || coef.abs() >= 4.0 * f32::MIN_POSITIVE * SCALE_UP
}

/// `fma(coef, x, acc)` where subnormal lanes of `x` meet the coefficient as 2⁶⁴·x and
/// 2⁻⁶⁴·coef (`coef_down`): both exact, the same product, no assist (a product below the
/// normal range inside an fma whose sum is normal takes none).
#[inline(always)]
pub(super) fn scaled_fma<S: Simd>(s: S, coef: S::V, coef_down: S::V, x: S::V, acc: S::V) -> S::V {
    let sx = s.is_subnormal(x);
    let xs = s.select(sx, s.mul_f64(x, s.splat(SCALE_UP)), x);
    s.fma(s.select(sx, coef_down, coef), xs, acc)
}
