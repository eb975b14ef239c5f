//! Convolution lowering for NCHW tensors: `im2col` gathers every receptive field into the
//! columns of a matrix so a convolution becomes one GEMM, and `col2im` scatters such a matrix
//! back onto the input (the adjoint, used for the input gradient).
//!
//! Both kernels take a whole batch: the column matrix has `c·kh·kw` rows (channel, kernel
//! row, kernel column) and `n·oh·ow` columns (image, output row, output column), so one image
//! is the special case `n = 1`. Threads split `im2col` at row boundaries of the column matrix
//! and `col2im` at whole input planes (one image's channel): every output element is produced
//! by one thread in a fixed order, so results do not depend on the thread count.

use crate::parallel::{for_rows, Splittable};
use crate::simd_fn;

/// A sliding window over `n·c` planes of `h×w` (NCHW): kernel `kh×kw`, strides, top/left
/// zero padding, dilations and the output size `oh×ow`. Window `(oy, ox)` covers input rows
/// `oy·sh − ph + i·dh` (`i < kh`) and columns `ox·sw − pw + j·dw` (`j < kw`); positions
/// outside the input read as zero (convolution) or are skipped (pooling). The output size is
/// the caller's choice (any bottom/right padding is implied by it), so every geometry whose
/// sizes fit in memory is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Geometry {
    /// Elements of the input (and of its gradient): `n·c·h·w`.
    pub fn input_len(&self) -> usize {
        self.n * self.c * self.h * self.w
    }
    /// Elements of a pooling output: `n·c·oh·ow`.
    pub fn output_len(&self) -> usize {
        self.n * self.c * self.oh * self.ow
    }
    /// Rows of the column matrix: `c·kh·kw`.
    pub fn col_rows(&self) -> usize {
        self.c * self.kh * self.kw
    }
    /// Columns of the column matrix: `n·oh·ow`.
    pub fn col_cols(&self) -> usize {
        self.n * self.oh * self.ow
    }

    /// Checks strides and dilations (≥ 1) and that every size and index the kernels form fits
    /// in `isize` (so no product wraps).
    pub fn validate(&self) -> Result<(), String> {
        if self.sh == 0 || self.sw == 0 || self.dh == 0 || self.dw == 0 {
            return Err(format!(
                "strides and dilations must be positive, got stride {}×{} and dilation {}×{}",
                self.sh, self.sw, self.dh, self.dw
            ));
        }
        let prod = |d: &[usize]| d.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        let lim = isize::MAX as usize / 4;
        let fits = |v: Option<usize>| v.is_some_and(|v| v <= lim);
        let ok = fits(prod(&[self.n, self.c, self.h, self.w]))
            && fits(prod(&[self.n, self.c, self.oh, self.ow]))
            && fits(prod(&[self.c, self.kh, self.kw, self.n, self.oh, self.ow]))
            && fits(prod(&[self.oh, self.sh]).and_then(|v| v.checked_add(self.ph)))
            && fits(prod(&[self.ow, self.sw]).and_then(|v| v.checked_add(self.pw)))
            && fits(prod(&[self.kh, self.dh]).and_then(|v| v.checked_add(self.h)))
            && fits(prod(&[self.kw, self.dw]).and_then(|v| v.checked_add(self.w)));
        if ok {
            Ok(())
        } else {
            Err(format!("geometry {self:?} overflows"))
        }
    }
}

/// Outputs `o` in `[0, out)` whose position `o·s + off` lies in `[0, len)`, as a range
/// `lo..hi` (empty when none do).
#[inline(always)]
pub(crate) fn valid_range(off: isize, s: usize, len: usize, out: usize) -> (usize, usize) {
    let s = s as isize;
    let lo = if off >= 0 { 0 } else { (-off + s - 1) / s };
    let lim = len as isize - off; // o·s < lim
    let hi = if lim <= 0 { 0 } else { (lim + s - 1) / s };
    let hi = (hi as usize).min(out);
    ((lo as usize).min(hi), hi)
}

/// An element offset carried alongside the slices [`for_rows`] splits, so each piece knows
/// where it starts.
pub(crate) struct At(pub usize);

impl Splittable for At {
    fn split_at(self, mid: usize) -> (Self, Self) {
        (At(self.0), At(self.0 + mid))
    }
}

/// Parallel pieces only pay off beyond this many elements written.
const PAR_MIN: usize = 1 << 15;

