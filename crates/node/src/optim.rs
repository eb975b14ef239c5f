//! Fused optimizer steps over flat parameter groups: one generic entry point, the optimizer
//! chosen by its code, hyperparameters in a Float64Array (layouts in crates/kernels/src/optim).

use crate::buf::{code, disjoint, invalid, len_is, F32, F64, U32};
use descent_kernels::optim::{self as ok, Group, Kind};
use napi::Result;
use napi_derive::napi;

/// One in-place step: `params` and the given state buffers are written, `grads` read.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn optim_step(
    kind: f64,
    params: F32,
    grads: F32,
    s0: Option<F32>,
    s1: Option<F32>,
    s2: Option<F32>,
    s3: Option<F32>,
    hyper: F64,
    segments: Option<U32>,
) -> Result<()> {
    let _call = crate::call::enter();
    let f = "optimStep";
    let c = code(f, kind)?;
    let kind =
        Kind::from_code(c).ok_or_else(|| invalid(f, format!("unknown optimizer kind {c}")))?;
    let n = params.len();
    let states = [s0, s1, s2, s3];
    let names = ["s0", "s1", "s2", "s3"];
    let mut bufs: Vec<(&str, &F32)> = vec![("params", &params), ("grads", &grads)];
    for (name, s) in names.iter().zip(&states) {
        if let Some(b) = s {
            bufs.push((name, b));
        }
    }
    // Every pair disjoint (all but the gradient are written), all the same length.
    for (i, (name, b)) in bufs.iter().enumerate() {
        len_is(f, name, b, n)?;
        disjoint(f, (name, b), &bufs[i + 1..])?;
    }
    if hyper.overlaps(&params) || bufs.iter().any(|(_, b)| hyper.overlaps(*b)) {
        return Err(invalid(f, "hyper overlaps a buffer".into()));
    }
    let seg = match &segments {
        Some(s) => {
            if bufs.iter().any(|(_, b)| s.overlaps(*b)) {
                return Err(invalid(f, "segments overlap a buffer".into()));
            }
            // SAFETY: read-only, disjoint from every written buffer (checked above).
            let v = unsafe { s.as_ref() };
            if v.iter().map(|&x| x as u64).sum::<u64>() != n as u64 {
                return Err(invalid(
                    f,
                    format!("segments must sum to the group length {n}"),
                ));
            }
            Some(v)
        }
        None => None,
    };
    // SAFETY: all buffers are pairwise disjoint and of equal length (checked above).
    let s = [0, 1, 2, 3].map(|i| states[i].as_ref().map(|b| unsafe { b.as_mut() }));
    let group = Group {
        p: unsafe { params.as_mut() },
        g: unsafe { grads.as_ref() },
        s,
        segments: seg,
    };
    ok::step(kind, unsafe { hyper.as_ref() }, group).map_err(|e| invalid(f, e))
}
