//! Every kernel on every instruction set against a straightforward f64 reference, plus the
//! in-place forms and thread-count independence.
mod common;
use common::*;
use descent_kernels::{binary as bk, gemm, optim, reduce, rng, softmax, unary as uk};

fn data(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, lo, hi);
    v
}

const LENGTHS: [usize; 9] = [0, 1, 7, 15, 16, 17, 1023, 4097, 70_001];

fn close(got: f32, want: f64, rel: f64, scale: f64) -> bool {
    (got as f64 - want).abs() <= rel * scale.max(f32::MIN_POSITIVE as f64)
        || (got.is_nan() && want.is_nan())
}

#[test]
fn binary_ops_match_reference_and_inplace_forms() {
    for_each_level(|level| {
        for &n in &LENGTHS {
            let a = data(n, 1, -3.0, 3.0);
            let b = data(n, 2, 0.5, 3.0);
            for op in bk::Binary::ALL {
                let mut out = vec![0f32; n];
                bk::binary(op, &mut out, &a, &b);
                for i in 0..n {
                    let (x, y) = (a[i] as f64, b[i] as f64);
                    let want = match op {
                        bk::Binary::Add => x + y,
                        bk::Binary::Sub => x - y,
                        bk::Binary::Mul => x * y,
                        bk::Binary::Div => x / y,
                        bk::Binary::Max => x.max(y),
                        bk::Binary::Min => x.min(y),
                    };
                    assert!(
                        close(out[i], want, 1.2e-7, want.abs()),
                        "{level:?} {op:?} n={n} i={i}"
                    );
                }
                let mut ia = a.clone();
                bk::binary_inplace_a(op, &mut ia, &b);
                assert_eq!(ia, out, "{level:?} {op:?} in place on a");
                let mut ib = b.clone();
                bk::binary_inplace_b(op, &a, &mut ib);
                assert_eq!(ib, out, "{level:?} {op:?} in place on b");
            }
            let mut y = b.clone();
            bk::axpy(0.5, &a, &mut y);
            for i in 0..n {
                let want = b[i] as f64 + 0.5 * a[i] as f64;
                assert!(
                    close(y[i], want, 2.4e-7, want.abs() + b[i].abs() as f64),
                    "{level:?} axpy"
                );
            }
        }
    });
}

#[test]
fn max_propagates_nan_in_binary_and_reduction() {
    for_each_level(|level| {
        let mut a = data(33, 3, -1.0, 1.0);
        a[20] = f32::NAN;
        let b = vec![0f32; 33];
        let mut out = vec![0f32; 33];
        bk::binary(bk::Binary::Max, &mut out, &b, &a);
        assert!(out[20].is_nan(), "{level:?}");
        assert!(reduce::max(&a).is_nan(), "{level:?}");
        a[20] = 7.0;
        assert_eq!(reduce::max(&a), 7.0, "{level:?}");
        assert_eq!(reduce::max(&[]), f32::NEG_INFINITY);
    });
}

#[test]
fn unary_inplace_and_backward_forms_agree() {
    let p = uk::Params {
        alpha: 0.7,
        beta: 20.0,
    };
    for_each_level(|level| {
        for &n in &LENGTHS {
            let x = data(n, 4, 0.1, 4.0); // positive so sqrt/log are defined
            let dy = data(n, 5, -1.0, 1.0);
            for op in uk::Unary::ALL {
                let p = if op == uk::Unary::Softplus {
                    uk::Params {
                        alpha: 1.5,
                        beta: 20.0,
                    }
                } else {
                    p
                };
                let mut out = vec![0f32; n];
                uk::unary(op, p, &mut out, &x);
                let mut ip = x.clone();
                uk::unary_inplace(op, p, &mut ip);
                assert_eq!(ip, out, "{level:?} {op:?} forward in place");
                let mut dx = vec![0f32; n];
                uk::unary_backward(op, p, &mut dx, &x, &dy);
                let mut g = dy.clone();
                uk::unary_backward_inplace(op, p, &x, &mut g);
                assert_eq!(g, dx, "{level:?} {op:?} backward in place");
            }
        }
    });
}

