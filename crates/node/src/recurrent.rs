//! Fused recurrent cell steps (vanilla RNN, LSTM, GRU), forward and backward.
//!
//! Strided arguments (`gates`/`dpreS` with `gOff`/`gStride`, `y`/`dy` with their own offset
//! and stride) address row `r` at `off + r·stride`; every other array is a dense
//! `[rows, width]` block of exactly that length. Every written array must be disjoint from
//! every other argument; the in-place arrays (`gates` forward, `dc`) are single arguments.
//! Each binding lists its arrays to one validator ([`Args`]) and calls its kernel.

use crate::buf::{count, disjoint, invalid, len_is, product, F32};
use descent_kernels::recurrent::{self as rk, Strided, StridedMut};
use napi::Result;
use napi_derive::napi;

/// A validated strided view: the offset and stride as counts.
#[derive(Clone, Copy)]
struct Layout {
    off: usize,
    stride: usize,
}

/// Checks that `rows` rows of `width` values at `off + r·stride` fit in `b` without overlap.
#[allow(clippy::too_many_arguments)]
fn strided(
    f: &str,
    name: &str,
    b: &F32,
    off: f64,
    stride: f64,
    rows: usize,
    width: usize,
) -> Result<Layout> {
    let off = count(f, &format!("{name} offset"), off)?;
    let stride = count(f, &format!("{name} stride"), stride)?;
    if rows > 0 && width > 0 {
        if stride < width {
            return Err(invalid(
                f,
                format!("{name} stride {stride} is less than the row width {width}"),
            ));
        }
        let span = product(f, &format!("{name} rows × stride"), &[rows - 1, stride])?
            .checked_add(width)
            .and_then(|v| v.checked_add(off))
            .ok_or_else(|| invalid(f, format!("{name} offset + extent overflows")))?;
        if span > b.len() {
            return Err(invalid(
                f,
                format!(
                    "{name} has length {}, its {rows} rows of {width} at offset {off}, stride {stride} need {span}",
                    b.len()
                ),
            ));
        }
    } else if off > b.len() {
        return Err(invalid(
            f,
            format!("{name} offset {off} exceeds its length {}", b.len()),
        ));
    }
    Ok(Layout { off, stride })
}

/// Refuses any overlap of a written argument with any other argument.
fn all_disjoint(f: &str, args: &[(&str, &F32, bool)]) -> Result<()> {
    for (i, (name, b, written)) in args.iter().enumerate() {
        if !*written {
            continue;
        }
        let others: Vec<(&str, &F32)> = args
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, (n, o, _))| (*n, *o))
            .collect();
        disjoint(f, (*name, *b), &others)?;
    }
    Ok(())
}

/// One call's arrays, each checked as it is added (a dense block's length, a strided view's
/// extent), then together for overlap.
struct Args<'a> {
    f: &'static str,
    rows: usize,
    /// Hidden size H.
    hd: usize,
    /// Gate row width G·H.
    w: usize,
    list: Vec<(&'static str, &'a F32, bool)>,
}

impl<'a> Args<'a> {
    /// Rows and hidden size, and `gates · hidden` (the gate row width), overflow-checked.
    fn new(f: &'static str, rows: f64, hidden: f64, gates: usize) -> Result<Self> {
        let (r, h) = (count(f, "rows", rows)?, count(f, "hidden", hidden)?);
        let w = product(f, "gates × hidden", &[gates, h])?;
        product(f, "rows × gate width", &[r, w])?;
        Ok(Args {
            f,
            rows: r,
            hd: h,
            w,
            list: Vec::new(),
        })
    }

    /// An array of exactly `len` values.
    fn sized(&mut self, name: &'static str, b: &'a F32, len: usize, written: bool) -> Result<()> {
        len_is(self.f, name, b, len)?;
        self.list.push((name, b, written));
        Ok(())
    }

    /// A dense `[rows, width]` block (`width` ≤ the gate width, so the product fits).
    fn dense(&mut self, name: &'static str, b: &'a F32, width: usize, written: bool) -> Result<()> {
        self.sized(name, b, self.rows * width, written)
    }

