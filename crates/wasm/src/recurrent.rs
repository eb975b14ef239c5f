//! Recurrent cell steps (RNN, LSTM, GRU; forward and backward). Every array arrives whole,
//! as (pointer, length); strided ones (`gates`, `dpreS`, `y`, `dy`) also with the offset and
//! stride of their rows. Dense blocks have exactly the length the kernels expect (the
//! checked ops validated it).

use crate::{r, w};
use descent_kernels::recurrent::{self as rk, Strided, StridedMut};

/// # Safety
/// `p` holds `n` f32; `off ≤ n`.
unsafe fn sm<'a>(p: *mut f32, n: usize, off: usize, stride: usize) -> StridedMut<'a> {
    StridedMut {
        data: &mut w(p, n)[off.min(n)..],
        stride,
    }
}

/// # Safety
/// As [`sm`], read only.
unsafe fn sr<'a>(p: *const f32, n: usize, off: usize, stride: usize) -> Strided<'a> {
    Strided {
        data: &r(p, n)[off.min(n)..],
        stride,
    }
}

/// # Safety
/// As [`sm`], or null for an absent view.
unsafe fn osm<'a>(p: *mut f32, n: usize, off: usize, stride: usize) -> Option<StridedMut<'a>> {
    (!p.is_null()).then(|| sm(p, n, off, stride))
}

/// # Safety
/// As [`sr`], or null for an absent view.
unsafe fn osr<'a>(p: *const f32, n: usize, off: usize, stride: usize) -> Option<Strided<'a>> {
    (!p.is_null()).then(|| sr(p, n, off, stride))
}

/// # Safety
/// Arrays as the module header says, written ones disjoint from all others.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rnn_cell_forward(
    relu: u32,
    rows: usize,
    hidden: usize,
    gates: *mut f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    hp: *const f32,
    h: *mut f32,
    y: *mut f32,
    yn: usize,
    y_off: usize,
    y_stride: usize,
) {
    let d = rows * hidden;
    rk::rnn_forward(
        relu != 0,
        rows,
        hidden,
        sm(gates, gn, g_off, g_stride),
        r(hp, d),
        w(h, d),
        osm(y, yn, y_off, y_stride),
    );
}

/// # Safety
/// As [`rnn_cell_forward`]; `dpre_s` (`dsn` f32) has the row layout of `gates`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rnn_cell_backward(
    relu: u32,
    rows: usize,
    hidden: usize,
    gates: *const f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    dh: *const f32,
    dy: *const f32,
    dyn_: usize,
    dy_off: usize,
    dy_stride: usize,
    dpre: *mut f32,
    dpre_s: *mut f32,
    dsn: usize,
) {
    let d = rows * hidden;
    rk::rnn_backward(
        relu != 0,
        rows,
        hidden,
        sr(gates, gn, g_off, g_stride),
        r(dh, d),
        osr(dy, dyn_, dy_off, dy_stride),
        w(dpre, d),
        sm(dpre_s, dsn, g_off, g_stride),
    );
}

/// # Safety
/// As [`rnn_cell_forward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lstm_cell_forward(
    rows: usize,
    hidden: usize,
    gates: *mut f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    hp: *const f32,
    c_prev: *const f32,
    c: *mut f32,
    h: *mut f32,
    y: *mut f32,
    yn: usize,
    y_off: usize,
    y_stride: usize,
) {
    let d = rows * hidden;
    rk::lstm_forward(
        rows,
        hidden,
        sm(gates, gn, g_off, g_stride),
        r(hp, 4 * d),
        r(c_prev, d),
        w(c, d),
        w(h, d),
        osm(y, yn, y_off, y_stride),
    );
}

/// # Safety
/// As [`rnn_cell_backward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lstm_cell_backward(
    rows: usize,
    hidden: usize,
    gates: *const f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    c_prev: *const f32,
    c: *const f32,
    dh: *const f32,
    dy: *const f32,
    dyn_: usize,
    dy_off: usize,
    dy_stride: usize,
    dc: *mut f32,
    dpre: *mut f32,
    dpre_s: *mut f32,
    dsn: usize,
) {
    let d = rows * hidden;
    rk::lstm_backward(
        rows,
        hidden,
        sr(gates, gn, g_off, g_stride),
        r(c_prev, d),
        r(c, d),
        r(dh, d),
        osr(dy, dyn_, dy_off, dy_stride),
        w(dc, d),
        w(dpre, 4 * d),
        sm(dpre_s, dsn, g_off, g_stride),
    );
}

/// # Safety
/// As [`rnn_cell_forward`]; `bhh` null or `3·hidden` f32.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gru_cell_forward(
    rows: usize,
    hidden: usize,
    gates: *mut f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    hp: *const f32,
    bhh: *const f32,
    h_prev: *const f32,
    hn: *mut f32,
    h: *mut f32,
    y: *mut f32,
    yn: usize,
    y_off: usize,
    y_stride: usize,
) {
    let d = rows * hidden;
    rk::gru_forward(
        rows,
        hidden,
        sm(gates, gn, g_off, g_stride),
        r(hp, 3 * d),
        (!bhh.is_null()).then(|| r(bhh, 3 * hidden)),
        r(h_prev, d),
        w(hn, d),
        w(h, d),
        osm(y, yn, y_off, y_stride),
    );
}

/// # Safety
/// As [`rnn_cell_backward`].
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gru_cell_backward(
    rows: usize,
    hidden: usize,
    gates: *const f32,
    gn: usize,
    g_off: usize,
    g_stride: usize,
    hn: *const f32,
    h_prev: *const f32,
    dh: *const f32,
    dy: *const f32,
    dyn_: usize,
    dy_off: usize,
    dy_stride: usize,
    dpre: *mut f32,
    dpre_s: *mut f32,
    dsn: usize,
    dh_prev: *mut f32,
) {
    let d = rows * hidden;
    rk::gru_backward(
        rows,
        hidden,
        sr(gates, gn, g_off, g_stride),
        r(hn, d),
        r(h_prev, d),
        r(dh, d),
        osr(dy, dyn_, dy_off, dy_stride),
        w(dpre, 3 * d),
        sm(dpre_s, dsn, g_off, g_stride),
        w(dh_prev, d),
    );
}
