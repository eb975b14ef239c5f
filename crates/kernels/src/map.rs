//! Loops that apply a vector function lane-block by lane-block. The ragged end goes through
//! the same vector code via a zero-padded buffer, so every element is computed alike.

use crate::simd::{Simd, MAX_LANES};

#[inline(always)]
fn tail_in(src: &[f32]) -> [f32; MAX_LANES] {
    let mut b = [0f32; MAX_LANES];
    b[..src.len()].copy_from_slice(src);
    b
}

/// `out[i] = f(x[i])`.
#[inline(always)]
pub fn map<S: Simd>(s: S, out: &mut [f32], x: &[f32], f: impl Fn(S::V) -> S::V) {
    let n = out.len();
    let main = n - n % S::LANES;
    let (om, ot) = out.split_at_mut(main);
    let (xm, xt) = x[..n].split_at(main);
    for (o, a) in om.chunks_exact_mut(S::LANES).zip(xm.chunks_exact(S::LANES)) {
        s.store(o, f(s.load(a)));
    }
    if !ot.is_empty() {
        let mut ob = [0f32; MAX_LANES];
        s.store(&mut ob, f(s.load(&tail_in(xt))));
        ot.copy_from_slice(&ob[..ot.len()]);
    }
}

/// `x[i] = f(x[i])`.
#[inline(always)]
pub fn map_inplace<S: Simd>(s: S, x: &mut [f32], f: impl Fn(S::V) -> S::V) {
    let n = x.len();
    let main = n - n % S::LANES;
    let (xm, xt) = x.split_at_mut(main);
    for a in xm.chunks_exact_mut(S::LANES) {
        let v = f(s.load(a));
        s.store(a, v);
    }
    if !xt.is_empty() {
        let mut b = tail_in(xt);
        let v = f(s.load(&b));
        s.store(&mut b, v);
        let k = xt.len();
        xt.copy_from_slice(&b[..k]);
    }
}

/// `out[i] = f(a[i], b[i])`.
#[inline(always)]
pub fn zip<S: Simd>(s: S, out: &mut [f32], a: &[f32], b: &[f32], f: impl Fn(S::V, S::V) -> S::V) {
    let n = out.len();
    let main = n - n % S::LANES;
    let (om, ot) = out.split_at_mut(main);
    let (am, at) = a[..n].split_at(main);
    let (bm, bt) = b[..n].split_at(main);
    for ((o, x), y) in om
        .chunks_exact_mut(S::LANES)
        .zip(am.chunks_exact(S::LANES))
        .zip(bm.chunks_exact(S::LANES))
    {
        s.store(o, f(s.load(x), s.load(y)));
    }
    if !ot.is_empty() {
        let mut ob = [0f32; MAX_LANES];
        s.store(&mut ob, f(s.load(&tail_in(at)), s.load(&tail_in(bt))));
        ot.copy_from_slice(&ob[..ot.len()]);
    }
}

/// `a[i] = f(a[i], b[i])`.
#[inline(always)]
pub fn zip_inplace<S: Simd>(s: S, a: &mut [f32], b: &[f32], f: impl Fn(S::V, S::V) -> S::V) {
    let n = a.len();
    let main = n - n % S::LANES;
    let (am, at) = a.split_at_mut(main);
    let (bm, bt) = b[..n].split_at(main);
    for (x, y) in am.chunks_exact_mut(S::LANES).zip(bm.chunks_exact(S::LANES)) {
        let v = f(s.load(x), s.load(y));
        s.store(x, v);
    }
    if !at.is_empty() {
        let mut ab = tail_in(at);
        let v = f(s.load(&ab), s.load(&tail_in(bt)));
        s.store(&mut ab, v);
        let k = at.len();
        at.copy_from_slice(&ab[..k]);
    }
}
