//! Single-precision GEMM through the `gemm` crate (AVX-512/AVX2/NEON microkernels chosen at
//! run time), with row-major strides and optional transposes.

use gemm::Parallelism;
use rayon::prelude::*;
use std::cell::RefCell;

/// Below this many multiply-adds a single thread wins (measured in `benches`).
pub const PAR_MIN_FLOPS: usize = 1 << 21;

/// A B stored n×k (`trans_b`) of a parallel GEMM is copied to k×n first from this many
/// elements and rows of op(A) on (below, the copy costs more than it saves).
pub const TRANSPOSE_B_MIN_LEN: usize = 1 << 14;
pub const TRANSPOSE_B_MIN_ROWS: usize = 16;

/// Largest copy (elements) kept per thread between calls: 16 MB.
const SCRATCH_KEEP_MAX: usize = 1 << 22;

thread_local! {
    /// The k×n copy of a transposed B, kept between calls (no allocation per GEMM).
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// out (cols×rows) = xᵀ for x rows×cols, both row-major; in parallel over bands of out's rows.
fn transpose(x: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    const T: usize = 64;
    let band = |(bi, o): (usize, &mut [f32])| {
        let j0 = bi * T;
        let jn = o.len() / rows;
        let mut i = 0;
        while i + 8 <= rows {
            transpose8(x, cols, i, j0, jn, o, rows);
            i += 8;
        }
        for i in i..rows {
            for j in 0..jn {
                o[j * rows + i] = x[i * cols + j0 + j];
            }
        }
    };
    if crate::parallel::threads() > 1 && rows * cols >= PAR_MIN_FLOPS / 16 {
        out.par_chunks_mut(T * rows).enumerate().for_each(band);
    } else {
        out.chunks_mut(T * rows).enumerate().for_each(band);
    }
}

/// Rows i..i+8, columns j0..j0+jn of x (row stride `cols`) into o (row stride `rows`, first
/// row = column j0).
fn transpose8(x: &[f32], cols: usize, i: usize, j0: usize, jn: usize, o: &mut [f32], rows: usize) {
    assert!((i + 7) * cols + j0 + jn <= x.len() && (jn.max(1) - 1) * rows + i + 8 <= o.len());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: AVX is present; the assert bounds every load and store below.
        unsafe { transpose8_avx(x, cols, i, j0, jn, o, rows) };
        return;
    }
    for j in 0..jn {
        for r in 0..8 {
            o[j * rows + i + r] = x[(i + r) * cols + j0 + j];
        }
    }
}

/// 8×8 tiles by the usual unpack / shuffle / permute sequence (Intel's optimization manual).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn transpose8_avx(
    x: &[f32],
    cols: usize,
    i: usize,
    j0: usize,
    jn: usize,
    o: &mut [f32],
    rows: usize,
) {
    use std::arch::x86_64::*;
    let src = x.as_ptr().add(i * cols + j0);
    let dst = o.as_mut_ptr().add(i);
    let mut j = 0;
    while j + 8 <= jn {
        let r: [__m256; 8] = core::array::from_fn(|q| _mm256_loadu_ps(src.add(q * cols + j)));
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        let w = [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ];
        for (q, v) in w.into_iter().enumerate() {
            _mm256_storeu_ps(dst.add((j + q) * rows), v);
        }
        j += 8;
    }
    for j in j..jn {
        for r in 0..8 {
            *dst.add(j * rows + r) = *src.add(r * cols + j);
        }
    }
}

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
    if trans_b
        && matches!(par, Parallelism::Rayon(_))
        && m >= TRANSPOSE_B_MIN_ROWS
        && n * k >= TRANSPOSE_B_MIN_LEN
    {
        // The crate packs such a B on the calling thread alone and then runs the product on
        // that one thread too (wall = CPU time at 2 threads: 545 µs for 128×784·784×256); a
        // k×n copy in a reused buffer, made in parallel, takes its parallel path instead.
        // The same products are summed in the same order: the result is bit-identical.
        let mut run = |bt: &mut [f32]| {
            transpose(&b[..n * k], n, k, bt);
            sgemm(trans_a, false, m, n, k, alpha, a, bt, beta, c);
        };
        if n * k > SCRATCH_KEEP_MAX {
            // Too big to hold on to between calls.
            run(&mut vec![0.0; n * k]);
            return;
        }
        // try_borrow: a rayon worker may steal another GEMM while this one runs.
        let done = SCRATCH.with(|cell| {
            let Ok(mut bt) = cell.try_borrow_mut() else {
                return false;
            };
            if bt.len() < n * k {
                bt.resize(n * k, 0.0);
            }
            run(&mut bt[..n * k]);
            true
        });
        if done {
            return;
        }
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
