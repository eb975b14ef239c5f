//! Fused per-time-step cell kernels of the recurrent layers (vanilla RNN, LSTM, GRU), forward
//! and backward, with PyTorch's gate order (LSTM: i, f, g, o; GRU: r, z, n).
//!
//! One call handles one time step of `rows` sequences with hidden size `hidden` (H). The
//! gate rows (`gates`, and the input-side gradient `dpre_s`) and the layer output rows
//! (`y`, `dy`) live in batch-first `[N, T, ·]` buffers, so they are passed as [`Strided`]
//! rows: row `r` starts at `r · stride` of the given slice (the caller slices the step's
//! offset off). Everything else is a dense `[rows, width]` block.
//!
//! Every row is computed independently and elementwise along H, each element by the same
//! vector code (the ragged end of a row goes through a zero-padded buffer), so results do not
//! depend on how rows are split over threads.

use crate::math;
use crate::simd::{Simd, MAX_LANES};
use crate::simd_fn;

/// Rows of `width` values starting every `stride` values (`stride ≥ width`).
pub struct Strided<'a> {
    pub data: &'a [f32],
    pub stride: usize,
}

/// Mutable [`Strided`] rows.
pub struct StridedMut<'a> {
    pub data: &'a mut [f32],
    pub stride: usize,
}

/// Work (elements × gates) below which a step runs on one thread.
const PAR_MIN: usize = 1 << 15;

/// A bundle of row-indexed views that can be cut at a row boundary.
trait SplitRows: Sized + Send {
    fn split_rows(self, mid: usize) -> (Self, Self);
}

impl SplitRows for Strided<'_> {
    fn split_rows(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.data.split_at((mid * self.stride).min(self.data.len()));
        let stride = self.stride;
        (Strided { data: a, stride }, Strided { data: b, stride })
    }
}

impl SplitRows for StridedMut<'_> {
    fn split_rows(self, mid: usize) -> (Self, Self) {
        let at = (mid * self.stride).min(self.data.len());
        let stride = self.stride;
        let (a, b) = self.data.split_at_mut(at);
        (
            StridedMut { data: a, stride },
            StridedMut { data: b, stride },
        )
    }
}

