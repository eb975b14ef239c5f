//! 2-D max and average pooling over NCHW planes, with PyTorch's CPU semantics (the window
//! arithmetic of ATen's `MaxPoolKernel.cpp` / `AvgPoolKernel.cpp`), forward and backward.
//!
//! The geometry is [`Geometry`]'s: `n·c` independent planes, padding given as top/left and
//! applied symmetrically (average pooling clips its windows at `h + ph`, `w + pw`), the output
//! size chosen by the caller (ceil mode is just a larger `oh`/`ow`). Threads split at whole
//! planes, each plane is computed in a fixed order: results do not depend on the thread count.

use crate::conv::{At, Geometry};
use crate::parallel::{for_rows, Splittable};
use crate::simd_fn;

/// Parallel pieces only pay off beyond this many elements written.
const PAR_MIN: usize = 1 << 15;

/// A mutable `i32` slice that [`for_rows`] can split (argmax indices).
pub(crate) struct IdxMut<'a>(pub(crate) &'a mut [i32]);

impl Splittable for IdxMut<'_> {
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at_mut(mid);
        (IdxMut(a), IdxMut(b))
    }
}

/// Max pooling: `y[p, oy, ox]` = the maximum of plane `p` of `x` over window `(oy, ox)`
/// (positions outside the input skipped), `idx[p, oy, ox]` = its flat index `iy·w + ix`
/// within the plane. As in PyTorch, the scan is row-major over the window, a value replaces
/// the running maximum when it is greater or NaN: ties keep the first maximum, a NaN
/// propagates (the last NaN's index is kept). A window with no input position gives −∞ and
/// the index of its first (clipped) position.
pub fn max_pool2d(y: &mut [f32], idx: &mut [i32], x: &[f32], g: &Geometry) {
    assert!(
        y.len() == g.output_len() && idx.len() == g.output_len() && x.len() == g.input_len(),
        "max_pool2d: buffer sizes do not match the geometry"
    );
    let (hw, ohw) = (g.h * g.w, g.oh * g.ow);
    if y.is_empty() {
        return;
    }
    for_rows(
        (y, IdxMut(idx), At(0)),
        g.n * g.c,
        ohw,
        PAR_MIN,
        &|(yp, ip, at): (&mut [f32], IdxMut, At), planes| {
            let p0 = at.0 / ohw;
            for k in 0..planes {
                let src = &x[(p0 + k) * hw..][..hw];
                let yk = &mut yp[k * ohw..][..ohw];
                let ik = &mut ip.0[k * ohw..][..ohw];
                max_plane(yk, ik, src, g);
            }
        },
    );
}

/// First position `>= 0` of `start, start + d, …`.
#[inline(always)]
fn first_inside(start: isize, d: usize) -> isize {
    if start >= 0 {
        start
    } else {
        let d = d as isize;
        start + (-start + d - 1) / d * d
    }
}

simd_fn! {
    /// 2×2 windows with stride 2: the four candidates in scan order, as selects over whole
    /// rows, so the compiler vectorizes the row (stride-2 loads) with this body's instruction
    /// set: ~10× the scalar loop. Indices in `i32` (the caller checked `h·w` fits).
    fn max_plane_2x2<S>(s, y: &mut [f32], idx: &mut [i32], x: &[f32], w: usize, oh: usize, ow: usize) {
        let _ = s;
        for oy in 0..oh {
            let r0 = &x[2 * oy * w..][..2 * ow];
            let r1 = &x[(2 * oy + 1) * w..][..2 * ow];
            let yrow = &mut y[oy * ow..][..ow];
            let irow = &mut idx[oy * ow..][..ow];
            let base = (2 * oy * w) as i32;
            let wi = w as i32;
            for (ox, (((yv, iv), a), b)) in yrow
                .iter_mut()
                .zip(irow.iter_mut())
                .zip(r0.chunks_exact(2))
                .zip(r1.chunks_exact(2))
                .enumerate()
            {
                let at0 = base + 2 * ox as i32;
                let (mut m, mut at) = (a[0], at0);
                // A value replaces the maximum when greater or NaN (PyTorch's scan).
                let t = (a[1] > m) | a[1].is_nan();
                m = if t { a[1] } else { m };
                at = if t { at0 + 1 } else { at };
                let t = (b[0] > m) | b[0].is_nan();
                m = if t { b[0] } else { m };
                at = if t { at0 + wi } else { at };
                let t = (b[1] > m) | b[1].is_nan();
                m = if t { b[1] } else { m };
                at = if t { at0 + wi + 1 } else { at };
                *yv = m;
                *iv = at;
            }
        }
    }
}

