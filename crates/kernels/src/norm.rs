//! Normalisation kernels: batch norm over the (outer, channels, inner) layout (N, C and the
//! flattened spatial axes of NCL/NCHW tensors; inner = 1 for [N, C]) and layer norm over the
//! rows of a rows × cols matrix.
//!
//! Statistics are one pass over memory. Each block of data (a run of ≤ 64 vectors, or ≤ 32
//! rows of a column block) is summed twice while it sits in cache: first for a centre `c`
//! (its f32 mean), then for Σ(x − c) and Σ(x − c)² in f32 lanes. The corrected block moments
//! mean = c + Σd/n, M2 = Σd² − (Σd)²/n are merged into f64 running moments with Chan's
//! formula. Every f32 block sum has at most 32 roundings, so the relative error of the
//! variance is ≤ 32·2⁻²⁴ ≈ 2e-6 (all terms positive) and the mean is within ≈ 2e-6 of the
//! mean absolute deviation, independent of how far the data sit from zero (no E[x²] − E[x]²
//! cancellation).
//!
//! Threads split the channels (reductions) or the outer axis (elementwise passes); every
//! output element is computed by one thread in a fixed order, so results do not depend on the
//! thread count.

use crate::parallel::{for_rows, init_pool, threads};
use crate::simd::{Simd, MAX_LANES};
use crate::simd_fn;
use rayon::prelude::*;

/// Reductions use threads above this many elements.
const PAR_MIN_REDUCE: usize = 1 << 16;
/// Elementwise passes are memory-bound: threads pay off only on larger arrays.
const PAR_MIN_ELEM: usize = 1 << 18;
/// Rows per column block (f32 column sums of at most this many terms).
const ROW_BLOCK: usize = 32;
/// Runs at least this long are reduced along the run; shorter ones by columns.
const RUN_MIN: usize = 16;
/// Rows per parallel task of the layer-norm backward (fixed: the dγ/dβ partial sums are
/// combined per task, in order).
const LN_TASK_ROWS: usize = 256;

/// Loads `LANES` values of `x` from index `i`, zero-padding past the end.
#[inline(always)]
fn ld<S: Simd>(s: S, x: &[f32], i: usize) -> S::V {
    if i + S::LANES <= x.len() {
        s.load(&x[i..i + S::LANES])
    } else {
        let mut t = [0f32; MAX_LANES];
        t[..x.len() - i].copy_from_slice(&x[i..]);
        s.load(&t)
    }
}

/// Stores the lanes of `v` that fall inside `out` from index `i`.
#[inline(always)]
fn st<S: Simd>(s: S, out: &mut [f32], i: usize, v: S::V) {
    if i + S::LANES <= out.len() {
        s.store(&mut out[i..i + S::LANES], v)
    } else {
        let mut t = [0f32; MAX_LANES];
        s.store(&mut t, v);
        let k = out.len() - i;
        out[i..].copy_from_slice(&t[..k]);
    }
}

/// Running (count, mean, M2) in f64, merged with Chan et al.'s pairwise formula.
#[derive(Clone, Copy, Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    #[inline(always)]
    fn merge(&mut self, nb: f64, mb: f64, m2b: f64) {
        if nb == 0.0 {
            return;
        }
        let n = self.n + nb;
        let d = mb - self.mean;
        self.mean += d * (nb / n);
        self.m2 += m2b + d * d * (self.n * nb / n);
        self.n = n;
    }

    /// (mean, biased variance); NaN for no data.
    fn finish(&self) -> (f64, f64) {
        if self.n == 0.0 {
            (f64::NAN, f64::NAN)
        } else {
            (self.mean, self.m2 / self.n)
        }
    }
}

/// Σ of a 4-accumulator array of vectors.
#[inline(always)]
fn hsum4<S: Simd>(s: S, a: [S::V; 4]) -> f32 {
    s.reduce_add(s.add(s.add(a[0], a[1]), s.add(a[2], a[3])))
}