/// Fills `cols` (`c·kh·kw` rows × `n·oh·ow` columns, row-major) with the receptive fields of
/// `x` (`n, c, h, w`): `cols[(ci·kh + i)·kw + j, (b·oh + oy)·ow + ox] =
/// x[b, ci, oy·sh − ph + i·dh, ox·sw − pw + j·dw]`, zero outside the input.
pub fn im2col(cols: &mut [f32], x: &[f32], g: &Geometry) {
    assert!(
        cols.len() == g.col_rows() * g.col_cols() && x.len() == g.input_len(),
        "im2col: buffer sizes do not match the geometry"
    );
    let row_len = g.col_cols();
    if cols.is_empty() {
        return;
    }
    for_rows(
        (cols, At(0)),
        g.col_rows(),
        row_len,
        PAR_MIN,
        &|(piece, at): (&mut [f32], At), rows| {
            let r0 = at.0 / row_len;
            for (k, dst) in piece.chunks_exact_mut(row_len).take(rows).enumerate() {
                im2col_row(dst, x, g, r0 + k);
            }
        },
    );
}

/// Whether output rows are input rows shifted by a constant (stride 1, `ow = w`): then one
/// row of the column matrix is, per image, one contiguous shifted copy of the input plane
/// with its out-of-window columns zeroed (the usual "same" 3×3 convolution).
#[inline(always)]
fn shifted_rows(g: &Geometry) -> bool {
    g.sh == 1 && g.sw == 1 && g.ow == g.w
}

/// The range `k0..k1` of `0..len` whose shifted index `k + off` lies in `0..plane`.
#[inline(always)]
fn shifted_range(lo: usize, hi: usize, off: isize, plane: usize) -> (usize, usize) {
    let k0 = (lo as isize).max(-off);
    let k1 = (hi as isize).min(plane as isize - off);
    if k0 < k1 {
        (k0 as usize, k1 as usize)
    } else {
        (lo, lo)
    }
}

