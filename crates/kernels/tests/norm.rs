//! Batch-norm, layer-norm and embedding kernels on every instruction set against f64
//! references, including data far from zero (no cancellation), both reduction paths (short
//! runs by columns, long runs along the run) and thread-count independence.
mod common;
use common::*;
use descent_kernels::{embedding as ek, norm as nk, rng};

fn data(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, lo, hi);
    v
}

/// (outer, channels, inner) shapes: inner 1 ([N, C]), short runs, exactly 16, long runs,
/// ragged vector tails, more than one 32-row block, more than one 64-vector run block.
const SHAPES: [(usize, usize, usize); 10] = [
    (1, 1, 1),
    (2, 3, 1),
    (67, 5, 1),
    (33, 19, 1),
    (5, 4, 3),
    (40, 3, 7),
    (3, 2, 16),
    (4, 3, 25),
    (2, 2, 1500),
    (70, 2, 17),
];

/// f64 per-channel mean and biased variance (two-pass).
fn ref_stats(x: &[f32], o: usize, c: usize, i: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0f64; c];
    let mut var = vec![0f64; c];
    for ch in 0..c {
        let vals: Vec<f64> = (0..o)
            .flat_map(|a| (0..i).map(move |b| (a, b)))
            .map(|(a, b)| x[(a * c + ch) * i + b] as f64)
            .collect();
        let m = vals.iter().sum::<f64>() / vals.len() as f64;
        mean[ch] = m;
        var[ch] = vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / vals.len() as f64;
    }
    (mean, var)
}

#[test]
fn batch_norm_stats_match_f64_even_far_from_zero() {
    for_each_level(|level| {
        for &(o, c, i) in &SHAPES {
            for (seed, lo, hi) in [(1u64, -2.0, 3.0), (2, 1e4 - 1.0, 1e4 + 1.0)] {
                let x = data(o * c * i, seed, lo, hi);
                let (mut m, mut v) = (vec![0f32; c], vec![0f32; c]);
                nk::batch_norm_stats(&mut m, &mut v, &x, o, c, i);
                let (rm, rv) = ref_stats(&x, o, c, i);
                for ch in 0..c {
                    let mad = lo.abs().max(hi.abs());
                    assert!(
                        (m[ch] as f64 - rm[ch]).abs() <= 2e-6 * (hi - lo) + 6e-8 * mad,
                        "{level:?} mean {o}x{c}x{i} ch {ch}: {} vs {}",
                        m[ch],
                        rm[ch]
                    );
                    assert!(
                        (v[ch] as f64 - rv[ch]).abs() <= 4e-6 * rv[ch] + 1e-12,
                        "{level:?} var {o}x{c}x{i} ch {ch}: {} vs {}",
                        v[ch],
                        rv[ch]
                    );
                }
            }
        }
    });
}

#[test]
fn batch_norm_stats_of_no_data_are_nan() {
    let (mut m, mut v) = (vec![0f32; 2], vec![0f32; 2]);
    nk::batch_norm_stats(&mut m, &mut v, &[], 0, 2, 3);
    assert!(m.iter().chain(&v).all(|a| a.is_nan()));
    nk::batch_norm_stats(&mut m, &mut v, &[], 4, 2, 0);
    assert!(m.iter().chain(&v).all(|a| a.is_nan()));
}

#[test]
fn batch_norm_forward_backward_and_reductions_match_f64() {
    for_each_level(|level| {
        for &(o, c, i) in &SHAPES {
            let n = o * c * i;
            let x = data(n, 3, -2.0, 2.0);
            let dy = data(n, 4, -1.0, 1.0);
            let mean = data(c, 5, -0.5, 0.5);
            let (a, b, cc) = (
                data(c, 6, 0.5, 2.0),
                data(c, 7, -1.0, 1.0),
                data(c, 8, -1.0, 1.0),
            );
            let mut y = vec![0f32; n];
            nk::batch_norm_forward(&mut y, &x, &mean, &a, &b, o, c, i);
            let mut dx = vec![0f32; n];
            nk::batch_norm_backward(&mut dx, &dy, &x, &mean, &a, &b, &cc, o, c, i);
            for k in 0..n {
                let ch = (k / i) % c;
                let d = x[k] as f64 - mean[ch] as f64;
                let want = d * a[ch] as f64 + b[ch] as f64;
                let scale = (d * a[ch] as f64).abs() + (b[ch] as f64).abs();
                assert!(
                    (y[k] as f64 - want).abs() <= 3e-7 * scale + 1e-30,
                    "{level:?} forward {o}x{c}x{i} at {k}"
                );
                let want = a[ch] as f64 * dy[k] as f64 + b[ch] as f64 * d + cc[ch] as f64;
                let scale = (a[ch] as f64 * dy[k] as f64).abs()
                    + (b[ch] as f64 * d).abs()
                    + (cc[ch] as f64).abs();
                assert!(
                    (dx[k] as f64 - want).abs() <= 4e-7 * scale + 1e-30,
                    "{level:?} backward {o}x{c}x{i} at {k}"
                );
            }
            let (mut s1, mut s2) = (vec![0f32; c], vec![0f32; c]);
            nk::batch_norm_backward_reduce(&mut s1, &mut s2, &dy, &x, &mean, o, c, i);
            for ch in 0..c {
                let (mut w1, mut w2, mut a1, mut a2) = (0f64, 0f64, 0f64, 0f64);
                for p in 0..o {
                    for q in 0..i {
                        let k = (p * c + ch) * i + q;
                        let d = x[k] as f64 - mean[ch] as f64;
                        w1 += dy[k] as f64;
                        w2 += dy[k] as f64 * d;
                        a1 += (dy[k] as f64).abs();
                        a2 += (dy[k] as f64 * d).abs();
                    }
                }
                assert!(
                    (s1[ch] as f64 - w1).abs() <= 2e-6 * a1 + 1e-30,
                    "{level:?} Σdy {o}x{c}x{i}"
                );
                assert!(
                    (s2[ch] as f64 - w2).abs() <= 2e-6 * a2 + 1e-30,
                    "{level:?} Σdy(x−μ) {o}x{c}x{i}"
                );
            }
        }
    });
}