/// (mean, M2) of a short slice (≤ 64 vectors) by the corrected two-pass method.
#[inline(always)]
fn block_moments<S: Simd>(s: S, x: &[f32]) -> (f64, f64) {
    let n = x.len();
    let main = n - n % S::LANES;
    let mut acc = [s.zero(); 4];
    for (i, c) in x[..main].chunks_exact(S::LANES).enumerate() {
        acc[i & 3] = s.add(acc[i & 3], s.load(c));
    }
    let mut tot = hsum4(s, acc);
    for &v in &x[main..] {
        tot += v;
    }
    let c = tot / n as f32;
    let cv = s.splat(c);
    let mut a1 = [s.zero(); 4];
    let mut a2 = [s.zero(); 4];
    for (i, ch) in x[..main].chunks_exact(S::LANES).enumerate() {
        let d = s.sub(s.load(ch), cv);
        a1[i & 3] = s.add(a1[i & 3], d);
        a2[i & 3] = s.fma(d, d, a2[i & 3]);
    }
    let mut sd = hsum4(s, a1) as f64;
    let mut sd2 = hsum4(s, a2) as f64;
    for &v in &x[main..] {
        let d = (v - c) as f64;
        sd += d;
        sd2 += d * d;
    }
    let nf = n as f64;
    (c as f64 + sd / nf, sd2 - sd * sd / nf)
}

/// Merges the moments of a whole run (blocks of 64 vectors) into `m`.
#[inline(always)]
fn run_moments<S: Simd>(s: S, m: &mut Moments, run: &[f32]) {
    for b in run.chunks(64 * S::LANES) {
        let (mb, m2b) = block_moments(s, b);
        m.merge(b.len() as f64, mb, m2b);
    }
}

/// (Σ dy, Σ dy·(x − mean)) of a short slice pair in f32 lanes.
#[inline(always)]
fn block_grad_sums<S: Simd>(s: S, dy: &[f32], x: &[f32], mean: f32) -> (f64, f64) {
    let n = dy.len();
    let main = n - n % S::LANES;
    let mv = s.splat(mean);
    let mut a1 = [s.zero(); 4];
    let mut a2 = [s.zero(); 4];
    for (i, (g, v)) in dy[..main]
        .chunks_exact(S::LANES)
        .zip(x[..main].chunks_exact(S::LANES))
        .enumerate()
    {
        let gv = s.load(g);
        a1[i & 3] = s.add(a1[i & 3], gv);
        a2[i & 3] = s.fma(gv, s.sub(s.load(v), mv), a2[i & 3]);
    }
    let mut s1 = hsum4(s, a1) as f64;
    let mut s2 = hsum4(s, a2) as f64;
    for (&g, &v) in dy[main..].iter().zip(&x[main..]) {
        s1 += g as f64;
        s2 += (g * (v - mean)) as f64;
    }
    (s1, s2)
}

simd_fn! {
    /// Moments of channels [c0, c0 + mean.len()) of x (outer, channels, inner).
    fn stats_group<S>(s, mean: &mut [f32], var: &mut [f32], x: &[f32], outer: usize, channels: usize, inner: usize, c0: usize) {
        let g = mean.len();
        if inner >= RUN_MIN {
            for (k, (mo, vo)) in mean.iter_mut().zip(var.iter_mut()).enumerate() {
                let c = c0 + k;
                let mut m = Moments::default();
                for o in 0..outer {
                    let start = (o * channels + c) * inner;
                    run_moments(s, &mut m, &x[start..start + inner]);
                }
                let (a, b) = m.finish();
                *mo = a as f32;
                *vo = b as f32;
            }
            return;
        }
        // Short runs: column moments over the rows of the [outer, channels·inner] matrix,
        // this group's columns [c0·inner, (c0 + g)·inner), then inner columns per channel.
        let w = g * inner;
        let stride = channels * inner;
        let base = c0 * inner;
        let mut tmp = vec![0f32; w];
        let mut sd = vec![0f32; w];
        let mut sd2 = vec![0f32; w];
        let mut cols = vec![Moments::default(); w];
        let mut o = 0;
        while o < outer {
            let rb = ROW_BLOCK.min(outer - o);
            tmp.fill(0.0);
            for r in o..o + rb {
                let row = &x[r * stride + base..r * stride + base + w];
                let mut i = 0;
                while i < w {
                    let v = s.add(ld(s, &tmp, i), ld(s, row, i));
                    st(s, &mut tmp, i, v);
                    i += S::LANES;
                }
            }
            let inv = s.splat(1.0 / rb as f32);
            let mut i = 0;
            while i < w {
                let v = s.mul(ld(s, &tmp, i), inv);
                st(s, &mut tmp, i, v);
                i += S::LANES;
            }
            sd.fill(0.0);
            sd2.fill(0.0);
            for r in o..o + rb {
                let row = &x[r * stride + base..r * stride + base + w];
                let mut i = 0;
                while i < w {
                    let d = s.sub(ld(s, row, i), ld(s, &tmp, i));
                    let v = s.add(ld(s, &sd, i), d);
                    st(s, &mut sd, i, v);
                    let v = s.fma(d, d, ld(s, &sd2, i));
                    st(s, &mut sd2, i, v);
                    i += S::LANES;
                }
            }
            let nb = rb as f64;
            for j in 0..w {
                let (a, b) = (sd[j] as f64, sd2[j] as f64);
                cols[j].merge(nb, tmp[j] as f64 + a / nb, b - a * a / nb);
            }
            o += rb;
        }
        for (k, (mo, vo)) in mean.iter_mut().zip(var.iter_mut()).enumerate() {
            let mut m = Moments::default();
            for col in &cols[k * inner..(k + 1) * inner] {
                m.merge(col.n, col.mean, col.m2);
            }
            let (a, b) = m.finish();
            *mo = a as f32;
            *vo = b as f32;
        }
    }
}