/// One row `r = (ci, i, j)` of the column matrix, over every image.
#[inline(always)]
fn im2col_row(dst: &mut [f32], x: &[f32], g: &Geometry, r: usize) {
    let (ci, i, j) = (r / (g.kh * g.kw), r / g.kw % g.kh, r % g.kw);
    let offy = (i * g.dh) as isize - g.ph as isize;
    let offx = (j * g.dw) as isize - g.pw as isize;
    let (ylo, yhi) = valid_range(offy, g.sh, g.h, g.oh);
    let (xlo, xhi) = valid_range(offx, g.sw, g.w, g.ow);
    let plane = g.h * g.w;
    if shifted_rows(g) {
        // Copy the valid rows as one block (invalid columns get wrapped neighbours), then
        // zero what lies outside the window: ~10× fewer calls than row by row for 14-wide rows.
        let w = g.w;
        let off = offy * w as isize + offx;
        let (k0, k1) = shifted_range(ylo * w, yhi * w, off, plane);
        for (b, img) in dst.chunks_exact_mut(g.oh * w).enumerate() {
            let src = &x[(b * g.c + ci) * plane..][..plane];
            img[..k0].fill(0.0);
            if k0 < k1 {
                // (when empty, k0 + off may be negative: no source index to form)
                let s0 = (k0 as isize + off) as usize;
                img[k0..k1].copy_from_slice(&src[s0..s0 + (k1 - k0)]);
            }
            img[k1..].fill(0.0);
            if xlo > 0 || xhi < w {
                for row in img[ylo * w..yhi * w].chunks_exact_mut(w) {
                    for v in &mut row[..xlo] {
                        *v = 0.0;
                    }
                    for v in &mut row[xhi.max(xlo)..] {
                        *v = 0.0;
                    }
                }
            }
        }
        return;
    }
    for (b, img) in dst.chunks_exact_mut(g.oh * g.ow).enumerate() {
        let src = &x[(b * g.c + ci) * plane..][..plane];
        for (oy, seg) in img.chunks_exact_mut(g.ow).enumerate() {
            if oy < ylo || oy >= yhi {
                seg.fill(0.0);
                continue;
            }
            let iy = (oy * g.sh) as isize + offy;
            let srow = &src[iy as usize * g.w..][..g.w];
            seg[..xlo].fill(0.0);
            seg[xhi..].fill(0.0);
            if xlo < xhi {
                let ix0 = ((xlo * g.sw) as isize + offx) as usize;
                if g.sw == 1 {
                    seg[xlo..xhi].copy_from_slice(&srow[ix0..ix0 + (xhi - xlo)]);
                } else {
                    for (k, d) in seg[xlo..xhi].iter_mut().enumerate() {
                        *d = srow[ix0 + k * g.sw];
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `dx[b, ci, y, x]` = the sum of every entry of `cols` that
/// `im2col` copied from that position (0 for positions no window covers). `dx` is written,
/// not accumulated into. Each position's terms are added in kernel order (i, j), in f32.
pub fn col2im(dx: &mut [f32], cols: &[f32], g: &Geometry) {
    assert!(
        cols.len() == g.col_rows() * g.col_cols() && dx.len() == g.input_len(),
        "col2im: buffer sizes do not match the geometry"
    );
    let plane = g.h * g.w;
    if dx.is_empty() {
        return;
    }
    for_rows(
        (dx, At(0)),
        g.n * g.c,
        plane,
        PAR_MIN,
        &|(piece, at): (&mut [f32], At), planes| {
            col2im_planes(piece, cols, g, at.0 / plane, planes);
        },
    );
}

/// [`col2im_planes`] when [`shifted_rows`]: per kernel position, one contiguous masked add of
/// the whole shifted block instead of one short add per row (rows of 14 never reached the
/// vector loop). Each element receives the same terms in the same (i, j) order.
#[inline(always)]
fn col2im_shifted(dx: &mut [f32], cols: &[f32], g: &Geometry, p0: usize, planes: usize) {
    let (w, plane, ohw) = (g.w, g.h * g.w, g.oh * g.ow);
    let row_len = g.n * ohw;
    // Column masks (all ones inside the window's valid columns), one per kernel column.
    let masks: Vec<Vec<u32>> = (0..g.kw)
        .map(|j| {
            let offx = (j * g.dw) as isize - g.pw as isize;
            let (xlo, xhi) = valid_range(offx, 1, w, w);
            (0..ohw)
                .map(|k| if (xlo..xhi).contains(&(k % w)) { !0 } else { 0 })
                .collect()
        })
        .collect();
    for (k, out) in dx.chunks_exact_mut(plane).take(planes).enumerate() {
        let (b, ci) = ((p0 + k) / g.c, (p0 + k) % g.c);
        out.fill(0.0);
        for i in 0..g.kh {
            let offy = (i * g.dh) as isize - g.ph as isize;
            let (ylo, yhi) = valid_range(offy, 1, g.h, g.oh);
            for (j, mask) in masks.iter().enumerate() {
                let offx = (j * g.dw) as isize - g.pw as isize;
                let off = offy * w as isize + offx;
                let (k0, k1) = shifted_range(ylo * w, yhi * w, off, plane);
                if k0 == k1 {
                    continue; // nothing of this kernel position lands in the plane
                }
                let r = (ci * g.kh + i) * g.kw + j;
                let src = &cols[r * row_len + b * ohw..][..ohw];
                let d0 = (k0 as isize + off) as usize;
                let dst = &mut out[d0..d0 + (k1 - k0)];
                for ((d, &v), &m) in dst.iter_mut().zip(&src[k0..k1]).zip(&mask[k0..k1]) {
                    // a select, not `+= v·m`: skipped terms must not turn −0 into +0
                    *d = if m != 0 { *d + v } else { *d };
                }
            }
        }
    }
}

simd_fn! {
    /// `planes` consecutive input planes starting at plane `p0`, written into `dx`. (The
    /// body is compiled per instruction set so the row additions vectorize.)
    fn col2im_planes<S>(s, dx: &mut [f32], cols: &[f32], g: &Geometry, p0: usize, planes: usize) {
        let _ = s;
        let plane = g.h * g.w;
        let row_len = g.n * g.oh * g.ow;
        if shifted_rows(g) {
            return col2im_shifted(dx, cols, g, p0, planes);
        }
        for (k, out) in dx.chunks_exact_mut(plane).take(planes).enumerate() {
            let (b, ci) = ((p0 + k) / g.c, (p0 + k) % g.c);
            out.fill(0.0);
            for i in 0..g.kh {
                let offy = (i * g.dh) as isize - g.ph as isize;
                let (ylo, yhi) = valid_range(offy, g.sh, g.h, g.oh);
                for j in 0..g.kw {
                    let offx = (j * g.dw) as isize - g.pw as isize;
                    let (xlo, xhi) = valid_range(offx, g.sw, g.w, g.ow);
                    if xlo >= xhi {
                        continue;
                    }
                    let r = (ci * g.kh + i) * g.kw + j;
                    let src = &cols[r * row_len + b * g.oh * g.ow..][..g.oh * g.ow];
                    let ix0 = ((xlo * g.sw) as isize + offx) as usize;
                    let cnt = xhi - xlo;
                    for oy in ylo..yhi {
                        let iy = ((oy * g.sh) as isize + offy) as usize;
                        let srow = &src[oy * g.ow + xlo..][..cnt];
                        let drow = &mut out[iy * g.w..][..g.w];
                        if g.sw == 1 {
                            for (d, v) in drow[ix0..ix0 + cnt].iter_mut().zip(srow) {
                                *d += *v;
                            }
                        } else {
                            for (t, v) in srow.iter().enumerate() {
                                drow[ix0 + t * g.sw] += *v;
                            }
                        }
                    }
                }
            }
        }
    }
}
