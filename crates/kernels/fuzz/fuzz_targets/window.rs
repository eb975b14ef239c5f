//! The sliding-window kernels (im2col, col2im, max and average pooling, forward and backward)
//! on arbitrary small geometries, padding larger than the kernel and output sizes of the
//! caller's choosing included. `Geometry` promises that every geometry that validates is
//! safe: no panic, no access outside the buffers (AddressSanitizer), and at every instruction
//! set the results of the definitions in each kernel's documentation, computed here by plain
//! loops.
#![no_main]

use descent_kernels::conv::{col2im, im2col, Geometry};
use descent_kernels::pool::{avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward};
use descent_kernels_fuzz::{per_level, tame};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    dims: [u8; 14],
    count_include_pad: bool,
    seed: u16,
}

fuzz_target!(|inp: Input| {
    let d = inp.dims;
    let g = Geometry {
        n: d[0] as usize % 3,
        c: d[1] as usize % 3 + 1,
        h: d[2] as usize % 12,
        w: d[3] as usize % 12,
        kh: d[4] as usize % 5 + 1,
        kw: d[5] as usize % 5 + 1,
        sh: d[6] as usize % 4 + 1,
        sw: d[7] as usize % 4 + 1,
        ph: d[8] as usize % 7,
        pw: d[9] as usize % 7,
        dh: d[10] as usize % 3 + 1,
        dw: d[11] as usize % 3 + 1,
        oh: d[12] as usize % 12,
        ow: d[13] as usize % 12,
    };
    g.validate().expect("small geometries validate");
    let val = |salt: u32, i: usize| {
        let h = (i as u32 ^ salt << 20 ^ inp.seed as u32).wrapping_mul(0x9E37_79B1);
        tame((h >> 16) as u16, 2.0)
    };
    let x: Vec<f32> = (0..g.input_len()).map(|i| val(1, i)).collect();
    let dy: Vec<f32> = (0..g.output_len()).map(|i| val(2, i)).collect();
    let cols_in: Vec<f32> = (0..g.col_rows() * g.col_cols())
        .map(|i| val(3, i))
        .collect();
    let (planes, hw) = (g.n * g.c, g.h * g.w);
    // input position of window (oy, ox), kernel tap (i, j), if inside the plane
    let at = |oy: usize, ox: usize, i: usize, j: usize| {
        let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
        let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
        (iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w)
            .then(|| iy as usize * g.w + ix as usize)
    };
    let windows = || {
        (0..planes)
            .flat_map(move |p| (0..g.oh).flat_map(move |oy| (0..g.ow).map(move |ox| (p, oy, ox))))
    };

    // im2col and col2im
    let mut want_cols = vec![0f32; cols_in.len()];
    let mut want_dx = vec![0f64; x.len()];
    let mut mag_dx = vec![0f64; x.len()];
    let cc = g.col_cols();
    for (p, oy, ox) in windows() {
        let (b, ci) = (p / g.c, p % g.c);
        for i in 0..g.kh {
            for j in 0..g.kw {
                let r = (ci * g.kh + i) * g.kw + j;
                let col = (b * g.oh + oy) * g.ow + ox;
                if let Some(q) = at(oy, ox, i, j) {
                    want_cols[r * cc + col] = x[p * hw + q];
                    want_dx[p * hw + q] += cols_in[r * cc + col] as f64;
                    mag_dx[p * hw + q] += (cols_in[r * cc + col] as f64).abs();
                }
            }
        }
    }
    for (l, (cols, dx)) in per_level(|_| {
        let mut cols = vec![f32::NAN; cols_in.len()];
        im2col(&mut cols, &x, &g);
        let mut dx = vec![f32::NAN; x.len()];
        col2im(&mut dx, &cols_in, &g);
        (cols, dx)
    }) {
        assert!(
            cols.iter()
                .zip(&want_cols)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "im2col at {l:?}, {g:?}"
        );
        for i in 0..dx.len() {
            let ok = (dx[i] as f64 - want_dx[i]).abs() <= 1e-6 * mag_dx[i];
            assert!(
                ok,
                "col2im at {l:?}, {g:?}: dx[{i}] = {} vs {}",
                dx[i], want_dx[i]
            );
        }
    }

    // max pooling: row-major scan, greater or NaN replaces; an empty window gives −∞
    let mut want_y = vec![f32::NEG_INFINITY; dy.len()];
    let mut want_idx = vec![-1i32; dy.len()];
    for (k, (p, oy, ox)) in windows().enumerate() {
        for i in 0..g.kh {
            for j in 0..g.kw {
                if let Some(q) = at(oy, ox, i, j) {
                    let v = x[p * hw + q];
                    if want_idx[k] < 0 || v > want_y[k] || v.is_nan() {
                        (want_y[k], want_idx[k]) = (v, q as i32);
                    }
                }
            }
        }
    }
    let mut want_dx = vec![0f32; x.len()];
    for (k, (p, _, _)) in windows().enumerate() {
        if want_idx[k] >= 0 {
            want_dx[p * hw + want_idx[k] as usize] += dy[k];
        }
    }
    for (l, (y, idx, dx)) in per_level(|_| {
        let (mut y, mut idx) = (vec![f32::NAN; dy.len()], vec![-7i32; dy.len()]);
        max_pool2d(&mut y, &mut idx, &x, &g);
        // windows with no input keep the kernel's index (a clipped position, never read back
        // into dx unless it is in the plane): route only the ones the reference found
        let kept: Vec<i32> = idx
            .iter()
            .zip(&want_idx)
            .map(|(&a, &w)| if w < 0 { -1 } else { a })
            .collect();
        let mut dx = vec![f32::NAN; x.len()];
        let safe: Vec<i32> = idx
            .iter()
            .map(|&i| {
                if (i as usize) < hw.max(1) && i >= 0 {
                    i
                } else {
                    0
                }
            })
            .collect();
        if hw > 0 {
            max_pool2d_backward(&mut dx, &safe, &dy, &g);
        }
        (y, kept, dx)
    }) {
        assert!(
            y.iter()
                .zip(&want_y)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "max_pool2d y at {l:?}, {g:?}: {y:?} vs {want_y:?}"
        );
        assert_eq!(idx, want_idx, "max_pool2d indices at {l:?}, {g:?}");
        if hw > 0 && want_idx.iter().all(|&i| i >= 0) {
            assert!(
                dx.iter().zip(&want_dx).all(|(a, b)| a == b),
                "max_pool2d_backward at {l:?}, {g:?}"
            );
        }
    }

    // average pooling (dilation 1): PyTorch's divisor
    let g = Geometry { dh: 1, dw: 1, ..g };
    let cip = inp.count_include_pad;
    let axis = |o: usize, s: usize, pad: usize, k: usize, len: usize| {
        let start = (o * s) as isize - pad as isize;
        let end = (start + k as isize).min((len + pad) as isize);
        let pool = (end - start).max(0) as usize;
        let (lo, hi) = (start.max(0) as usize, end.clamp(0, len as isize) as usize);
        (lo, hi.max(lo), pool)
    };
    let mut want_y = vec![0f32; dy.len()];
    let mut want_dx = vec![0f64; x.len()];
    for (k, (p, oy, ox)) in windows().enumerate() {
        let (y0, y1, py) = axis(oy, g.sh, g.ph, g.kh, g.h);
        let (x0, x1, px) = axis(ox, g.sw, g.pw, g.kw, g.w);
        let count = (y1 - y0) * (x1 - x0);
        if count == 0 {
            continue;
        }
        let div = if cip { py * px } else { count } as f64;
        let mut sum = 0f64;
        for iy in y0..y1 {
            for ix in x0..x1 {
                sum += x[p * hw + iy * g.w + ix] as f64;
                want_dx[p * hw + iy * g.w + ix] += (dy[k] as f64 / div) as f32 as f64;
            }
        }
        want_y[k] = (sum / div) as f32;
    }
    for (l, (y, dx)) in per_level(|_| {
        let mut y = vec![f32::NAN; dy.len()];
        avg_pool2d(&mut y, &x, &g, cip);
        let mut dx = vec![f32::NAN; x.len()];
        avg_pool2d_backward(&mut dx, &dy, &g, cip);
        (y, dx)
    }) {
        for k in 0..y.len() {
            assert!(
                (y[k] - want_y[k]).abs() <= 1e-6 * want_y[k].abs().max(1.0),
                "avg_pool2d at {l:?}, {g:?}: y[{k}] = {} vs {}",
                y[k],
                want_y[k]
            );
        }
        for i in 0..dx.len() {
            assert!(
                (dx[i] as f64 - want_dx[i]).abs() <= 1e-5 * want_dx[i].abs().max(1.0),
                "avg_pool2d_backward at {l:?}, {g:?}: dx[{i}] = {} vs {}",
                dx[i],
                want_dx[i]
            );
        }
    }
});
