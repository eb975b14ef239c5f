//! The fused convolution + max pooling (+ ReLU) equals the unfused chain of kernels bit for
//! bit, forward and backward, at every thread count.

use descent_kernels::conv::Geometry;
use descent_kernels::conv_images::{conv2d_images, conv2d_images_backward};
use descent_kernels::conv_pool::{conv2d_pool_images, conv2d_pool_images_backward};
use descent_kernels::pool::{max_pool2d, max_pool2d_backward};
use descent_kernels::reduce::bias_grad;
use descent_kernels::rng;
use descent_kernels::unary::{unary, unary_backward, Params, Unary};

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, -1.0, 1.0);
    v
}

fn window(n: usize, c: usize, h: usize, w: usize, k: usize, s: usize, p: usize) -> Geometry {
    let o = |len: usize| (len + 2 * p - k) / s + 1;
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
        dh: 1,
        dw: 1,
        oh: o(h),
        ow: o(w),
    }
}

const RELU: Params = Params {
    alpha: 0.0,
    beta: 0.0,
};

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Outputs of one way: [out, dW, dx, db accumulated, db written] and the indices.
type Run = ([Vec<f32>; 5], Vec<i32>);

#[allow(clippy::too_many_arguments)]
fn unfused(
    g: &Geometry,
    pg: &Geometry,
    og: usize,
    relu: bool,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    dout: &[f32],
    acc: &[f32],
) -> Run {
    let mut y = vec![0f32; g.n * og * g.oh * g.ow];
    conv2d_images(&mut y, x, w, Some(b), og, g);
    let mut p = vec![0f32; pg.output_len()];
    let mut idx = vec![0i32; pg.output_len()];
    max_pool2d(&mut p, &mut idx, &y, pg);
    let mut r = p.clone();
    let mut dp = dout.to_vec();
    if relu {
        unary(Unary::Relu, RELU, &mut r, &p);
        unary_backward(Unary::Relu, RELU, &mut dp, &p, dout);
    }
    let mut dy = vec![0f32; y.len()];
    max_pool2d_backward(&mut dy, &idx, &dp, pg);
    let mut db = acc[..og].to_vec();
    bias_grad(&mut db, &dy, g.n, og, g.oh * g.ow, true);
    let mut db_written = vec![f32::NAN; og];
    bias_grad(&mut db_written, &dy, g.n, og, g.oh * g.ow, false);
    let mut dw = acc.to_vec();
    let mut dx = vec![0f32; g.input_len()];
    conv2d_images_backward(Some(&mut dw), true, Some(&mut dx), x, w, &dy, og, g);
    ([r, dw, dx, db, db_written], idx)
}

#[allow(clippy::too_many_arguments)]
fn fused(
    g: &Geometry,
    pg: &Geometry,
    og: usize,
    relu: bool,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    dout: &[f32],
    acc: &[f32],
) -> Run {
    let mut r = vec![f32::NAN; pg.output_len()];
    let mut idx = vec![-1i32; pg.output_len()];
    conv2d_pool_images(&mut r, &mut idx, x, w, Some(b), og, g, pg, relu);
    let mut db = acc[..og].to_vec();
    let mut dw = acc.to_vec();
    let mut dx = vec![f32::NAN; g.input_len()];
    conv2d_pool_images_backward(
        Some(&mut dw),
        true,
        Some(&mut dx),
        Some((&mut db, true)),
        x,
        w,
        &r,
        &idx,
        dout,
        og,
        g,
        pg,
        relu,
    );
    // The parts alone give the same values.
    let mut dx2 = vec![f32::NAN; g.input_len()];
    conv2d_pool_images_backward(
        None,
        false,
        Some(&mut dx2),
        None,
        x,
        w,
        &r,
        &idx,
        dout,
        og,
        g,
        pg,
        relu,
    );
    assert_eq!(bits(&dx2), bits(&dx), "dx alone");
    let mut db2 = vec![f32::NAN; og];
    conv2d_pool_images_backward(
        None,
        false,
        None,
        Some((&mut db2, false)),
        x,
        w,
        &r,
        &idx,
        dout,
        og,
        g,
        pg,
        relu,
    );
    ([r, dw, dx, db, db2], idx)
}

#[test]
fn fused_convolution_pooling_equals_the_unfused_kernels_at_every_thread_count() {
    // (conv geometry, out channels, pool kernel, stride, padding)
    let cases = [
        (window(8, 1, 28, 28, 3, 1, 1), 16, 2, 2, 0),
        (window(5, 16, 14, 14, 3, 1, 1), 32, 2, 2, 0),
        (window(3, 3, 11, 9, 3, 1, 0), 4, 3, 2, 1),
        (window(1, 2, 7, 7, 3, 1, 1), 3, 2, 2, 0),
        (window(0, 2, 6, 6, 3, 1, 1), 3, 2, 2, 0),
    ];
    for (t, &(g, og, k, s, p)) in cases.iter().enumerate() {
        let pg = window(g.n, og, g.oh, g.ow, k, s, p);
        let seed = 10 * t as u64;
        let x = data(g.input_len(), seed);
        let w = data(og * g.col_rows(), seed + 1);
        let b = data(og, seed + 2);
        let mut dout = data(pg.output_len(), seed + 3);
        if let Some(v) = dout.first_mut() {
            *v = -0.0;
        }
        let acc = data(og * g.col_rows(), seed + 4);
        for relu in [false, true] {
            let want = unfused(&g, &pg, og, relu, &x, &w, &b, &dout, &acc);
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let got = pool.install(|| fused(&g, &pg, og, relu, &x, &w, &b, &dout, &acc));
                assert_eq!(
                    got.1, want.1,
                    "indices, case {t}, relu {relu}, {threads} threads"
                );
                for (i, name) in ["out", "dW", "dx", "db accumulated", "db written"]
                    .iter()
                    .enumerate()
                {
                    assert_eq!(
                        bits(&got.0[i]),
                        bits(&want.0[i]),
                        "{name}, case {t}, relu {relu}, {threads} threads"
                    );
                }
            }
        }
    }
}