impl<T: SplitRows> SplitRows for Option<T> {
    fn split_rows(self, mid: usize) -> (Self, Self) {
        match self {
            Some(t) => {
                let (a, b) = t.split_rows(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        }
    }
}

macro_rules! split_struct {
    ($name:ident { $($field:ident),* } $(, $keep:ident)*) => {
        impl SplitRows for $name<'_> {
            fn split_rows(self, mid: usize) -> (Self, Self) {
                $(let $field = self.$field.split_rows(mid);)*
                (
                    $name { $($field: $field.0,)* $($keep: self.$keep,)* },
                    $name { $($field: $field.1,)* $($keep: self.$keep,)* },
                )
            }
        }
    };
}

/// Runs `f` over the rows, split in halves over the rayon pool when the step is large.
fn par_rows<T: SplitRows>(
    data: T,
    rows: usize,
    work_per_row: usize,
    f: &(impl Fn(T, usize) + Sync),
) {
    let t = crate::parallel::threads();
    if rows < 2 || t <= 1 || rows * work_per_row < PAR_MIN {
        f(data, rows);
        return;
    }
    let grain = (rows / (4 * t)).max(1).max(PAR_MIN.div_ceil(work_per_row));
    split(data, rows, grain, f);
}

fn split<T: SplitRows>(data: T, rows: usize, grain: usize, f: &(impl Fn(T, usize) + Sync)) {
    if rows <= grain || rows < 2 {
        f(data, rows);
        return;
    }
    let mid = rows / 2;
    let (a, b) = data.split_rows(mid);
    rayon::join(
        || split(a, mid, grain, f),
        || split(b, rows - mid, grain, f),
    );
}

/// Row `r` (of `w` values) of a dense or strided view.
#[inline(always)]
fn row(d: &[f32], stride: usize, r: usize, w: usize) -> &[f32] {
    &d[r * stride..r * stride + w]
}

#[inline(always)]
fn row_mut(d: &mut [f32], stride: usize, r: usize, w: usize) -> &mut [f32] {
    &mut d[r * stride..r * stride + w]
}

/// Loads `LANES` values of `x` from `j`, zero-padding past its end.
#[inline(always)]
fn ld<S: Simd>(s: S, x: &[f32], j: usize) -> S::V {
    if j + S::LANES <= x.len() {
        s.load(&x[j..])
    } else {
        let mut b = [0f32; MAX_LANES];
        b[..x.len() - j].copy_from_slice(&x[j..]);
        s.load(&b)
    }
}

/// Stores the first `min(LANES, len − j)` lanes of `v` to `x` at `j`.
#[inline(always)]
fn st<S: Simd>(s: S, x: &mut [f32], j: usize, v: S::V) {
    if j + S::LANES <= x.len() {
        s.store(&mut x[j..], v);
    } else {
        let mut b = [0f32; MAX_LANES];
        s.store(&mut b, v);
        let n = x.len() - j;
        x[j..].copy_from_slice(&b[..n]);
    }
}

/// σ(x)·(1 − σ(x)) from the activation a = σ(x); 1 − a is exact for a ≥ ½.
#[inline(always)]
fn dsig<S: Simd>(s: S, a: S::V) -> S::V {
    s.mul(a, s.sub(s.splat(1.0), a))
}

/// 1 − a² from a = tanh(x), as (1 − a)(1 + a) (no cancellation near |a| = 1).
#[inline(always)]
fn dtanh<S: Simd>(s: S, a: S::V) -> S::V {
    let one = s.splat(1.0);
    s.mul(s.sub(one, a), s.add(one, a))
}

// ---------------------------------------------------------------------------------------
// Vanilla RNN
// ---------------------------------------------------------------------------------------

struct RnnFwd<'a> {
    gates: StridedMut<'a>,
    hp: Strided<'a>,
    h: StridedMut<'a>,
    y: Option<StridedMut<'a>>,
}
split_struct!(RnnFwd { gates, hp, h, y });

simd_fn! {
    fn rnn_fwd_rows<S>(s, a: RnnFwd<'_>, rows: usize, hd: usize, relu: bool) {
        let RnnFwd { gates, hp, h, mut y } = a;
        for r in 0..rows {
            let g = row_mut(gates.data, gates.stride, r, hd);
            let p = row(hp.data, hp.stride, r, hd);
            let hr = row_mut(h.data, h.stride, r, hd);
            let mut yr = y.as_mut().map(|y| row_mut(y.data, y.stride, r, hd));
            let mut j = 0;
            while j < hd {
                let pre = s.add(ld(s, g, j), ld(s, p, j));
                let v = if relu { s.max(s.zero(), pre) } else { math::tanh(s, pre) };
                st(s, g, j, v);
                st(s, hr, j, v);
                if let Some(yr) = yr.as_deref_mut() {
                    st(s, yr, j, v);
                }
                j += S::LANES;
            }
        }
    }
}

/// Vanilla RNN step, forward: `act = tanh(gates + hp)` (or relu), written to `gates` (in
/// place: on entry the input pre-activations x·W_ihᵀ + b_ih + b_hh), to `h` and, if given,
/// to `y`. `hp` [rows, H] holds h_{t−1}·W_hhᵀ.
#[allow(clippy::too_many_arguments)]
pub fn rnn_forward(
    relu: bool,
    rows: usize,
    hidden: usize,
    gates: StridedMut<'_>,
    hp: &[f32],
    h: &mut [f32],
    y: Option<StridedMut<'_>>,
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = RnnFwd {
        gates,
        hp: Strided {
            data: hp,
            stride: hidden,
        },
        h: StridedMut {
            data: h,
            stride: hidden,
        },
        y,
    };
    par_rows(a, rows, 8 * hidden, &|a, n| {
        rnn_fwd_rows(a, n, hidden, relu)
    });
}

