//! The fused loss kernels on every instruction set against f64 references, and their
//! independence of the thread count.
mod common;
use common::*;
use descent_kernels::{loss, rng};

fn data(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, lo, hi);
    v
}

const SHAPES: [(usize, usize); 7] = [
    (0, 3),
    (1, 1),
    (7, 5),
    (13, 16),
    (5, 17),
    (2100, 9),
    (20, 1001),
];
const IGNORE: i32 = -7;

/// f64 reference of both cross-entropy kernels: per row the coefficients `a`, then
/// loss = Σ a·(lse − x), grad = scale·(softmax·Σa − a). Returns (loss, grad, the scale of
/// the gradient's rounding error).
fn ce_reference(
    x: &[f32],
    rows: usize,
    cols: usize,
    coef: impl Fn(usize, usize) -> Option<f64>,
    scale: f64,
) -> (f64, Vec<f64>, Vec<f64>) {
    let mut total = 0.0;
    let mut grad = vec![0.0; rows * cols];
    let mut mag = vec![0.0; rows * cols];
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        let Some(_) = coef(r, 0) else { continue };
        let m = row.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v as f64));
        let lse = m + row.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
        let a: Vec<f64> = (0..cols).map(|c| coef(r, c).unwrap()).collect();
        let sa: f64 = a.iter().sum();
        for c in 0..cols {
            total += a[c] * (lse - row[c] as f64);
            let p = (row[c] as f64 - lse).exp();
            grad[r * cols + c] = scale * (p * sa - a[c]);
            // exp's argument x − lse carries f32 rounding proportional to its size.
            mag[r * cols + c] = scale.abs() * (p * sa * (1.0 + (row[c] as f64 - lse).abs()) + a[c]);
        }
    }
    (total, grad, mag)
}

fn check_grad(got: &[f32], want: &[f64], mag: &[f64], what: &str) {
    for i in 0..got.len() {
        let tol = 2e-6 * mag[i] + 1e-30;
        assert!(
            (got[i] as f64 - want[i]).abs() <= tol,
            "{what} grad[{i}] = {} vs {}",
            got[i],
            want[i]
        );
    }
}

#[test]
fn cross_entropy_labels_matches_reference() {
    for_each_level(|level| {
        for &(rows, cols) in &SHAPES {
            let x = data(rows * cols, 3, -6.0, 6.0);
            let w = data(cols, 4, 0.2, 2.0);
            let labels: Vec<i32> = (0..rows)
                .map(|r| {
                    if r % 11 == 4 {
                        IGNORE
                    } else {
                        ((r * 7 + 3) % cols) as i32
                    }
                })
                .collect();
            for weighted in [false, true] {
                for eps in [0.0f32, 0.3] {
                    let wc = |c: usize| if weighted { w[c] as f64 } else { 1.0 };
                    let (want, wg, mag) = ce_reference(
                        &x,
                        rows,
                        cols,
                        |r, c| {
                            let y = labels[r];
                            (y != IGNORE).then(|| {
                                let e = eps as f64;
                                let hot = if c == y as usize {
                                    (1.0 - e) * wc(y as usize)
                                } else {
                                    0.0
                                };
                                hot + e / cols as f64 * wc(c)
                            })
                        },
                        0.5,
                    );
                    let mut g = vec![f32::NAN; rows * cols];
                    let wopt = weighted.then_some(&w[..]);
                    let got = loss::cross_entropy_labels(
                        &x,
                        &labels,
                        wopt,
                        Some(&mut g),
                        rows,
                        cols,
                        eps,
                        IGNORE,
                        0.5,
                    );
                    let what = format!("{level:?} labels {rows}x{cols} w={weighted} eps={eps}");
                    assert!(
                        (got - want).abs() <= 2e-6 * want.abs() + 1e-30,
                        "{what}: {got} vs {want}"
                    );
                    check_grad(&g, &wg, &mag, &what);
                    let again = loss::cross_entropy_labels(
                        &x, &labels, wopt, None, rows, cols, eps, IGNORE, 0.5,
                    );
                    assert_eq!(again, got, "{what}: without grad");
                }
            }
        }
    });
}

#[test]
fn cross_entropy_probs_matches_reference() {
    for_each_level(|level| {
        for &(rows, cols) in &SHAPES {
            let x = data(rows * cols, 5, -6.0, 6.0);
            let t = data(rows * cols, 6, 0.0, 1.0);
            let w = data(cols, 7, 0.2, 2.0);
            for weighted in [false, true] {
                for eps in [0.0f32, 0.1] {
                    let e = eps as f64;
                    let (want, wg, mag) = ce_reference(
                        &x,
                        rows,
                        cols,
                        |r, c| {
                            let wc = if weighted { w[c] as f64 } else { 1.0 };
                            Some(wc * ((1.0 - e) * t[r * cols + c] as f64 + e / cols as f64))
                        },
                        -0.25,
                    );
                    let mut g = vec![f32::NAN; rows * cols];
                    let wopt = weighted.then_some(&w[..]);
                    let got = loss::cross_entropy_probs(
                        &x,
                        &t,
                        wopt,
                        Some(&mut g),
                        rows,
                        cols,
                        eps,
                        -0.25,
                    );
                    let what = format!("{level:?} probs {rows}x{cols} w={weighted} eps={eps}");
                    assert!(
                        (got - want).abs() <= 2e-6 * want.abs() + 1e-30,
                        "{what}: {got} vs {want}"
                    );
                    check_grad(&g, &wg, &mag, &what);
                }
            }
        }
    });
}

