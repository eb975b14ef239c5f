//! Transparent huge pages for long-lived large buffers (the parameter, gradient and optimizer
//! arenas). With 4 KiB pages a training step's working set (the MLP's parameters, gradients
//! and Adam moments are ~4 MB) needs more TLB entries than the core has, and the page walks
//! show in the memory-bound phases (~5% of the MLP and CNN steps on this kind of machine: 2
//! cores, THP in `madvise` mode; glibc's `glibc.malloc.hugetlb=1` tunable showed it first,
//! but it cannot be set after start). A hint only: no value depends on it.

/// Bytes in a huge page (x86-64 and aarch64 with 4 KiB base pages).
pub const HUGE_PAGE: usize = 2 << 20;

/// Advises the kernel to back the whole huge pages inside `[addr, addr + len)` with huge
/// pages (`madvise(MADV_HUGEPAGE)`, Linux; nothing elsewhere) and returns the distance from
/// `addr` to the first huge-page boundary, so that a caller can align a view to it.
pub fn advise_huge_pages(addr: usize, len: usize) -> usize {
    let first = addr.next_multiple_of(HUGE_PAGE);
    let end = (addr + len) / HUGE_PAGE * HUGE_PAGE;
    #[cfg(target_os = "linux")]
    if end > first {
        // SAFETY: the range lies inside memory the caller owns (a live buffer of `len`
        // bytes at `addr`); MADV_HUGEPAGE changes how it is backed, never its contents.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = end;
    first - addr
}