struct RnnBwd<'a> {
    gates: Strided<'a>,
    dh: Strided<'a>,
    dy: Option<Strided<'a>>,
    dpre: StridedMut<'a>,
    dpre_s: StridedMut<'a>,
}
split_struct!(RnnBwd {
    gates,
    dh,
    dy,
    dpre,
    dpre_s
});

simd_fn! {
    fn rnn_bwd_rows<S>(s, a: RnnBwd<'_>, rows: usize, hd: usize, relu: bool) {
        let RnnBwd { gates, dh, dy, dpre, dpre_s } = a;
        for r in 0..rows {
            let g = row(gates.data, gates.stride, r, hd);
            let d = row(dh.data, dh.stride, r, hd);
            let yr = dy.as_ref().map(|y| row(y.data, y.stride, r, hd));
            let o = row_mut(dpre.data, dpre.stride, r, hd);
            let os = row_mut(dpre_s.data, dpre_s.stride, r, hd);
            let mut j = 0;
            while j < hd {
                let mut dv = ld(s, d, j);
                if let Some(yr) = yr {
                    dv = s.add(dv, ld(s, yr, j));
                }
                let act = ld(s, g, j);
                let v = if relu {
                    s.select(s.gt(act, s.zero()), dv, s.zero())
                } else {
                    s.mul(dv, dtanh(s, act))
                };
                st(s, o, j, v);
                st(s, os, j, v);
                j += S::LANES;
            }
        }
    }
}

/// Vanilla RNN step, backward: `dpre = (dh + dy) · act′` from the saved activations in
/// `gates` (relu′ = [act > 0], tanh′ = 1 − act²), written to `dpre` [rows, H] and to the
/// strided `dpre_s` (same layout as `gates`).
#[allow(clippy::too_many_arguments)]
pub fn rnn_backward(
    relu: bool,
    rows: usize,
    hidden: usize,
    gates: Strided<'_>,
    dh: &[f32],
    dy: Option<Strided<'_>>,
    dpre: &mut [f32],
    dpre_s: StridedMut<'_>,
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = RnnBwd {
        gates,
        dh: Strided {
            data: dh,
            stride: hidden,
        },
        dy,
        dpre: StridedMut {
            data: dpre,
            stride: hidden,
        },
        dpre_s,
    };
    par_rows(a, rows, 4 * hidden, &|a, n| {
        rnn_bwd_rows(a, n, hidden, relu)
    });
}

// ---------------------------------------------------------------------------------------
// LSTM
// ---------------------------------------------------------------------------------------

struct LstmFwd<'a> {
    gates: StridedMut<'a>,
    hp: Strided<'a>,
    c_prev: Strided<'a>,
    c: StridedMut<'a>,
    h: StridedMut<'a>,
    y: Option<StridedMut<'a>>,
}
split_struct!(LstmFwd {
    gates,
    hp,
    c_prev,
    c,
    h,
    y
});

simd_fn! {
    fn lstm_fwd_rows<S>(s, a: LstmFwd<'_>, rows: usize, hd: usize) {
        let LstmFwd { gates, hp, c_prev, c, h, mut y } = a;
        for r in 0..rows {
            let g = row_mut(gates.data, gates.stride, r, 4 * hd);
            let (gi, g) = g.split_at_mut(hd);
            let (gf, g) = g.split_at_mut(hd);
            let (gg, go) = g.split_at_mut(hd);
            let p = row(hp.data, hp.stride, r, 4 * hd);
            let (pi, p) = p.split_at(hd);
            let (pf, p) = p.split_at(hd);
            let (pg, po) = p.split_at(hd);
            let cp = row(c_prev.data, c_prev.stride, r, hd);
            let cr = row_mut(c.data, c.stride, r, hd);
            let hr = row_mut(h.data, h.stride, r, hd);
            let mut yr = y.as_mut().map(|y| row_mut(y.data, y.stride, r, hd));
            let mut j = 0;
            while j < hd {
                let i = math::sigmoid(s, s.add(ld(s, gi, j), ld(s, pi, j)));
                let f = math::sigmoid(s, s.add(ld(s, gf, j), ld(s, pf, j)));
                let gv = math::tanh(s, s.add(ld(s, gg, j), ld(s, pg, j)));
                let o = math::sigmoid(s, s.add(ld(s, go, j), ld(s, po, j)));
                st(s, gi, j, i);
                st(s, gf, j, f);
                st(s, gg, j, gv);
                st(s, go, j, o);
                let cn = s.fma(f, ld(s, cp, j), s.mul(i, gv));
                st(s, cr, j, cn);
                let hv = s.mul(o, math::tanh(s, cn));
                st(s, hr, j, hv);
                if let Some(yr) = yr.as_deref_mut() {
                    st(s, yr, j, hv);
                }
                j += S::LANES;
            }
        }
    }
}