    /// Rows of `width` values at `off + r·stride`.
    fn strided(
        &mut self,
        name: &'static str,
        b: &'a F32,
        (off, stride): (f64, f64),
        width: usize,
        written: bool,
    ) -> Result<Layout> {
        let l = strided(self.f, name, b, off, stride, self.rows, width)?;
        self.list.push((name, b, written));
        Ok(l)
    }

    /// An optional strided `[rows, H]` view (`y`, `dy`).
    fn output(
        &mut self,
        name: &'static str,
        b: &'a Option<F32>,
        at: (f64, f64),
        written: bool,
    ) -> Result<Option<Layout>> {
        b.as_ref()
            .map(|b| self.strided(name, b, at, self.hd, written))
            .transpose()
    }

    /// Refuses any overlap of a written array with any other.
    fn check(&self) -> Result<()> {
        all_disjoint(self.f, &self.list)
    }
}

/// # Safety
/// `b` must not overlap any other live slice (checked by `Args::check`).
unsafe fn rows_mut(b: &F32, l: Layout) -> StridedMut<'_> {
    let d = unsafe { b.as_mut() };
    let off = l.off.min(d.len());
    StridedMut {
        data: &mut d[off..],
        stride: l.stride,
    }
}

/// # Safety
/// No mutable slice may overlap `b` (checked by `Args::check`).
unsafe fn rows_ref(b: &F32, l: Layout) -> Strided<'_> {
    let d = unsafe { b.as_ref() };
    Strided {
        data: &d[l.off.min(d.len())..],
        stride: l.stride,
    }
}

/// # Safety
/// As [`rows_mut`], for an optional view.
unsafe fn opt_mut(b: &Option<F32>, l: Option<Layout>) -> Option<StridedMut<'_>> {
    b.as_ref().zip(l).map(|(b, l)| unsafe { rows_mut(b, l) })
}

/// # Safety
/// As [`rows_ref`], for an optional view.
unsafe fn opt_ref(b: &Option<F32>, l: Option<Layout>) -> Option<Strided<'_>> {
    b.as_ref().zip(l).map(|(b, l)| unsafe { rows_ref(b, l) })
}

/// Vanilla RNN step, forward (see `descent_kernels::recurrent::rnn_forward`).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn rnn_cell_forward(
    relu: bool,
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    hp: F32,
    h: F32,
    y: Option<F32>,
    y_off: f64,
    y_stride: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("rnnCellForward", rows, hidden, 1)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, true)?;
    a.dense("hp", &hp, a.hd, false)?;
    a.dense("h", &h, a.hd, true)?;
    let yl = a.output("y", &y, (y_off, y_stride), true)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::rnn_forward(
            relu,
            a.rows,
            a.hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            h.as_mut(),
            opt_mut(&y, yl),
        );
    }
    Ok(())
}

/// Vanilla RNN step, backward (see `descent_kernels::recurrent::rnn_backward`); `dpreS` has
/// the layout of `gates`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn rnn_cell_backward(
    relu: bool,
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    dh: F32,
    dy: Option<F32>,
    dy_off: f64,
    dy_stride: f64,
    dpre: F32,
    dpre_s: F32,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("rnnCellBackward", rows, hidden, 1)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, false)?;
    a.strided("dpreS", &dpre_s, (g_off, g_stride), a.w, true)?;
    a.dense("dh", &dh, a.hd, false)?;
    a.dense("dpre", &dpre, a.w, true)?;
    let yl = a.output("dy", &dy, (dy_off, dy_stride), false)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::rnn_backward(
            relu,
            a.rows,
            a.hd,
            rows_ref(&gates, gl),
            dh.as_ref(),
            opt_ref(&dy, yl),
            dpre.as_mut(),
            rows_mut(&dpre_s, gl),
        );
    }
    Ok(())
}

/// LSTM step, forward (see `descent_kernels::recurrent::lstm_forward`).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn lstm_cell_forward(
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    hp: F32,
    c_prev: F32,
    c: F32,
    h: F32,
    y: Option<F32>,
    y_off: f64,
    y_stride: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("lstmCellForward", rows, hidden, 4)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, true)?;
    a.dense("hp", &hp, a.w, false)?;
    a.dense("cPrev", &c_prev, a.hd, false)?;
    a.dense("c", &c, a.hd, true)?;
    a.dense("h", &h, a.hd, true)?;
    let yl = a.output("y", &y, (y_off, y_stride), true)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::lstm_forward(
            a.rows,
            a.hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            c_prev.as_ref(),
            c.as_mut(),
            h.as_mut(),
            opt_mut(&y, yl),
        );
    }
    Ok(())
}