simd_fn! {
    /// Σdy and Σdy·(x − mean[c]) of channels [c0, c0 + s1.len()).
    fn grad_sums_group<S>(s, s1: &mut [f32], s2: &mut [f32], dy: &[f32], x: &[f32], mean: &[f32], outer: usize, channels: usize, inner: usize, c0: usize) {
        let g = s1.len();
        if inner >= RUN_MIN {
            for (k, (o1, o2)) in s1.iter_mut().zip(s2.iter_mut()).enumerate() {
                let c = c0 + k;
                let (mut t1, mut t2) = (0f64, 0f64);
                for o in 0..outer {
                    let start = (o * channels + c) * inner;
                    let (gr, xr) = (&dy[start..start + inner], &x[start..start + inner]);
                    for (gb, xb) in gr.chunks(64 * S::LANES).zip(xr.chunks(64 * S::LANES)) {
                        let (a, b) = block_grad_sums(s, gb, xb, mean[c]);
                        t1 += a;
                        t2 += b;
                    }
                }
                *o1 = t1 as f32;
                *o2 = t2 as f32;
            }
            return;
        }
        let w = g * inner;
        let stride = channels * inner;
        let base = c0 * inner;
        // The channel mean expanded to this group's columns.
        let mut me = vec![0f32; w];
        for (k, chunk) in me.chunks_exact_mut(inner.max(1)).enumerate().take(g) {
            chunk.fill(mean[c0 + k]);
        }
        let mut p1 = vec![0f32; w];
        let mut p2 = vec![0f32; w];
        let mut t1 = vec![0f64; w];
        let mut t2 = vec![0f64; w];
        let mut o = 0;
        while o < outer {
            let rb = ROW_BLOCK.min(outer - o);
            p1.fill(0.0);
            p2.fill(0.0);
            for r in o..o + rb {
                let gr = &dy[r * stride + base..r * stride + base + w];
                let xr = &x[r * stride + base..r * stride + base + w];
                let mut i = 0;
                while i < w {
                    let gv = ld(s, gr, i);
                    let v = s.add(ld(s, &p1, i), gv);
                    st(s, &mut p1, i, v);
                    let d = s.sub(ld(s, xr, i), ld(s, &me, i));
                    let v = s.fma(gv, d, ld(s, &p2, i));
                    st(s, &mut p2, i, v);
                    i += S::LANES;
                }
            }
            for j in 0..w {
                t1[j] += p1[j] as f64;
                t2[j] += p2[j] as f64;
            }
            o += rb;
        }
        for (k, (o1, o2)) in s1.iter_mut().zip(s2.iter_mut()).enumerate() {
            let r = k * inner..(k + 1) * inner;
            *o1 = t1[r.clone()].iter().sum::<f64>() as f32;
            *o2 = t2[r].iter().sum::<f64>() as f32;
        }
    }
}

/// Channels per parallel group (one group when small or single-threaded).
fn channel_group(outer: usize, channels: usize, inner: usize) -> usize {
    let t = threads();
    if outer * channels * inner < PAR_MIN_REDUCE || t <= 1 {
        channels.max(1)
    } else {
        channels.div_ceil(4 * t).max(1)
    }
}

