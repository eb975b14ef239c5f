//! Optional flush of subnormal floats to zero (x86-64 MXCSR FTZ + DAZ), PyTorch's
//! `torch.set_flush_denormal(True)`. Optimizer state that decays (Adam's first moment where a
//! weight's gradient stays 0, e.g. the MLP's weights of always-blank pixels) passes through the
//! subnormal range, where every vector operation touching one takes a microcode assist: the
//! MLP's Adam step measured 100 µs fresh and 380-460 µs after 1,200 Fashion-MNIST steps.
//!
//! Chosen once per process by `DESCENT_FLUSH_DENORMAL=1`, before any kernel runs, so every
//! thread agrees and results stay independent of the thread count. Pool threads keep the mode;
//! a calling thread (Node's, which runs JavaScript whose numbers must keep IEEE subnormals)
//! has it only for the duration of a kernel call.

use std::sync::OnceLock;

static ENABLED: OnceLock<bool> = OnceLock::new();

/// Whether subnormals are flushed (`DESCENT_FLUSH_DENORMAL=1` on an x86-64 CPU).
pub fn enabled() -> bool {
    *ENABLED.get_or_init(|| {
        cfg!(target_arch = "x86_64")
            && std::env::var("DESCENT_FLUSH_DENORMAL").is_ok_and(|v| v.trim() == "1")
    })
}

#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

#[cfg(target_arch = "x86_64")]
fn get_csr() -> u32 {
    let mut csr = 0u32;
    // SAFETY: stores the caller's MXCSR into a local.
    unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
    csr
}

#[cfg(target_arch = "x86_64")]
fn set_csr(csr: u32) {
    // SAFETY: only the FTZ/DAZ bits ever differ from the value read from this thread.
    unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags)) };
}

/// Sets the mode for good on a thread that runs only kernels (the pool's).
pub fn set_on_pool_thread() {
    #[cfg(target_arch = "x86_64")]
    if enabled() {
        set_csr(get_csr() | FTZ_DAZ);
    }
}

/// Holds the mode on the calling thread until dropped, then restores the thread's own.
pub struct Scope {
    #[cfg(target_arch = "x86_64")]
    restore: Option<u32>,
}

/// The mode for one kernel call on the calling thread (nothing when it is off or already set).
#[inline]
pub fn scope() -> Scope {
    #[cfg(target_arch = "x86_64")]
    {
        let mut restore = None;
        if enabled() {
            let csr = get_csr();
            if csr & FTZ_DAZ != FTZ_DAZ {
                set_csr(csr | FTZ_DAZ);
                restore = Some(csr);
            }
        }
        Scope { restore }
    }
    #[cfg(not(target_arch = "x86_64"))]
    Scope {}
}

impl Drop for Scope {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if let Some(csr) = self.restore {
            set_csr(csr);
        }
    }
}
