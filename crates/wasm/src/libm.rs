//! The C math functions the kernels reach through std (`f32::ln` → `logf`, `f64::powf` →
//! `pow`, for bias corrections and log-sum-exp). On wasm32-unknown-unknown they come from
//! compiler-builtins, a port of the `libm` crate; on wasm32-wasip1-threads the C library
//! (wasi-libc's musl) would supply its own, whose last bits differ. Defining them here, from
//! the `libm` crate, keeps the two builds bit-identical (the linker takes these before the
//! archive's). Found by __test__/wasm-shared-memory.test.ts.

#[no_mangle]
pub extern "C" fn logf(x: f32) -> f32 {
    libm::logf(x)
}

#[no_mangle]
pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}