/// Per-channel mean and biased variance of x (outer, channels, inner), over the outer and
/// inner axes. A channel with no data (outer·inner = 0) gets NaN for both.
pub fn batch_norm_stats(
    mean: &mut [f32],
    var: &mut [f32],
    x: &[f32],
    outer: usize,
    channels: usize,
    inner: usize,
) {
    assert!(
        mean.len() == channels && var.len() == channels && x.len() == outer * channels * inner,
        "batch_norm_stats: shape"
    );
    let g = channel_group(outer, channels, inner);
    let group = |(k, (m, v)): (usize, (&mut [f32], &mut [f32]))| {
        stats_group(m, v, x, outer, channels, inner, k * g)
    };
    if threads() <= 1 {
        mean.chunks_mut(g)
            .zip(var.chunks_mut(g))
            .enumerate()
            .for_each(group);
    } else {
        mean.par_chunks_mut(g)
            .zip(var.par_chunks_mut(g))
            .enumerate()
            .for_each(group);
    }
}

/// `sum_dy[c] = Σ dy[o, c, i]`, `sum_dy_xmu[c] = Σ dy[o, c, i]·(x[o, c, i] − mean[c])`: the
/// per-channel reductions of the batch-norm backward.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_reduce(
    sum_dy: &mut [f32],
    sum_dy_xmu: &mut [f32],
    dy: &[f32],
    x: &[f32],
    mean: &[f32],
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    assert!(
        sum_dy.len() == channels
            && sum_dy_xmu.len() == channels
            && mean.len() == channels
            && dy.len() == n
            && x.len() == n,
        "batch_norm_backward_reduce: shape"
    );
    let g = channel_group(outer, channels, inner);
    let group = |(k, (a, b)): (usize, (&mut [f32], &mut [f32]))| {
        grad_sums_group(a, b, dy, x, mean, outer, channels, inner, k * g)
    };
    if threads() <= 1 {
        sum_dy
            .chunks_mut(g)
            .zip(sum_dy_xmu.chunks_mut(g))
            .enumerate()
            .for_each(group);
    } else {
        sum_dy
            .par_chunks_mut(g)
            .zip(sum_dy_xmu.par_chunks_mut(g))
            .enumerate()
            .for_each(group);
    }
}

/// Per-channel parameters expanded over `inner` (for short runs, which are vectorised across
/// the row instead of along the run).
fn expand(v: &[f32], inner: usize) -> Vec<f32> {
    v.iter()
        .flat_map(|&a| std::iter::repeat_n(a, inner))
        .collect()
}

simd_fn! {
    /// y = (x − mean)·scale + shift over whole rows of (channels·inner); `e` holds the
    /// parameters expanded over inner when inner < RUN_MIN.
    fn forward_rows<S>(s, y: &mut [f32], x: &[f32], mean: &[f32], scale: &[f32], shift: &[f32], e: &[Vec<f32>], channels: usize, inner: usize) {
        let w = channels * inner;
        for (yr, xr) in y.chunks_exact_mut(w).zip(x.chunks_exact(w)) {
            if inner >= RUN_MIN {
                for c in 0..channels {
                    let (m, a, b) = (s.splat(mean[c]), s.splat(scale[c]), s.splat(shift[c]));
                    let (yo, xo) = (&mut yr[c * inner..(c + 1) * inner], &xr[c * inner..(c + 1) * inner]);
                    let mut i = 0;
                    while i < inner {
                        st(s, yo, i, s.fma(s.sub(ld(s, xo, i), m), a, b));
                        i += S::LANES;
                    }
                }
            } else {
                let (me, ae, be) = (&e[0], &e[1], &e[2]);
                let mut i = 0;
                while i < w {
                    let v = s.fma(s.sub(ld(s, xr, i), ld(s, me, i)), ld(s, ae, i), ld(s, be, i));
                    st(s, yr, i, v);
                    i += S::LANES;
                }
            }
        }
    }
}

