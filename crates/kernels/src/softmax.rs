//! Row-wise softmax and log-softmax over the last axis, their backward passes, and the fused
//! softmax-cross-entropy used on the classification hot path.

use crate::map::{map, map_inplace, zip, zip_inplace};
use crate::math;
use crate::parallel::for_rows;
use crate::reduce::max_of;
use crate::simd::{Simd, MAX_LANES};
use crate::simd_fn;

const PAR_MIN: usize = 1 << 15;

/// Σ f(x[i]) in f32 vector lanes (rows are short; error ~ cols/LANES roundings).
#[inline(always)]
fn row_sum<S: Simd>(s: S, x: &[f32], f: impl Fn(S::V) -> S::V, pad: f32) -> f32 {
    let mut acc = s.zero();
    let main = x.len() - x.len() % S::LANES;
    for c in x[..main].chunks_exact(S::LANES) {
        acc = s.add(acc, f(s.load(c)));
    }
    if main < x.len() {
        let mut t = [pad; MAX_LANES];
        t[..x.len() - main].copy_from_slice(&x[main..]);
        // Padding lanes must contribute 0: callers pass a pad whose image under f is 0.
        acc = s.add(acc, f(s.load(&t)));
    }
    s.reduce_add(acc)
}

/// Σ a[i]·b[i] in f32 lanes.
#[inline(always)]
fn row_dot<S: Simd>(s: S, a: &[f32], b: &[f32]) -> f32 {
    let mut acc = s.zero();
    let main = a.len() - a.len() % S::LANES;
    for (x, y) in a[..main]
        .chunks_exact(S::LANES)
        .zip(b[..main].chunks_exact(S::LANES))
    {
        acc = s.fma(s.load(x), s.load(y), acc);
    }
    let mut r = s.reduce_add(acc);
    for (x, y) in a[main..].iter().zip(&b[main..]) {
        r += x * y;
    }
    r
}

/// `(max, ln Σ exp(x − max))` of a row; NaN if the row holds NaN. A macro, not a function,
/// so its closure is compiled inside the caller's `#[target_feature]` body.
macro_rules! log_sum_exp {
    ($s:ident, $x:expr) => {{
        let row: &[f32] = $x;
        let m = max_of($s, row);
        let mv = $s.splat(m);
        let sum = row_sum($s, row, |v| math::exp($s, $s.sub(v, mv)), f32::NEG_INFINITY);
        (m, sum.ln())
    }};
}

/// Writes softmax (or log-softmax) of `$x` to `$out` (`$out` may be `$x` itself: pass
/// `map_inplace` as `$map` with the row once). Non-finite maxima need no special case: NaN
/// propagates through `lse` to the whole row, as in the f64 reference.
macro_rules! softmax_row {
    ($s:ident, $log:expr, $row:expr, |$lse_m:ident, $lse_l:ident| $apply:expr) => {{
        let (m, lse) = log_sum_exp!($s, $row);
        let ($lse_m, $lse_l) = ($s.splat(m), $s.splat(lse));
        $apply
    }};
}

simd_fn! {
    fn softmax_serial<S>(s, out: &mut [f32], x: &[f32], cols: usize, log: bool) {
        for (o, r) in out.chunks_exact_mut(cols).zip(x.chunks_exact(cols)) {
            softmax_row!(s, log, r, |mv, lv| if log {
                map(s, o, r, |v| s.sub(s.sub(v, mv), lv))
            } else {
                map(s, o, r, |v| math::exp(s, s.sub(s.sub(v, mv), lv)))
            });
        }
    }
}

simd_fn! {
    fn softmax_inplace_serial<S>(s, x: &mut [f32], cols: usize, log: bool) {
        for r in x.chunks_exact_mut(cols) {
            softmax_row!(s, log, r, |mv, lv| if log {
                map_inplace(s, r, |v| s.sub(s.sub(v, mv), lv))
            } else {
                map_inplace(s, r, |v| math::exp(s, s.sub(s.sub(v, mv), lv)))
            });
        }
    }
}

/// Row-wise softmax (`log = false`) or log-softmax of a rows × cols matrix.
pub fn softmax(out: &mut [f32], x: &[f32], rows: usize, cols: usize, log: bool) {
    assert!(
        out.len() == rows * cols && x.len() == rows * cols,
        "softmax: shape"
    );
    if cols == 0 {
        return;
    }
    for_rows((out, x), rows, cols, PAR_MIN, &|(o, v), _| {
        softmax_serial(o, v, cols, log)
    });
}

/// In-place form of [`softmax`].
pub fn softmax_inplace(x: &mut [f32], rows: usize, cols: usize, log: bool) {
    assert!(x.len() == rows * cols, "softmax: shape");
    if cols == 0 {
        return;
    }
    for_rows(x, rows, cols, PAR_MIN, &|v, _| {
        softmax_inplace_serial(v, cols, log)
    });
}