#[test]
fn reductions_are_within_blockwise_bound() {
    for_each_level(|level| {
        for &n in &LENGTHS {
            let x = data(n, 6, -1.0, 1.0);
            let want: f64 = x.iter().map(|v| *v as f64).sum();
            let abs: f64 = x.iter().map(|v| v.abs() as f64).sum();
            assert!(
                (reduce::sum(&x) - want).abs() <= 2e-6 * abs + 1e-30,
                "{level:?} sum n={n}"
            );
            let sq: f64 = x.iter().map(|v| (*v as f64) * (*v as f64)).sum();
            assert!(
                (reduce::sum_squares(&x) - sq).abs() <= 2e-6 * sq + 1e-30,
                "{level:?} sumsq n={n}"
            );
        }
        let (rows, cols) = (37, 19);
        let x = data(rows * cols, 7, -2.0, 2.0);
        let mut out = vec![0f32; cols];
        reduce::col_sums(&mut out, &x, rows, cols, false);
        for c in 0..cols {
            let col: Vec<f64> = (0..rows).map(|r| x[r * cols + c] as f64).collect();
            let abs: f64 = col.iter().map(|v| v.abs()).sum();
            assert!(
                close(out[c], col.iter().sum(), 2e-6, abs),
                "{level:?} colsum {c}"
            );
        }
        let mut idx = vec![0i32; rows];
        reduce::argmax_rows(&mut idx, &x, rows, cols);
        for r in 0..rows {
            let row = &x[r * cols..(r + 1) * cols];
            let best = row
                .iter()
                .enumerate()
                .fold(0, |b, (j, v)| if *v > row[b] { j } else { b });
            assert_eq!(idx[r] as usize, best, "{level:?} argmax row {r}");
        }
    });
}

#[test]
fn gemm_matches_f64_within_dot_product_bound() {
    for_each_level(|level| {
        for &(m, n, k) in &[
            (1, 1, 1),
            (7, 5, 3),
            (33, 17, 65),
            (64, 128, 100),
            (129, 67, 300),
        ] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for &(alpha, beta) in &[(1.0, 0.0), (0.5, 2.0)] {
                    let a = data(m * k, 8, -1.0, 1.0);
                    let b = data(k * n, 9, -1.0, 1.0);
                    let mut c = data(m * n, 10, -1.0, 1.0);
                    if beta == 0.0 {
                        c[0] = f32::NAN; // must be ignored
                    }
                    let (want, mag) = naive_gemm(ta, tb, m, n, k, alpha, &a, &b, beta, &c);
                    gemm::sgemm(ta, tb, m, n, k, alpha as f32, &a, &b, beta as f32, &mut c);
                    // Higham's bound for a length-k dot product: γ_k ≈ k·u.
                    let bound = (k as f64 + 2.0) * f32::EPSILON as f64 / 2.0;
                    for i in 0..m * n {
                        assert!(
                            close(c[i], want[i], bound, mag[i]),
                            "{level:?} {m}x{n}x{k} t={ta},{tb} i={i}: {} vs {}",
                            c[i],
                            want[i]
                        );
                    }
                }
            }
        }
    });
}

#[test]
fn softmax_rows_sum_to_one_and_inplace_agrees() {
    for_each_level(|level| {
        for &(rows, cols) in &[(1, 1), (3, 7), (5, 17), (64, 10), (2, 1000)] {
            let x = data(rows * cols, 11, -20.0, 20.0);
            for log in [false, true] {
                let mut out = vec![0f32; rows * cols];
                softmax::softmax(&mut out, &x, rows, cols, log);
                for r in 0..rows {
                    let row = &x[r * cols..(r + 1) * cols];
                    let m = row.iter().fold(f64::NEG_INFINITY, |a, v| a.max(*v as f64));
                    let lse = m + row.iter().map(|v| (*v as f64 - m).exp()).sum::<f64>().ln();
                    for c in 0..cols {
                        let want = if log {
                            row[c] as f64 - lse
                        } else {
                            (row[c] as f64 - lse).exp()
                        };
                        let scale = if log {
                            want.abs() + lse.abs() + m.abs()
                        } else {
                            want.abs()
                        };
                        assert!(
                            close(out[r * cols + c], want, 5e-6, scale),
                            "{level:?} log={log} {rows}x{cols}"
                        );
                    }
                }
                let mut ip = x.clone();
                softmax::softmax_inplace(&mut ip, rows, cols, log);
                assert_eq!(ip, out, "{level:?} in place");
            }
        }
    });
}