simd_fn! {
    /// dx = p·dy + q·(x − mean) + r over whole rows of (channels·inner).
    fn backward_rows<S>(s, dx: &mut [f32], dy: &[f32], x: &[f32], mean: &[f32], p: &[f32], q: &[f32], r: &[f32], e: &[Vec<f32>], channels: usize, inner: usize) {
        let w = channels * inner;
        for ((dr, gr), xr) in dx.chunks_exact_mut(w).zip(dy.chunks_exact(w)).zip(x.chunks_exact(w)) {
            if inner >= RUN_MIN {
                for c in 0..channels {
                    let (m, pv, qv, rv) = (s.splat(mean[c]), s.splat(p[c]), s.splat(q[c]), s.splat(r[c]));
                    let span = c * inner..(c + 1) * inner;
                    let (d, g, xo) = (&mut dr[span.clone()], &gr[span.clone()], &xr[span]);
                    let mut i = 0;
                    while i < inner {
                        let t = s.fma(qv, s.sub(ld(s, xo, i), m), rv);
                        st(s, d, i, s.fma(pv, ld(s, g, i), t));
                        i += S::LANES;
                    }
                }
            } else {
                let (me, pe, qe, re) = (&e[0], &e[1], &e[2], &e[3]);
                let mut i = 0;
                while i < w {
                    let t = s.fma(ld(s, qe, i), s.sub(ld(s, xr, i), ld(s, me, i)), ld(s, re, i));
                    st(s, dr, i, s.fma(ld(s, pe, i), ld(s, gr, i), t));
                    i += S::LANES;
                }
            }
        }
    }
}

/// `y[o, c, i] = (x[o, c, i] − mean[c])·scale[c] + shift[c]` (batch norm forward with the
/// affine map folded in: scale = γ/√(var + ε), shift = β).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_forward(
    y: &mut [f32],
    x: &[f32],
    mean: &[f32],
    scale: &[f32],
    shift: &[f32],
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    assert!(
        y.len() == n
            && x.len() == n
            && mean.len() == channels
            && scale.len() == channels
            && shift.len() == channels,
        "batch_norm_forward: shape"
    );
    if n == 0 {
        return;
    }
    let e = if inner < RUN_MIN {
        vec![
            expand(mean, inner),
            expand(scale, inner),
            expand(shift, inner),
        ]
    } else {
        Vec::new()
    };
    let w = channels * inner;
    for_rows((y, x), outer, w, PAR_MIN_ELEM, &|(yo, xo), _| {
        forward_rows(yo, xo, mean, scale, shift, &e, channels, inner)
    });
}

/// `dx[o, c, i] = p[c]·dy[o, c, i] + q[c]·(x[o, c, i] − mean[c]) + r[c]`: the batch-norm
/// input gradient (training: p = γ·rstd, q = −p·rstd²·Σdy(x−μ)/M, r = −p·Σdy/M; eval: q = r
/// = 0).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward(
    dx: &mut [f32],
    dy: &[f32],
    x: &[f32],
    mean: &[f32],
    p: &[f32],
    q: &[f32],
    r: &[f32],
    outer: usize,
    channels: usize,
    inner: usize,
) {
    let n = outer * channels * inner;
    assert!(
        dx.len() == n
            && dy.len() == n
            && x.len() == n
            && [mean, p, q, r].iter().all(|v| v.len() == channels),
        "batch_norm_backward: shape"
    );
    if n == 0 {
        return;
    }
    let e = if inner < RUN_MIN {
        vec![
            expand(mean, inner),
            expand(p, inner),
            expand(q, inner),
            expand(r, inner),
        ]
    } else {
        Vec::new()
    };
    let w = channels * inner;
    for_rows((dx, (dy, x)), outer, w, PAR_MIN_ELEM, &|(d, (g, xo)), _| {
        backward_rows(d, g, xo, mean, p, q, r, &e, channels, inner)
    });
}

simd_fn! {
    fn ln_forward_rows<S>(s, y: &mut [f32], mean: &mut [f32], rstd: &mut [f32], x: &[f32], gamma: Option<&[f32]>, beta: Option<&[f32]>, cols: usize, eps: f64) {
        for (((yr, xr), mo), ro) in y.chunks_exact_mut(cols).zip(x.chunks_exact(cols)).zip(mean.iter_mut()).zip(rstd.iter_mut()) {
            let mut m = Moments::default();
            run_moments(s, &mut m, xr);
            let (mu, var) = m.finish();
            let (mu, rs) = (mu as f32, (1.0 / (var + eps).sqrt()) as f32);
            *mo = mu;
            *ro = rs;
            let (mv, rv) = (s.splat(mu), s.splat(rs));
            let mut i = 0;
            while i < cols {
                let xh = s.mul(s.sub(ld(s, xr, i), mv), rv);
                let v = match (gamma, beta) {
                    (Some(g), Some(b)) => s.fma(xh, ld(s, g, i), ld(s, b, i)),
                    (Some(g), None) => s.mul(xh, ld(s, g, i)),
                    (None, Some(b)) => s.add(xh, ld(s, b, i)),
                    (None, None) => xh,
                };
                st(s, yr, i, v);
                i += S::LANES;
            }
        }
    }
}

