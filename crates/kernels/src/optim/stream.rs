//! The loop shared by the fused elementwise optimizers: every buffer is read once and the
//! written ones stored once per lane block, so a step streams memory exactly once.
//!
//! The kernels round as PyTorch's CPU kernels do (measured on torch 2.x, AVX2 build), so that
//! they usually match `torch.optim` bit for bit: `a.addcmul_(b, c, value=v)` is
//! `fma(v·b, c, a)`; `a.add_(b, alpha=v)` is `fma(v, b, a)`; `a.addcdiv_(b, c, value=v)` is
//! `a + (v·b)/c` (unfused); `a.lerp_(b, w)` is fused (see [`lerp_from`]); `a / s` divides.

use crate::simd::{Simd, MAX_LANES};

/// Runs `f` over lane blocks of the read-only buffers `ro` and the read-write buffers `rw`
/// (all as long as `rw[0]`), storing what `f` returns into `rw`. The ragged end goes through
/// the same `f` via zero-padded buffers, so every element is computed alike.
///
/// `#[inline(always)]` and closure-free: `f` must be written in a `simd_fn!` body so that it
/// is compiled with that body's target features.
#[inline(always)]
pub(super) fn stream<S: Simd, const R: usize, const W: usize>(
    s: S,
    ro: [&[f32]; R],
    mut rw: [&mut [f32]; W],
    f: impl Fn([S::V; R], [S::V; W]) -> [S::V; W],
) {
    let l = S::LANES;
    let n = match rw.first() {
        Some(b) => b.len(),
        None => return,
    };
    assert!(
        ro.iter().all(|b| b.len() == n) && rw.iter().all(|b| b.len() == n),
        "stream: buffer lengths differ"
    );
    // Large typed arrays usually start 16 bytes past a cache line (glibc's mmap'd chunks), and
    // a full-width store would then straddle two lines every time. The first few elements go through the padded path so
    // that the main loop stores to the first written buffer at vector alignment. Each element
    // is computed by the same vector code either way, so results do not depend on alignment.
    let mis = (rw[0].as_ptr() as usize / 4) % l;
    let head = if mis == 0 { 0 } else { (l - mis).min(n) };
    if head > 0 {
        padded(s, &ro, &mut rw, 0, head, &f);
    }
    let main = head + (n - head) / l * l;
    let mut i = head;
    while i < main {
        let mut a = [s.zero(); R];
        for (v, b) in a.iter_mut().zip(ro.iter()) {
            *v = s.load(&b[i..]);
        }
        let mut w = [s.zero(); W];
        for (v, b) in w.iter_mut().zip(rw.iter()) {
            *v = s.load(&b[i..]);
        }
        let out = f(a, w);
        for (v, b) in out.iter().zip(rw.iter_mut()) {
            s.store(&mut b[i..], *v);
        }
        i += l;
    }
    if main < n {
        padded(s, &ro, &mut rw, main, n - main, &f);
    }
}

/// `f` over the `k < LANES` elements from `at`, through zero-padded lane buffers.
#[inline(always)]
fn padded<S: Simd, const R: usize, const W: usize>(
    s: S,
    ro: &[&[f32]; R],
    rw: &mut [&mut [f32]; W],
    at: usize,
    k: usize,
    f: &impl Fn([S::V; R], [S::V; W]) -> [S::V; W],
) {
    let mut ta = [[0f32; MAX_LANES]; R];
    let mut tw = [[0f32; MAX_LANES]; W];
    let mut a = [s.zero(); R];
    for ((v, t), b) in a.iter_mut().zip(ta.iter_mut()).zip(ro.iter()) {
        t[..k].copy_from_slice(&b[at..at + k]);
        *v = s.load(t);
    }
    let mut w = [s.zero(); W];
    for ((v, t), b) in w.iter_mut().zip(tw.iter_mut()).zip(rw.iter()) {
        t[..k].copy_from_slice(&b[at..at + k]);
        *v = s.load(t);
    }
    let out = f(a, w);
    for ((v, t), b) in out.iter().zip(tw.iter_mut()).zip(rw.iter_mut()) {
        s.store(t, *v);
        b[at..at + k].copy_from_slice(&t[..k]);
    }
}

/// `max(a, b)` that returns NaN when either is NaN (`torch.maximum`).
#[inline(always)]
pub(super) fn max_nan<S: Simd>(s: S, a: S::V, b: S::V) -> S::V {
    // The hardware max returns its second operand when one is NaN (x86) or NaN (NEON).
    s.select(s.is_nan(a), a, s.max(a, b))
}

/// `min(max(x, lo), hi)` propagating NaN (`torch.clamp`): the NaN is always the second
/// operand of the hardware min/max, which then returns it.
#[inline(always)]
pub(super) fn clamp_nan<S: Simd>(s: S, x: S::V, lo: S::V, hi: S::V) -> S::V {
    s.min(hi, s.max(lo, x))
}

/// `±g + wd·p` (torch: `grad = -grad` when maximizing, then `grad.add(param, alpha=wd)` when
/// `wd ≠ 0`).
#[inline(always)]
pub(super) fn grad<S: Simd>(s: S, maximize: bool, wd: f32, p: S::V, g: S::V) -> S::V {
    let g = if maximize { s.neg(g) } else { g };
    if wd != 0.0 {
        s.fma(s.splat(wd), p, g)
    } else {
        g
    }
}

/// For [`lerp_from`]: whether `a.lerp_(b, w)` is computed from `a` (PyTorch's CPU kernel:
/// `a + w·(b − a)` for |w| < 0.5, else `b − (1 − w)·(b − a)`, exact at both ends). A flag of
/// its own so that kernels can unswitch the test out of their loops.
#[inline(always)]
pub(super) fn lerp_near_a(w: f32) -> bool {
    w.abs() < 0.5
}

/// `a.lerp_(b, w)` as PyTorch's CPU kernel computes it, with `near_a = lerp_near_a(w)`.
#[inline(always)]
pub(super) fn lerp_from<S: Simd>(s: S, a: S::V, b: S::V, w: f32, near_a: bool) -> S::V {
    let d = s.sub(b, a);
    if near_a {
        s.fma(s.splat(w), d, a)
    } else {
        s.fma(s.splat(-(1.0 - w)), d, b)
    }
}
