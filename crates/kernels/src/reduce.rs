//! Reductions. Sums accumulate in f32 vectors over fixed blocks and combine the block sums
//! in f64 in order, so the result is the same for any thread count and the error is at most
//! about 24 f32 roundings relative to the sum of absolute values.

use crate::map::zip_inplace;
use crate::simd::{Simd, MAX_LANES};
use crate::simd_fn;
use rayon::prelude::*;

/// Elements per parallel task for reductions (a multiple of every block size).
const SUPER: usize = 1 << 16;

/// What a block sum accumulates per element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Term {
    Value,
    Square,
    Abs,
}

#[inline(always)]
fn term<S: Simd>(s: S, kind: Term, v: S::V, acc: S::V) -> S::V {
    match kind {
        Term::Value => s.add(acc, v),
        Term::Square => s.fma(v, v, acc),
        Term::Abs => s.add(acc, s.abs(v)),
    }
}

#[inline(always)]
fn block_sum<S: Simd>(s: S, x: &[f32], kind: Term) -> f64 {
    // 4 accumulators × 16 steps × LANES elements per block.
    let block = 64 * S::LANES;
    let mut total = 0f64;
    for b in x.chunks(block) {
        let mut acc = [s.zero(); 4];
        let main = b.len() - b.len() % S::LANES;
        for (i, c) in b[..main].chunks_exact(S::LANES).enumerate() {
            acc[i & 3] = term(s, kind, s.load(c), acc[i & 3]);
        }
        if main < b.len() {
            let mut t = [0f32; MAX_LANES];
            t[..b.len() - main].copy_from_slice(&b[main..]);
            acc[0] = term(s, kind, s.load(&t), acc[0]);
        }
        let v = s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3]));
        total += s.reduce_add(v) as f64;
    }
    total
}

simd_fn! {
    fn sum_serial<S>(s, x: &[f32], kind: Term) -> f64 {
        block_sum(s, x, kind)
    }
}

fn sum_impl(x: &[f32], kind: Term) -> f64 {
    if x.len() <= SUPER {
        return sum_serial(x, kind);
    }
    let parts: Vec<f64> = if crate::parallel::threads() <= 1 {
        x.chunks(SUPER).map(|c| sum_serial(c, kind)).collect()
    } else {
        x.par_chunks(SUPER).map(|c| sum_serial(c, kind)).collect()
    };
    parts.iter().sum()
}

/// Σ x[i].
pub fn sum(x: &[f32]) -> f64 {
    sum_impl(x, Term::Value)
}

/// Σ x[i]².
pub fn sum_squares(x: &[f32]) -> f64 {
    sum_impl(x, Term::Square)
}

/// Σ |x[i]|.
pub fn sum_abs(x: &[f32]) -> f64 {
    sum_impl(x, Term::Abs)
}

simd_fn! {
    fn dot_serial<S>(s, a: &[f32], b: &[f32]) -> f64 {
        // Same blocking as the sums: f32 lanes over 64-vector blocks, blocks added in f64.
        let block = 64 * S::LANES;
        let mut total = 0f64;
        for (x, y) in a.chunks(block).zip(b.chunks(block)) {
            let mut acc = [s.zero(); 4];
            let main = x.len() - x.len() % S::LANES;
            for (i, (u, v)) in x[..main].chunks_exact(S::LANES).zip(y[..main].chunks_exact(S::LANES)).enumerate() {
                acc[i & 3] = s.fma(s.load(u), s.load(v), acc[i & 3]);
            }
            let mut r = s.reduce_add(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])));
            for (u, v) in x[main..].iter().zip(&y[main..]) {
                r += u * v;
            }
            total += r as f64;
        }
        total
    }
}

/// Σ a[i]·b[i].
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "dot: length mismatch");
    if a.len() <= SUPER {
        return dot_serial(a, b);
    }
    let parts: Vec<f64> = if crate::parallel::threads() <= 1 {
        a.chunks(SUPER)
            .zip(b.chunks(SUPER))
            .map(|(x, y)| dot_serial(x, y))
            .collect()
    } else {
        a.par_chunks(SUPER)
            .zip(b.par_chunks(SUPER))
            .map(|(x, y)| dot_serial(x, y))
            .collect()
    };
    parts.iter().sum()
}

/// max |x[i]|: NaN if any element is NaN, 0 for an empty slice.
pub fn max_abs(x: &[f32]) -> f32 {
    let mut m = 0f32;
    for chunk in x.chunks(SUPER) {
        let c = max_abs_serial(chunk);
        if c.is_nan() {
            return c;
        }
        m = m.max(c);
    }
    m
}

simd_fn! {
    fn max_abs_serial<S>(s, x: &[f32]) -> f32 {
        let mut acc = s.zero();
        let mut nan = s.zero();
        let main = x.len() - x.len() % S::LANES;
        for c in x[..main].chunks_exact(S::LANES) {
            let v = s.load(c);
            acc = s.max(acc, s.abs(v));
            nan = s.add(nan, s.select(s.is_nan(v), v, s.zero()));
        }
        let mut m = s.reduce_max(acc);
        for &v in &x[main..] {
            if v.is_nan() {
                return v;
            }
            m = m.max(v.abs());
        }
        if s.reduce_add(nan).is_nan() {
            return f32::NAN;
        }
        m
    }
}