#[test]
fn layer_norm_matches_f64() {
    for_each_level(|level| {
        for &(rows, cols) in &[(1, 1), (3, 5), (7, 16), (40, 33), (300, 17), (2, 2500)] {
            let n = rows * cols;
            for (lo, hi) in [(-2.0, 3.0), (1e3 - 1.0, 1e3 + 1.0)] {
                let x = data(n, 9, lo, hi);
                let dy = data(n, 10, -1.0, 1.0);
                let g = data(cols, 11, 0.5, 1.5);
                let b = data(cols, 12, -1.0, 1.0);
                let eps = 1e-5;
                for affine in [0, 1, 2] {
                    let gamma = (affine >= 1).then_some(&g[..]);
                    let beta = (affine == 2).then_some(&b[..]);
                    let mut y = vec![0f32; n];
                    let (mut mean, mut rstd) = (vec![0f32; rows], vec![0f32; rows]);
                    nk::layer_norm_forward(
                        &mut y, &mut mean, &mut rstd, &x, gamma, beta, rows, cols, eps,
                    );
                    let mut dx = vec![0f32; n];
                    let mut dg = vec![0.5f32; cols];
                    let mut db = vec![0.25f32; cols];
                    nk::layer_norm_backward(
                        &mut dx,
                        gamma.is_some().then_some(&mut dg[..]),
                        beta.is_some().then_some(&mut db[..]),
                        &dy,
                        &x,
                        &mean,
                        &rstd,
                        gamma,
                        rows,
                        cols,
                    );
                    let (mut wg, mut wb) = (vec![0.5f64; cols], vec![0.25f64; cols]);
                    let (mut ag, mut ab) = (vec![0.5f64; cols], vec![0.25f64; cols]);
                    for r in 0..rows {
                        let xr: Vec<f64> = x[r * cols..(r + 1) * cols]
                            .iter()
                            .map(|&v| v as f64)
                            .collect();
                        let m = xr.iter().sum::<f64>() / cols as f64;
                        let var = xr.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / cols as f64;
                        let rs = 1.0 / (var + eps).sqrt();
                        assert!(
                            rel_err(mean[r], m) <= 2e-6 || (mean[r] as f64 - m).abs() < 1e-6 * hi,
                            "{level:?} mean"
                        );
                        assert!(
                            rel_err(rstd[r], rs) <= 4e-6,
                            "{level:?} rstd {} vs {rs}",
                            rstd[r]
                        );
                        // The rest is defined from the stored (f32) statistics.
                        let (m, rs) = (mean[r] as f64, rstd[r] as f64);
                        let xh: Vec<f64> = xr.iter().map(|v| (v - m) * rs).collect();
                        let gg: Vec<f64> = (0..cols)
                            .map(|j| dy[r * cols + j] as f64 * gamma.map_or(1.0, |g| g[j] as f64))
                            .collect();
                        let a = gg.iter().sum::<f64>() / cols as f64;
                        let bb = gg.iter().zip(&xh).map(|(p, q)| p * q).sum::<f64>() / cols as f64;
                        for j in 0..cols {
                            let k = r * cols + j;
                            let gj = gamma.map_or(1.0, |g| g[j] as f64);
                            let bj = beta.map_or(0.0, |b| b[j] as f64);
                            let want = xh[j] * gj + bj;
                            let tol = 3e-7 * ((xh[j] * gj).abs() + bj.abs()) + 1e-30;
                            assert!(
                                (y[k] as f64 - want).abs() <= tol,
                                "{level:?} ln y {rows}x{cols} {affine}: {} vs {want}",
                                y[k]
                            );
                            let want = rs * (gg[j] - a - xh[j] * bb);
                            let scale = rs * (gg[j].abs() + a.abs() + (xh[j] * bb).abs())
                                + rs * 1e-2 * gg.iter().map(|v| v.abs()).sum::<f64>() / cols as f64;
                            assert!(
                                (dx[k] as f64 - want).abs() <= 1e-5 * scale,
                                "{level:?} ln dx {rows}x{cols} {affine}: {} vs {want}",
                                dx[k]
                            );
                            wg[j] += dy[k] as f64 * xh[j];
                            wb[j] += dy[k] as f64;
                            ag[j] += (dy[k] as f64 * xh[j]).abs();
                            ab[j] += (dy[k] as f64).abs();
                        }
                    }
                    for j in 0..cols {
                        if gamma.is_some() {
                            assert!((dg[j] as f64 - wg[j]).abs() <= 1e-5 * ag[j], "{level:?} dγ");
                        } else {
                            assert_eq!(dg[j], 0.5);
                        }
                        if beta.is_some() {
                            assert!((db[j] as f64 - wb[j]).abs() <= 1e-5 * ab[j], "{level:?} dβ");
                        } else {
                            assert_eq!(db[j], 0.25);
                        }
                    }
                }
            }
        }
    });
}

