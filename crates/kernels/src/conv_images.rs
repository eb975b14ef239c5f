//! A convolution (one group, im2col lowering) over a whole batch with the images spread over
//! threads. Each image is computed exactly as the one-image calls would compute it (im2col of
//! that image, then one GEMM), so the results equal those of the per-image loop bit for bit
//! and do not depend on the thread count. Per image the GEMMs are small (< 2M multiply-adds
//! for a 3×3 conv on 28×28), too small for the GEMM to split: over images is where the second
//! core finds work.

use crate::conv::{col2im, im2col, At, Geometry};
use crate::gemm::sgemm;
use crate::parallel::for_rows;
use std::cell::RefCell;

thread_local! {
    /// This thread's scratch (one image's column matrix, and a fused caller's image buffer),
    /// reused across calls (no allocation or page faults per image).
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch cut into buffers of `a` and `b` elements (contents
/// unspecified).
pub(crate) fn with_scratch<R>(
    a: usize,
    b: usize,
    f: impl FnOnce(&mut [f32], &mut [f32]) -> R,
) -> R {
    SCRATCH.with(|c| {
        // Taken out while in use: a nested call on the same thread gets its own buffer.
        let mut v = std::mem::take(&mut *c.borrow_mut());
        if v.len() < a + b {
            v.resize(a + b, 0.0);
        }
        let (x, y) = v[..a + b].split_at_mut(a);
        let r = f(x, y);
        *c.borrow_mut() = v;
        r
    })
}

/// Runs `f` with this thread's scratch buffer of `len` elements (contents unspecified).
fn with_cols<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    with_scratch(len, 0, |c, _| f(c))
}

/// The output gradient of image `b` (`og·oh·ow`): a slice of the caller's `dy`, or one a fused
/// caller makes in `scratch` from what it saved.
pub(crate) trait ImageGrad: Sync {
    fn image<'s>(&'s self, b: usize, scratch: &'s mut [f32]) -> &'s [f32];
}

/// `dy` as given: `(n, og, oh, ow)`, `len = og·oh·ow` per image.
pub(crate) struct Dense<'a> {
    pub(crate) dy: &'a [f32],
    pub(crate) len: usize,
}

impl ImageGrad for Dense<'_> {
    fn image<'s>(&'s self, b: usize, _: &'s mut [f32]) -> &'s [f32] {
        &self.dy[b * self.len..][..self.len]
    }
}

/// Images go to threads in pieces of at least this many output elements.
const PAR_MIN: usize = 1 << 14;

pub(crate) fn one_image(g: &Geometry) -> Geometry {
    Geometry { n: 1, ..*g }
}

/// `y[b] = w · im2col(x[b]) (+ bias per output channel)` for every image `b < g.n`: `w` is
/// `og × (c·kh·kw)`, `y` is `(n, og, oh, ow)`, written. The bias is added to each image while
/// it is in cache, by the same operation as [`crate::binary::bias_add`] (a separate pass over
/// the batch's output took ~2% of the CNN step, on one thread).
pub fn conv2d_images(
    y: &mut [f32],
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    og: usize,
    g: &Geometry,
) {
    let (kg, ohw, img) = (g.col_rows(), g.oh * g.ow, g.c * g.h * g.w);
    assert!(
        y.len() == g.n * og * ohw
            && x.len() == g.input_len()
            && w.len() == og * kg
            && bias.is_none_or(|b| b.len() == og),
        "conv2d_images: buffer sizes do not match the geometry"
    );
    if y.is_empty() {
        return;
    }
    let g1 = one_image(g);
    for_rows(
        (y, At(0)),
        g.n,
        og * ohw,
        PAR_MIN,
        &|(piece, at): (&mut [f32], At), imgs| {
            let b0 = at.0 / (og * ohw);
            with_cols(kg * ohw, |cols| {
                for (k, yb) in piece.chunks_exact_mut(og * ohw).take(imgs).enumerate() {
                    im2col(cols, &x[(b0 + k) * img..][..img], &g1);
                    sgemm(false, false, og, ohw, kg, 1.0, w, cols, 0.0, yb);
                    if let Some(b) = bias {
                        crate::binary::bias_add(yb, b, 1, og, ohw);
                    }
                }
            });
        },
    );
}

/// Backward of [`conv2d_images`] given `dy` (`(n, og, oh, ow)`):
/// - `dw` (`og × c·kh·kw`) = Σ_b dy[b] · im2col(x[b])ᵀ, images added in order (onto the old
///   `dw` when `accumulate`, else written);
/// - `dx` (`(n, c, h, w)`) = col2im(wᵀ · dy[b]) per image, written.
///
/// `dw` is summed in two chains over the halves of the batch (each image adding onto the
/// last), then added; they run beside the `dx` images, which are spread over threads.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_images_backward(
    dw: Option<&mut [f32]>,
    accumulate: bool,
    dx: Option<&mut [f32]>,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    og: usize,
    g: &Geometry,
) {
    assert!(
        dy.len() == g.n * og * g.oh * g.ow,
        "conv2d_images_backward: buffer sizes do not match the geometry"
    );
    let dense = Dense {
        dy,
        len: og * g.oh * g.ow,
    };
    backward_images(dw, accumulate, dx, None, x, w, &dense, og, g);
}