fn softplus64(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[test]
fn bce_with_logits_matches_reference_and_is_stable() {
    for_each_level(|level| {
        for &n in &[0usize, 1, 7, 15, 16, 17, 1023, 40_001] {
            let mut x = data(n, 8, -30.0, 30.0);
            if n > 3 {
                x[..4].copy_from_slice(&[100.0, -100.0, 1e4, -1e4]);
            }
            let y = data(n, 9, 0.0, 1.0);
            let w = data(n, 10, 0.0, 2.0);
            let pw = data(n, 11, 0.5, 3.0);
            for (wo, po) in [(false, false), (true, false), (false, true), (true, true)] {
                let wi = |i: usize| if wo { w[i] as f64 } else { 1.0 };
                let pi = |i: usize| if po { pw[i] as f64 } else { 1.0 };
                let mut want = 0.0;
                let mut g = vec![f32::NAN; n];
                let got = loss::bce_with_logits(
                    &x,
                    &y,
                    wo.then_some(&w[..]),
                    po.then_some(&pw[..]),
                    Some(&mut g),
                    0.5,
                );
                for i in 0..n {
                    let (xv, yv) = (x[i] as f64, y[i] as f64);
                    // torch's form, in f64
                    let big = 1.0 + (pi(i) - 1.0) * yv;
                    want += wi(i) * ((1.0 - yv) * xv + big * softplus64(-xv));
                    let s = sigmoid64(xv);
                    let gw = 0.5 * wi(i) * ((1.0 - yv) * s - pi(i) * yv * sigmoid64(-xv));
                    let mag = 0.5 * wi(i) * ((1.0 - yv) * s + pi(i) * yv * sigmoid64(-xv));
                    assert!(
                        (g[i] as f64 - gw).abs() <= 2e-6 * mag + 1e-37,
                        "{level:?} n={n} w={wo} pw={po} grad[{i}] {} vs {gw}",
                        g[i]
                    );
                }
                assert!(
                    got.is_finite() && (got - want).abs() <= 2e-6 * want.abs() + 1e-30,
                    "{level:?} n={n} w={wo} pw={po}: {got} vs {want}"
                );
            }
        }
        // |x| = 100: y = 1 at x = −100 and y = 0 at x = 100 cost 100; the others ~e^−100.
        let x = [100.0f32, -100.0, 100.0, -100.0];
        let y = [1.0f32, 1.0, 0.0, 0.0];
        let mut g = [0f32; 4];
        let l = loss::bce_with_logits(&x, &y, None, None, Some(&mut g), 1.0);
        assert_eq!(l, 200.0, "{level:?}");
        assert_eq!(&g[1..3], &[-1.0, 1.0]);
        assert!(g[0] < 0.0 && g[0] > -1e-43 && g[3] > 0.0 && g[3] < 1e-43);
    });
}

#[test]
fn loss_kernels_do_not_depend_on_the_thread_count() {
    // Hold the level lock so no other test changes the instruction set between runs.
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (rows, cols) = (5000, 13);
    let x = data(rows * cols, 12, -5.0, 5.0);
    let t = data(rows * cols, 13, 0.0, 1.0);
    let w = data(cols, 14, 0.5, 1.5);
    let labels: Vec<i32> = (0..rows).map(|r| (r % cols) as i32).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut g1 = vec![0f32; rows * cols];
            let mut g2 = vec![0f32; rows * cols];
            let mut g3 = vec![0f32; rows * cols];
            let a = loss::cross_entropy_labels(
                &x,
                &labels,
                Some(&w),
                Some(&mut g1),
                rows,
                cols,
                0.1,
                -100,
                1.0,
            );
            let b = loss::cross_entropy_probs(&x, &t, None, Some(&mut g2), rows, cols, 0.0, 1.0);
            let c = loss::bce_with_logits(&x, &t, None, Some(&w.repeat(rows)), Some(&mut g3), 1.0);
            (a, b, c, g1, g2, g3)
        })
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        let r = run(threads);
        assert_eq!(
            (r.0, r.1, r.2),
            (one.0, one.1, one.2),
            "{threads} threads: losses"
        );
        assert!(r.3 == one.3, "{threads} threads: labels grad");
        assert!(r.4 == one.4, "{threads} threads: probs grad");
        assert!(r.5 == one.5, "{threads} threads: bce grad");
    }
}