/// Maximum of `x`, NaN if any element is NaN, -inf if empty.
#[inline(always)]
pub(crate) fn max_of<S: Simd>(s: S, x: &[f32]) -> f32 {
    let mut acc = s.splat(f32::NEG_INFINITY);
    let mut nan = s.zero();
    let main = x.len() - x.len() % S::LANES;
    for c in x[..main].chunks_exact(S::LANES) {
        let v = s.load(c);
        acc = s.max(acc, v);
        nan = s.add(nan, s.select(s.is_nan(v), v, s.zero()));
    }
    let mut m = s.reduce_max(acc);
    for &v in &x[main..] {
        if v.is_nan() {
            return v;
        }
        if v > m {
            m = v;
        }
    }
    if s.reduce_add(nan).is_nan() {
        return f32::NAN;
    }
    m
}

simd_fn! {
    fn max_serial<S>(s, x: &[f32]) -> f32 {
        max_of(s, x)
    }
}

/// Maximum element; NaN if any is NaN; -inf for an empty slice.
pub fn max(x: &[f32]) -> f32 {
    if x.len() <= SUPER {
        return max_serial(x);
    }
    let parts: Vec<f32> = if crate::parallel::threads() <= 1 {
        x.chunks(SUPER).map(max_serial).collect()
    } else {
        x.par_chunks(SUPER).map(max_serial).collect()
    };
    parts.into_iter().fold(f32::NEG_INFINITY, |m, v| {
        if m.is_nan() || v.is_nan() {
            f32::NAN
        } else {
            m.max(v)
        }
    })
}

/// `out[r]` = index of the first maximum in row `r`; the first NaN wins.
pub fn argmax_rows(out: &mut [i32], x: &[f32], rows: usize, cols: usize) {
    assert!(
        out.len() == rows && x.len() == rows * cols && cols > 0,
        "argmax_rows: shape"
    );
    for (o, row) in out.iter_mut().zip(x.chunks_exact(cols)) {
        let mut best = 0usize;
        for (j, &v) in row.iter().enumerate() {
            if v.is_nan() {
                best = j;
                break;
            }
            if v > row[best] {
                best = j;
            }
        }
        *o = best as i32;
    }
}

simd_fn! {
    fn col_sums_serial<S>(s, out: &mut [f32], x: &[f32], cols: usize, accumulate: bool) {
        // Rows are summed in f32 in blocks of 64, block sums added to `out`.
        if !accumulate {
            out.fill(0.0);
        }
        let mut tmp = vec![0f32; cols];
        for block in x.chunks(64 * cols) {
            tmp.fill(0.0);
            for row in block.chunks_exact(cols) {
                zip_inplace(s, &mut tmp, row, |a, b| s.add(a, b));
            }
            zip_inplace(s, out, &tmp, |a, b| s.add(a, b));
        }
    }
}

/// `out[c] = (accumulate ? out[c] : 0) + Σ_r x[r, c]`.
pub fn col_sums(out: &mut [f32], x: &[f32], rows: usize, cols: usize, accumulate: bool) {
    assert!(
        out.len() == cols && x.len() == rows * cols,
        "col_sums: shape"
    );
    if cols == 0 {
        return;
    }
    col_sums_serial(out, x, cols, accumulate);
}

/// `out[j] = (accumulate ? out[j] : 0) + Σ_{o,i} x[o, j, i]` for x of shape (outer, n, inner):
/// the gradient of a bias broadcast over the outer and inner axes (Linear: inner = 1; conv
/// in NCHW: inner = H·W).
pub fn bias_grad(
    out: &mut [f32],
    x: &[f32],
    outer: usize,
    n: usize,
    inner: usize,
    accumulate: bool,
) {
    assert!(
        out.len() == n && x.len() == outer * n * inner,
        "bias_grad: shape"
    );
    if inner == 1 {
        return col_sums(out, x, outer, n, accumulate);
    }
    if !accumulate {
        out.fill(0.0);
    }
    // Per channel, f64 over its outer·inner values (each a contiguous run of `inner`); the
    // channels over threads (the same sums in the same order: bits do not change). On one
    // thread it was ~2% of the CNN step.
    let channel = |(j, o): (usize, &mut f32)| {
        let mut s = 0f64;
        for b in 0..outer {
            let start = (b * n + j) * inner;
            s += sum(&x[start..start + inner]);
        }
        *o += s as f32;
    };
    if x.len() < SUPER || n < 2 || crate::parallel::threads() <= 1 {
        out.iter_mut().enumerate().for_each(channel);
    } else {
        out.par_iter_mut().enumerate().for_each(channel);
    }
}