/// [`conv2d_images_backward`] over the image gradients `dy` gives, and, when `sums` is given
/// (`n × og`), each image's per-channel sums of its gradient (`reduce::sum`), for the bias.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_images(
    dw: Option<&mut [f32]>,
    accumulate: bool,
    dx: Option<&mut [f32]>,
    sums: Option<&mut [f64]>,
    x: &[f32],
    w: &[f32],
    dy: &impl ImageGrad,
    og: usize,
    g: &Geometry,
) {
    let (kg, ohw, img) = (g.col_rows(), g.oh * g.ow, g.c * g.h * g.w);
    assert!(
        x.len() == g.input_len()
            && w.len() == og * kg
            && dw.as_ref().is_none_or(|d| d.len() == og * kg)
            && dx.as_ref().is_none_or(|d| d.len() == g.input_len())
            && sums.as_ref().is_none_or(|s| s.len() == g.n * og),
        "conv2d_images_backward: buffer sizes do not match the geometry"
    );
    let g1 = one_image(g);
    // dwᵀ = im2col(x)·dyᵀ when it has more rows than dw: the GEMM is faster with the long side
    // as its m (16→32 channels, 3×3: 14.7 µs per image instead of 19.6); the images add up in
    // the same order (onto dw's contents when accumulating). Which way is a function of the
    // shapes only, so the bits still do not depend on the thread count.
    let transposed = kg > og;
    // Over images lo..hi: dw (each adding onto the last, onto dw's contents when `acc`) when
    // given, and the per-channel sums of each image's gradient into `sums` (images lo..hi).
    let weights_over =
        |dw: Option<&mut [f32]>, sums: Option<&mut [f64]>, lo: usize, hi: usize, acc: bool| {
            let (mut dw, mut sums) = (dw, sums);
            let mut dwt = vec![
                0f32;
                if transposed && dw.is_some() {
                    kg * og
                } else {
                    0
                }
            ];
            if let (Some(dw), true, true) = (dw.as_deref(), transposed, acc) {
                transpose(&mut dwt, dw, og, kg);
            }
            with_scratch(kg * ohw, og * ohw, |cols, own| {
                for b in lo..hi {
                    let dyb = dy.image(b, own);
                    if let Some(s) = sums.as_deref_mut() {
                        let row = &mut s[(b - lo) * og..][..og];
                        for (v, plane) in row.iter_mut().zip(dyb.chunks_exact(ohw.max(1))) {
                            *v = crate::reduce::sum(plane);
                        }
                    }
                    let Some(dw) = dw.as_deref_mut() else {
                        continue;
                    };
                    im2col(cols, &x[b * img..][..img], &g1);
                    let beta = if acc || b > lo { 1.0 } else { 0.0 };
                    if transposed {
                        sgemm(false, true, kg, og, ohw, 1.0, cols, dyb, beta, &mut dwt);
                    } else {
                        sgemm(false, true, og, kg, ohw, 1.0, dyb, cols, beta, dw);
                    }
                }
            });
            if let (Some(dw), true) = (dw, transposed && hi > lo) {
                transpose(dw, &dwt, kg, og);
            }
        };
    let weights = |dw: Option<&mut [f32]>, sums: Option<&mut [f64]>| {
        if g.n == 0 {
            if let (Some(dw), false) = (dw, accumulate) {
                dw.fill(0.0);
            }
            return;
        }
        // Two chains over the halves of the batch, the second into a scratch added at the end:
        // the first convolution has no dx, and its dw chain ran on one thread while the other
        // waited. Always two halves, whatever the thread count, so the bits do not depend on it.
        let half = g.n / 2;
        if half == 0 {
            weights_over(dw, sums, 0, g.n, accumulate);
            return;
        }
        let (s1, s2) = match sums {
            Some(s) => {
                let (a, b) = s.split_at_mut(half * og);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let mut second = vec![0f32; if dw.is_some() { og * kg } else { 0 }];
        let has_dw = dw.is_some();
        let dw = crate::parallel::join(
            || {
                let mut dw = dw;
                weights_over(dw.as_deref_mut(), s1, 0, half, accumulate);
                dw
            },
            || weights_over(has_dw.then_some(&mut second[..]), s2, half, g.n, false),
        )
        .0;
        if let Some(dw) = dw {
            for (a, b) in dw.iter_mut().zip(&second) {
                *a += b;
            }
        }
    };
    let inputs = |dx: &mut [f32]| {
        if dx.is_empty() {
            return;
        }
        for_rows(
            (dx, At(0)),
            g.n,
            img,
            PAR_MIN,
            &|(piece, at): (&mut [f32], At), imgs| {
                let b0 = at.0 / img;
                with_scratch(kg * ohw, og * ohw, |cols, own| {
                    for (k, dxb) in piece.chunks_exact_mut(img).take(imgs).enumerate() {
                        let dyb = dy.image(b0 + k, own);
                        sgemm(true, false, kg, ohw, og, 1.0, w, dyb, 0.0, cols);
                        col2im(dxb, cols, &g1);
                    }
                });
            },
        );
    };
    let some_weights = dw.is_some() || sums.is_some();
    match (some_weights, dx) {
        (true, Some(b)) => {
            crate::parallel::join(|| weights(dw, sums), || inputs(b));
        }
        (true, None) => weights(dw, sums),
        (false, Some(b)) => inputs(b),
        (false, None) => {}
    }
}

/// `to` (`cols × rows`) = `from` (`rows × cols`) transposed.
fn transpose(to: &mut [f32], from: &[f32], rows: usize, cols: usize) {
    for (r, row) in from.chunks_exact(cols).take(rows).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            to[c * rows + r] = v;
        }
    }
}
