//! im2col / col2im (convolution lowering). The window geometry travels as a Float64Array of
//! 14 counts `[n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, outH,
//! outW]` (see `descent_kernels::conv::Geometry`).

use crate::buf::{count, disjoint, invalid, len_is, F32, F64};
use descent_kernels::conv::{self as ck, Geometry};
use descent_kernels::conv_images as ci;
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
    geometry_named(f, "geometry", g)
}

/// [`geometry`] for the argument `arg` (its name prefixes the fields' in errors unless it is
/// the usual "geometry").
pub fn geometry_named(f: &str, arg: &str, g: &F64) -> Result<Geometry> {
    len_is(f, arg, g, NAMES.len())?;
    let mut v = [0usize; 14];
    // SAFETY: read-only and copied before any mutable slice exists.
    let src = unsafe { g.as_ref() };
    for (i, name) in NAMES.iter().enumerate() {
        v[i] = if arg == "geometry" {
            count(f, name, src[i])?
        } else {
            count(f, &format!("{arg}.{name}"), src[i])?
        };
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
    let _call = crate::call::enter();
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
    let _call = crate::call::enter();
    let f = "col2im";
    let g = self::geometry(f, &geom)?;
    len_is(f, "dx", &dx, g.input_len())?;
    len_is(f, "cols", &cols, g.col_rows() * g.col_cols())?;
    disjoint(f, ("dx", &dx), &[("cols", &cols)])?;
    ck::col2im(unsafe { dx.as_mut() }, unsafe { cols.as_ref() }, &g);
    Ok(())
}

/// y (n, outChannels, oh, ow) = weight (outChannels × c·kh·kw) · im2col(x[b]) (+ bias) per
/// image, the images spread over threads (one group; bit-identical to the per-image calls
/// followed by biasAdd).
#[napi(catch_unwind, js_name = "conv2dImages")]
pub fn conv2d_images(
    y: F32,
    x: F32,
    weight: F32,
    bias: Option<F32>,
    out_channels: f64,
    geom: F64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "conv2dImages";
    let g = self::geometry(f, &geom)?;
    let og = count(f, "outChannels", out_channels)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "weight", &weight, og * g.col_rows())?;
    len_is(f, "y", &y, og * g.col_cols())?;
    if let Some(b) = &bias {
        len_is(f, "bias", b, og)?;
        disjoint(f, ("y", &y), &[("bias", b)])?;
    }
    disjoint(f, ("y", &y), &[("x", &x), ("weight", &weight)])?;
    ci::conv2d_images(
        unsafe { y.as_mut() },
        unsafe { x.as_ref() },
        unsafe { weight.as_ref() },
        bias.as_ref().map(|b| unsafe { b.as_ref() }),
        og,
        &g,
    );
    Ok(())
}

/// Backward of conv2dImages: dWeight (= Σ over images in order, added onto the old values
/// when `accumulate`) and dx (written), either may be null.
#[napi(catch_unwind, js_name = "conv2dImagesBackward")]
#[allow(clippy::too_many_arguments)]
pub fn conv2d_images_backward(
    dweight: Option<F32>,
    accumulate: bool,
    dx: Option<F32>,
    x: F32,
    weight: F32,
    dy: F32,
    out_channels: f64,
    geom: F64,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "conv2dImagesBackward";
    let g = self::geometry(f, &geom)?;
    let og = count(f, "outChannels", out_channels)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "weight", &weight, og * g.col_rows())?;
    len_is(f, "dy", &dy, og * g.col_cols())?;
    let read = [("x", &x), ("weight", &weight), ("dy", &dy)];
    if let Some(d) = &dweight {
        len_is(f, "dWeight", d, og * g.col_rows())?;
        disjoint(f, ("dWeight", d), &read)?;
    }
    if let Some(d) = &dx {
        len_is(f, "dx", d, g.input_len())?;
        disjoint(f, ("dx", d), &read)?;
        if let Some(w) = &dweight {
            disjoint(f, ("dx", d), &[("dWeight", w)])?;
        }
    }
    ci::conv2d_images_backward(
        dweight.as_ref().map(|d| unsafe { d.as_mut() }),
        accumulate,
        dx.as_ref().map(|d| unsafe { d.as_mut() }),
        unsafe { x.as_ref() },
        unsafe { weight.as_ref() },
        unsafe { dy.as_ref() },
        og,
        &g,
    );
    Ok(())
}