/// LSTM step, backward (see `descent_kernels::recurrent::lstm_backward`); `dc` is read and
/// overwritten in place; `dpreS` has the layout of `gates`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn lstm_cell_backward(
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    c_prev: F32,
    c: F32,
    dh: F32,
    dy: Option<F32>,
    dy_off: f64,
    dy_stride: f64,
    dc: F32,
    dpre: F32,
    dpre_s: F32,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("lstmCellBackward", rows, hidden, 4)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, false)?;
    a.strided("dpreS", &dpre_s, (g_off, g_stride), a.w, true)?;
    a.dense("cPrev", &c_prev, a.hd, false)?;
    a.dense("c", &c, a.hd, false)?;
    a.dense("dh", &dh, a.hd, false)?;
    a.dense("dc", &dc, a.hd, true)?;
    a.dense("dpre", &dpre, a.w, true)?;
    let yl = a.output("dy", &dy, (dy_off, dy_stride), false)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::lstm_backward(
            a.rows,
            a.hd,
            rows_ref(&gates, gl),
            c_prev.as_ref(),
            c.as_ref(),
            dh.as_ref(),
            opt_ref(&dy, yl),
            dc.as_mut(),
            dpre.as_mut(),
            rows_mut(&dpre_s, gl),
        );
    }
    Ok(())
}

/// GRU step, forward (see `descent_kernels::recurrent::gru_forward`).
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn gru_cell_forward(
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    hp: F32,
    bhh: Option<F32>,
    h_prev: F32,
    hn: F32,
    h: F32,
    y: Option<F32>,
    y_off: f64,
    y_stride: f64,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("gruCellForward", rows, hidden, 3)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, true)?;
    a.dense("hp", &hp, a.w, false)?;
    a.dense("hPrev", &h_prev, a.hd, false)?;
    a.dense("hn", &hn, a.hd, true)?;
    a.dense("h", &h, a.hd, true)?;
    if let Some(b) = &bhh {
        a.sized("bhh", b, a.w, false)?;
    }
    let yl = a.output("y", &y, (y_off, y_stride), true)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::gru_forward(
            a.rows,
            a.hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            bhh.as_ref().map(|b| b.as_ref()),
            h_prev.as_ref(),
            hn.as_mut(),
            h.as_mut(),
            opt_mut(&y, yl),
        );
    }
    Ok(())
}

/// GRU step, backward (see `descent_kernels::recurrent::gru_backward`); `dpreS` has the
/// layout of `gates`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn gru_cell_backward(
    rows: f64,
    hidden: f64,
    gates: F32,
    g_off: f64,
    g_stride: f64,
    hn: F32,
    h_prev: F32,
    dh: F32,
    dy: Option<F32>,
    dy_off: f64,
    dy_stride: f64,
    dpre: F32,
    dpre_s: F32,
    dh_prev: F32,
) -> Result<()> {
    let _call = crate::call::enter();
    let mut a = Args::new("gruCellBackward", rows, hidden, 3)?;
    let gl = a.strided("gates", &gates, (g_off, g_stride), a.w, false)?;
    a.strided("dpreS", &dpre_s, (g_off, g_stride), a.w, true)?;
    a.dense("hn", &hn, a.hd, false)?;
    a.dense("hPrev", &h_prev, a.hd, false)?;
    a.dense("dh", &dh, a.hd, false)?;
    a.dense("dhPrev", &dh_prev, a.hd, true)?;
    a.dense("dpre", &dpre, a.w, true)?;
    let yl = a.output("dy", &dy, (dy_off, dy_stride), false)?;
    a.check()?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::gru_backward(
            a.rows,
            a.hd,
            rows_ref(&gates, gl),
            hn.as_ref(),
            h_prev.as_ref(),
            dh.as_ref(),
            opt_ref(&dy, yl),
            dpre.as_mut(),
            rows_mut(&dpre_s, gl),
            dh_prev.as_mut(),
        );
    }
    Ok(())
}
