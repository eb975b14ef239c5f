//! Elementwise binary ops, scalar forms, axpy, fill and copy.

use crate::map::{map, map_inplace, zip, zip_inplace};
use crate::parallel::for_chunks;
use crate::simd::Simd;
use crate::simd_fn;

/// Binary operations. The numeric codes are part of the N-API contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Binary {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Div = 3,
    /// NaN-propagating, like `torch.maximum`.
    Max = 4,
    /// NaN-propagating, like `torch.minimum`.
    Min = 5,
}

impl Binary {
    pub const ALL: [Binary; 6] = [
        Binary::Add,
        Binary::Sub,
        Binary::Mul,
        Binary::Div,
        Binary::Max,
        Binary::Min,
    ];

    pub fn from_code(code: u32) -> Option<Binary> {
        Binary::ALL.iter().copied().find(|b| *b as u32 == code)
    }
}

/// Memory-bound: threads only pay off on large arrays.
const PAR_MIN: usize = 1 << 18;

#[inline(always)]
fn apply<S: Simd>(s: S, op: Binary, a: S::V, b: S::V) -> S::V {
    match op {
        Binary::Add => s.add(a, b),
        Binary::Sub => s.sub(a, b),
        Binary::Mul => s.mul(a, b),
        Binary::Div => s.div(a, b),
        Binary::Max => {
            let nan = s.or_m(s.is_nan(a), s.is_nan(b));
            s.select(nan, s.add(a, b), s.max(a, b))
        }
        Binary::Min => {
            let nan = s.or_m(s.is_nan(a), s.is_nan(b));
            s.select(nan, s.add(a, b), s.min(a, b))
        }
    }
}

/// Expands `$body` once per op so the match is outside the loop.
macro_rules! per_op {
    ($op:expr, |$o:ident| $body:expr) => {
        match $op {
            Binary::Add => {
                const $o: Binary = Binary::Add;
                $body
            }
            Binary::Sub => {
                const $o: Binary = Binary::Sub;
                $body
            }
            Binary::Mul => {
                const $o: Binary = Binary::Mul;
                $body
            }
            Binary::Div => {
                const $o: Binary = Binary::Div;
                $body
            }
            Binary::Max => {
                const $o: Binary = Binary::Max;
                $body
            }
            Binary::Min => {
                const $o: Binary = Binary::Min;
                $body
            }
        }
    };
}

simd_fn! {
    fn binary_serial<S>(s, op: Binary, out: &mut [f32], a: &[f32], b: &[f32]) {
        per_op!(op, |OP| zip(s, out, a, b, |x, y| apply(s, OP, x, y)))
    }
}

simd_fn! {
    fn binary_inplace_a_serial<S>(s, op: Binary, a: &mut [f32], b: &[f32]) {
        per_op!(op, |OP| zip_inplace(s, a, b, |x, y| apply(s, OP, x, y)))
    }
}

simd_fn! {
    fn binary_inplace_b_serial<S>(s, op: Binary, a: &[f32], b: &mut [f32]) {
        per_op!(op, |OP| zip_inplace(s, b, a, |y, x| apply(s, OP, x, y)))
    }
}

simd_fn! {
    fn scalar_serial<S>(s, op: Binary, out: &mut [f32], x: &[f32], c: f32) {
        let cv = s.splat(c);
        per_op!(op, |OP| map(s, out, x, |v| apply(s, OP, v, cv)))
    }
}

simd_fn! {
    fn scalar_inplace_serial<S>(s, op: Binary, x: &mut [f32], c: f32) {
        let cv = s.splat(c);
        per_op!(op, |OP| map_inplace(s, x, |v| apply(s, OP, v, cv)))
    }
}

simd_fn! {
    fn axpy_serial<S>(s, alpha: f32, x: &[f32], y: &mut [f32]) {
        let av = s.splat(alpha);
        zip_inplace(s, y, x, |yv, xv| s.fma(av, xv, yv))
    }
}

/// `out[i] = a[i] op b[i]`.
pub fn binary(op: Binary, out: &mut [f32], a: &[f32], b: &[f32]) {
    assert!(
        out.len() == a.len() && a.len() == b.len(),
        "binary: length mismatch"
    );
    let n = out.len();
    for_chunks((out, (a, b)), n, PAR_MIN, &|(o, (x, y))| {
        binary_serial(op, o, x, y)
    });
}

/// `a[i] = a[i] op b[i]`.
pub fn binary_inplace_a(op: Binary, a: &mut [f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "binary: length mismatch");
    let n = a.len();
    for_chunks((a, b), n, PAR_MIN, &|(x, y)| {
        binary_inplace_a_serial(op, x, y)
    });
}

