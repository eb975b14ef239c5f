//! Fused recurrent cell steps (vanilla RNN, LSTM, GRU), forward and backward.
//!
//! Strided arguments (`gates`/`dpreS` with `gOff`/`gStride`, `y`/`dy` with their own offset
//! and stride) address row `r` at `off + r·stride`; every other array is a dense
//! `[rows, width]` block of exactly that length. Every written array must be disjoint from
//! every other argument; the in-place arrays (`gates` forward, `dc`) are single arguments.

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

/// Rows and hidden size, and `gates · hidden` (the gate row width), overflow-checked.
fn dims(f: &str, rows: f64, hidden: f64, gates: usize) -> Result<(usize, usize, usize)> {
    let (r, h) = (count(f, "rows", rows)?, count(f, "hidden", hidden)?);
    let w = product(f, "gates × hidden", &[gates, h])?;
    product(f, "rows × gate width", &[r, w])?;
    Ok((r, h, w))
}

/// # Safety
/// `b` must not overlap any other live slice (checked by `all_disjoint`).
unsafe fn rows_mut(b: &F32, l: Layout) -> StridedMut<'_> {
    let d = unsafe { b.as_mut() };
    let off = l.off.min(d.len());
    StridedMut {
        data: &mut d[off..],
        stride: l.stride,
    }
}