#[test]
fn cross_entropy_matches_reference() {
    for_each_level(|level| {
        let (rows, cols) = (13, 10);
        let x = data(rows * cols, 12, -5.0, 5.0);
        let labels: Vec<i32> = (0..rows as i32).map(|i| (i * 7) % cols as i32).collect();
        let mut grad = vec![0f32; rows * cols];
        let loss = softmax::softmax_cross_entropy(&x, &labels, Some(&mut grad), rows, cols, 0.5);
        let mut want = 0f64;
        for r in 0..rows {
            let row = &x[r * cols..(r + 1) * cols];
            let lse = row.iter().map(|v| (*v as f64).exp()).sum::<f64>().ln();
            want += lse - row[labels[r] as usize] as f64;
            for c in 0..cols {
                let p = (row[c] as f64 - lse).exp();
                let g = 0.5 * (p - if c == labels[r] as usize { 1.0 } else { 0.0 });
                assert!(close(grad[r * cols + c], g, 5e-6, 0.5), "{level:?} grad");
            }
        }
        assert!(
            (loss - want).abs() <= 1e-5 * want.abs(),
            "{level:?} loss {loss} vs {want}"
        );
    });
}

#[test]
fn rng_matches_cross_language_vectors() {
    // The same numbers are asserted by the JS backend's tests.
    let st = rng::seed_state(0);
    let mut s = st;
    let mut r = rng::Xoshiro128::new(&mut s);
    let first: Vec<u32> = (0..4).map(|_| r.next_u32()).collect();
    let mut again = rng::seed_state(0);
    let mut r2 = rng::Xoshiro128::new(&mut again);
    assert_eq!(first, (0..4).map(|_| r2.next_u32()).collect::<Vec<_>>());
    println!("seed 0 state {st:?}, first draws {first:?}");
    // det_ln agrees with libm to ~1 ulp over (0, 1).
    for i in 1..1000 {
        let s = i as f64 / 1000.0;
        assert!((rng::det_ln(s) - s.ln()).abs() <= 4.0 * f64::EPSILON * s.ln().abs().max(1.0));
    }
}

#[test]
fn rng_distributions_have_the_right_moments() {
    let n = 1_000_000;
    let mut st = rng::seed_state(42);
    let mut v = vec![0f32; n];
    rng::normal(&mut st, &mut v, 0.0, 1.0);
    let mean = v.iter().map(|x| *x as f64).sum::<f64>() / n as f64;
    let var = v.iter().map(|x| (*x as f64 - mean).powi(2)).sum::<f64>() / n as f64;
    assert!(mean.abs() < 4.0 / (n as f64).sqrt(), "normal mean {mean}");
    assert!(
        (var - 1.0).abs() < 4.0 * (2.0 / n as f64).sqrt(),
        "normal var {var}"
    );
    rng::dropout_mask(&mut st, &mut v, 0.25);
    let kept = v.iter().filter(|x| **x != 0.0).count() as f64 / n as f64;
    assert!(
        (kept - 0.75).abs() < 4.0 * (0.25 * 0.75 / n as f64).sqrt(),
        "kept {kept}"
    );
    assert!(v
        .iter()
        .all(|x| *x == 0.0 || (*x - 1.0 / 0.75).abs() < 1e-7));
}

fn ref_adam(
    o: &optim::AdamParams,
    p: &mut [f64],
    g: &[f64],
    m: &mut [f64],
    v: &mut [f64],
    vmax: &mut [f64],
) {
    let bc1 = 1.0 - o.beta1.powf(o.step);
    let bc2 = 1.0 - o.beta2.powf(o.step);
    for i in 0..p.len() {
        let mut gi = if o.maximize { -g[i] } else { g[i] };
        if o.decoupled {
            p[i] *= 1.0 - o.lr * o.weight_decay;
        } else {
            gi += o.weight_decay * p[i];
        }
        m[i] += (1.0 - o.beta1) * (gi - m[i]);
        v[i] = o.beta2 * v[i] + (1.0 - o.beta2) * gi * gi;
        vmax[i] = vmax[i].max(v[i]);
        let vv = if o.amsgrad { vmax[i] } else { v[i] };
        p[i] -= o.lr / bc1 * m[i] / (vv.sqrt() / bc2.sqrt() + o.eps);
    }
}

