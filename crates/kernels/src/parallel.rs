//! Splitting work over the rayon pool at fixed boundaries.
//!
//! Elementwise kernels split at multiples of [`CHUNK`] so every element takes the same code
//! path (the vector tail only ever sits at the very end): results do not depend on the
//! number of threads. Reductions use fixed blocks and combine them in order for the same
//! reason.

/// Split granularity in elements: a multiple of every vector width.
pub const CHUNK: usize = 4096;

/// A bundle of equally long slices that can be cut at the same index.
pub trait Splittable: Sized + Send {
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl Splittable for &mut [f32] {
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl Splittable for &[f32] {
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[f32]>::split_at(self, mid)
    }
}

impl<T: Splittable> Splittable for Option<T> {
    fn split_at(self, mid: usize) -> (Self, Self) {
        match self {
            Some(t) => {
                let (a, b) = t.split_at(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        }
    }
}

macro_rules! tuple_splittable {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Splittable),+> Splittable for ($($t,)+) {
            fn split_at(self, mid: usize) -> (Self, Self) {
                $(let $t = self.$i.split_at(mid);)+
                (($($t.0,)+), ($($t.1,)+))
            }
        }
    };
}
#[allow(non_snake_case)]
mod tuples {
    use super::Splittable;
    tuple_splittable!(A 0, B 1);
    tuple_splittable!(A 0, B 1, C 2);
    tuple_splittable!(A 0, B 1, C 2, D 3);
    tuple_splittable!(A 0, B 1, C 2, D 3, E 4);
}

#[cfg(not(target_arch = "wasm32"))]
static POOL: std::sync::Once = std::sync::Once::new();
static CALLER_IS_WORKER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the main thread joined the pool as worker 0 (see [`init_pool`]).
pub fn caller_is_worker() -> bool {
    CALLER_IS_WORKER.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sizes rayon's global pool from `DESCENT_THREADS` (default: the CPU count) before its first
/// use. Lazily, on the first kernel call: building threads while a shared library is being
/// loaded deadlocks on the loader lock.
///
/// When that call comes from the process's main thread (Node's JS thread), the main thread
/// becomes worker 0 of the pool: a parallel kernel then runs its first half on the calling
/// thread and hands only the rest to the other workers, instead of queueing everything and
/// sleeping until a worker has finished (two futex hand-offs per call, which cost the MLP
/// step a fifth of its time on 2 cores). Calls from other threads (Node workers) are queued
/// to the pool as before.
///
/// On wasm the pool is the host's business (the shared build's `threads_init`): nothing here.
pub fn init_pool() {
    #[cfg(not(target_arch = "wasm32"))]
    POOL.call_once(|| {
        let n = std::env::var("DESCENT_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let builder = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .start_handler(|_| crate::denormal::set_on_pool_thread());
        let joins = n > 1 && on_main_thread();
        let builder = if joins {
            builder.use_current_thread()
        } else {
            builder
        };
        if builder.build_global().is_ok() && joins {
            CALLER_IS_WORKER.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
}

/// Whether the calling thread is the process's main thread.
#[cfg(not(target_arch = "wasm32"))]
fn on_main_thread() -> bool {
    #[cfg(target_os = "linux")]
    // SAFETY: both calls only read the caller's ids.
    return unsafe { libc::gettid() == libc::getpid() };
    #[cfg(target_os = "macos")]
    // SAFETY: reads whether the caller is the main thread.
    return unsafe { libc::pthread_main_np() == 1 };
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    return false;
}

/// Number of threads kernels may use (initialising the pool on first call).
pub fn threads() -> usize {
    init_pool();
    rayon::current_num_threads()
}

/// `rayon::join`, or `a` then `b` on the calling thread when the pool has one thread: a caller
/// that is not a pool thread (the main thread is one only when there are two or more, see
/// [`init_pool`]) would otherwise hand both to the pool thread and sleep until they are done
/// (LAMB at 64K parameters under DESCENT_THREADS=1 spent ~20% of its step in that hand-off).
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if threads() <= 1 {
        (a(), b())
    } else {
        rayon::join(a, b)
    }
}

/// Runs `f` over `data` (slices of length `len`), in parallel pieces when `len >= min_par`.
pub fn for_chunks<T: Splittable>(data: T, len: usize, min_par: usize, f: &(impl Fn(T) + Sync)) {
    let t = threads();
    if len < min_par || t <= 1 {
        f(data);
        return;
    }
    let grain = (len / (4 * t)).div_ceil(CHUNK).max(1) * CHUNK;
    split(data, len, grain, f);
}

fn split<T: Splittable>(data: T, len: usize, grain: usize, f: &(impl Fn(T) + Sync)) {
    if len <= grain {
        f(data);
        return;
    }
    let mid = len.div_ceil(2 * grain) * grain;
    let (a, b) = data.split_at(mid);
    rayon::join(|| split(a, mid, grain, f), || split(b, len - mid, grain, f));
}

/// Like [`for_chunks`] but cuts only at row boundaries (`len = rows * cols`); `f` gets the
/// piece and its number of rows.
pub fn for_rows<T: Splittable>(
    data: T,
    rows: usize,
    cols: usize,
    min_par: usize,
    f: &(impl Fn(T, usize) + Sync),
) {
    let t = threads();
    if rows * cols < min_par || t <= 1 || rows < 2 {
        f(data, rows);
        return;
    }
    let grain = (rows / (4 * t)).max(1);
    split_rows(data, rows, cols, grain, f);
}

fn split_rows<T: Splittable>(
    data: T,
    rows: usize,
    cols: usize,
    grain: usize,
    f: &(impl Fn(T, usize) + Sync),
) {
    if rows <= grain {
        f(data, rows);
        return;
    }
    let mid = rows / 2;
    let (a, b) = data.split_at(mid * cols);
    rayon::join(
        || split_rows(a, mid, cols, grain, f),
        || split_rows(b, rows - mid, cols, grain, f),
    );
}
