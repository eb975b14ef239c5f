//! The batched convolution equals the image-by-image im2col + GEMM calls (then bias_add) bit
//! for bit, at every thread count.

use descent_kernels::binary::bias_add;
use descent_kernels::conv::{col2im, im2col, Geometry};
use descent_kernels::conv_images::{conv2d_images, conv2d_images_backward};
use descent_kernels::gemm::sgemm;
use descent_kernels::rng;

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, -1.0, 1.0);
    v
}

fn out(len: usize, k: usize, s: usize, p: usize, d: usize) -> usize {
    (len + 2 * p - d * (k - 1) - 1) / s + 1
}

#[allow(clippy::too_many_arguments)]
fn geom(
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    k: usize,
    s: usize,
    p: usize,
    d: usize,
) -> Geometry {
    Geometry {
        n,
        c,
        h,
        w,
        kh: k,
        kw: k,
        sh: s,
        sw: s,
        ph: p,
        pw: p,
        dh: d,
        dw: d,
        oh: out(h, k, s, p, d),
        ow: out(w, k, s, p, d),
    }
}

/// (y, dW written, dW accumulated onto `acc`, dx) the image-by-image way; dW as two chains
/// over the halves of the batch (each image adding onto the last), the second added at the end.
fn reference(
    g: &Geometry,
    og: usize,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    acc: &[f32],
) -> [Vec<f32>; 4] {
    let g1 = Geometry { n: 1, ..*g };
    let (kg, ohw, img) = (g.col_rows(), g.oh * g.ow, g.c * g.h * g.w);
    let mut cols = vec![0f32; kg * ohw];
    let mut y = vec![0f32; g.n * og * ohw];
    let mut dw = vec![0f32; og * kg];
    let mut dwa = acc.to_vec();
    let mut dx = vec![0f32; g.input_len()];
    let half = if g.n >= 2 { g.n / 2 } else { g.n };
    let mut second = vec![0f32; og * kg];
    for b in 0..g.n {
        let xb = &x[b * img..][..img];
        let dyb = &dy[b * og * ohw..][..og * ohw];
        im2col(&mut cols, xb, &g1);
        sgemm(
            false,
            false,
            og,
            ohw,
            kg,
            1.0,
            w,
            &cols,
            0.0,
            &mut y[b * og * ohw..][..og * ohw],
        );
        let (lo, chain) = if b < half {
            (0, &mut dw)
        } else {
            (half, &mut second)
        };
        let beta = if b > lo { 1.0 } else { 0.0 };
        sgemm(false, true, og, kg, ohw, 1.0, dyb, &cols, beta, chain);
        if b < half {
            sgemm(false, true, og, kg, ohw, 1.0, dyb, &cols, 1.0, &mut dwa);
        }
        sgemm(true, false, kg, ohw, og, 1.0, w, dyb, 0.0, &mut cols);
        col2im(&mut dx[b * img..][..img], &cols, &g1);
    }
    if half < g.n {
        for ((a, aa), s) in dw.iter_mut().zip(dwa.iter_mut()).zip(&second) {
            *a += s;
            *aa += s;
        }
    }
    [y, dw, dwa, dx]
}

#[test]
fn batched_convolution_equals_the_per_image_calls_at_every_thread_count() {
    let cases = [
        (geom(64, 1, 28, 28, 3, 1, 1, 1), 16),
        (geom(9, 16, 14, 14, 3, 1, 1, 1), 32),
        (geom(5, 3, 11, 9, 3, 2, 1, 1), 4),
        (geom(3, 2, 12, 13, 3, 1, 2, 2), 3),
        (geom(0, 2, 5, 5, 3, 1, 1, 1), 3),
    ];
    for (t, &(g, og)) in cases.iter().enumerate() {
        let s = 10 * t as u64;
        let x = data(g.input_len(), s);
        let w = data(og * g.col_rows(), s + 1);
        let dy = data(g.n * og * g.oh * g.ow, s + 2);
        let acc = data(og * g.col_rows(), s + 3);
        let bias = data(og, s + 4);
        let want = reference(&g, og, &x, &w, &dy, &acc);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let got = pool.install(|| {
                let mut y = vec![f32::NAN; want[0].len()];
                conv2d_images(&mut y, &x, &w, None, og, &g);
                let mut yb = vec![f32::NAN; want[0].len()];
                conv2d_images(&mut yb, &x, &w, Some(&bias), og, &g);
                let mut want_b = want[0].clone();
                bias_add(&mut want_b, &bias, g.n, og, g.oh * g.ow);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&yb),
                    bits(&want_b),
                    "y with bias, case {t}, {threads} threads"
                );
                let mut dw = vec![f32::NAN; want[1].len()];
                let mut dx = vec![f32::NAN; want[3].len()];
                conv2d_images_backward(Some(&mut dw), false, Some(&mut dx), &x, &w, &dy, og, &g);
                let mut dwa = acc.clone();
                conv2d_images_backward(Some(&mut dwa), true, None, &x, &w, &dy, og, &g);
                let mut dx2 = vec![f32::NAN; want[3].len()];
                conv2d_images_backward(None, false, Some(&mut dx2), &x, &w, &dy, og, &g);
                assert_eq!(dx2, dx);
                [y, dw, dwa, dx]
            });
            for (k, name) in ["y", "dW", "dW accumulated", "dx"].iter().enumerate() {
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got[k]),
                    bits(&want[k]),
                    "{name}, case {t}, {threads} threads"
                );
            }
        }
    }
}
