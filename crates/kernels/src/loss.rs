//! Fused loss kernels: softmax cross-entropy with class weights, label smoothing and ignored
//! rows (integer labels) or with dense probability targets, and binary cross-entropy on
//! logits in its numerically stable form (`torch.nn.functional` semantics).
//!
//! Every kernel returns the *summed* loss and optionally writes `scale · dL/dx`. Rows (or
//! elements) are split into blocks whose size depends only on the problem shape; block sums
//! are combined in order in f64, so results do not depend on the thread count.

use crate::math;
use crate::reduce::max_of;
use crate::simd::{Simd, MAX_LANES};
use crate::simd_fn;
use rayon::prelude::*;

/// Elements per parallel task (rounded to whole rows for the row-wise kernels).
const BLOCK: usize = 1 << 14;

const IOTA: [f32; MAX_LANES] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
];

#[inline(always)]
fn padded(src: &[f32]) -> [f32; MAX_LANES] {
    let mut b = [0f32; MAX_LANES];
    b[..src.len()].copy_from_slice(src);
    b
}

/// Σ_i f(a[i], b[i], c[i]) in f32 lanes; the ragged end is padded with zeros and its unused
/// lanes are masked out, so `f` may produce anything there.
#[inline(always)]
fn sum3<S: Simd>(
    s: S,
    a: &[f32],
    b: &[f32],
    c: &[f32],
    f: impl Fn(S::V, S::V, S::V) -> S::V,
) -> f32 {
    let n = a.len();
    let main = n - n % S::LANES;
    let mut acc = s.zero();
    for ((x, y), z) in a[..main]
        .chunks_exact(S::LANES)
        .zip(b[..main].chunks_exact(S::LANES))
        .zip(c[..main].chunks_exact(S::LANES))
    {
        acc = s.add(acc, f(s.load(x), s.load(y), s.load(z)));
    }
    if main < n {
        let valid = s.lt(s.load(&IOTA), s.splat((n - main) as f32));
        let v = f(
            s.load(&padded(&a[main..])),
            s.load(&padded(&b[main..n])),
            s.load(&padded(&c[main..n])),
        );
        acc = s.add(acc, s.select(valid, v, s.zero()));
    }
    s.reduce_add(acc)
}

/// `out[i] = f(a[i], b[i], c[i])`.
#[inline(always)]
fn map3<S: Simd>(
    s: S,
    out: &mut [f32],
    a: &[f32],
    b: &[f32],
    c: &[f32],
    f: impl Fn(S::V, S::V, S::V) -> S::V,
) {
    let n = out.len();
    let main = n - n % S::LANES;
    let (om, ot) = out.split_at_mut(main);
    for (((o, x), y), z) in om
        .chunks_exact_mut(S::LANES)
        .zip(a[..main].chunks_exact(S::LANES))
        .zip(b[..main].chunks_exact(S::LANES))
        .zip(c[..main].chunks_exact(S::LANES))
    {
        s.store(o, f(s.load(x), s.load(y), s.load(z)));
    }
    if !ot.is_empty() {
        let mut ob = [0f32; MAX_LANES];
        let v = f(
            s.load(&padded(&a[main..n])),
            s.load(&padded(&b[main..n])),
            s.load(&padded(&c[main..n])),
        );
        s.store(&mut ob, v);
        ot.copy_from_slice(&ob[..ot.len()]);
    }
}

/// `(max, ln Σ exp(x − max))` of a row (NaN propagates through both).
macro_rules! row_lse {
    ($s:ident, $x:expr) => {{
        let row: &[f32] = $x;
        let m = max_of($s, row);
        let mv = $s.splat(m);
        let se = sum3($s, row, row, row, |v, _, _| math::exp($s, $s.sub(v, mv)));
        (m, se.ln())
    }};
}

/// Parameters of [`cross_entropy_labels`] shared by every row.
#[derive(Clone, Copy)]
struct LabelParams {
    cols: usize,
    /// 1 − ε.
    keep: f32,
    /// ε / cols.
    spread: f32,
    /// Σ_c w_c.
    wsum: f32,
    ignore: i32,
    scale: f32,
}

