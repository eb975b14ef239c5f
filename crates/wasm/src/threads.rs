//! Start-up of the shared-memory build (wasm32-wasip1-threads). A cdylib there does not get
//! the C library's reactor entry (`_initialize`), so the main thread's thread descriptor is
//! never set up and the first thread-local destructor registration spins forever in
//! `pthread_key_*`; `threads_init` does what `_initialize` would (crt1-reactor.c in
//! wasi-libc: `__wasi_init_tp`, then the constructors), once, before any kernel.
//!
//! Then the rayon pool: its default would spawn one worker per core on first use, and a host
//! that cannot spawn (the JS loader answers `wasi.thread-spawn` with an error unless threads
//! are on) would make that first kernel call fail. So it is sized here: the calling thread
//! is worker 0 and `n - 1` more are spawned.

use std::sync::atomic::{AtomicBool, Ordering};

extern "C" {
    fn __wasi_init_tp();
    fn __wasm_call_ctors();
}

static STARTED: AtomicBool = AtomicBool::new(false);

/// Initialises the module (first call only) and builds rayon's global pool with `n` threads
/// including the caller; 0 on success, -1 if the pool already exists or a thread could not
/// be spawned (the message is in `error_ptr`/`error_len`).
#[no_mangle]
pub extern "C" fn threads_init(n: usize) -> i32 {
    if !STARTED.swap(true, Ordering::SeqCst) {
        // SAFETY: called once, on the main thread, before any other export runs (the JS
        // loader calls this right after instantiation), as `_initialize` would be.
        unsafe {
            __wasi_init_tp();
            __wasm_call_ctors();
        }
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(n.max(1))
        .use_current_thread()
        .build_global()
    {
        Ok(()) => 0,
        Err(e) => crate::optim::fail(format!("threads_init: {e}")),
    }
}