simd_fn! {
    fn softmax_backward_serial<S>(s, dx: &mut [f32], y: &[f32], dy: &[f32], cols: usize, log: bool) {
        for ((d, yr), g) in dx.chunks_exact_mut(cols).zip(y.chunks_exact(cols)).zip(dy.chunks_exact(cols)) {
            if log {
                let sv = s.splat(row_sum(s, g, |v| v, 0.0));
                zip(s, d, g, yr, |gv, yv| s.sub(gv, s.mul(math::exp(s, yv), sv)));
            } else {
                let dot = s.splat(row_dot(s, g, yr));
                zip(s, d, g, yr, |gv, yv| s.mul(yv, s.sub(gv, dot)));
            }
        }
    }
}

simd_fn! {
    fn softmax_backward_inplace_serial<S>(s, y: &[f32], dy: &mut [f32], cols: usize, log: bool) {
        for (yr, g) in y.chunks_exact(cols).zip(dy.chunks_exact_mut(cols)) {
            if log {
                let sv = s.splat(row_sum(s, g, |v| v, 0.0));
                zip_inplace(s, g, yr, |gv, yv| s.sub(gv, s.mul(math::exp(s, yv), sv)));
            } else {
                let dot = s.splat(row_dot(s, g, yr));
                zip_inplace(s, g, yr, |gv, yv| s.mul(yv, s.sub(gv, dot)));
            }
        }
    }
}

/// Backward of softmax given its output `y`: dx = y(dy - Σ dy·y); of log-softmax:
/// dx = dy - exp(y) Σ dy.
pub fn softmax_backward(
    dx: &mut [f32],
    y: &[f32],
    dy: &[f32],
    rows: usize,
    cols: usize,
    log: bool,
) {
    let n = rows * cols;
    assert!(
        dx.len() == n && y.len() == n && dy.len() == n,
        "softmax_backward: shape"
    );
    if cols == 0 {
        return;
    }
    for_rows((dx, (y, dy)), rows, cols, PAR_MIN, &|(d, (a, g)), _| {
        softmax_backward_serial(d, a, g, cols, log)
    });
}

/// In-place form of [`softmax_backward`], overwriting `dy`.
pub fn softmax_backward_inplace(y: &[f32], dy: &mut [f32], rows: usize, cols: usize, log: bool) {
    let n = rows * cols;
    assert!(y.len() == n && dy.len() == n, "softmax_backward: shape");
    if cols == 0 {
        return;
    }
    for_rows((y, dy), rows, cols, PAR_MIN, &|(a, g), _| {
        softmax_backward_inplace_serial(a, g, cols, log)
    });
}

simd_fn! {
    fn cross_entropy_serial<S>(s, logits: &[f32], labels: &[i32], grad: Option<&mut [f32]>, cols: usize, scale: f32) -> f64 {
        let mut total = 0f64;
        match grad {
            None => {
                for (row, &l) in logits.chunks_exact(cols).zip(labels) {
                    let (m, lse) = log_sum_exp!(s, row);
                    total += ((m - row[l as usize]) + lse) as f64;
                }
            }
            Some(g) => {
                let sc = s.splat(scale);
                for ((row, &l), gr) in logits.chunks_exact(cols).zip(labels).zip(g.chunks_exact_mut(cols)) {
                    let (m, lse) = log_sum_exp!(s, row);
                    total += ((m - row[l as usize]) + lse) as f64;
                    let (mv, lv) = (s.splat(m), s.splat(lse));
                    map(s, gr, row, |v| s.mul(sc, math::exp(s, s.sub(s.sub(v, mv), lv))));
                    gr[l as usize] -= scale;
                }
            }
        }
        total
    }
}

/// Fused softmax + cross-entropy with integer labels; returns the summed loss and, if
/// `grad` is given, writes `scale * (softmax - onehot)`. Labels must lie in [0, cols).
pub fn softmax_cross_entropy(
    logits: &[f32],
    labels: &[i32],
    grad: Option<&mut [f32]>,
    rows: usize,
    cols: usize,
    scale: f32,
) -> f64 {
    assert!(
        logits.len() == rows * cols && labels.len() == rows && cols > 0,
        "cross_entropy: shape"
    );
    assert!(
        labels.iter().all(|&l| l >= 0 && (l as usize) < cols),
        "cross_entropy: label out of range"
    );
    if let Some(g) = &grad {
        assert_eq!(g.len(), rows * cols, "cross_entropy: grad shape");
    }
    cross_entropy_serial(logits, labels, grad, cols, scale)
}