/// LSTM step, forward. On entry `gates` holds the input pre-activations x·W_ihᵀ + b_ih + b_hh
/// ([rows, 4H] strided, gate order i, f, g, o); with `hp` = h_{t−1}·W_hhᵀ [rows, 4H] it
/// computes i, f, o = σ(gates + hp), g = tanh(gates + hp), stores the activations back into
/// `gates`, and writes c = f⊙c_prev + i⊙g, h = o⊙tanh(c) ([rows, H] each) and, if given, y = h.
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward(
    rows: usize,
    hidden: usize,
    gates: StridedMut<'_>,
    hp: &[f32],
    c_prev: &[f32],
    c: &mut [f32],
    h: &mut [f32],
    y: Option<StridedMut<'_>>,
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = LstmFwd {
        gates,
        hp: Strided {
            data: hp,
            stride: 4 * hidden,
        },
        c_prev: Strided {
            data: c_prev,
            stride: hidden,
        },
        c: StridedMut {
            data: c,
            stride: hidden,
        },
        h: StridedMut {
            data: h,
            stride: hidden,
        },
        y,
    };
    par_rows(a, rows, 40 * hidden, &|a, n| lstm_fwd_rows(a, n, hidden));
}

struct LstmBwd<'a> {
    gates: Strided<'a>,
    c_prev: Strided<'a>,
    c: Strided<'a>,
    dh: Strided<'a>,
    dy: Option<Strided<'a>>,
    dc: StridedMut<'a>,
    dpre: StridedMut<'a>,
    dpre_s: StridedMut<'a>,
}
split_struct!(LstmBwd {
    gates,
    c_prev,
    c,
    dh,
    dy,
    dc,
    dpre,
    dpre_s
});

simd_fn! {
    fn lstm_bwd_rows<S>(s, a: LstmBwd<'_>, rows: usize, hd: usize) {
        let LstmBwd { gates, c_prev, c, dh, dy, dc, dpre, dpre_s } = a;
        for r in 0..rows {
            let g = row(gates.data, gates.stride, r, 4 * hd);
            let (gi, g) = g.split_at(hd);
            let (gf, g) = g.split_at(hd);
            let (gg, go) = g.split_at(hd);
            let cp = row(c_prev.data, c_prev.stride, r, hd);
            let cr = row(c.data, c.stride, r, hd);
            let d = row(dh.data, dh.stride, r, hd);
            let yr = dy.as_ref().map(|y| row(y.data, y.stride, r, hd));
            let dcr = row_mut(dc.data, dc.stride, r, hd);
            let o = row_mut(dpre.data, dpre.stride, r, 4 * hd);
            let (oi, o) = o.split_at_mut(hd);
            let (of, o) = o.split_at_mut(hd);
            let (og, oo) = o.split_at_mut(hd);
            let os = row_mut(dpre_s.data, dpre_s.stride, r, 4 * hd);
            let (si, os) = os.split_at_mut(hd);
            let (sf, os) = os.split_at_mut(hd);
            let (sg, so) = os.split_at_mut(hd);
            let mut j = 0;
            while j < hd {
                let mut dhv = ld(s, d, j);
                if let Some(yr) = yr {
                    dhv = s.add(dhv, ld(s, yr, j));
                }
                let (i, f, gv, ov) = (ld(s, gi, j), ld(s, gf, j), ld(s, gg, j), ld(s, go, j));
                let cn = ld(s, cr, j);
                let tc = math::tanh(s, cn);
                let dpo = s.mul(s.mul(dhv, tc), dsig(s, ov));
                let dct = s.fma(s.mul(dhv, ov), math::sech2(s, cn), ld(s, dcr, j));
                let dpi = s.mul(s.mul(dct, gv), dsig(s, i));
                let dpg = s.mul(s.mul(dct, i), dtanh(s, gv));
                let dpf = s.mul(s.mul(dct, ld(s, cp, j)), dsig(s, f));
                st(s, dcr, j, s.mul(dct, f));
                st(s, oi, j, dpi);
                st(s, of, j, dpf);
                st(s, og, j, dpg);
                st(s, oo, j, dpo);
                st(s, si, j, dpi);
                st(s, sf, j, dpf);
                st(s, sg, j, dpg);
                st(s, so, j, dpo);
                j += S::LANES;
            }
        }
    }
}

