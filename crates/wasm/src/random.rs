//! Seeded random fills: the xoshiro128** state (4 u32) is advanced in place.

use crate::w;
use descent_kernels::rng;

/// # Safety
/// `s` points to 4 u32 disjoint from `out`'s `n` f32.
unsafe fn state<'a>(s: *mut u32) -> &'a mut [u32; 4] {
    &mut *(s as *mut [u32; 4])
}

/// # Safety
/// As [`state`].
#[no_mangle]
pub unsafe extern "C" fn rng_uniform(s: *mut u32, out: *mut f32, n: usize, lo: f64, hi: f64) {
    rng::uniform(state(s), w(out, n), lo, hi);
}

/// # Safety
/// As [`state`].
#[no_mangle]
pub unsafe extern "C" fn rng_normal(s: *mut u32, out: *mut f32, n: usize, mean: f64, std: f64) {
    rng::normal(state(s), w(out, n), mean, std);
}

/// # Safety
/// As [`state`].
#[no_mangle]
pub unsafe extern "C" fn rng_dropout_mask(s: *mut u32, out: *mut f32, n: usize, p: f64) {
    rng::dropout_mask(state(s), w(out, n), p);
}
