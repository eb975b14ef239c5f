//! im2col / col2im (convolution lowering). The window geometry travels as a Float64Array of
//! 14 counts `[n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH,
//! outW]` (see `descent_kernels::conv::Geometry`).

use crate::buf::{count, disjoint, invalid, len_is, F32, F64};
use descent_kernels::conv::{self as ck, Geometry};
use napi::Result;
use napi_derive::napi;

const NAMES: [&str; 14] = [
    "n",
    "c",
    "h",
    "w",
    "kh",
    "kw",
    "strideH",
    "strideW",
    "padH",
    "padW",
    "dilationH",
    "dilationW",
    "outH",
    "outW",
];

/// Reads and checks the geometry (values copied out: the array may share memory with others).
pub fn geometry(f: &str, g: &F64) -> Result<Geometry> {
    len_is(f, "geometry", g, NAMES.len())?;
    let mut v = [0usize; 14];
    // SAFETY: read-only and copied before any mutable slice exists.
    let src = unsafe { g.as_ref() };
    for (i, name) in NAMES.iter().enumerate() {
        v[i] = count(f, name, src[i])?;
    }
    let geo = Geometry {
        n: v[0],
        c: v[1],
        h: v[2],
        w: v[3],
        kh: v[4],
        kw: v[5],
        sh: v[6],
        sw: v[7],
        ph: v[8],
        pw: v[9],
        dh: v[10],
        dw: v[11],
        oh: v[12],
        ow: v[13],
    };
    geo.validate().map_err(|e| invalid(f, e))?;
    Ok(geo)
}

/// cols (c·kh·kw × n·oh·ow) = the receptive fields of x (n, c, h, w), zero outside.
#[napi(catch_unwind, js_name = "im2col")]
pub fn im2col(cols: F32, x: F32, geom: F64) -> Result<()> {
    let f = "im2col";
    let g = self::geometry(f, &geom)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "cols", &cols, g.col_rows() * g.col_cols())?;
    disjoint(f, ("cols", &cols), &[("x", &x)])?;
    ck::im2col(unsafe { cols.as_mut() }, unsafe { x.as_ref() }, &g);
    Ok(())
}

/// dx (n, c, h, w) = the adjoint of im2col applied to cols (written, not accumulated).
#[napi(catch_unwind, js_name = "col2im")]
pub fn col2im(dx: F32, cols: F32, geom: F64) -> Result<()> {
    let f = "col2im";
    let g = self::geometry(f, &geom)?;
    len_is(f, "dx", &dx, g.input_len())?;
    len_is(f, "cols", &cols, g.col_rows() * g.col_cols())?;
    disjoint(f, ("dx", &dx), &[("cols", &cols)])?;
    ck::col2im(unsafe { dx.as_mut() }, unsafe { cols.as_ref() }, &g);
    Ok(())
}
