//! What every kernel entry point does around its work: the subnormal mode for the duration of
//! the call, and, once it returns, a pool thread kept looking for the next call's work.

use descent_kernels::{denormal, warm};

pub struct Call {
    _flush: denormal::Scope,
}

/// Enter a kernel call; hold the result until the call's work is done.
#[inline]
pub fn enter() -> Call {
    Call {
        _flush: denormal::scope(),
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        warm::call_returned();
    }
}
