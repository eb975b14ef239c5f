//! Max and average pooling against direct references written from PyTorch's definitions
//! (ties, NaN, ceil-mode windows, count_include_pad), their backward passes, and
//! thread-count independence.
use descent_kernels::conv::Geometry;
use descent_kernels::pool::{avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward};
use descent_kernels::rng;

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, -1.0, 1.0);
    v
}

/// PyTorch's pooling output size (`pooling_output_shape`).
fn pool_out(len: usize, k: usize, s: usize, p: usize, d: usize, ceil: bool) -> usize {
    let num =
        (len + 2 * p) as isize - (d * (k - 1)) as isize - 1 + if ceil { s as isize - 1 } else { 0 };
    let mut o = num.div_euclid(s as isize) + 1;
    if ceil && (o - 1) * s as isize >= (len + p) as isize {
        o -= 1;
    }
    o as usize
}

#[allow(clippy::too_many_arguments)]
fn geom(
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    k: (usize, usize),
    s: (usize, usize),
    p: (usize, usize),
    d: (usize, usize),
    ceil: bool,
) -> Geometry {
    Geometry {
        n,
        c,
        h,
        w,
        kh: k.0,
        kw: k.1,
        sh: s.0,
        sw: s.1,
        ph: p.0,
        pw: p.1,
        dh: d.0,
        dw: d.1,
        oh: pool_out(h, k.0, s.0, p.0, d.0, ceil),
        ow: pool_out(w, k.1, s.1, p.1, d.1, ceil),
    }
}

fn max_geometries() -> Vec<Geometry> {
    vec![
        geom(2, 3, 6, 6, (2, 2), (2, 2), (0, 0), (1, 1), false),
        geom(2, 3, 7, 5, (3, 3), (2, 2), (1, 1), (1, 1), true),
        geom(1, 2, 9, 8, (3, 2), (2, 1), (1, 1), (2, 3), false),
        geom(3, 2, 5, 7, (2, 3), (3, 2), (1, 1), (1, 2), true),
        geom(2, 40, 30, 30, (3, 3), (2, 2), (1, 1), (1, 1), true), // parallel path
        // 2×2/2 rows wide enough for the vectorized row loop, with a ragged end and an odd
        // width (the last input column in no window)
        geom(2, 3, 10, 74, (2, 2), (2, 2), (0, 0), (1, 1), false),
        geom(1, 2, 9, 67, (2, 2), (2, 2), (0, 0), (1, 1), false),
    ]
}

fn avg_geometries() -> Vec<Geometry> {
    vec![
        geom(2, 3, 6, 6, (2, 2), (2, 2), (0, 0), (1, 1), false),
        geom(2, 3, 7, 5, (3, 3), (2, 2), (1, 1), (1, 1), true),
        geom(1, 2, 8, 9, (4, 3), (3, 2), (2, 1), (1, 1), true),
        geom(1, 1, 5, 5, (5, 5), (5, 5), (0, 0), (1, 1), false), // global
        geom(2, 40, 30, 30, (3, 3), (2, 2), (1, 1), (1, 1), true),
    ]
}

/// Reference max pooling, straight from ATen's loop (separate code, same rule).
fn ref_max(x: &[f32], g: &Geometry) -> (Vec<f32>, Vec<i32>) {
    let mut y = vec![];
    let mut idx = vec![];
    for p in 0..g.n * g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let mut best: Option<(f32, i32)> = None;
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                        let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                        if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                            continue;
                        }
                        let at = iy as usize * g.w + ix as usize;
                        let v = x[p * g.h * g.w + at];
                        best = match best {
                            Some((m, _)) if !(v > m || v.is_nan()) => best,
                            _ => Some((v, at as i32)),
                        };
                    }
                }
                let (v, i) = best.expect("every window holds an input position");
                y.push(v);
                idx.push(i);
            }
        }
    }
    (y, idx)
}

#[test]
fn max_pool_matches_reference_with_ties_and_nan() {
    for (t, g) in max_geometries().iter().enumerate() {
        let mut x = data(g.input_len(), 5 + t as u64);
        // Coarse values make ties common; sprinkle NaNs and infinities.
        for (i, v) in x.iter_mut().enumerate() {
            *v = (*v * 3.0).round();
            if i % 37 == 5 {
                *v = f32::NAN;
            }
            if i % 41 == 7 {
                *v = f32::NEG_INFINITY;
            }
        }
        let (want_y, want_i) = ref_max(&x, g);
        let mut y = vec![0f32; g.output_len()];
        let mut idx = vec![-1i32; g.output_len()];
        max_pool2d(&mut y, &mut idx, &x, g);
        assert_eq!(idx, want_i, "{g:?}");
        for (a, b) in y.iter().zip(&want_y) {
            assert!(a == b || (a.is_nan() && b.is_nan()), "{g:?}: {a} vs {b}");
        }
        // Backward: scatter-add in output order.
        let dy = data(g.output_len(), 9);
        let mut want = vec![0f32; g.input_len()];
        for (o, (&i, &v)) in idx.iter().zip(&dy).enumerate() {
            want[o / (g.oh * g.ow) * g.h * g.w + i as usize] += v;
        }
        let mut dx = vec![f32::NAN; g.input_len()];
        max_pool2d_backward(&mut dx, &idx, &dy, g);
        assert_eq!(dx, want, "{g:?}");
    }
}