/// LSTM step, backward, from the saved activations (`gates`, strided, i f g o), c_prev and c
/// ([rows, H]). The gradient with respect to h is `dh` [rows, H] plus, if given, `dy`;
/// `dc` holds on entry the gradient with respect to c carried from step t+1 and on exit the
/// gradient with respect to c_prev. With dc_t = dc + dh⊙o⊙(1 − tanh²c):
/// d(pre) = [dc_t⊙g⊙i(1−i), dc_t⊙c_prev⊙f(1−f), dc_t⊙i⊙(1−g²), dh⊙tanh(c)⊙o(1−o)],
/// written to `dpre` [rows, 4H] and to the strided `dpre_s` (same layout as `gates`);
/// dc ← dc_t⊙f.
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward(
    rows: usize,
    hidden: usize,
    gates: Strided<'_>,
    c_prev: &[f32],
    c: &[f32],
    dh: &[f32],
    dy: Option<Strided<'_>>,
    dc: &mut [f32],
    dpre: &mut [f32],
    dpre_s: StridedMut<'_>,
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = LstmBwd {
        gates,
        c_prev: Strided {
            data: c_prev,
            stride: hidden,
        },
        c: Strided {
            data: c,
            stride: hidden,
        },
        dh: Strided {
            data: dh,
            stride: hidden,
        },
        dy,
        dc: StridedMut {
            data: dc,
            stride: hidden,
        },
        dpre: StridedMut {
            data: dpre,
            stride: 4 * hidden,
        },
        dpre_s,
    };
    par_rows(a, rows, 40 * hidden, &|a, n| lstm_bwd_rows(a, n, hidden));
}

// ---------------------------------------------------------------------------------------
// GRU
// ---------------------------------------------------------------------------------------

struct GruFwd<'a> {
    gates: StridedMut<'a>,
    hp: Strided<'a>,
    h_prev: Strided<'a>,
    hn: StridedMut<'a>,
    h: StridedMut<'a>,
    y: Option<StridedMut<'a>>,
    bhh: Option<&'a [f32]>,
}
split_struct!(
    GruFwd {
        gates,
        hp,
        h_prev,
        hn,
        h,
        y
    },
    bhh
);

