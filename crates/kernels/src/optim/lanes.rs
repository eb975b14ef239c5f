//! The lane loop of the optimizers beyond PyTorch's core (Lion, AdaBelief, Yogi, Adan, LAMB,
//! LARS, schedule-free): every buffer is loaded once and every written one stored once per
//! lane block, and the ragged end goes through the same code via zero-padded buffers.

use crate::simd::{Simd, MAX_LANES};

/// Lane indices 0, 1, 2, … (for masking the padded lanes of the ragged end).
const LANE_INDEX: [f32; MAX_LANES] = [
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
];

/// True in the first `valid` lanes.
#[inline(always)]
pub(super) fn first_lanes<S: Simd>(s: S, valid: usize) -> S::M {
    s.lt(s.load(&LANE_INDEX), s.splat(valid as f32))
}

/// Runs `f` over lane blocks of `n` elements of the written buffers `w` and the read-only
/// buffers `r` (each at least `n` long). `f` gets the loaded vectors, updates those of `w` in
/// place (they are stored back) and the number of valid lanes (`S::LANES`, fewer in the
/// zero-padded ragged end).
///
/// `#[inline(always)]` and closure-free: `f` must be written in a `simd_fn!` body so that it is
/// compiled with that body's target features.
#[inline(always)]
pub(super) fn lanes<S: Simd, const W: usize, const R: usize>(
    s: S,
    n: usize,
    mut w: [&mut [f32]; W],
    r: [&[f32]; R],
    mut f: impl FnMut(&mut [S::V; W], &[S::V; R], usize),
) {
    let l = S::LANES;
    assert!(
        w.iter().all(|b| b.len() >= n) && r.iter().all(|b| b.len() >= n),
        "lanes: buffer shorter than {n}"
    );
    let main = n - n % l;
    let mut i = 0;
    while i < main {
        let mut wv = [s.zero(); W];
        for (v, b) in wv.iter_mut().zip(w.iter()) {
            *v = s.load(&b[i..]);
        }
        let mut rv = [s.zero(); R];
        for (v, b) in rv.iter_mut().zip(r.iter()) {
            *v = s.load(&b[i..]);
        }
        f(&mut wv, &rv, l);
        for (v, b) in wv.iter().zip(w.iter_mut()) {
            s.store(&mut b[i..], *v);
        }
        i += l;
    }
    if main < n {
        let k = n - main;
        let mut tw = [[0f32; MAX_LANES]; W];
        let mut tr = [[0f32; MAX_LANES]; R];
        for (t, b) in tw.iter_mut().zip(w.iter()) {
            t[..k].copy_from_slice(&b[main..n]);
        }
        for (t, b) in tr.iter_mut().zip(r.iter()) {
            t[..k].copy_from_slice(&b[main..n]);
        }
        let mut wv = [s.zero(); W];
        for (v, t) in wv.iter_mut().zip(tw.iter()) {
            *v = s.load(t);
        }
        let mut rv = [s.zero(); R];
        for (v, t) in rv.iter_mut().zip(tr.iter()) {
            *v = s.load(t);
        }
        f(&mut wv, &rv, k);
        for ((v, t), b) in wv.iter().zip(tw.iter_mut()).zip(w.iter_mut()) {
            s.store(t, *v);
            b[main..n].copy_from_slice(&t[..k]);
        }
    }
}

/// `sign(x)`: ±1, with 0 and NaN unchanged (as `jnp.sign`).
#[inline(always)]
pub(super) fn sign<S: Simd>(s: S, x: S::V) -> S::V {
    let z = s.zero();
    s.select(
        s.gt(x, z),
        s.splat(1.0),
        s.select(s.lt(x, z), s.splat(-1.0), x),
    )
}