/// The common case (no padding, no dilation, whole windows): the same scan as
/// [`max_plane`] without per-element bounds arithmetic (8x faster for 2×2 pooling).
#[inline(always)]
fn max_plane_dense(y: &mut [f32], idx: &mut [i32], x: &[f32], g: &Geometry) {
    let w = g.w;
    for oy in 0..g.oh {
        let y0 = oy * g.sh;
        let yrow = &mut y[oy * g.ow..][..g.ow];
        let irow = &mut idx[oy * g.ow..][..g.ow];
        for ox in 0..g.ow {
            let x0 = ox * g.sw;
            let mut best = y0 * w + x0;
            let mut max = f32::NEG_INFINITY;
            for ky in 0..g.kh {
                let base = (y0 + ky) * w + x0;
                for (kx, &v) in x[base..base + g.kw].iter().enumerate() {
                    if v > max || v.is_nan() {
                        max = v;
                        best = base + kx;
                    }
                }
            }
            yrow[ox] = max;
            irow[ox] = best as i32;
        }
    }
}

#[inline(always)]
pub(crate) fn max_plane(y: &mut [f32], idx: &mut [i32], x: &[f32], g: &Geometry) {
    let whole = g.ph == 0
        && g.pw == 0
        && g.dh == 1
        && g.dw == 1
        && (g.oh - 1) * g.sh + g.kh <= g.h
        && (g.ow - 1) * g.sw + g.kw <= g.w
        && g.h * g.w <= i32::MAX as usize;
    if whole && g.oh > 0 && g.ow > 0 {
        if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 {
            return max_plane_2x2(y, idx, x, g.w, g.oh, g.ow);
        }
        return max_plane_dense(y, idx, x, g);
    }
    let (h, w) = (g.h as isize, g.w as isize);
    let (dh, dw) = (g.dh as isize, g.dw as isize);
    for oy in 0..g.oh {
        let start_y = (oy * g.sh) as isize - g.ph as isize;
        let ih1 = (start_y + (g.kh as isize - 1) * dh + 1).min(h);
        let ih0 = first_inside(start_y, g.dh);
        for ox in 0..g.ow {
            let start_x = (ox * g.sw) as isize - g.pw as isize;
            let iw1 = (start_x + (g.kw as isize - 1) * dw + 1).min(w);
            let iw0 = first_inside(start_x, g.dw);
            let mut best = ih0 * w + iw0;
            let mut max = f32::NEG_INFINITY;
            let mut ih = ih0;
            while ih < ih1 {
                let row = &x[(ih * w) as usize..][..g.w];
                let mut iw = iw0;
                while iw < iw1 {
                    let v = row[iw as usize];
                    if v > max || v.is_nan() {
                        max = v;
                        best = ih * w + iw;
                    }
                    iw += dw;
                }
                ih += dh;
            }
            y[oy * g.ow + ox] = max;
            idx[oy * g.ow + ox] = i32::try_from(best).unwrap_or(i32::MAX);
        }
    }
}

/// Backward of [`max_pool2d`]: `dx` (written, not accumulated) is zero except
/// `dx[p, idx[p, o]] += dy[p, o]`, added in output order. Every index must lie in
/// `[0, h·w)` (panics otherwise).
pub fn max_pool2d_backward(dx: &mut [f32], idx: &[i32], dy: &[f32], g: &Geometry) {
    assert!(
        dx.len() == g.input_len() && idx.len() == g.output_len() && dy.len() == g.output_len(),
        "max_pool2d_backward: buffer sizes do not match the geometry"
    );
    let (hw, ohw) = (g.h * g.w, g.oh * g.ow);
    if dx.is_empty() {
        return;
    }
    for_rows(
        (dx, At(0)),
        g.n * g.c,
        hw,
        PAR_MIN,
        &|(piece, at): (&mut [f32], At), planes| {
            let p0 = at.0 / hw;
            for (k, out) in piece.chunks_exact_mut(hw).take(planes).enumerate() {
                out.fill(0.0);
                let ik = &idx[(p0 + k) * ohw..][..ohw];
                let gk = &dy[(p0 + k) * ohw..][..ohw];
                for (&i, &v) in ik.iter().zip(gk) {
                    out[i as usize] += v;
                }
            }
        },
    );
}