/// `b[i] = a[i] op b[i]`.
pub fn binary_inplace_b(op: Binary, a: &[f32], b: &mut [f32]) {
    assert_eq!(a.len(), b.len(), "binary: length mismatch");
    let n = a.len();
    for_chunks((a, b), n, PAR_MIN, &|(x, y)| {
        binary_inplace_b_serial(op, x, y)
    });
}

/// `out[i] = x[i] op c`.
pub fn binary_scalar(op: Binary, out: &mut [f32], x: &[f32], c: f32) {
    assert_eq!(out.len(), x.len(), "binary_scalar: length mismatch");
    let n = out.len();
    for_chunks((out, x), n, PAR_MIN, &|(o, v)| scalar_serial(op, o, v, c));
}

/// `x[i] = x[i] op c`.
pub fn binary_scalar_inplace(op: Binary, x: &mut [f32], c: f32) {
    let n = x.len();
    for_chunks(x, n, PAR_MIN, &|v| scalar_inplace_serial(op, v, c));
}

/// `y[i] += alpha * x[i]`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy: length mismatch");
    let n = x.len();
    for_chunks((x, y), n, PAR_MIN, &|(a, b)| axpy_serial(alpha, a, b));
}

/// `out[i] = value`.
pub fn fill(out: &mut [f32], value: f32) {
    let n = out.len();
    for_chunks(out, n, PAR_MIN, &|o| o.fill(value));
}

/// `dst[i] = src[i]`.
pub fn copy(dst: &mut [f32], src: &[f32]) {
    assert_eq!(dst.len(), src.len(), "copy: length mismatch");
    let n = dst.len();
    for_chunks((dst, src), n, PAR_MIN, &|(d, s)| d.copy_from_slice(s));
}

simd_fn! {
    fn lerp_serial<S>(s, a: &mut [f32], b: &[f32], w: f32) {
        // torch.lerp: a + w(b − a) for |w| < 0.5, else b − (b − a)(1 − w) (exact at w = 1).
        let wv = s.splat(w);
        if w.abs() < 0.5 {
            zip_inplace(s, a, b, |x, y| s.fma(wv, s.sub(y, x), x))
        } else {
            let omw = s.splat(1.0 - w);
            zip_inplace(s, a, b, |x, y| s.sub(y, s.mul(s.sub(y, x), omw)))
        }
    }
}

/// `a[i] += w·(b[i] − a[i])` (torch.lerp's formula).
pub fn lerp(a: &mut [f32], b: &[f32], w: f32) {
    assert_eq!(a.len(), b.len(), "lerp: length mismatch");
    let n = a.len();
    for_chunks((a, b), n, PAR_MIN, &|(x, y)| lerp_serial(x, y, w));
}

simd_fn! {
    fn clamp_serial<S>(s, out: &mut [f32], x: &[f32], lo: f32, hi: f32) {
        let (l, h) = (s.splat(lo), s.splat(hi));
        // NaN stays NaN, as torch.clamp.
        map(s, out, x, |v| s.select(s.lt(v, l), l, s.select(s.gt(v, h), h, v)))
    }
}

simd_fn! {
    fn clamp_inplace_serial<S>(s, x: &mut [f32], lo: f32, hi: f32) {
        let (l, h) = (s.splat(lo), s.splat(hi));
        map_inplace(s, x, |v| s.select(s.lt(v, l), l, s.select(s.gt(v, h), h, v)))
    }
}

/// `out[i] = min(max(x[i], lo), hi)`, NaN kept.
pub fn clamp(out: &mut [f32], x: &[f32], lo: f32, hi: f32) {
    assert_eq!(out.len(), x.len(), "clamp: length mismatch");
    let n = out.len();
    for_chunks((out, x), n, PAR_MIN, &|(o, v)| clamp_serial(o, v, lo, hi));
}

/// In-place form of [`clamp`].
pub fn clamp_inplace(x: &mut [f32], lo: f32, hi: f32) {
    let n = x.len();
    for_chunks(x, n, PAR_MIN, &|v| clamp_inplace_serial(v, lo, hi));
}

simd_fn! {
    fn add_scalar_run<S>(s, x: &mut [f32], v: f32) {
        let vv = s.splat(v);
        map_inplace(s, x, |a| s.add(a, vv))
    }
}

/// `x[o, j, i] += b[j]` for x of shape (outer, n, inner): a bias broadcast over the other axes.
pub fn bias_add(x: &mut [f32], b: &[f32], outer: usize, n: usize, inner: usize) {
    assert!(
        b.len() == n && x.len() == outer * n * inner,
        "bias_add: shape"
    );
    if n == 0 || inner == 0 {
        return;
    }
    if inner == 1 {
        for row in x.chunks_exact_mut(n) {
            binary_inplace_a(Binary::Add, row, b);
        }
        return;
    }
    for block in x.chunks_exact_mut(n * inner) {
        for (run, &v) in block.chunks_exact_mut(inner).zip(b) {
            add_scalar_run(run, v);
        }
    }
}