simd_fn! {
    fn gru_fwd_rows<S>(s, a: GruFwd<'_>, rows: usize, hd: usize) {
        let GruFwd { gates, hp, h_prev, hn, h, mut y, bhh } = a;
        let (br, bz, bn) = match bhh {
            Some(b) => (Some(&b[..hd]), Some(&b[hd..2 * hd]), Some(&b[2 * hd..3 * hd])),
            None => (None, None, None),
        };
        for r in 0..rows {
            let g = row_mut(gates.data, gates.stride, r, 3 * hd);
            let (gr, g) = g.split_at_mut(hd);
            let (gz, gn) = g.split_at_mut(hd);
            let p = row(hp.data, hp.stride, r, 3 * hd);
            let (pr, p) = p.split_at(hd);
            let (pz, pn) = p.split_at(hd);
            let hpr = row(h_prev.data, h_prev.stride, r, hd);
            let hnr = row_mut(hn.data, hn.stride, r, hd);
            let hr = row_mut(h.data, h.stride, r, hd);
            let mut yr = y.as_mut().map(|y| row_mut(y.data, y.stride, r, hd));
            let mut j = 0;
            while j < hd {
                let mut ar = s.add(ld(s, gr, j), ld(s, pr, j));
                let mut az = s.add(ld(s, gz, j), ld(s, pz, j));
                let mut hnv = ld(s, pn, j);
                if let (Some(br), Some(bz), Some(bn)) = (br, bz, bn) {
                    ar = s.add(ar, ld(s, br, j));
                    az = s.add(az, ld(s, bz, j));
                    hnv = s.add(hnv, ld(s, bn, j));
                }
                let rv = math::sigmoid(s, ar);
                let zv = math::sigmoid(s, az);
                let nv = math::tanh(s, s.fma(rv, hnv, ld(s, gn, j)));
                st(s, gr, j, rv);
                st(s, gz, j, zv);
                st(s, gn, j, nv);
                st(s, hnr, j, hnv);
                // h = (1 − z)⊙n + z⊙h_prev = n + z⊙(h_prev − n)
                let hv = s.fma(zv, s.sub(ld(s, hpr, j), nv), nv);
                st(s, hr, j, hv);
                if let Some(yr) = yr.as_deref_mut() {
                    st(s, yr, j, hv);
                }
                j += S::LANES;
            }
        }
    }
}

/// GRU step, forward. On entry `gates` holds x·W_ihᵀ + b_ih ([rows, 3H] strided, order r, z,
/// n); `hp` = h_{t−1}·W_hhᵀ [rows, 3H]; `bhh` = b_hh [3H] or none. Computes
/// r = σ(gates_r + hp_r + b_hr), z = σ(gates_z + hp_z + b_hz), hn = hp_n + b_hn,
/// n = tanh(gates_n + r⊙hn), h = (1 − z)⊙n + z⊙h_prev; stores r, z, n into `gates`, hn
/// [rows, H] (saved for backward), h [rows, H] and, if given, y = h.
#[allow(clippy::too_many_arguments)]
pub fn gru_forward(
    rows: usize,
    hidden: usize,
    gates: StridedMut<'_>,
    hp: &[f32],
    bhh: Option<&[f32]>,
    h_prev: &[f32],
    hn: &mut [f32],
    h: &mut [f32],
    y: Option<StridedMut<'_>>,
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = GruFwd {
        gates,
        hp: Strided {
            data: hp,
            stride: 3 * hidden,
        },
        h_prev: Strided {
            data: h_prev,
            stride: hidden,
        },
        hn: StridedMut {
            data: hn,
            stride: hidden,
        },
        h: StridedMut {
            data: h,
            stride: hidden,
        },
        y,
        bhh,
    };
    par_rows(a, rows, 30 * hidden, &|a, n| gru_fwd_rows(a, n, hidden));
}

struct GruBwd<'a> {
    gates: Strided<'a>,
    hn: Strided<'a>,
    h_prev: Strided<'a>,
    dh: Strided<'a>,
    dy: Option<Strided<'a>>,
    dpre: StridedMut<'a>,
    dpre_s: StridedMut<'a>,
    dh_prev: StridedMut<'a>,
}
split_struct!(GruBwd {
    gates,
    hn,
    h_prev,
    dh,
    dy,
    dpre,
    dpre_s,
    dh_prev
});

