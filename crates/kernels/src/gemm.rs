//! Single-precision GEMM through the `gemm` crate (AVX-512/AVX2/NEON microkernels chosen at
//! run time), with row-major strides and optional transposes.

use gemm::Parallelism;
use rayon::prelude::*;

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
    // The crate packs a transposed B on the calling thread and then runs the whole product on
    // that thread (Linear's forward 128×784·784×256: 367 µs at 2 threads, 305 at 1); split
    // the product by hand instead, into pieces that sum each element as the whole would.
    if trans_b
        && matches!(par, Parallelism::Rayon(_))
        && split_trans_b(threads, m, n, k, alpha, a, (a_rs, a_cs), b, beta, c)
    {
        return;
    }
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

#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: each task writes a disjoint block of C.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// By value, so that a closure captures the whole (Send) wrapper, not the raw pointer.
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// What decides how the crate sums over k for an m×n product (gemm-common 0.19, `gemm.rs`):
/// a product within 64×64 takes k in blocks of 512, a larger one in blocks from the cache
/// sizes and k alone; within 16×16 elements it uses horizontal kernels; one row or column is a
/// GEMV. A piece of a product in the same regime sums every element in the same order.
fn regime(m: usize, n: usize) -> (bool, bool, bool) {
    (m <= 64 && n <= 64, m * n <= 256, m <= 1 || n <= 1)
}

/// Splits 0..len into `pieces` ranges cut at multiples of `step` (the last takes the rest).
fn cuts(len: usize, pieces: usize, step: usize) -> impl Fn(usize) -> usize {
    move |p| {
        if p >= pieces {
            len
        } else {
            (len * p / pieces) / step * step
        }
    }
}

/// The transposed-B product in one block per thread, each a one-thread product: by C's
/// columns (a block of B's rows, which are contiguous, so each thread packs only its share of
/// B) or else by C's rows, whichever keeps every piece in the whole product's [`regime`].
/// Returns false, having done nothing, when neither does.
#[allow(clippy::too_many_arguments)]
fn split_trans_b(
    threads: usize,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    (a_rs, a_cs): (isize, isize),
    b: &[f32],
    beta: f32,
    c: &mut [f32],
) -> bool {
    const STEP: usize = 16;
    let whole = regime(m, n);
    let by_cols = threads.min(n / STEP).max(1);
    let by_rows = threads.min(m / STEP).max(1);
    let (pieces, along_n) = if by_cols > 1 && regime(m, n / by_cols / STEP * STEP) == whole {
        (by_cols, true)
    } else if by_rows > 1 && regime(m / by_rows / STEP * STEP, n) == whole {
        (by_rows, false)
    } else {
        return false;
    };
    let edge = cuts(if along_n { n } else { m }, pieces, STEP);
    let cp = SendPtr(c.as_mut_ptr());
    (0..pieces).into_par_iter().for_each(|p| {
        let c = cp.get();
        let (lo, hi) = (edge(p), edge(p + 1));
        // (rows, cols, C offset, A offset, B offset) of this piece
        let (pm, pn, co, ao, bo) = if along_n {
            (m, hi - lo, lo, 0, lo * k)
        } else {
            (hi - lo, n, lo * n, lo as isize * a_rs, 0)
        };
        // SAFETY: each piece lies inside C, A and B as sgemm's asserts bound them, and the
        // pieces of C are disjoint.
        unsafe {
            gemm::gemm(
                pm,
                pn,
                k,
                c.add(co),
                1,
                n as isize,
                beta != 0.0,
                a.as_ptr().offset(ao),
                a_cs,
                a_rs,
                b.as_ptr().add(bo),
                k as isize,
                1,
                beta,
                alpha,
                false,
                false,
                false,
                Parallelism::None,
            );
        }
    });
    true
}
