//! Allocation of linear memory for the JS side (argument copies, arenas). 64-byte alignment
//! matches the JS arenas' cache-line alignment and every vector width.

use std::alloc::{alloc_zeroed, dealloc, Layout};

const ALIGN: usize = 64;

// Exported as `descent_alloc` / `descent_free`: the wasi build links the C library, whose
// `free` would clash with an unprefixed symbol.

/// Zeroed `bytes` bytes, or null when the memory limit is reached (the caller reports it).
#[no_mangle]
pub extern "C" fn descent_alloc(bytes: usize) -> *mut u8 {
    match Layout::from_size_align(bytes.max(1), ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(l) => unsafe { alloc_zeroed(l) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// # Safety
/// `p` came from [`descent_alloc`] with the same `bytes`, and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn descent_free(p: *mut u8, bytes: usize) {
    if !p.is_null() {
        dealloc(p, Layout::from_size_align_unchecked(bytes.max(1), ALIGN));
    }
}
