//! Fused optimizer steps (layouts in crates/kernels/src/optim). An error (unknown kind, bad
//! segments) is returned as a negative code with its message readable through
//! `error_ptr`/`error_len`, so the JS side can throw the kernels' own wording.

use crate::{r, w};
use descent_kernels::optim::{self as ok, Group, Kind};
use std::cell::RefCell;

thread_local! {
    static ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn fail(msg: String) -> i32 {
    ERROR.with(|e| *e.borrow_mut() = msg);
    -1
}

/// Address of the last error message (UTF-8).
#[no_mangle]
pub extern "C" fn error_ptr() -> *const u8 {
    ERROR.with(|e| e.borrow().as_ptr())
}

/// Length in bytes of the last error message.
#[no_mangle]
pub extern "C" fn error_len() -> usize {
    ERROR.with(|e| e.borrow().len())
}

/// # Safety
/// `p`, `g` and every non-null state hold `n` f32, pairwise disjoint; `hyper` holds `hn`
/// f64, `seg` is null or holds `sn` u32; none overlaps a written buffer.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn optim_step(
    kind: u32,
    p: *mut f32,
    g: *const f32,
    s0: *mut f32,
    s1: *mut f32,
    s2: *mut f32,
    s3: *mut f32,
    n: usize,
    hyper: *const f64,
    hn: usize,
    seg: *const u32,
    sn: usize,
) -> i32 {
    let Some(kind) = Kind::from_code(kind) else {
        return fail(format!("unknown optimizer kind {kind}"));
    };
    let state = |s: *mut f32| if s.is_null() { None } else { Some(w(s, n)) };
    let segments = if seg.is_null() {
        None
    } else {
        Some(if sn == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(seg, sn)
        })
    };
    if let Some(s) = segments {
        if s.iter().map(|&x| x as u64).sum::<u64>() != n as u64 {
            return fail(format!("segments must sum to the group length {n}"));
        }
    }
    let h = if hn == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(hyper, hn)
    };
    let group = Group {
        p: w(p, n),
        g: r(g, n),
        s: [state(s0), state(s1), state(s2), state(s3)],
        segments,
    };
    match ok::step(kind, h, group) {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}
