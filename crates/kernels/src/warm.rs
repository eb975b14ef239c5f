//! Keeps one pool thread looking for work for a short while after a kernel call returns, as
//! OpenMP runtimes spin before they sleep. A training step is a chain of kernel calls with a
//! few to a hundred µs of JavaScript between them; a pool thread that went to sleep in such a
//! gap must be woken by the next call, and on these VMs that costs the call more than the gap:
//! Linear's forward GEMM (128×784×256, 2 threads) took 257 µs back to back and 344 µs with
//! 300 µs of JavaScript between calls.
//!
//! The spinning thread runs pending pool work through `rayon::yield_now`, so it takes the next
//! call's share the moment it is queued. It gives up [`spin_time`] after the last call returned, so
//! an idle process does not burn a core. Scheduling only: no result depends on it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long after the last kernel call a pool thread keeps looking for work, by default.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(500);

static SPIN_NS: OnceLock<u64> = OnceLock::new();

/// The spin time: `DESCENT_SPIN_US` microseconds (0 turns spinning off), else [`DEFAULT_SPIN`].
pub fn spin_time() -> Duration {
    Duration::from_nanos(*SPIN_NS.get_or_init(|| {
        std::env::var("DESCENT_SPIN_US")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_SPIN.as_nanos() as u64, |us| us.saturating_mul(1000))
    }))
}

static EPOCH: OnceLock<Instant> = OnceLock::new();
/// Nanoseconds since EPOCH when the last kernel call returned.
static LAST_CALL: AtomicU64 = AtomicU64::new(0);
static SPINNING: AtomicBool = AtomicBool::new(false);

fn now_ns() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Notes that a kernel call just returned and makes sure a pool thread is spinning.
pub fn call_returned() {
    if crate::parallel::threads() < 2 || spin_time().is_zero() {
        return;
    }
    LAST_CALL.store(now_ns(), Ordering::Relaxed);
    if !SPINNING.swap(true, Ordering::AcqRel) {
        rayon::spawn(spin);
    }
}

fn spin() {
    // Never on the calling thread (worker 0 when it joined the pool): it has to return to
    // JavaScript. It runs this only when it found the job in its own queue while waiting.
    if crate::parallel::caller_is_worker() && rayon::current_thread_index() == Some(0) {
        SPINNING.store(false, Ordering::Release);
        return;
    }
    let spin_ns = spin_time().as_nanos() as u64;
    loop {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            continue;
        }
        if now_ns().saturating_sub(LAST_CALL.load(Ordering::Relaxed)) > spin_ns {
            break;
        }
        std::hint::spin_loop();
    }
    SPINNING.store(false, Ordering::Release);
}
