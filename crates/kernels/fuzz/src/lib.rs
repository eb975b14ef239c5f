//! Helpers shared by the fuzz targets: decoding fuzzer bytes into kernel inputs, running a
//! kernel once per instruction set, and comparing the results with the scalar level's.

use descent_kernels::simd::{force_level, Level};

/// The kernel tests' shared helpers (instruction-set sweeps, f64 references).
#[path = "../../tests/common/mod.rs"]
pub mod common;
use common::levels;

/// `f` run once per instruction set (scalar first), with the cap set to it.
pub fn per_level<T>(mut f: impl FnMut(Level) -> T) -> Vec<(Level, T)> {
    let out = levels()
        .into_iter()
        .map(|l| {
            force_level(Some(l)).unwrap();
            (l, f(l))
        })
        .collect();
    force_level(None).unwrap();
    out
}

/// A value in [-a, a) from 16 fuzzer bits: dense enough to hit ties, signs and zeros.
pub fn tame(bits: u16, a: f32) -> f32 {
    (bits as f32 / 32768.0 - 1.0) * a
}

/// Any f32 from 32 fuzzer bits, NaNs, infinities and subnormals included.
pub fn wild(bits: u32) -> f32 {
    f32::from_bits(bits)
}

/// A buffer of exactly `off + n` elements whose last `n` are the values: kernels get the
/// unaligned tail slice, and AddressSanitizer sees any read past its end.
pub fn buffer(off: usize, n: usize, value: impl Fn(usize) -> f32) -> Vec<f32> {
    (0..off + n)
        .map(|i| if i < off { 1.0 } else { value(i - off) })
        .collect()
}

/// Whether `a` (some level's result) agrees with `b` (the scalar level's): equal, both NaN,
/// or within `rel` of the larger magnitude of the two and of `scale` (the size of the terms
/// that produced them, so that cancellation to near zero is not counted as disagreement).
pub fn close(a: f32, b: f32, rel: f32, scale: f32) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(scale)
}

/// Asserts every level's `out` agrees with the scalar one's, element by element.
pub fn assert_levels_agree(
    what: &str,
    outs: &[(Level, Vec<f32>)],
    rel: f32,
    scale: impl Fn(usize) -> f32,
) {
    let (_, reference) = &outs[0];
    for (l, out) in &outs[1..] {
        assert_eq!(out.len(), reference.len(), "{what}: length at {l:?}");
        for i in 0..out.len() {
            assert!(
                close(out[i], reference[i], rel, scale(i)),
                "{what} at {l:?}, element {i} of {}: {} vs scalar {}",
                out.len(),
                out[i],
                reference[i]
            );
        }
    }
}