simd_fn! {
    fn labels_block<S>(s, x: &[f32], labels: &[i32], w: &[f32], grad: Option<&mut [f32]>, p: LabelParams) -> f64 {
        let cols = p.cols;
        let mut total = 0f64;
        let mut g_rows = grad.map(|g| g.chunks_exact_mut(cols));
        for (row, &y) in x.chunks_exact(cols).zip(labels) {
            let g = g_rows.as_mut().and_then(|it| it.next());
            if y == p.ignore {
                if let Some(g) = g {
                    g.fill(0.0);
                }
                continue;
            }
            let yi = y as usize;
            let (m, l) = row_lse!(s, row);
            let (mv, lv) = (s.splat(m), s.splat(l));
            let wy = w[yi];
            let mut loss = (p.keep * wy) as f64 * ((m - row[yi]) + l) as f64;
            if p.spread != 0.0 {
                // Σ_c w_c·(lse − x_c), each term non-negative: no cancellation.
                let smooth = sum3(s, row, w, w, |v, wv, _| s.mul(wv, s.add(s.sub(mv, v), lv)));
                loss += p.spread as f64 * smooth as f64;
            }
            total += loss;
            if let Some(g) = g {
                let total_a = s.splat(p.keep * wy + p.spread * p.wsum);
                let (sc, sp) = (s.splat(p.scale), s.splat(p.spread));
                map3(s, g, row, w, w, |v, wv, _| {
                    let prob = math::exp(s, s.sub(s.sub(v, mv), lv));
                    s.mul(sc, s.sub(s.mul(prob, total_a), s.mul(sp, wv)))
                });
                g[yi] -= p.scale * p.keep * wy;
            }
        }
        total
    }
}

fn ones_or(weight: Option<&[f32]>, cols: usize) -> std::borrow::Cow<'_, [f32]> {
    match weight {
        Some(w) => std::borrow::Cow::Borrowed(w),
        None => std::borrow::Cow::Owned(vec![1.0; cols]),
    }
}

/// Rows per parallel block for a row length.
fn block_rows(cols: usize) -> usize {
    (BLOCK / cols.max(1)).max(1)
}

/// Runs `f(rows_of_x, rows_of_aux, rows_of_grad)` over fixed row blocks, in parallel when
/// there is more than one block, and sums the results in block order.
fn blocked<A: Sync + Copy>(
    x: &[f32],
    aux: &[A],
    aux_per_row: usize,
    grad: Option<&mut [f32]>,
    cols: usize,
    f: &(impl Fn(&[f32], &[A], Option<&mut [f32]>) -> f64 + Sync),
) -> f64 {
    let br = block_rows(cols);
    let rows = x.len() / cols;
    if rows <= br {
        return f(x, aux, grad);
    }
    crate::parallel::init_pool();
    let xs = x.par_chunks(br * cols);
    let auxs = aux.par_chunks(br * aux_per_row);
    let parts: Vec<f64> = match grad {
        Some(g) => xs
            .zip(auxs)
            .zip(g.par_chunks_mut(br * cols))
            .map(|((xb, ab), gb)| f(xb, ab, Some(gb)))
            .collect(),
        None => xs.zip(auxs).map(|(xb, ab)| f(xb, ab, None)).collect(),
    };
    parts.iter().sum()
}

/// Softmax cross-entropy with integer labels, optional class weights (length `cols`), label
/// smoothing `smoothing` = ε and an ignored label. Per row with label y ≠ `ignore` (y must lie
/// in [0, cols)), with w_c the class weight (1 without weights):
/// a_c = (1 − ε)·w_y·[c = y] + (ε/cols)·w_c, loss = Σ_c a_c·(lse − x_c); ignored rows add 0.
/// Returns Σ loss; with `grad` writes `scale·(softmax·Σ_c a_c − a_c)` (zero for ignored rows).
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_labels(
    logits: &[f32],
    labels: &[i32],
    weight: Option<&[f32]>,
    grad: Option<&mut [f32]>,
    rows: usize,
    cols: usize,
    smoothing: f32,
    ignore: i32,
    scale: f32,
) -> f64 {
    assert!(
        logits.len() == rows * cols && labels.len() == rows && cols > 0,
        "cross_entropy_labels: shape"
    );
    assert!(
        labels
            .iter()
            .all(|&l| l == ignore || (l >= 0 && (l as usize) < cols)),
        "cross_entropy_labels: label out of range"
    );
    if let Some(w) = weight {
        assert_eq!(w.len(), cols, "cross_entropy_labels: weight length");
    }
    if let Some(g) = &grad {
        assert_eq!(g.len(), rows * cols, "cross_entropy_labels: grad shape");
    }
    if rows == 0 {
        // nothing to sum; and `cols` is then bound by no buffer, so allocate nothing by it
        return 0.0;
    }
    let w = ones_or(weight, cols);
    let p = LabelParams {
        cols,
        keep: 1.0 - smoothing,
        spread: smoothing / cols as f32,
        wsum: w.iter().map(|&v| v as f64).sum::<f64>() as f32,
        ignore,
        scale,
    };
    let w: &[f32] = &w;
    blocked(logits, labels, 1, grad, cols, &|x, l, g| {
        labels_block(x, l, w, g, p)
    })
}

