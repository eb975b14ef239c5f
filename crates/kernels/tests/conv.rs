//! im2col / col2im against direct f64 references, the adjoint identity, convolution through
//! im2col + GEMM against a direct convolution, every instruction set and thread-count
//! independence. (The measurement behind Conv2d's choice of one batched GEMM vs one GEMM per
//! image is `cargo run --release -p descent-kernels --example conv_lowering`.)
mod common;
use common::*;
use descent_kernels::conv::{col2im, im2col, Geometry};
use descent_kernels::{gemm, rng};

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, -1.0, 1.0);
    v
}

/// Output size of a convolution with symmetric padding `p` (plus `extra` at the end).
fn out_size(len: usize, k: usize, s: usize, p: usize, d: usize, extra: usize) -> usize {
    (len + 2 * p + extra - d * (k - 1) - 1) / s + 1
}

#[allow(clippy::too_many_arguments)]
fn geom(
    n: usize,
    c: usize,
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    (sh, sw): (usize, usize),
    (ph, pw): (usize, usize),
    (dh, dw): (usize, usize),
    extra: usize,
) -> Geometry {
    Geometry {
        n,
        c,
        h,
        w,
        kh,
        kw,
        sh,
        sw,
        ph,
        pw,
        dh,
        dw,
        oh: out_size(h, kh, sh, ph, dh, extra),
        ow: out_size(w, kw, sw, pw, dw, extra),
    }
}

/// Geometries covering strides, padding (incl. asymmetric 'same' via `extra`), dilation,
/// non-square kernels, odd sizes, 1×1 and a kernel as large as the padded input.
fn geometries() -> Vec<Geometry> {
    vec![
        geom(1, 1, (5, 5), (3, 3), (1, 1), (0, 0), (1, 1), 0),
        geom(2, 3, (7, 6), (3, 3), (1, 1), (1, 1), (1, 1), 0),
        geom(3, 2, (9, 8), (3, 2), (2, 2), (1, 0), (1, 1), 0),
        geom(2, 4, (11, 9), (3, 3), (1, 2), (2, 1), (2, 3), 0),
        geom(1, 5, (6, 7), (4, 4), (1, 1), (1, 1), (1, 1), 1), // 'same' for an even kernel
        geom(2, 3, (5, 5), (1, 1), (1, 1), (0, 0), (1, 1), 0),
        geom(2, 2, (4, 3), (6, 5), (3, 1), (1, 1), (1, 1), 0),
        geom(4, 16, (28, 28), (3, 3), (1, 1), (1, 1), (1, 1), 0), // parallel path
        geom(3, 7, (33, 31), (5, 3), (2, 3), (2, 1), (2, 1), 0),
        // 'same' 3×3 on one-row / one-column / 2×2 images: kernel positions wholly outside
        // the input (the shifted-row path once formed a negative index there; found by fuzz)
        geom(1, 1, (1, 3), (3, 3), (1, 1), (1, 1), (1, 1), 0),
        geom(2, 2, (3, 1), (3, 3), (1, 1), (1, 1), (1, 1), 0),
        geom(1, 2, (2, 2), (5, 5), (1, 1), (2, 2), (1, 1), 0),
        geom(1, 1, (1, 4), (3, 3), (1, 1), (2, 1), (2, 1), 0),
    ]
}

fn x_at(x: &[f32], g: &Geometry, b: usize, c: usize, iy: isize, ix: isize) -> f32 {
    if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
        0.0
    } else {
        x[((b * g.c + c) * g.h + iy as usize) * g.w + ix as usize]
    }
}

fn reference_cols(x: &[f32], g: &Geometry) -> Vec<f32> {
    let mut cols = vec![f32::NAN; g.col_rows() * g.col_cols()];
    for c in 0..g.c {
        for i in 0..g.kh {
            for j in 0..g.kw {
                let r = (c * g.kh + i) * g.kw + j;
                for b in 0..g.n {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                            let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                            cols[r * g.col_cols() + (b * g.oh + oy) * g.ow + ox] =
                                x_at(x, g, b, c, iy, ix);
                        }
                    }
                }
            }
        }
    }
    cols
}

