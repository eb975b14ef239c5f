//! Fused in-place optimizer steps over flat parameter groups: one pass over memory per step.

mod adam;
mod sgd;

pub use adam::{adam_step, AdamParams};
pub use sgd::{sgd_step, SgdParams};

/// Below this many parameters a step runs on one thread (thread wake-up costs more).
pub(crate) const PAR_MIN: usize = 1 << 17;