/// Parameters of [`cross_entropy_probs`] shared by every row.
#[derive(Clone, Copy)]
struct ProbParams {
    cols: usize,
    keep: f32,
    spread: f32,
    scale: f32,
}

simd_fn! {
    fn probs_block<S>(s, x: &[f32], t: &[f32], w: &[f32], grad: Option<&mut [f32]>, p: ProbParams) -> f64 {
        let cols = p.cols;
        let (keep, spread) = (s.splat(p.keep), s.splat(p.spread));
        let mut total = 0f64;
        let mut g_rows = grad.map(|g| g.chunks_exact_mut(cols));
        for (row, tr) in x.chunks_exact(cols).zip(t.chunks_exact(cols)) {
            let (m, l) = row_lse!(s, row);
            let (mv, lv) = (s.splat(m), s.splat(l));
            // a_c = w_c·((1 − ε)·t_c + ε/cols)
            let total_a = sum3(s, tr, w, w, |tv, wv, _| s.mul(wv, s.fma(tv, keep, spread)));
            let loss = sum3(s, row, tr, w, |v, tv, wv| {
                s.mul(s.mul(wv, s.fma(tv, keep, spread)), s.add(s.sub(mv, v), lv))
            });
            total += loss as f64;
            if let Some(g) = g_rows.as_mut().and_then(|it| it.next()) {
                let (sc, av) = (s.splat(p.scale), s.splat(total_a));
                map3(s, g, row, tr, w, |v, tv, wv| {
                    let prob = math::exp(s, s.sub(s.sub(v, mv), lv));
                    s.mul(sc, s.sub(s.mul(prob, av), s.mul(wv, s.fma(tv, keep, spread))))
                });
            }
        }
        total
    }
}

/// Softmax cross-entropy against dense targets `target` (rows × cols class probabilities),
/// optional class weights and label smoothing ε: per row, a_c = w_c·((1 − ε)·t_c + ε/cols),
/// loss = Σ_c a_c·(lse − x_c). Returns Σ loss; with `grad` writes `scale·(softmax·Σ a − a)`.
#[allow(clippy::too_many_arguments)]
pub fn cross_entropy_probs(
    logits: &[f32],
    target: &[f32],
    weight: Option<&[f32]>,
    grad: Option<&mut [f32]>,
    rows: usize,
    cols: usize,
    smoothing: f32,
    scale: f32,
) -> f64 {
    assert!(
        logits.len() == rows * cols && target.len() == rows * cols && cols > 0,
        "cross_entropy_probs: shape"
    );
    if let Some(w) = weight {
        assert_eq!(w.len(), cols, "cross_entropy_probs: weight length");
    }
    if let Some(g) = &grad {
        assert_eq!(g.len(), rows * cols, "cross_entropy_probs: grad shape");
    }
    if rows == 0 {
        // nothing to sum; and `cols` is then bound by no buffer, so allocate nothing by it
        return 0.0;
    }
    let w = ones_or(weight, cols);
    let p = ProbParams {
        cols,
        keep: 1.0 - smoothing,
        spread: smoothing / cols as f32,
        scale,
    };
    let w: &[f32] = &w;
    blocked(logits, target, cols, grad, cols, &|x, t, g| {
        probs_block(x, t, w, g, p)
    })
}

/// Loads LANES values of an optional array at `i`, or `one` when absent.
#[inline(always)]
fn load_or<S: Simd>(s: S, a: Option<&[f32]>, i: usize, one: S::V) -> S::V {
    match a {
        Some(a) => s.load(&a[i..]),
        None => one,
    }
}

