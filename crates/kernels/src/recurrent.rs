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
//!
//! A cell is its views (a struct split at row boundaries for the threads), one `simd_fn!` row
//! loop holding only its formulas, and a wrapper viewing the dense arguments; what the cells
//! share (row access, gate blocks, δ = dh + dy, stores to h and y, the parallel row split) is
//! written once below.

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

impl<'a> Strided<'a> {
    /// A dense `[rows, w]` block.
    fn dense(data: &'a [f32], w: usize) -> Self {
        Strided { data, stride: w }
    }

    /// Row `r` (`w` values).
    #[inline(always)]
    fn row(&self, r: usize, w: usize) -> &'a [f32] {
        &self.data[r * self.stride..r * self.stride + w]
    }
}

impl<'a> StridedMut<'a> {
    /// A dense `[rows, w]` block.
    fn dense(data: &'a mut [f32], w: usize) -> Self {
        StridedMut { data, stride: w }
    }

    /// Row `r` (`w` values).
    #[inline(always)]
    fn row(&mut self, r: usize, w: usize) -> &mut [f32] {
        &mut self.data[r * self.stride..r * self.stride + w]
    }
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

/// Runs `f` over the rows, split in halves over the rayon pool when the step is large; nothing
/// when there are no rows or the hidden size (so the work per row) is zero.
fn par_rows<T: SplitRows>(
    data: T,
    rows: usize,
    work_per_row: usize,
    f: &(impl Fn(T, usize) + Sync),
) {
    if rows == 0 || work_per_row == 0 {
        return;
    }
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

/// The `N` gate blocks (`hd` values each) of a gate row.
#[inline(always)]
fn blocks<const N: usize>(row: &[f32], hd: usize) -> [&[f32]; N] {
    std::array::from_fn(|k| &row[k * hd..(k + 1) * hd])
}

#[inline(always)]
fn blocks_mut<const N: usize>(row: &mut [f32], hd: usize) -> [&mut [f32]; N] {
    let mut blocks = row.chunks_exact_mut(hd);
    std::array::from_fn(|_| blocks.next().expect("a gate row holds N blocks"))
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

/// δ = dh + dy at `j` (dy optional): the gradient reaching a step's hidden state.
#[inline(always)]
fn delta<S: Simd>(s: S, dh: &[f32], dy: Option<&[f32]>, j: usize) -> S::V {
    let d = ld(s, dh, j);
    match dy {
        Some(y) => s.add(d, ld(s, y, j)),
        None => d,
    }
}

/// Stores `v[k]` at `j` into gate block k of a row, for every k.
#[inline(always)]
fn st_blocks<S: Simd, const N: usize>(s: S, blocks: &mut [&mut [f32]; N], j: usize, v: [S::V; N]) {
    for k in 0..N {
        st(s, blocks[k], j, v[k]);
    }
}

/// Stores `v` to the step's h and, if given, to its output row y.
#[inline(always)]
fn st_h<S: Simd>(s: S, h: &mut [f32], y: Option<&mut [f32]>, j: usize, v: S::V) {
    st(s, h, j, v);
    if let Some(y) = y {
        st(s, y, j, v);
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
        let RnnFwd { mut gates, hp, mut h, mut y } = a;
        for r in 0..rows {
            let g = gates.row(r, hd);
            let p = hp.row(r, hd);
            let hr = h.row(r, hd);
            let mut yr = y.as_mut().map(|y| y.row(r, hd));
            let mut j = 0;
            while j < hd {
                let pre = s.add(ld(s, g, j), ld(s, p, j));
                let v = if relu { s.max(s.zero(), pre) } else { math::tanh(s, pre) };
                st(s, g, j, v);
                st_h(s, hr, yr.as_deref_mut(), j, v);
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
    let a = RnnFwd {
        gates,
        hp: Strided::dense(hp, hidden),
        h: StridedMut::dense(h, hidden),
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
        let RnnBwd { gates, dh, dy, mut dpre, mut dpre_s } = a;
        for r in 0..rows {
            let g = gates.row(r, hd);
            let d = dh.row(r, hd);
            let yr = dy.as_ref().map(|y| y.row(r, hd));
            let o = dpre.row(r, hd);
            let os = dpre_s.row(r, hd);
            let mut j = 0;
            while j < hd {
                let dv = delta(s, d, yr, j);
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
    let a = RnnBwd {
        gates,
        dh: Strided::dense(dh, hidden),
        dy,
        dpre: StridedMut::dense(dpre, hidden),
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
        let LstmFwd { mut gates, hp, c_prev, mut c, mut h, mut y } = a;
        for r in 0..rows {
            let mut g = blocks_mut::<4>(gates.row(r, 4 * hd), hd);
            let [pi, pf, pg, po] = blocks::<4>(hp.row(r, 4 * hd), hd);
            let cp = c_prev.row(r, hd);
            let cr = c.row(r, hd);
            let hr = h.row(r, hd);
            let mut yr = y.as_mut().map(|y| y.row(r, hd));
            let mut j = 0;
            while j < hd {
                let i = math::sigmoid(s, s.add(ld(s, g[0], j), ld(s, pi, j)));
                let f = math::sigmoid(s, s.add(ld(s, g[1], j), ld(s, pf, j)));
                let gv = math::tanh(s, s.add(ld(s, g[2], j), ld(s, pg, j)));
                let o = math::sigmoid(s, s.add(ld(s, g[3], j), ld(s, po, j)));
                st_blocks(s, &mut g, j, [i, f, gv, o]);
                let cn = s.fma(f, ld(s, cp, j), s.mul(i, gv));
                st(s, cr, j, cn);
                st_h(s, hr, yr.as_deref_mut(), j, s.mul(o, math::tanh(s, cn)));
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
    let a = LstmFwd {
        gates,
        hp: Strided::dense(hp, 4 * hidden),
        c_prev: Strided::dense(c_prev, hidden),
        c: StridedMut::dense(c, hidden),
        h: StridedMut::dense(h, hidden),
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
        let LstmBwd { gates, c_prev, c, dh, dy, mut dc, mut dpre, mut dpre_s } = a;
        for r in 0..rows {
            let [gi, gf, gg, go] = blocks::<4>(gates.row(r, 4 * hd), hd);
            let cp = c_prev.row(r, hd);
            let cr = c.row(r, hd);
            let d = dh.row(r, hd);
            let yr = dy.as_ref().map(|y| y.row(r, hd));
            let dcr = dc.row(r, hd);
            let mut o = blocks_mut::<4>(dpre.row(r, 4 * hd), hd);
            let mut os = blocks_mut::<4>(dpre_s.row(r, 4 * hd), hd);
            let mut j = 0;
            while j < hd {
                let dhv = delta(s, d, yr, j);
                let (i, f, gv, ov) = (ld(s, gi, j), ld(s, gf, j), ld(s, gg, j), ld(s, go, j));
                let cn = ld(s, cr, j);
                let tc = math::tanh(s, cn);
                let dpo = s.mul(s.mul(dhv, tc), dsig(s, ov));
                let dct = s.fma(s.mul(dhv, ov), math::sech2(s, cn), ld(s, dcr, j));
                let dpi = s.mul(s.mul(dct, gv), dsig(s, i));
                let dpg = s.mul(s.mul(dct, i), dtanh(s, gv));
                let dpf = s.mul(s.mul(dct, ld(s, cp, j)), dsig(s, f));
                st(s, dcr, j, s.mul(dct, f));
                st_blocks(s, &mut o, j, [dpi, dpf, dpg, dpo]);
                st_blocks(s, &mut os, j, [dpi, dpf, dpg, dpo]);
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
    let a = LstmBwd {
        gates,
        c_prev: Strided::dense(c_prev, hidden),
        c: Strided::dense(c, hidden),
        dh: Strided::dense(dh, hidden),
        dy,
        dc: StridedMut::dense(dc, hidden),
        dpre: StridedMut::dense(dpre, 4 * hidden),
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
        let GruFwd { mut gates, hp, h_prev, mut hn, mut h, mut y, bhh } = a;
        let b = bhh.map(|b| blocks::<3>(b, hd));
        for r in 0..rows {
            let mut g = blocks_mut::<3>(gates.row(r, 3 * hd), hd);
            let [pr, pz, pn] = blocks::<3>(hp.row(r, 3 * hd), hd);
            let hpr = h_prev.row(r, hd);
            let hnr = hn.row(r, hd);
            let hr = h.row(r, hd);
            let mut yr = y.as_mut().map(|y| y.row(r, hd));
            let mut j = 0;
            while j < hd {
                let mut ar = s.add(ld(s, g[0], j), ld(s, pr, j));
                let mut az = s.add(ld(s, g[1], j), ld(s, pz, j));
                let mut hnv = ld(s, pn, j);
                if let Some([br, bz, bn]) = b {
                    ar = s.add(ar, ld(s, br, j));
                    az = s.add(az, ld(s, bz, j));
                    hnv = s.add(hnv, ld(s, bn, j));
                }
                let rv = math::sigmoid(s, ar);
                let zv = math::sigmoid(s, az);
                let nv = math::tanh(s, s.fma(rv, hnv, ld(s, g[2], j)));
                st_blocks(s, &mut g, j, [rv, zv, nv]);
                st(s, hnr, j, hnv);
                // h = (1 − z)⊙n + z⊙h_prev = n + z⊙(h_prev − n)
                st_h(s, hr, yr.as_deref_mut(), j, s.fma(zv, s.sub(ld(s, hpr, j), nv), nv));
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
    let a = GruFwd {
        gates,
        hp: Strided::dense(hp, 3 * hidden),
        h_prev: Strided::dense(h_prev, hidden),
        hn: StridedMut::dense(hn, hidden),
        h: StridedMut::dense(h, hidden),
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
        let GruBwd { gates, hn, h_prev, dh, dy, mut dpre, mut dpre_s, mut dh_prev } = a;
        let one = s.splat(1.0);
        for r in 0..rows {
            let [gr, gz, gn] = blocks::<3>(gates.row(r, 3 * hd), hd);
            let hnr = hn.row(r, hd);
            let hpr = h_prev.row(r, hd);
            let d = dh.row(r, hd);
            let yr = dy.as_ref().map(|y| y.row(r, hd));
            let mut o = blocks_mut::<3>(dpre.row(r, 3 * hd), hd);
            let mut os = blocks_mut::<3>(dpre_s.row(r, 3 * hd), hd);
            let dhp = dh_prev.row(r, hd);
            let mut j = 0;
            while j < hd {
                let dhv = delta(s, d, yr, j);
                let (rv, zv, nv) = (ld(s, gr, j), ld(s, gz, j), ld(s, gn, j));
                let dpn = s.mul(s.mul(dhv, s.sub(one, zv)), dtanh(s, nv));
                let dpz = s.mul(s.mul(dhv, s.sub(ld(s, hpr, j), nv)), dsig(s, zv));
                let dpr = s.mul(s.mul(dpn, ld(s, hnr, j)), dsig(s, rv));
                st_blocks(s, &mut o, j, [dpr, dpz, s.mul(dpn, rv)]);
                st_blocks(s, &mut os, j, [dpr, dpz, dpn]);
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
    let a = GruBwd {
        gates,
        hn: Strided::dense(hn, hidden),
        h_prev: Strided::dense(h_prev, hidden),
        dh: Strided::dense(dh, hidden),
        dy,
        dpre: StridedMut::dense(dpre, 3 * hidden),
        dpre_s,
        dh_prev: StridedMut::dense(dh_prev, hidden),
    };
    par_rows(a, rows, 30 * hidden, &|a, n| gru_bwd_rows(a, n, hidden));
}