#[test]
fn adam_tracks_f64_reference_over_steps() {
    for_each_level(|level| {
        for &(amsgrad, decoupled, maximize) in &[
            (false, false, false),
            (true, true, false),
            (false, true, true),
        ] {
            let n = 1031;
            let mut p = data(n, 13, -1.0, 1.0);
            let (mut m, mut v, mut vm) = (vec![0f32; n], vec![0f32; n], vec![0f32; n]);
            let mut pr: Vec<f64> = p.iter().map(|x| *x as f64).collect();
            let (mut mr, mut vr, mut vmr) = (vec![0f64; n], vec![0f64; n], vec![0f64; n]);
            for step in 1..=20 {
                let g = data(n, 100 + step, -1.0, 1.0);
                let o = optim::AdamParams {
                    lr: 1e-2,
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.01,
                    decoupled,
                    amsgrad,
                    maximize,
                    step: step as f64,
                };
                optim::adam_step(
                    o,
                    &mut p,
                    &g,
                    &mut m,
                    &mut v,
                    if amsgrad { Some(&mut vm) } else { None },
                );
                let gr: Vec<f64> = g.iter().map(|x| *x as f64).collect();
                ref_adam(&o, &mut pr, &gr, &mut mr, &mut vr, &mut vmr);
            }
            for i in 0..n {
                // f32 rounding of p accumulates over steps: the scale is the parameters' magnitude (≤ 1).
                assert!(
                    close(p[i], pr[i], 1e-5, pr[i].abs().max(1.0)),
                    "{level:?} adam i={i}: {} vs {}",
                    p[i],
                    pr[i]
                );
            }
        }
    });
}

#[test]
fn sgd_tracks_f64_reference_over_steps() {
    for_each_level(|level| {
        for &(momentum, dampening, nesterov, maximize) in &[
            (0.0, 0.0, false, false),
            (0.9, 0.1, false, false),
            (0.9, 0.0, true, true),
        ] {
            let n = 517;
            let mut p = data(n, 14, -1.0, 1.0);
            let mut buf = vec![0f32; n];
            let mut pr: Vec<f64> = p.iter().map(|x| *x as f64).collect();
            let mut br = vec![0f64; n];
            for step in 1..=20u64 {
                let g = data(n, 200 + step, -1.0, 1.0);
                let o = optim::SgdParams {
                    lr: 0.05,
                    momentum,
                    dampening,
                    weight_decay: 1e-3,
                    nesterov,
                    maximize,
                    first_step: step == 1,
                };
                optim::sgd_step(
                    o,
                    &mut p,
                    &g,
                    if momentum != 0.0 {
                        Some(&mut buf)
                    } else {
                        None
                    },
                );
                for i in 0..n {
                    let mut gi = if maximize {
                        -(g[i] as f64)
                    } else {
                        g[i] as f64
                    };
                    gi += 1e-3 * pr[i];
                    if momentum != 0.0 {
                        br[i] = if step == 1 {
                            gi
                        } else {
                            momentum as f64 * br[i] + (1.0 - dampening as f64) * gi
                        };
                        gi = if nesterov {
                            gi + momentum as f64 * br[i]
                        } else {
                            br[i]
                        };
                    }
                    pr[i] -= 0.05 * gi;
                }
            }
            for i in 0..n {
                assert!(
                    close(p[i], pr[i], 1e-5, pr[i].abs().max(1.0)),
                    "{level:?} sgd i={i}"
                );
            }
        }
    });
}

#[test]
fn results_do_not_depend_on_thread_count() {
    // Hold the level lock so no other test changes the instruction set between runs.
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let n = 3_000_017;
    let x = data(n, 15, -4.0, 4.0);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut out = vec![0f32; n];
            uk::unary(uk::Unary::Gelu, uk::Params::default(), &mut out, &x);
            let s = reduce::sum(&out);
            let mut p = x.clone();
            let (mut m, mut v) = (vec![0f32; n], vec![0f32; n]);
            let o = optim::AdamParams {
                lr: 1e-3,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled: false,
                amsgrad: false,
                maximize: false,
                step: 1.0,
            };
            optim::adam_step(o, &mut p, &out, &mut m, &mut v, None);
            let (rows, cols) = (1000, 300);
            let mut c = vec![0f32; rows * rows];
            gemm::sgemm(
                false,
                true,
                rows,
                rows,
                cols,
                1.0,
                &x[..rows * cols],
                &x[..rows * cols],
                0.0,
                &mut c,
            );
            // A conv bias gradient: 64 images × 16 channels × 784 (channels over threads).
            let mut db = vec![0.5f32; 16];
            reduce::bias_grad(&mut db, &x[..64 * 16 * 784], 64, 16, 784, true);
            (out, s, p, c, db)
        })
    };
    let one = run(1);
    for t in [2, 3] {
        let other = run(t);
        assert!(one.0 == other.0, "gelu differs with {t} threads");
        assert_eq!(one.1, other.1, "sum differs with {t} threads");
        assert!(one.2 == other.2, "adam differs with {t} threads");
        assert!(one.3 == other.3, "gemm differs with {t} threads");
        assert!(one.4 == other.4, "bias_grad differs with {t} threads");
    }
}
