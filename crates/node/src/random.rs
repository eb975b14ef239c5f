//! Seeded random fills (xoshiro128** state passed in and advanced in place).

use crate::buf::{rng_state, F32, U32};
use descent_kernels::rng;
use napi::Result;
use napi_derive::napi;

fn check(f: &str, state: &U32, out: &F32) -> Result<()> {
    if state.overlaps(out) {
        return Err(crate::buf::invalid(
            f,
            "state overlaps out in memory".into(),
        ));
    }
    Ok(())
}

#[napi(catch_unwind)]
pub fn rng_uniform(state: U32, out: F32, lo: f64, hi: f64) -> Result<()> {
    let _call = crate::call::enter();
    check("rngUniform", &state, &out)?;
    rng::uniform(
        rng_state("rngUniform", &state)?,
        unsafe { out.as_mut() },
        lo,
        hi,
    );
    Ok(())
}

#[napi(catch_unwind)]
pub fn rng_normal(state: U32, out: F32, mean: f64, std: f64) -> Result<()> {
    let _call = crate::call::enter();
    check("rngNormal", &state, &out)?;
    rng::normal(
        rng_state("rngNormal", &state)?,
        unsafe { out.as_mut() },
        mean,
        std,
    );
    Ok(())
}

#[napi(catch_unwind)]
pub fn rng_dropout_mask(state: U32, out: F32, p: f64) -> Result<()> {
    let _call = crate::call::enter();
    check("rngDropoutMask", &state, &out)?;
    rng::dropout_mask(
        rng_state("rngDropoutMask", &state)?,
        unsafe { out.as_mut() },
        p,
    );
    Ok(())
}