/// Window `o` of average pooling along one axis: the clipped input range `lo..hi` and the
/// number of positions the divisor counts (`pool`: the window clipped at `len + pad`, padding
/// included; PyTorch's `pool_size`).
#[inline(always)]
fn avg_window(o: usize, s: usize, pad: usize, k: usize, len: usize) -> (usize, usize, usize) {
    let start = (o * s) as isize - pad as isize;
    let end = (start + k as isize).min((len + pad) as isize);
    let pool = (end - start).max(0) as usize;
    let lo = start.max(0) as usize;
    let hi = end.clamp(0, len as isize) as usize;
    (lo, hi.max(lo), pool)
}

/// Average pooling (dilation must be 1): `y[p, oy, ox]` = the window's sum (in f64) divided by
/// the window size clipped at the padded input (`count_include_pad`) or by the number of
/// input positions in it; 0 for a window that holds no input position.
pub fn avg_pool2d(y: &mut [f32], x: &[f32], g: &Geometry, count_include_pad: bool) {
    assert!(
        y.len() == g.output_len() && x.len() == g.input_len(),
        "avg_pool2d: buffer sizes do not match the geometry"
    );
    let (hw, ohw) = (g.h * g.w, g.oh * g.ow);
    if y.is_empty() {
        return;
    }
    for_rows(
        (y, At(0)),
        g.n * g.c,
        ohw,
        PAR_MIN,
        &|(yp, at): (&mut [f32], At), planes| {
            let p0 = at.0 / ohw;
            for (k, out) in yp.chunks_exact_mut(ohw).take(planes).enumerate() {
                let src = &x[(p0 + k) * hw..][..hw];
                for oy in 0..g.oh {
                    let (y0, y1, py) = avg_window(oy, g.sh, g.ph, g.kh, g.h);
                    for ox in 0..g.ow {
                        let (x0, x1, px) = avg_window(ox, g.sw, g.pw, g.kw, g.w);
                        let n_in = (y1 - y0) * (x1 - x0);
                        if n_in == 0 {
                            out[oy * g.ow + ox] = 0.0;
                            continue;
                        }
                        let mut s = 0f64;
                        for iy in y0..y1 {
                            for &v in &src[iy * g.w + x0..iy * g.w + x1] {
                                s += v as f64;
                            }
                        }
                        let div = if count_include_pad { py * px } else { n_in };
                        out[oy * g.ow + ox] = (s / div as f64) as f32;
                    }
                }
            }
        },
    );
}

/// Backward of [`avg_pool2d`]: `dx` (written) gets `dy[p, o] / divisor(o)` (rounded to f32)
/// added at every input position of window `o`, windows in output order.
pub fn avg_pool2d_backward(dx: &mut [f32], dy: &[f32], g: &Geometry, count_include_pad: bool) {
    assert!(
        dx.len() == g.input_len() && dy.len() == g.output_len(),
        "avg_pool2d_backward: buffer sizes do not match the geometry"
    );
    let (hw, ohw) = (g.h * g.w, g.oh * g.ow);
    if dx.is_empty() {
        return;
    }
    for_rows(
        (dx, At(0)),
        g.n * g.c,
        hw,
        PAR_MIN,
        &|(piece, at): (&mut [f32], At), planes| {
            let p0 = at.0 / hw;
            for (k, out) in piece.chunks_exact_mut(hw).take(planes).enumerate() {
                out.fill(0.0);
                let gk = &dy[(p0 + k) * ohw..][..ohw];
                for oy in 0..g.oh {
                    let (y0, y1, py) = avg_window(oy, g.sh, g.ph, g.kh, g.h);
                    for ox in 0..g.ow {
                        let (x0, x1, px) = avg_window(ox, g.sw, g.pw, g.kw, g.w);
                        let n_in = (y1 - y0) * (x1 - x0);
                        if n_in == 0 {
                            continue;
                        }
                        let div = if count_include_pad { py * px } else { n_in };
                        let v = gk[oy * g.ow + ox] / div as f32;
                        for iy in y0..y1 {
                            for d in &mut out[iy * g.w + x0..iy * g.w + x1] {
                                *d += v;
                            }
                        }
                    }
                }
            }
        },
    );
}