/// # Safety
/// No mutable slice may overlap `b` (checked by `all_disjoint`).
unsafe fn rows_ref(b: &F32, l: Layout) -> Strided<'_> {
    let d = unsafe { b.as_ref() };
    Strided {
        data: &d[l.off.min(d.len())..],
        stride: l.stride,
    }
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
    let f = "rnnCellForward";
    let (r, hd, w) = dims(f, rows, hidden, 1)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    len_is(f, "hp", &hp, r * hd)?;
    len_is(f, "h", &h, r * hd)?;
    let mut args = vec![("gates", &gates, true), ("hp", &hp, false), ("h", &h, true)];
    let yl = match &y {
        Some(y) => {
            args.push(("y", y, true));
            Some(strided(f, "y", y, y_off, y_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::rnn_forward(
            relu,
            r,
            hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            h.as_mut(),
            y.as_ref().zip(yl).map(|(y, l)| rows_mut(y, l)),
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
    let f = "rnnCellBackward";
    let (r, hd, w) = dims(f, rows, hidden, 1)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    strided(f, "dpreS", &dpre_s, g_off, g_stride, r, w)?;
    len_is(f, "dh", &dh, r * hd)?;
    len_is(f, "dpre", &dpre, r * w)?;
    let mut args = vec![
        ("gates", &gates, false),
        ("dh", &dh, false),
        ("dpre", &dpre, true),
        ("dpreS", &dpre_s, true),
    ];
    let yl = match &dy {
        Some(y) => {
            args.push(("dy", y, false));
            Some(strided(f, "dy", y, dy_off, dy_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::rnn_backward(
            relu,
            r,
            hd,
            rows_ref(&gates, gl),
            dh.as_ref(),
            dy.as_ref().zip(yl).map(|(y, l)| rows_ref(y, l)),
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
    let f = "lstmCellForward";
    let (r, hd, w) = dims(f, rows, hidden, 4)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    len_is(f, "hp", &hp, r * w)?;
    for (name, b) in [("cPrev", &c_prev), ("c", &c), ("h", &h)] {
        len_is(f, name, b, r * hd)?;
    }
    let mut args = vec![
        ("gates", &gates, true),
        ("hp", &hp, false),
        ("cPrev", &c_prev, false),
        ("c", &c, true),
        ("h", &h, true),
    ];
    let yl = match &y {
        Some(y) => {
            args.push(("y", y, true));
            Some(strided(f, "y", y, y_off, y_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::lstm_forward(
            r,
            hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            c_prev.as_ref(),
            c.as_mut(),
            h.as_mut(),
            y.as_ref().zip(yl).map(|(y, l)| rows_mut(y, l)),
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
    let f = "lstmCellBackward";
    let (r, hd, w) = dims(f, rows, hidden, 4)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    strided(f, "dpreS", &dpre_s, g_off, g_stride, r, w)?;
    for (name, b) in [("cPrev", &c_prev), ("c", &c), ("dh", &dh), ("dc", &dc)] {
        len_is(f, name, b, r * hd)?;
    }
    len_is(f, "dpre", &dpre, r * w)?;
    let mut args = vec![
        ("gates", &gates, false),
        ("cPrev", &c_prev, false),
        ("c", &c, false),
        ("dh", &dh, false),
        ("dc", &dc, true),
        ("dpre", &dpre, true),
        ("dpreS", &dpre_s, true),
    ];
    let yl = match &dy {
        Some(y) => {
            args.push(("dy", y, false));
            Some(strided(f, "dy", y, dy_off, dy_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::lstm_backward(
            r,
            hd,
            rows_ref(&gates, gl),
            c_prev.as_ref(),
            c.as_ref(),
            dh.as_ref(),
            dy.as_ref().zip(yl).map(|(y, l)| rows_ref(y, l)),
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
    let f = "gruCellForward";
    let (r, hd, w) = dims(f, rows, hidden, 3)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    len_is(f, "hp", &hp, r * w)?;
    for (name, b) in [("hPrev", &h_prev), ("hn", &hn), ("h", &h)] {
        len_is(f, name, b, r * hd)?;
    }
    let mut args = vec![
        ("gates", &gates, true),
        ("hp", &hp, false),
        ("hPrev", &h_prev, false),
        ("hn", &hn, true),
        ("h", &h, true),
    ];
    if let Some(b) = &bhh {
        len_is(f, "bhh", b, w)?;
        args.push(("bhh", b, false));
    }
    let yl = match &y {
        Some(y) => {
            args.push(("y", y, true));
            Some(strided(f, "y", y, y_off, y_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::gru_forward(
            r,
            hd,
            rows_mut(&gates, gl),
            hp.as_ref(),
            bhh.as_ref().map(|b| b.as_ref()),
            h_prev.as_ref(),
            hn.as_mut(),
            h.as_mut(),
            y.as_ref().zip(yl).map(|(y, l)| rows_mut(y, l)),
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
    let f = "gruCellBackward";
    let (r, hd, w) = dims(f, rows, hidden, 3)?;
    let gl = strided(f, "gates", &gates, g_off, g_stride, r, w)?;
    strided(f, "dpreS", &dpre_s, g_off, g_stride, r, w)?;
    for (name, b) in [
        ("hn", &hn),
        ("hPrev", &h_prev),
        ("dh", &dh),
        ("dhPrev", &dh_prev),
    ] {
        len_is(f, name, b, r * hd)?;
    }
    len_is(f, "dpre", &dpre, r * w)?;
    let mut args = vec![
        ("gates", &gates, false),
        ("hn", &hn, false),
        ("hPrev", &h_prev, false),
        ("dh", &dh, false),
        ("dpre", &dpre, true),
        ("dpreS", &dpre_s, true),
        ("dhPrev", &dh_prev, true),
    ];
    let yl = match &dy {
        Some(y) => {
            args.push(("dy", y, false));
            Some(strided(f, "dy", y, dy_off, dy_stride, r, hd)?)
        }
        None => None,
    };
    all_disjoint(f, &args)?;
    // SAFETY: lengths and disjointness checked above.
    unsafe {
        rk::gru_backward(
            r,
            hd,
            rows_ref(&gates, gl),
            hn.as_ref(),
            h_prev.as_ref(),
            dh.as_ref(),
            dy.as_ref().zip(yl).map(|(y, l)| rows_ref(y, l)),
            dpre.as_mut(),
            rows_mut(&dpre_s, gl),
            dh_prev.as_mut(),
        );
    }
    Ok(())
}