/// Layer norm over the rows of x (rows × cols): mean and rstd = 1/√(var + eps) (biased
/// variance) per row into `mean`/`rstd`, and y = (x − mean)·rstd·γ + β (γ, β optional, per
/// column).
#[allow(clippy::too_many_arguments)]
pub fn layer_norm_forward(
    y: &mut [f32],
    mean: &mut [f32],
    rstd: &mut [f32],
    x: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    rows: usize,
    cols: usize,
    eps: f64,
) {
    let n = rows * cols;
    assert!(
        y.len() == n
            && x.len() == n
            && mean.len() == rows
            && rstd.len() == rows
            && gamma.is_none_or(|g| g.len() == cols)
            && beta.is_none_or(|b| b.len() == cols),
        "layer_norm_forward: shape"
    );
    if rows == 0 {
        return;
    }
    if cols == 0 {
        mean.fill(f32::NAN);
        rstd.fill(f32::NAN);
        return;
    }
    let rb = if n < PAR_MIN_REDUCE || threads() <= 1 {
        rows
    } else {
        rows.div_ceil(4 * threads()).max(1)
    };
    if rb == rows {
        // One task: on the calling thread (a one-thread pool would take it to its own thread).
        ln_forward_rows(y, mean, rstd, x, gamma, beta, cols, eps);
        return;
    }
    y.par_chunks_mut(rb * cols)
        .zip(x.par_chunks(rb * cols))
        .zip(mean.par_chunks_mut(rb))
        .zip(rstd.par_chunks_mut(rb))
        .for_each(|(((yo, xo), mo), ro)| ln_forward_rows(yo, mo, ro, xo, gamma, beta, cols, eps));
}

simd_fn! {
    /// dx for a task's rows, and its dγ/dβ partial sums (f32 over ≤ 32 rows, then f64).
    fn ln_backward_task<S>(s, dx: &mut [f32], pg: Option<&mut [f64]>, pb: Option<&mut [f64]>, dy: &[f32], x: &[f32], mean: &[f32], rstd: &[f32], gamma: Option<&[f32]>, cols: usize) {
        let inv = 1.0 / cols as f64;
        let mut bg = if pg.is_some() { vec![0f32; cols] } else { Vec::new() };
        let mut bb = if pb.is_some() { vec![0f32; cols] } else { Vec::new() };
        let (mut pg, mut pb) = (pg, pb);
        let rows = mean.len();
        for r in 0..rows {
            let span = r * cols..(r + 1) * cols;
            let (d, g, xr) = (&mut dx[span.clone()], &dy[span.clone()], &x[span]);
            let (mv, rv) = (s.splat(mean[r]), s.splat(rstd[r]));
            // Σ g and Σ g·x̂ with g = dy·γ, in f32 lanes over blocks of 64 vectors, f64 across.
            let (mut sa, mut sb) = (0f64, 0f64);
            let block = 64 * S::LANES;
            let mut start = 0;
            while start < cols {
                let end = (start + block).min(cols);
                let mut a1 = [s.zero(); 4];
                let mut a2 = [s.zero(); 4];
                let mut i = start;
                let mut k = 0;
                while i < end {
                    // Blocks are whole vectors except at the row end, where `ld` pads dy
                    // (hence g) with zeros, so padded lanes add nothing.
                    let gv0 = ld(s, g, i);
                    let gv = match gamma { Some(gm) => s.mul(gv0, ld(s, gm, i)), None => gv0 };
                    let xh = s.mul(s.sub(ld(s, xr, i), mv), rv);
                    a1[k & 3] = s.add(a1[k & 3], gv);
                    a2[k & 3] = s.fma(gv, xh, a2[k & 3]);
                    i += S::LANES;
                    k += 1;
                }
                sa += hsum4(s, a1) as f64;
                sb += hsum4(s, a2) as f64;
                start = end;
            }
            let av = s.splat((sa * inv) as f32);
            let bv = s.splat((sb * inv) as f32);
            let mut i = 0;
            while i < cols {
                let gv0 = ld(s, g, i);
                let gv = match gamma { Some(gm) => s.mul(gv0, ld(s, gm, i)), None => gv0 };
                let xh = s.mul(s.sub(ld(s, xr, i), mv), rv);
                let t = s.sub(s.sub(gv, av), s.mul(xh, bv));
                st(s, d, i, s.mul(t, rv));
                if pg.is_some() {
                    let v = s.fma(gv0, xh, ld(s, &bg, i));
                    st(s, &mut bg, i, v);
                }
                if pb.is_some() {
                    let v = s.add(ld(s, &bb, i), gv0);
                    st(s, &mut bb, i, v);
                }
                i += S::LANES;
            }
            if (r + 1) % ROW_BLOCK == 0 || r + 1 == rows {
                if let Some(acc) = pg.as_deref_mut() {
                    for (a, v) in acc.iter_mut().zip(bg.iter_mut()) {
                        *a += *v as f64;
                        *v = 0.0;
                    }
                }
                if let Some(acc) = pb.as_deref_mut() {
                    for (a, v) in acc.iter_mut().zip(bb.iter_mut()) {
                        *a += *v as f64;
                        *v = 0.0;
                    }
                }
            }
        }
    }
}