#[test]
fn embedding_gathers_and_scatter_adds_skipping_padding() {
    for_each_level(|_| {
        let (rows, dim) = (6, 19);
        let w = data(rows * dim, 13, -1.0, 1.0);
        let idx = [3, 0, 5, 3, 2, 3];
        let mut out = vec![0f32; idx.len() * dim];
        ek::embedding_forward(&mut out, &w, &idx, dim);
        for (r, &i) in idx.iter().enumerate() {
            assert_eq!(
                &out[r * dim..(r + 1) * dim],
                &w[i as usize * dim..(i as usize + 1) * dim]
            );
        }
        let dy = data(idx.len() * dim, 14, -1.0, 1.0);
        for skip in [-1i64, 3] {
            let mut g = vec![1f32; rows * dim];
            ek::embedding_backward(&mut g, &dy, &idx, dim, skip);
            for row in 0..rows {
                for j in 0..dim {
                    let mut want = 1f32;
                    for (r, &i) in idx.iter().enumerate() {
                        if i as usize == row && i as i64 != skip {
                            want += dy[r * dim + j];
                        }
                    }
                    assert_eq!(g[row * dim + j], want, "row {row} col {j} skip {skip}");
                }
            }
        }
    });
}

#[test]
#[should_panic(expected = "index out of range")]
fn embedding_refuses_an_index_out_of_range() {
    let mut out = vec![0f32; 2];
    ek::embedding_forward(&mut out, &[1.0, 2.0, 3.0, 4.0], &[2], 2);
}

#[test]
fn norm_results_do_not_depend_on_thread_count() {
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (o, c, i) = (64, 48, 50);
    let n = o * c * i;
    let x = data(n, 20, -3.0, 3.0);
    let dy = data(n, 21, -1.0, 1.0);
    let (rows, cols) = (1000, 153);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut res: Vec<Vec<f32>> = Vec::new();
            for inner in [i, 1] {
                let cc = n / (o * inner);
                let (mut m, mut v) = (vec![0f32; cc], vec![0f32; cc]);
                nk::batch_norm_stats(&mut m, &mut v, &x, o, cc, inner);
                let (mut s1, mut s2) = (vec![0f32; cc], vec![0f32; cc]);
                nk::batch_norm_backward_reduce(&mut s1, &mut s2, &dy, &x, &m, o, cc, inner);
                let mut y = vec![0f32; n];
                nk::batch_norm_forward(&mut y, &x, &m, &v, &s1, o, cc, inner);
                let mut dx = vec![0f32; n];
                nk::batch_norm_backward(&mut dx, &dy, &x, &m, &v, &s1, &s2, o, cc, inner);
                res.extend([m, v, s1, s2, y, dx]);
            }
            let xs = &x[..rows * cols];
            let mut y = vec![0f32; rows * cols];
            let (mut m, mut r) = (vec![0f32; rows], vec![0f32; rows]);
            let g = data(cols, 22, 0.5, 1.5);
            nk::layer_norm_forward(
                &mut y,
                &mut m,
                &mut r,
                xs,
                Some(&g),
                Some(&g),
                rows,
                cols,
                1e-5,
            );
            let mut dx = vec![0f32; rows * cols];
            let (mut dg, mut db) = (vec![0f32; cols], vec![0f32; cols]);
            nk::layer_norm_backward(
                &mut dx,
                Some(&mut dg),
                Some(&mut db),
                &dy[..rows * cols],
                xs,
                &m,
                &r,
                Some(&g),
                rows,
                cols,
            );
            res.extend([y, m, r, dx, dg, db]);
            res
        })
    };
    let one = run(1);
    for t in [2, 3] {
        assert!(one == run(t), "norm kernels differ with {t} threads");
    }
}
