//! N-API binding of `descent-kernels`. Thin by design: check what the TypeScript layer
//! already checked (so a direct caller cannot cause undefined behaviour), borrow the
//! caller's typed arrays in place, call the kernel. Every function catches panics, so a
//! failure becomes a JS `Error` and never aborts the process.

// napi-derive emits no registrations under `cfg(test)`, leaving the bindings unused there.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod buf;
mod call;
mod conv;
mod conv_pool;
mod elementwise;
mod linalg;
mod loss;
mod norm;
mod optim;
mod pool;
mod random;
mod recurrent;
mod reduce;

use descent_kernels::simd;
use napi_derive::napi;

#[napi(object)]
pub struct NativeInfo {
    /// Instruction set the kernels use: avx512, avx2, neon or scalar.
    pub simd: String,
    /// Widest instruction set the CPU supports.
    pub detected: String,
    pub threads: u32,
    pub version: String,
    /// Whether subnormals are flushed to zero (`DESCENT_FLUSH_DENORMAL=1`).
    pub flush_denormal: bool,
}

#[napi(catch_unwind)]
pub fn info() -> NativeInfo {
    NativeInfo {
        simd: simd::level().name().to_string(),
        detected: simd::detected_level().name().to_string(),
        threads: descent_kernels::parallel::threads() as u32,
        version: env!("CARGO_PKG_VERSION").to_string(),
        flush_denormal: descent_kernels::denormal::enabled(),
    }
}

/// How many bytes past a 64-byte boundary `a` starts: arenas shift their views by it so that
/// every buffer a kernel streams starts on a cache line (a C loop over the Adamax step at 64K
/// parameters ran 20% slower with its buffers 16 bytes off).
#[napi(catch_unwind)]
pub fn cache_line_offset(a: buf::F32) -> napi::Result<u32> {
    if a.len() == 0 {
        return Err(buf::invalid("cacheLineOffset", "a is empty".to_string()));
    }
    Ok((a.addr() % 64) as u32)
}

/// Advises huge pages for the whole 2 MiB pages inside `a` (Linux; a hint, see
/// descent_kernels::pages) and returns how many bytes past `a`'s start the first 2 MiB
/// boundary lies, so that long-lived big buffers can put their views on it.
#[napi(catch_unwind)]
pub fn advise_huge_pages(a: buf::F32) -> napi::Result<u32> {
    if a.len() == 0 {
        return Err(buf::invalid("adviseHugePages", "a is empty".to_string()));
    }
    let off = descent_kernels::pages::advise_huge_pages(a.addr(), a.len() * 4);
    Ok(off as u32)
}

/// Caps the instruction set ("scalar", "avx2", "avx512", "neon"; "" for the detected one).
#[napi(catch_unwind)]
pub fn set_simd(level: String) -> napi::Result<String> {
    let want =
        if level.is_empty() {
            None
        } else {
            Some(simd::Level::parse(&level).ok_or_else(|| {
                buf::invalid("setSimd", format!("unknown instruction set {level:?}"))
            })?)
        };
    simd::force_level(want)
        .map(|l| l.name().to_string())
        .map_err(|e| buf::invalid("setSimd", e))
}
