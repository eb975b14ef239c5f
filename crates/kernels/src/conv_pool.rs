//! A convolution followed by max pooling (and optionally ReLU) over a batch, image by image:
//! the convolution's output of one image stays in this thread's scratch and is pooled from
//! there, so the full-size output is never written to memory and read back (the CNN
//! benchmark's first convolution writes 3.2 MB per batch of 64), and the backward rebuilds
//! each image's output gradient in scratch from the pooled one.
//!
//! Every value is computed by the same operations, in the same order, as the unfused chain
//! [`conv2d_images`](crate::conv_images::conv2d_images) → `max_pool2d` → ReLU and its
//! backward (`unary_backward` ReLU → `max_pool2d_backward` → `bias_grad` and
//! `conv2d_images_backward`): the results are those bits, whatever the thread count.

use crate::conv::{im2col, At, Geometry};
use crate::conv_images::{backward_images, one_image, with_scratch, Dense, ImageGrad};
use crate::gemm::sgemm;
use crate::parallel::for_rows;
use crate::pool::{max_plane, IdxMut};
use crate::unary::{unary_inplace, Params, Unary};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Images go to threads in pieces of at least this many convolution outputs.
const PAR_MIN: usize = 1 << 14;

thread_local! {
    /// The calling thread's batch of rebuilt output gradients (backward with dx), reused
    /// across calls: a fresh megabytes-long buffer per call costs its page faults.
    static BATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Whether `pg` pools the planes of the convolution `g` with `og` output channels.
fn pools(g: &Geometry, og: usize, pg: &Geometry) -> bool {
    pg.n == g.n && pg.c == og && pg.h == g.oh && pg.w == g.ow && pg.h * pg.w <= i32::MAX as usize
}

/// `out[b]` = ReLU (when `relu`) of the max pooling `pg` of `w · im2col(x[b]) (+ bias)`, with
/// `idx[b]` the argmax of each window within its plane (as `max_pool2d`), for every image.
/// `out` and `idx` are `pg`'s output size; `pg` pools `g.n` images of `og` planes of
/// `g.oh × g.ow`.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_pool_images(
    out: &mut [f32],
    idx: &mut [i32],
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    og: usize,
    g: &Geometry,
    pg: &Geometry,
    relu: bool,
) {
    let (kg, ohw, img) = (g.col_rows(), g.oh * g.ow, g.c * g.h * g.w);
    let pohw = pg.oh * pg.ow;
    assert!(
        pools(g, og, pg)
            && out.len() == pg.output_len()
            && idx.len() == pg.output_len()
            && x.len() == g.input_len()
            && w.len() == og * kg
            && bias.is_none_or(|b| b.len() == og),
        "conv2d_pool_images: buffer sizes do not match the geometries"
    );
    if out.is_empty() {
        return;
    }
    let (g1, p1) = (one_image(g), Geometry { n: 1, ..*pg });
    for_rows(
        (out, IdxMut(idx), At(0)),
        g.n,
        og * pohw,
        (PAR_MIN * pohw).div_ceil(ohw.max(1)),
        &|(piece, ip, at): (&mut [f32], IdxMut, At), imgs| {
            let b0 = at.0 / (og * pohw);
            with_scratch(kg * ohw, og * ohw, |cols, yb| {
                for k in 0..imgs {
                    im2col(cols, &x[(b0 + k) * img..][..img], &g1);
                    sgemm(false, false, og, ohw, kg, 1.0, w, cols, 0.0, yb);
                    if let Some(b) = bias {
                        crate::binary::bias_add(yb, b, 1, og, ohw);
                    }
                    let ob = &mut piece[k * og * pohw..][..og * pohw];
                    let ib = &mut ip.0[k * og * pohw..][..og * pohw];
                    for c in 0..og {
                        let (o, i) = (&mut ob[c * pohw..][..pohw], &mut ib[c * pohw..][..pohw]);
                        max_plane(o, i, &yb[c * ohw..][..ohw], &p1);
                    }
                    if relu {
                        unary_inplace(
                            Unary::Relu,
                            Params {
                                alpha: 0.0,
                                beta: 0.0,
                            },
                            ob,
                        );
                    }
                }
            });
        },
    );
}

/// Image `b`'s convolution-output gradient from the pooled one: ReLU's backward (from its
/// output, which is ≤ 0 exactly where its input is), then `dout` scattered to the argmax.
struct Unpool<'a> {
    out: &'a [f32],
    idx: &'a [i32],
    dout: &'a [f32],
    og: usize,
    ohw: usize,
    pohw: usize,
    relu: bool,
}