/// One layer-norm backward task's slices: ((dx, dy), x) rows and (mean, rstd).
type LnTask<'a> = (
    ((&'a mut [f32], &'a [f32]), &'a [f32]),
    (&'a [f32], &'a [f32]),
);

/// Layer-norm backward from the forward's per-row `mean` and `rstd`: with g = dy·γ (dy if no
/// γ) and x̂ = (x − mean)·rstd, dx = rstd·(g − mean_j(g) − x̂·mean_j(g·x̂)); adds
/// Σ_rows dy·x̂ to `dgamma` and Σ_rows dy to `dbeta` when given.
#[allow(clippy::too_many_arguments)]
pub fn layer_norm_backward(
    dx: &mut [f32],
    dgamma: Option<&mut [f32]>,
    dbeta: Option<&mut [f32]>,
    dy: &[f32],
    x: &[f32],
    mean: &[f32],
    rstd: &[f32],
    gamma: Option<&[f32]>,
    rows: usize,
    cols: usize,
) {
    let n = rows * cols;
    assert!(
        dx.len() == n
            && dy.len() == n
            && x.len() == n
            && mean.len() == rows
            && rstd.len() == rows
            && gamma.is_none_or(|g| g.len() == cols)
            && dgamma.as_ref().is_none_or(|g| g.len() == cols)
            && dbeta.as_ref().is_none_or(|b| b.len() == cols),
        "layer_norm_backward: shape"
    );
    if n == 0 {
        return;
    }
    let (wg, wb) = (dgamma.is_some(), dbeta.is_some());
    let task = |(((d, g), xo), (m, r)): LnTask| {
        let mut pg = if wg { vec![0f64; cols] } else { Vec::new() };
        let mut pb = if wb { vec![0f64; cols] } else { Vec::new() };
        ln_backward_task(
            d,
            wg.then_some(&mut pg[..]),
            wb.then_some(&mut pb[..]),
            g,
            xo,
            m,
            r,
            gamma,
            cols,
        );
        (pg, pb)
    };
    let tc = LN_TASK_ROWS * cols;
    let parts: Vec<(Vec<f64>, Vec<f64>)> = if n < PAR_MIN_REDUCE || threads() <= 1 {
        dx.chunks_mut(tc)
            .zip(dy.chunks(tc))
            .zip(x.chunks(tc))
            .zip(mean.chunks(LN_TASK_ROWS).zip(rstd.chunks(LN_TASK_ROWS)))
            .map(task)
            .collect()
    } else {
        init_pool();
        dx.par_chunks_mut(tc)
            .zip(dy.par_chunks(tc))
            .zip(x.par_chunks(tc))
            .zip(
                mean.par_chunks(LN_TASK_ROWS)
                    .zip(rstd.par_chunks(LN_TASK_ROWS)),
            )
            .map(task)
            .collect()
    };
    if let Some(dg) = dgamma {
        for (j, o) in dg.iter_mut().enumerate() {
            *o += parts.iter().map(|p| p.0[j]).sum::<f64>() as f32;
        }
    }
    if let Some(db) = dbeta {
        for (j, o) in db.iter_mut().enumerate() {
            *o += parts.iter().map(|p| p.1[j]).sum::<f64>() as f32;
        }
    }
}