simd_fn! {
    fn gru_bwd_rows<S>(s, a: GruBwd<'_>, rows: usize, hd: usize) {
        let GruBwd { gates, hn, h_prev, dh, dy, dpre, dpre_s, dh_prev } = a;
        let one = s.splat(1.0);
        for r in 0..rows {
            let g = row(gates.data, gates.stride, r, 3 * hd);
            let (gr, g) = g.split_at(hd);
            let (gz, gn) = g.split_at(hd);
            let hnr = row(hn.data, hn.stride, r, hd);
            let hpr = row(h_prev.data, h_prev.stride, r, hd);
            let d = row(dh.data, dh.stride, r, hd);
            let yr = dy.as_ref().map(|y| row(y.data, y.stride, r, hd));
            let o = row_mut(dpre.data, dpre.stride, r, 3 * hd);
            let (or, o) = o.split_at_mut(hd);
            let (oz, on) = o.split_at_mut(hd);
            let os = row_mut(dpre_s.data, dpre_s.stride, r, 3 * hd);
            let (sr, os) = os.split_at_mut(hd);
            let (sz, sn) = os.split_at_mut(hd);
            let dhp = row_mut(dh_prev.data, dh_prev.stride, r, hd);
            let mut j = 0;
            while j < hd {
                let mut dhv = ld(s, d, j);
                if let Some(yr) = yr {
                    dhv = s.add(dhv, ld(s, yr, j));
                }
                let (rv, zv, nv) = (ld(s, gr, j), ld(s, gz, j), ld(s, gn, j));
                let dpn = s.mul(s.mul(dhv, s.sub(one, zv)), dtanh(s, nv));
                let dpz = s.mul(s.mul(dhv, s.sub(ld(s, hpr, j), nv)), dsig(s, zv));
                let dpr = s.mul(s.mul(dpn, ld(s, hnr, j)), dsig(s, rv));
                st(s, or, j, dpr);
                st(s, oz, j, dpz);
                st(s, on, j, s.mul(dpn, rv));
                st(s, sr, j, dpr);
                st(s, sz, j, dpz);
                st(s, sn, j, dpn);
                st(s, dhp, j, s.mul(dhv, zv));
                j += S::LANES;
            }
        }
    }
}

/// GRU step, backward, from the saved r, z, n (`gates`, strided), hn and h_prev ([rows, H]).
/// With δ = dh + dy (dy optional): d(n-pre) = δ⊙(1−z)⊙(1−n²), d(z-pre) = δ⊙(h_prev−n)⊙z(1−z),
/// d(r-pre) = d(n-pre)⊙hn⊙r(1−r). Writes the hidden-side gradient [d(r-pre), d(z-pre),
/// d(n-pre)⊙r] to `dpre` [rows, 3H], the input-side one [d(r-pre), d(z-pre), d(n-pre)] to the
/// strided `dpre_s` (same layout as `gates`), and the direct part δ⊙z of the gradient with
/// respect to h_prev to `dh_prev` [rows, H] (the caller adds dpre·W_hh).
#[allow(clippy::too_many_arguments)]
pub fn gru_backward(
    rows: usize,
    hidden: usize,
    gates: Strided<'_>,
    hn: &[f32],
    h_prev: &[f32],
    dh: &[f32],
    dy: Option<Strided<'_>>,
    dpre: &mut [f32],
    dpre_s: StridedMut<'_>,
    dh_prev: &mut [f32],
) {
    if rows == 0 || hidden == 0 {
        return;
    }
    let a = GruBwd {
        gates,
        hn: Strided {
            data: hn,
            stride: hidden,
        },
        h_prev: Strided {
            data: h_prev,
            stride: hidden,
        },
        dh: Strided {
            data: dh,
            stride: hidden,
        },
        dy,
        dpre: StridedMut {
            data: dpre,
            stride: 3 * hidden,
        },
        dpre_s,
        dh_prev: StridedMut {
            data: dh_prev,
            stride: hidden,
        },
    };
    par_rows(a, rows, 30 * hidden, &|a, n| gru_bwd_rows(a, n, hidden));
}