impl ImageGrad for Unpool<'_> {
    fn image<'s>(&'s self, b: usize, scratch: &'s mut [f32]) -> &'s [f32] {
        let (ohw, pohw) = (self.ohw, self.pohw);
        let at = b * self.og * pohw;
        for c in 0..self.og {
            let plane = &mut scratch[c * ohw..][..ohw];
            plane.fill(0.0);
            let from = at + c * pohw;
            let (o, i, d) = (
                &self.out[from..][..pohw],
                &self.idx[from..][..pohw],
                &self.dout[from..][..pohw],
            );
            for ((&o, &i), &d) in o.iter().zip(i).zip(d) {
                // unary_backward's ReLU: select(x <= 0, 0, dy).
                let v = if self.relu && o <= 0.0 { 0.0 } else { d };
                plane[i as usize] += v;
            }
        }
        &scratch[..self.og * ohw]
    }
}

/// Backward of [`conv2d_pool_images`] given its output `out`, the argmax `idx` and `dout`
/// (all `pg`'s output size; every index must lie in `[0, g.oh·g.ow)`, panics otherwise):
/// `dw` and `dx` as `conv2d_images_backward`, `db` as `bias_grad` (each added onto the old
/// values when its flag is set), each optional.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_pool_images_backward(
    dw: Option<&mut [f32]>,
    accumulate: bool,
    dx: Option<&mut [f32]>,
    db: Option<(&mut [f32], bool)>,
    x: &[f32],
    w: &[f32],
    out: &[f32],
    idx: &[i32],
    dout: &[f32],
    og: usize,
    g: &Geometry,
    pg: &Geometry,
    relu: bool,
) {
    let len = pg.output_len();
    assert!(
        pools(g, og, pg)
            && out.len() == len
            && idx.len() == len
            && dout.len() == len
            && db.as_ref().is_none_or(|(d, _)| d.len() == og && g.oh * g.ow > 1),
        "conv2d_pool_images_backward: buffer sizes do not match the geometries (or db with 1×1 planes, which bias_grad sums otherwise)"
    );
    let unpool = Unpool {
        out,
        idx,
        dout,
        og,
        ohw: g.oh * g.ow,
        pohw: pg.oh * pg.ow,
        relu,
    };
    let mut sums = db.as_ref().map(|_| vec![0f64; g.n * og]);
    match dx {
        // dw and dx both read every image's gradient, on different threads: rebuilt once into
        // a batch buffer (one pass over the images, the bias sums taken on the way), instead
        // of twice in scratch (on one thread the second rebuild cost more than the memory).
        Some(dx) if g.n > 0 => BATCH.with(|cell| {
            let len = og * g.oh * g.ow;
            let mut buf = std::mem::take(&mut *cell.borrow_mut());
            buf.resize(g.n * len, 0.0);
            let bits: Vec<AtomicU64> = (0..if sums.is_some() { g.n * og } else { 0 })
                .map(|_| AtomicU64::new(0))
                .collect();
            for_rows(
                (&mut buf[..], At(0)),
                g.n,
                len,
                PAR_MIN,
                &|(piece, at), imgs| {
                    let b0 = at.0 / len.max(1);
                    for (k, dst) in piece.chunks_exact_mut(len.max(1)).take(imgs).enumerate() {
                        unpool.image(b0 + k, dst);
                        for (c, plane) in dst
                            .chunks_exact(unpool.ohw.max(1))
                            .enumerate()
                            .take(bits.len().min(og))
                        {
                            let s = crate::reduce::sum(plane);
                            bits[(b0 + k) * og + c].store(s.to_bits(), Ordering::Relaxed);
                        }
                    }
                },
            );
            if let Some(s) = sums.as_deref_mut() {
                for (v, b) in s.iter_mut().zip(&bits) {
                    *v = f64::from_bits(b.load(Ordering::Relaxed));
                }
            }
            let dense = Dense { dy: &buf[..], len };
            backward_images(dw, accumulate, Some(dx), None, x, w, &dense, og, g);
            *cell.borrow_mut() = buf;
        }),
        dx => backward_images(
            dw,
            accumulate,
            dx,
            sums.as_deref_mut(),
            x,
            w,
            &unpool,
            og,
            g,
        ),
    }
    if let (Some((db, acc)), Some(sums)) = (db, sums) {
        // bias_grad's order: per channel, the images' sums added in f64, then onto db.
        if !acc {
            db.fill(0.0);
        }
        for (c, d) in db.iter_mut().enumerate() {
            let mut s = 0f64;
            for b in 0..g.n {
                s += sums[b * og + c];
            }
            *d += s as f32;
        }
    }
}