#[test]
fn max_pool_keeps_the_first_maximum_and_the_last_nan() {
    let g = geom(1, 1, 2, 3, (2, 3), (1, 1), (0, 0), (1, 1), false);
    let mut y = [0f32];
    let mut i = [0i32];
    max_pool2d(&mut y, &mut i, &[1.0, 5.0, 2.0, 5.0, 0.0, 5.0], &g);
    assert_eq!((y[0], i[0]), (5.0, 1));
    max_pool2d(
        &mut y,
        &mut i,
        &[1.0, f32::NAN, 9.0, f32::NAN, 0.0, 2.0],
        &g,
    );
    assert!(y[0].is_nan());
    assert_eq!(i[0], 3);
    max_pool2d(&mut y, &mut i, &[f32::NEG_INFINITY; 6], &g);
    assert_eq!((y[0], i[0]), (f32::NEG_INFINITY, 0));
}

fn ref_avg(x: &[f32], g: &Geometry, include_pad: bool) -> Vec<f64> {
    let mut y = vec![];
    for p in 0..g.n * g.c {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let (mut s, mut cnt, mut padded) = (0f64, 0usize, 0usize);
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        let iy = (oy * g.sh + i) as isize - g.ph as isize;
                        let ix = (ox * g.sw + j) as isize - g.pw as isize;
                        // positions inside the padded input count for count_include_pad
                        if iy < (g.h + g.ph) as isize && ix < (g.w + g.pw) as isize {
                            padded += 1;
                        }
                        if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                            continue;
                        }
                        s += x[p * g.h * g.w + iy as usize * g.w + ix as usize] as f64;
                        cnt += 1;
                    }
                }
                y.push(if cnt == 0 {
                    0.0
                } else {
                    s / (if include_pad { padded } else { cnt }) as f64
                });
            }
        }
    }
    y
}

#[test]
fn avg_pool_matches_reference_both_divisors() {
    for (t, g) in avg_geometries().iter().enumerate() {
        let x = data(g.input_len(), 60 + t as u64);
        for include_pad in [true, false] {
            let want = ref_avg(&x, g, include_pad);
            let mut y = vec![f32::NAN; g.output_len()];
            avg_pool2d(&mut y, &x, g, include_pad);
            for (a, b) in y.iter().zip(&want) {
                assert_eq!(*a, *b as f32, "{g:?} include_pad {include_pad}");
            }
            // Backward is the adjoint: <avg(x), dy> = <x, avg_backward(dy)>.
            let dy = data(g.output_len(), 70 + t as u64);
            let mut dx = vec![f32::NAN; g.input_len()];
            avg_pool2d_backward(&mut dx, &dy, g, include_pad);
            let lhs: f64 = want.iter().zip(&dy).map(|(a, b)| a * *b as f64).sum();
            let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| *a as f64 * *b as f64).sum();
            assert!(
                (lhs - rhs).abs() <= 1e-5 * (1.0 + lhs.abs()),
                "{g:?}: {lhs} vs {rhs}"
            );
        }
    }
}

#[test]
fn pooling_does_not_depend_on_the_thread_count() {
    let g = geom(4, 33, 29, 31, (3, 3), (2, 2), (1, 1), (1, 1), true);
    let x = data(g.input_len(), 80);
    let dy = data(g.output_len(), 81);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut y = vec![0f32; g.output_len()];
            let mut idx = vec![0i32; g.output_len()];
            max_pool2d(&mut y, &mut idx, &x, &g);
            let mut dx = vec![0f32; g.input_len()];
            max_pool2d_backward(&mut dx, &idx, &dy, &g);
            let mut ya = vec![0f32; g.output_len()];
            avg_pool2d(&mut ya, &x, &g, false);
            let mut dxa = vec![0f32; g.input_len()];
            avg_pool2d_backward(&mut dxa, &dy, &g, true);
            (y, idx, dx, ya, dxa)
        })
    };
    let one = run(1);
    for t in [2, 5] {
        assert!(run(t) == one, "{t} threads");
    }
}
