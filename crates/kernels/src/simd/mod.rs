//! A small SIMD abstraction: one trait, one file per instruction set, runtime dispatch.
//!
//! Kernels are written once, generic over [`Simd`], and instantiated inside a
//! `#[target_feature]` wrapper per instruction set by [`simd_fn!`]. A value of a `Simd`
//! type is a token proving the CPU supports it, so the trait's methods are safe to call.

mod level;
mod scalar;
pub use level::{detected_level, force_level, level, Level};
pub use scalar::Scalar;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
pub use avx2::Avx2;
#[cfg(target_arch = "x86_64")]
pub use avx512::Avx512;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm128;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm128::Wasm128;

#[cfg(target_arch = "aarch64")]
mod neon;
#[cfg(target_arch = "aarch64")]
pub use neon::Neon;

/// Widest vector of any instruction set, in f32 lanes (tail buffers are this long).
pub const MAX_LANES: usize = 16;

/// Vector operations on `LANES` f32 values. `M` is a lane mask produced by comparisons.
pub trait Simd: Copy + Send + Sync + 'static {
    const LANES: usize;
    type V: Copy;
    type M: Copy;

    fn splat(self, x: f32) -> Self::V;
    /// Loads `LANES` values from the front of `s` (panics if shorter).
    fn load(self, s: &[f32]) -> Self::V;
    /// Stores `LANES` values to the front of `s` (panics if shorter).
    fn store(self, s: &mut [f32], v: Self::V);

    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, fused where the instruction set has FMA.
    fn fma(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a * b + c` rounded once, for error terms such as `fma(a, b, -(a * b))`: [`Self::fma`]
    /// where that is fused, an exact emulation where it is not (SIMD128).
    #[inline(always)]
    fn fma_exact(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        self.fma(a, b, c)
    }
    /// IEEE min/max semantics of the hardware: if either operand is NaN the second is returned.
    fn min(self, a: Self::V, b: Self::V) -> Self::V;
    fn max(self, a: Self::V, b: Self::V) -> Self::V;
    fn sqrt(self, a: Self::V) -> Self::V;
    fn abs(self, a: Self::V) -> Self::V;
    fn neg(self, a: Self::V) -> Self::V;
    /// Round to nearest integer, ties to even.
    fn round(self, a: Self::V) -> Self::V;
    /// Magnitude of `mag` with the sign bit of `sign`.
    fn copysign(self, mag: Self::V, sign: Self::V) -> Self::V;
    /// `2^n` for lanes holding integers in [-126, 127].
    fn pow2i(self, n: Self::V) -> Self::V;
    /// For positive normal `x`: (`m`, `e`) with `x = m * 2^e` and `m` in [0.5, 1).
    fn frexp(self, x: Self::V) -> (Self::V, Self::V);

    fn lt(self, a: Self::V, b: Self::V) -> Self::M;
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    fn gt(self, a: Self::V, b: Self::V) -> Self::M;
    fn eq(self, a: Self::V, b: Self::V) -> Self::M;
    /// True in lanes that hold NaN.
    fn is_nan(self, a: Self::V) -> Self::M;
    fn and_m(self, a: Self::M, b: Self::M) -> Self::M;
    fn or_m(self, a: Self::M, b: Self::M) -> Self::M;
    /// `m ? a : b` per lane.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;

    fn reduce_add(self, v: Self::V) -> f32;
    fn reduce_max(self, v: Self::V) -> f32;

    #[inline(always)]
    fn zero(self) -> Self::V {
        self.splat(0.0)
    }

    /// Whether mul, fma, div and sqrt take a microcode assist when a lane is subnormal (x86:
    /// ~40 ns a vector against ~1-3, `benchmarks/c/subnormal.c`), so that kernels whose state
    /// decays into that range route such lanes through the `*_f64` operations below.
    const SLOW_SUBNORMALS: bool = false;
    /// Lanes holding a nonzero subnormal (by comparisons, which take no assist).
    #[inline(always)]
    fn is_subnormal(self, a: Self::V) -> Self::M {
        let x = self.abs(a);
        self.and_m(
            self.lt(x, self.splat(f32::MIN_POSITIVE)),
            self.gt(x, self.zero()),
        )
    }
    /// `m ? 0 : a` per lane. Where [`Self::SLOW_SUBNORMALS`] is set it must be opaque to the
    /// optimizer (x86: an empty `asm` block), so that the zero is really computed with: an
    /// ordinary select whose masked lanes are later overwritten is folded away by LLVM (the
    /// lane is "don't care"), handing the subnormal back to the slow instruction. Elsewhere
    /// nothing is routed and the plain select here is enough.
    #[inline(always)]
    fn zero_lanes(self, m: Self::M, a: Self::V) -> Self::V {
        self.select(m, self.zero(), a)
    }
    /// Whether any lane of `m` is set.
    #[inline(always)]
    fn any(self, m: Self::M) -> bool {
        self.reduce_max(self.select(m, self.splat(1.0), self.zero())) > 0.0
    }
    /// `a·b` in f64, rounded once to f32: the f32 product (exact in f64), without the assist a
    /// subnormal operand costs the f32 instruction (conversions take none).
    #[inline(always)]
    fn mul_f64(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise::<Self, 2>(self, [a, b], |[x, y]| x * y)
    }
    /// `a / b` in f64, rounded once to f32: the f32 quotient, double rounding being innocuous
    /// for division and square root from 53 ≥ 2·24 + 2 bits (Figueroa, "When is double
    /// rounding innocuous?", SIGNUM Newsletter 30(3), 1995).
    #[inline(always)]
    fn div_f64(self, a: Self::V, b: Self::V) -> Self::V {
        lanewise::<Self, 2>(self, [a, b], |[x, y]| x / y)
    }
    /// `√a` in f64, rounded once to f32: the f32 square root (see [`Self::div_f64`]).
    #[inline(always)]
    fn sqrt_f64(self, a: Self::V) -> Self::V {
        lanewise::<Self, 1>(self, [a], |[x]| x.sqrt())
    }
    /// `a·b + c` in f64, rounded once to f32: the f32 fma only where `a·b + c` is exact in f64,
    /// which the caller must ensure.
    #[inline(always)]
    fn fma_f64(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V {
        lanewise::<Self, 3>(self, [a, b, c], |[x, y, z]| x.mul_add(y, z))
    }
}

/// `f` on each lane in f64, rounded to f32: the `*_f64` operations where an instruction set
/// has no faster form (they are only needed where [`Simd::SLOW_SUBNORMALS`] is set).
#[inline(always)]
fn lanewise<S: Simd, const K: usize>(s: S, x: [S::V; K], f: impl Fn([f64; K]) -> f64) -> S::V {
    let mut lanes = [[0f32; MAX_LANES]; K];
    for (l, v) in lanes.iter_mut().zip(x) {
        s.store(l, v);
    }
    let mut out = [0f32; MAX_LANES];
    for (i, o) in out.iter_mut().enumerate().take(S::LANES) {
        *o = f(core::array::from_fn(|k| f64::from(lanes[k][i]))) as f32;
    }
    s.load(&out)
}

/// Defines `pub fn name(args) -> ret` that runs `body` with the best instruction set the
/// CPU has (`s` is the token, `S` its type). The body is pasted into one generic
/// `#[target_feature]` function per instruction set, so that closures written in it are
/// compiled with those features too (a closure defined in a plain helper is not, and its
/// intrinsics become calls). Helpers called from the body must be `#[inline(always)]` and
/// must not define SIMD closures themselves.
#[macro_export]
macro_rules! simd_fn {
    ($(#[$meta:meta])* $vis:vis fn $name:ident<$S:ident>($s:ident $(, $arg:ident : $ty:ty)* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                unsafe fn avx512<$S: $crate::simd::Simd>($s: $S $(, $arg: $ty)*) $(-> $ret)? $body
                #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                unsafe fn avx2<$S: $crate::simd::Simd>($s: $S $(, $arg: $ty)*) $(-> $ret)? $body
                match $crate::simd::level() {
                    // SAFETY: `level()` never reports more than the CPU supports, and the
                    // tokens are created only for the detected instruction set.
                    $crate::simd::Level::Avx512 => {
                        return unsafe { avx512($crate::simd::Avx512::new_unchecked() $(, $arg)*) }
                    }
                    $crate::simd::Level::Avx2 => {
                        return unsafe { avx2($crate::simd::Avx2::new_unchecked() $(, $arg)*) }
                    }
                    _ => {}
                }
            }
            #[cfg(target_arch = "aarch64")]
            {
                #[target_feature(enable = "neon")]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                unsafe fn neon<$S: $crate::simd::Simd>($s: $S $(, $arg: $ty)*) $(-> $ret)? $body
                if $crate::simd::level() == $crate::simd::Level::Neon {
                    // SAFETY: `level()` never reports more than the CPU supports.
                    return unsafe { neon($crate::simd::Neon::new_unchecked() $(, $arg)*) };
                }
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            {
                // The whole module is compiled with simd128: no target_feature wrapper.
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                fn simd128<$S: $crate::simd::Simd>($s: $S $(, $arg: $ty)*) $(-> $ret)? $body
                if $crate::simd::level() == $crate::simd::Level::Simd128 {
                    return simd128($crate::simd::Wasm128::new() $(, $arg)*);
                }
            }
            #[allow(clippy::too_many_arguments)]
            fn scalar<$S: $crate::simd::Simd>($s: $S $(, $arg: $ty)*) $(-> $ret)? $body
            scalar($crate::simd::Scalar $(, $arg)*)
        }
    };
}
