//! Convolution + max pooling (+ ReLU) fused per image (descent_kernels::conv_pool): the
//! convolution's geometry and the pooling's over its output, both as the 14 counts of
//! `conv.rs`.

use crate::buf::{count, disjoint, invalid, len_is, F32, F64, I32};
use crate::conv::{geometry, geometry_named};
use descent_kernels::conv::Geometry;
use descent_kernels::conv_pool as cp;
use napi::Result;
use napi_derive::napi;

/// Both geometries, checked to fit each other: the pooling runs over `og` planes of the
/// convolution's output size, for the same batch.
fn geometries(f: &str, geom: &F64, pool: &F64, og: usize) -> Result<(Geometry, Geometry)> {
    let g = geometry(f, geom)?;
    let pg = geometry_named(f, "poolGeometry", pool)?;
    if (pg.n, pg.c, pg.h, pg.w) != (g.n, og, g.oh, g.ow) {
        return Err(invalid(
            f,
            format!(
                "poolGeometry pools {}×{} planes of {}×{}, the convolution gives {}×{} of {}×{}",
                pg.n, pg.c, pg.h, pg.w, g.n, og, g.oh, g.ow
            ),
        ));
    }
    if pg.h * pg.w > i32::MAX as usize {
        return Err(invalid(
            f,
            format!("a plane of {}×{} does not fit int32 indices", pg.h, pg.w),
        ));
    }
    Ok((g, pg))
}

/// out, indices = ReLU (when `relu`) of the max pooling (`poolGeom`) of the convolution
/// `weight · im2col(x[b]) (+ bias)`, image by image; the same values as conv2dImages,
/// maxPool2d and the ReLU kernel in turn, without the convolution's output in memory.
#[napi(catch_unwind, js_name = "conv2dPoolImages")]
#[allow(clippy::too_many_arguments)]
pub fn conv2d_pool_images(
    out: F32,
    indices: I32,
    x: F32,
    weight: F32,
    bias: Option<F32>,
    out_channels: f64,
    geom: F64,
    pool_geom: F64,
    relu: bool,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "conv2dPoolImages";
    let og = count(f, "outChannels", out_channels)?;
    let (g, pg) = geometries(f, &geom, &pool_geom, og)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "weight", &weight, og * g.col_rows())?;
    len_is(f, "out", &out, pg.output_len())?;
    len_is(f, "indices", &indices, pg.output_len())?;
    let mut read = vec![("x", &x), ("weight", &weight)];
    if let Some(b) = &bias {
        len_is(f, "bias", b, og)?;
        read.push(("bias", b));
    }
    disjoint(f, ("out", &out), &read)?;
    disjoint(f, ("indices", &indices), &read)?;
    if out.overlaps(&indices) {
        return Err(invalid(f, "out overlaps indices in memory".into()));
    }
    cp::conv2d_pool_images(
        unsafe { out.as_mut() },
        unsafe { indices.as_mut() },
        unsafe { x.as_ref() },
        unsafe { weight.as_ref() },
        bias.as_ref().map(|b| unsafe { b.as_ref() }),
        og,
        &g,
        &pg,
        relu,
    );
    Ok(())
}

/// Backward of conv2dPoolImages from its `out`, `indices` and `dOut`: dWeight (added onto the
/// old values when `accumulate`), dx (written) and dBias (added when `accumulateBias`), each
/// may be null; the same values as the unfused kernels' backward.
#[napi(catch_unwind, js_name = "conv2dPoolImagesBackward")]
#[allow(clippy::too_many_arguments)]
pub fn conv2d_pool_images_backward(
    dweight: Option<F32>,
    accumulate: bool,
    dx: Option<F32>,
    dbias: Option<F32>,
    accumulate_bias: bool,
    x: F32,
    weight: F32,
    out: F32,
    indices: I32,
    dout: F32,
    out_channels: f64,
    geom: F64,
    pool_geom: F64,
    relu: bool,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "conv2dPoolImagesBackward";
    let og = count(f, "outChannels", out_channels)?;
    let (g, pg) = geometries(f, &geom, &pool_geom, og)?;
    len_is(f, "x", &x, g.input_len())?;
    len_is(f, "weight", &weight, og * g.col_rows())?;
    len_is(f, "out", &out, pg.output_len())?;
    len_is(f, "indices", &indices, pg.output_len())?;
    len_is(f, "dOut", &dout, pg.output_len())?;
    let read = [
        ("x", &x),
        ("weight", &weight),
        ("out", &out),
        ("dOut", &dout),
    ];
    let mut written: Vec<(&str, &F32)> = Vec::new();
    for (name, b, len) in [
        ("dWeight", &dweight, og * g.col_rows()),
        ("dx", &dx, g.input_len()),
        ("dBias", &dbias, og),
    ] {
        if let Some(b) = b {
            len_is(f, name, b, len)?;
            disjoint(f, (name, b), &read)?;
            disjoint(f, (name, b), &written)?;
            if b.overlaps(&indices) {
                return Err(invalid(f, format!("{name} overlaps indices in memory")));
            }
            written.push((name, b));
        }
    }
    if dbias.is_some() && g.oh * g.ow < 2 {
        return Err(invalid(
            f,
            "dBias needs convolution planes of 2 or more positions (use biasGrad)".into(),
        ));
    }
    let idx = unsafe { indices.as_ref() };
    let ohw = (g.oh * g.ow) as i64;
    if let Some(i) = crate::buf::first_outside(idx, ohw) {
        return Err(invalid(
            f,
            format!("indices[{i}] = {} is outside the plane [0, {ohw})", idx[i]),
        ));
    }
    cp::conv2d_pool_images_backward(
        dweight.as_ref().map(|d| unsafe { d.as_mut() }),
        accumulate,
        dx.as_ref().map(|d| unsafe { d.as_mut() }),
        dbias
            .as_ref()
            .map(|d| (unsafe { d.as_mut() }, accumulate_bias)),
        unsafe { x.as_ref() },
        unsafe { weight.as_ref() },
        unsafe { out.as_ref() },
        idx,
        unsafe { dout.as_ref() },
        og,
        &g,
        &pg,
        relu,
    );
    Ok(())
}
