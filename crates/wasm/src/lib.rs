//! WebAssembly binding of `descent-kernels`. Thin by design: the TypeScript layer has
//! validated every argument (the checked ops) and placed the arrays in this module's linear
//! memory; these exports turn (pointer, length) pairs back into slices and call the kernels.
//! A null pointer stands for an absent optional array. Unlike the N-API binding, nothing
//! here re-checks aliasing: the JS adapter passes one pointer for one view and distinct,
//! disjoint allocations otherwise.
//!
//! Empty on every other target: its unmangled exports (`copy`, `fill`, …) would
//! clash with the C library's symbols in a host build (`cargo test --workspace`).
#![cfg(target_arch = "wasm32")]

mod conv;
mod elementwise;
#[cfg(target_os = "wasi")]
mod libm;
mod linalg;
mod loss;
mod memory;
mod norm;
mod optim;
mod random;
mod recurrent;
mod reduce;
#[cfg(target_os = "wasi")]
mod threads;

use descent_kernels::simd;

/// The instruction set in use, as a code: 1 scalar, 5 simd128 (see `simd::Level`).
#[no_mangle]
pub extern "C" fn simd_level() -> u32 {
    simd::level() as u32
}

/// # Safety
/// `p` is null or points to `n` initialised f32 in linear memory, not written while the
/// slice lives.
#[inline]
pub(crate) unsafe fn r<'a>(p: *const f32, n: usize) -> &'a [f32] {
    if n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

/// # Safety
/// `p` points to `n` f32 that no other live slice reaches.
#[inline]
pub(crate) unsafe fn w<'a>(p: *mut f32, n: usize) -> &'a mut [f32] {
    if n == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(p, n)
    }
}