simd_fn! {
    fn bce_block<S>(s, x: &[f32], y: &[f32], w: Option<&[f32]>, pw: Option<&[f32]>, grad: Option<&mut [f32]>, scale: f32) -> f64 {
        let (one, zero, sc) = (s.splat(1.0), s.zero(), s.splat(scale));
        // loss = w·((1 − y)·softplus(x) + pw·y·softplus(−x)), which is torch's
        // (1 − y)·x + (1 + (pw − 1)·y)·softplus(−x) rearranged so that neither the value nor
        // dloss/dx = w·((1 − y)·σ(x) − pw·y·σ(−x)) subtracts nearly equal terms.
        let term = |xv: S::V, yv: S::V, wv: S::V, pv: S::V| {
            let e = math::exp(s, s.neg(s.abs(xv)));
            let lp = math::log1p(s, e);
            let pos = s.gt(xv, zero);
            let sp_pos = s.add(s.select(pos, xv, zero), lp); // softplus(x)
            let sp_neg = s.add(s.select(pos, zero, s.neg(xv)), lp); // softplus(−x)
            let omy = s.sub(one, yv);
            let py = s.mul(pv, yv);
            let loss = s.mul(wv, s.fma(omy, sp_pos, s.mul(py, sp_neg)));
            let r = s.div(one, s.add(one, e));
            let er = s.mul(e, r);
            let sig = s.select(pos, r, er); // σ(x)
            let sig_neg = s.select(pos, er, r); // σ(−x)
            let d = s.mul(sc, s.mul(wv, s.sub(s.mul(omy, sig), s.mul(py, sig_neg))));
            (loss, d)
        };
        let n = x.len();
        let main = n - n % S::LANES;
        let mut g = grad;
        let mut total = 0f64;
        let mut acc = zero;
        let mut steps = 0usize;
        let mut i = 0;
        while i < main {
            let (l, d) = term(
                s.load(&x[i..]),
                s.load(&y[i..]),
                load_or(s, w, i, one),
                load_or(s, pw, i, one),
            );
            acc = s.add(acc, l);
            if let Some(g) = g.as_deref_mut() {
                s.store(&mut g[i..], d);
            }
            steps += 1;
            if steps == 64 {
                total += s.reduce_add(acc) as f64;
                acc = zero;
                steps = 0;
            }
            i += S::LANES;
        }
        if main < n {
            let k = n - main;
            let opt = |a: Option<&[f32]>| a.map(|a| padded(&a[main..n]));
            let (tw, tp) = (opt(w), opt(pw));
            let (l, d) = term(
                s.load(&padded(&x[main..])),
                s.load(&padded(&y[main..n])),
                tw.map_or(one, |t| s.load(&t)),
                tp.map_or(one, |t| s.load(&t)),
            );
            let valid = s.lt(s.load(&IOTA), s.splat(k as f32));
            acc = s.add(acc, s.select(valid, l, zero));
            if let Some(g) = g {
                let mut ob = [0f32; MAX_LANES];
                s.store(&mut ob, d);
                g[main..].copy_from_slice(&ob[..k]);
            }
        }
        total + s.reduce_add(acc) as f64
    }
}

/// Binary cross-entropy on logits, `torch.nn.BCEWithLogitsLoss` per element:
/// loss = w·((1 − y)·softplus(x) + pw·y·softplus(−x)) — torch's (1 − y)·x + (1 + (pw − 1)·y)·
/// softplus(−x) without its cancellations (w, pw: per-element weight and positive-class
/// weight, 1 when absent). Returns Σ loss; with `grad` writes `scale·w·((1 − y)·σ(x) −
/// pw·y·σ(−x))`.
pub fn bce_with_logits(
    x: &[f32],
    y: &[f32],
    weight: Option<&[f32]>,
    pos_weight: Option<&[f32]>,
    grad: Option<&mut [f32]>,
    scale: f32,
) -> f64 {
    let n = x.len();
    assert_eq!(y.len(), n, "bce_with_logits: target length");
    for a in [weight, pos_weight].into_iter().flatten() {
        assert_eq!(a.len(), n, "bce_with_logits: weight length");
    }
    if let Some(g) = &grad {
        assert_eq!(g.len(), n, "bce_with_logits: grad length");
    }
    if n <= BLOCK {
        return bce_block(x, y, weight, pos_weight, grad, scale);
    }
    crate::parallel::init_pool();
    fn chunk(a: Option<&[f32]>, k: usize, n: usize) -> Option<&[f32]> {
        a.map(|a| &a[k * BLOCK..((k + 1) * BLOCK).min(n)])
    }
    let blocks = n.div_ceil(BLOCK);
    let parts: Vec<f64> = match grad {
        Some(g) => g
            .par_chunks_mut(BLOCK)
            .enumerate()
            .map(|(k, gb)| {
                let r = k * BLOCK..((k + 1) * BLOCK).min(n);
                bce_block(
                    &x[r.clone()],
                    &y[r],
                    chunk(weight, k, n),
                    chunk(pos_weight, k, n),
                    Some(gb),
                    scale,
                )
            })
            .collect(),
        None => (0..blocks)
            .into_par_iter()
            .map(|k| {
                let r = k * BLOCK..((k + 1) * BLOCK).min(n);
                bce_block(
                    &x[r.clone()],
                    &y[r],
                    chunk(weight, k, n),
                    chunk(pos_weight, k, n),
                    None,
                    scale,
                )
            })
            .collect(),
    };
    parts.iter().sum()
}
