//! The measurement behind `Conv2d`'s lowering
//! (`cargo run --release -p descent-kernels --example conv_lowering`):
//! forward + backward of Conv2d(32→64, 3×3, pad 1) on [64, 32, 28, 28], either one im2col
//! and one GEMM per image (dW accumulated image by image, the column matrix recomputed in
//! backward), or one im2col of the whole batch and one GEMM per product, with the
//! [out, n, hw] ↔ [n, out, hw] permutations that NCHW then needs.
use descent_kernels::conv::{col2im, im2col, Geometry};
use descent_kernels::{gemm, rng};

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut st = rng::seed_state(seed);
    let mut v = vec![0f32; n];
    rng::uniform(&mut st, &mut v, -1.0, 1.0);
    v
}

fn main() {
    use std::time::Instant;
    let (n, ci, co, hw) = (64usize, 32usize, 64usize, 28usize);
    let g = Geometry {
        n,
        c: ci,
        h: hw,
        w: hw,
        kh: 3,
        kw: 3,
        sh: 1,
        sw: 1,
        ph: 1,
        pw: 1,
        dh: 1,
        dw: 1,
        oh: hw,
        ow: hw,
    };
    let one = Geometry { n: 1, ..g };
    let (kk, p) = (g.col_rows(), g.oh * g.ow);
    let x = data(g.input_len(), 1);
    let wt = data(co * kk, 2);
    let dy = data(n * co * p, 3);
    let flops = 3.0 * 2.0 * (n * co * kk * p) as f64;
    let permute = |dst: &mut [f32], src: &[f32], a: usize, b: usize, inner: usize| {
        // dst[j, i, :] = src[i, j, :] for src [a, b, inner]
        for i in 0..a {
            for j in 0..b {
                dst[(j * a + i) * inner..][..inner]
                    .copy_from_slice(&src[(i * b + j) * inner..][..inner]);
            }
        }
    };
    // Buffers allocated (and touched) once, as the layer's scratch is.
    let mut cols1 = vec![0f32; kk * p];
    let mut colsn = vec![0f32; kk * n * p];
    let mut yt = vec![0f32; co * n * p];
    let mut y = vec![0f32; n * co * p];
    let mut dw = vec![0f32; co * kk];
    let mut dx = vec![0f32; g.input_len()];
    let mut both = || {
        let t = Instant::now();
        for b in 0..n {
            im2col(
                &mut cols1,
                &x[b * one.input_len()..][..one.input_len()],
                &one,
            );
            gemm::sgemm(
                false,
                false,
                co,
                p,
                kk,
                1.0,
                &wt,
                &cols1,
                0.0,
                &mut y[b * co * p..][..co * p],
            );
        }
        for b in 0..n {
            im2col(
                &mut cols1,
                &x[b * one.input_len()..][..one.input_len()],
                &one,
            );
            let dyb = &dy[b * co * p..][..co * p];
            gemm::sgemm(false, true, co, kk, p, 1.0, dyb, &cols1, 1.0, &mut dw);
            gemm::sgemm(true, false, kk, p, co, 1.0, &wt, dyb, 0.0, &mut cols1);
            col2im(
                &mut dx[b * one.input_len()..][..one.input_len()],
                &cols1,
                &one,
            );
        }
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        im2col(&mut colsn, &x, &g);
        gemm::sgemm(false, false, co, n * p, kk, 1.0, &wt, &colsn, 0.0, &mut yt);
        permute(&mut y, &yt, co, n, p);
        permute(&mut yt, &dy, n, co, p);
        gemm::sgemm(false, true, co, kk, n * p, 1.0, &yt, &colsn, 1.0, &mut dw);
        gemm::sgemm(true, false, kk, n * p, co, 1.0, &wt, &yt, 0.0, &mut colsn);
        col2im(&mut dx, &colsn, &g);
        (a, t.elapsed().as_secs_f64())
    };
    let (mut a, mut b) = (vec![], vec![]);
    for _ in 0..3 {
        both();
    }
    for _ in 0..15 {
        let (u, v) = both();
        a.push(u);
        b.push(v);
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    println!(
        "threads {}: per image {:.2} ms ({:.1} GFLOPS), batched {:.2} ms ({:.1} GFLOPS) (medians of 15)",
        descent_kernels::parallel::threads(),
        a[7] * 1e3,
        flops / a[7] / 1e9,
        b[7] * 1e3,
        flops / b[7] / 1e9
    );
}