/// col2im in f64 with its sum of magnitudes per element.
fn reference_col2im(cols: &[f32], g: &Geometry) -> (Vec<f64>, Vec<f64>) {
    let mut dx = vec![0f64; g.input_len()];
    let mut mag = vec![0f64; g.input_len()];
    for c in 0..g.c {
        for i in 0..g.kh {
            for j in 0..g.kw {
                let r = (c * g.kh + i) * g.kw + j;
                for b in 0..g.n {
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                            let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                            if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                continue;
                            }
                            let at = ((b * g.c + c) * g.h + iy as usize) * g.w + ix as usize;
                            let v = cols[r * g.col_cols() + (b * g.oh + oy) * g.ow + ox] as f64;
                            dx[at] += v;
                            mag[at] += v.abs();
                        }
                    }
                }
            }
        }
    }
    (dx, mag)
}

/// col2im in f32 adding each position's terms in kernel order (i, j), as documented.
fn sequential_col2im(cols: &[f32], g: &Geometry) -> Vec<f32> {
    let mut dx = vec![0f32; g.input_len()];
    for b in 0..g.n {
        for c in 0..g.c {
            for i in 0..g.kh {
                for j in 0..g.kw {
                    let r = (c * g.kh + i) * g.kw + j;
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                            let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                            if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                continue;
                            }
                            let at = ((b * g.c + c) * g.h + iy as usize) * g.w + ix as usize;
                            dx[at] += cols[r * g.col_cols() + (b * g.oh + oy) * g.ow + ox];
                        }
                    }
                }
            }
        }
    }
    dx
}

#[test]
fn col2im_adds_in_kernel_order_bit_for_bit() {
    for_each_level(|level| {
        for (t, g) in geometries().iter().enumerate() {
            let mut cols = data(g.col_rows() * g.col_cols(), 40 + t as u64);
            cols.iter_mut().step_by(5).for_each(|v| *v = -0.0);
            let mut dx = vec![f32::NAN; g.input_len()];
            col2im(&mut dx, &cols, g);
            let want = sequential_col2im(&cols, g);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&dx), bits(&want), "{level:?} {g:?}");
        }
    });
}

#[test]
fn im2col_matches_reference_on_every_level() {
    for_each_level(|level| {
        for (t, g) in geometries().iter().enumerate() {
            g.validate().unwrap();
            let x = data(g.input_len(), 10 + t as u64);
            let want = reference_cols(&x, g);
            let mut cols = vec![f32::NAN; want.len()];
            im2col(&mut cols, &x, g);
            assert_eq!(cols, want, "{level:?} geometry {g:?}");
        }
    });
}

#[test]
fn im2col_of_a_batch_is_the_per_image_matrices_side_by_side() {
    let g = geom(3, 2, (7, 5), (3, 2), (2, 1), (1, 1), (1, 2), 0);
    let x = data(g.input_len(), 3);
    let mut all = vec![0f32; g.col_rows() * g.col_cols()];
    im2col(&mut all, &x, &g);
    let one = Geometry { n: 1, ..g };
    let per = one.col_cols();
    for b in 0..g.n {
        let xb = &x[b * one.input_len()..][..one.input_len()];
        let mut cols = vec![0f32; one.col_rows() * per];
        im2col(&mut cols, xb, &one);
        for r in 0..g.col_rows() {
            assert_eq!(
                &cols[r * per..][..per],
                &all[r * g.col_cols() + b * per..][..per],
                "image {b} row {r}"
            );
        }
    }
}

