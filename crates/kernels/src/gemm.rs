//! Single-precision GEMM through the `gemm` crate (AVX-512/AVX2/NEON microkernels chosen at
//! run time), with row-major strides and optional transposes.

use gemm::Parallelism;

/// Below this many multiply-adds a single thread wins (measured in `benches`).
pub const PAR_MIN_FLOPS: usize = 1 << 21;

/// C = alpha·op(A)·op(B) + beta·C, all row-major. op(A) is m×k (A stored k×m if `trans_a`),
/// op(B) is k×n (B stored n×k if `trans_b`). When beta is 0, C's old contents are ignored.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    b: &[f32],
    beta: f32,
    c: &mut [f32],
) {
    assert!(
        a.len() >= m * k && b.len() >= k * n && c.len() >= m * n,
        "sgemm: buffer too small"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        // The crate requires k > 0; C = beta·C (and 0 when beta is 0, even over NaN).
        for v in &mut c[..m * n] {
            *v = if beta == 0.0 { 0.0 } else { beta * *v };
        }
        return;
    }
    let (a_rs, a_cs) = if trans_a {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let (b_rs, b_cs) = if trans_b {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    let threads = crate::parallel::threads();
    let par = if threads > 1 && m * n * k >= PAR_MIN_FLOPS {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
    // SAFETY: the asserts above bound every index the strides reach; `c` is exclusively
    // borrowed and cannot overlap the shared `a` and `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            beta != 0.0,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            beta,
            alpha,
            false,
            false,
            false,
            par,
        );
    }
}