#[test]
fn col2im_matches_reference_and_is_the_adjoint_of_im2col() {
    for_each_level(|level| {
        for (t, g) in geometries().iter().enumerate() {
            let cols = data(g.col_rows() * g.col_cols(), 20 + t as u64);
            let (want, mag) = reference_col2im(&cols, g);
            let mut dx = vec![f32::NAN; g.input_len()];
            col2im(&mut dx, &cols, g);
            for i in 0..dx.len() {
                let tol = (g.kh * g.kw) as f64 * 6e-8 * mag[i];
                assert!(
                    (dx[i] as f64 - want[i]).abs() <= tol,
                    "{level:?} {g:?} dx[{i}] = {} vs {}",
                    dx[i],
                    want[i]
                );
            }
            // <im2col(x), C> = <x, col2im(C)>
            let x = data(g.input_len(), 30 + t as u64);
            let mut xc = vec![0f32; cols.len()];
            im2col(&mut xc, &x, g);
            let lhs: f64 = xc
                .iter()
                .zip(&cols)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            let rhs: f64 = x.iter().zip(&want).map(|(a, b)| *a as f64 * b).sum();
            assert!(
                (lhs - rhs).abs() <= 1e-9 * (1.0 + lhs.abs()),
                "{g:?}: {lhs} vs {rhs}"
            );
        }
    });
}

#[test]
fn convolution_by_im2col_and_gemm_matches_a_direct_convolution() {
    let g = geom(2, 3, (9, 7), (3, 2), (2, 1), (1, 1), (2, 1), 0);
    let out_c = 4;
    let x = data(g.input_len(), 41);
    let wt = data(out_c * g.col_rows(), 42);
    let mut cols = vec![0f32; g.col_rows() * g.col_cols()];
    im2col(&mut cols, &x, &g);
    let mut y = vec![0f32; out_c * g.col_cols()]; // [out, n·oh·ow]
    gemm::sgemm(
        false,
        false,
        out_c,
        g.col_cols(),
        g.col_rows(),
        1.0,
        &wt,
        &cols,
        0.0,
        &mut y,
    );
    for o in 0..out_c {
        for b in 0..g.n {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    let (mut s, mut m) = (0f64, 0f64);
                    for c in 0..g.c {
                        for i in 0..g.kh {
                            for j in 0..g.kw {
                                let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                                let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                                let t = wt[((o * g.c + c) * g.kh + i) * g.kw + j] as f64
                                    * x_at(&x, &g, b, c, iy, ix) as f64;
                                s += t;
                                m += t.abs();
                            }
                        }
                    }
                    let got = y[o * g.col_cols() + (b * g.oh + oy) * g.ow + ox] as f64;
                    assert!((got - s).abs() <= 1e-6 * (1.0 + m), "o{o} b{b} ({oy},{ox})");
                }
            }
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // Other tests in this binary change the instruction set: hold their lock.
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let g = geom(8, 16, (30, 29), (3, 3), (1, 1), (1, 1), (1, 1), 0);
    let x = data(g.input_len(), 50);
    let c = data(g.col_rows() * g.col_cols(), 51);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut cols = vec![0f32; c.len()];
            im2col(&mut cols, &x, &g);
            let mut dx = vec![0f32; x.len()];
            col2im(&mut dx, &c, &g);
            (cols, dx)
        })
    };
    let one = run(1);
    for t in [2, 3, 7] {
        assert!(run(t) == one, "{t} threads");
    }
}

#[test]
fn empty_geometries_are_no_ops() {
    let g = geom(0, 3, (5, 5), (3, 3), (1, 1), (0, 0), (1, 1), 0);
    im2col(&mut [], &[], &g);
    col2im(&mut [], &[], &g);
    let g = Geometry {
        oh: 0,
        ow: 0,
        ..geom(1, 1, (2, 2), (1, 1), (1, 1), (0, 0), (1, 1), 0)
    };
    let mut dx = vec![f32::NAN; 4];
    col2im(&mut dx, &[], &g);
    assert_eq!(dx, vec![0.0; 4]);
    assert!(Geometry { sh: 0, ..g }.validate().is_err());
    assert!(Geometry {
        n: usize::MAX / 2,
        ..g
    }
    .validate()
    .is_err());
}
