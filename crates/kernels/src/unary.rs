//! Elementwise unary functions (math and activations), forward and backward.
//!
//! Activation semantics follow `torch.nn.functional`; backward kernels compute
//! `dx = dy * f'(x)` from the input `x`, each derivative written to avoid cancellation.

use crate::map::{map, map_inplace, zip, zip_inplace};
use crate::math;
use crate::parallel::{for_chunks, CHUNK};
use crate::simd::Simd;
use crate::simd_fn;

/// Unary operations. The numeric codes are part of the N-API contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Unary {
    Neg = 0,
    Abs = 1,
    Square = 2,
    Sqrt = 3,
    Exp = 4,
    Log = 5,
    Reciprocal = 6,
    Sigmoid = 16,
    Tanh = 17,
    Relu = 18,
    /// `alpha`: negative slope (PyTorch default 0.01).
    LeakyRelu = 19,
    /// `alpha` (PyTorch default 1).
    Elu = 20,
    Selu = 21,
    /// Exact form, x·Φ(x).
    Gelu = 22,
    /// Tanh approximation, 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
    GeluTanh = 23,
    Silu = 24,
    Mish = 25,
    /// `alpha`: beta (default 1), `beta`: threshold (default 20).
    Softplus = 26,
    HardSigmoid = 27,
}

impl Unary {
    pub const ALL: [Unary; 19] = [
        Unary::Neg,
        Unary::Abs,
        Unary::Square,
        Unary::Sqrt,
        Unary::Exp,
        Unary::Log,
        Unary::Reciprocal,
        Unary::Sigmoid,
        Unary::Tanh,
        Unary::Relu,
        Unary::LeakyRelu,
        Unary::Elu,
        Unary::Selu,
        Unary::Gelu,
        Unary::GeluTanh,
        Unary::Silu,
        Unary::Mish,
        Unary::Softplus,
        Unary::HardSigmoid,
    ];

    pub fn from_code(code: u32) -> Option<Unary> {
        Unary::ALL.iter().copied().find(|u| *u as u32 == code)
    }

    /// Transcendental ops are compute-bound and worth threads at smaller sizes.
    fn par_min(self) -> usize {
        match self {
            Unary::Neg | Unary::Abs | Unary::Square | Unary::Relu | Unary::LeakyRelu => 1 << 18,
            Unary::Sqrt | Unary::Reciprocal | Unary::HardSigmoid => 1 << 16,
            _ => 4 * CHUNK,
        }
    }
}

/// Scalar options of a unary op (see [`Unary`]); unused ones are ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Params {
    pub alpha: f32,
    pub beta: f32,
}

const SELU_SCALE: f32 = 1.050_701;
const SELU_ALPHA: f32 = 1.673_263_2;
// 2u = x·(A + B·x²) with A = 2√(2/π), B = 2√(2/π)·0.044715, rounded once each from f64:
// three roundings for 2u, whose error exp() amplifies by |2u| in the far negative tail.
const GELU_A: f32 = (2.0 * 0.797_884_560_802_865_4_f64) as f32;
const GELU_B: f32 = (2.0 * 0.797_884_560_802_865_4_f64 * 0.044_715) as f32;
const GELU_3B: f32 = (3.0 * 2.0 * 0.797_884_560_802_865_4_f64 * 0.044_715) as f32;

/// 2u = x·(A + B·x²) for the tanh-form GELU, and `c`, the rounding error of 2u recovered
/// with FMA (exact products' remainders), since exp() turns an absolute error in 2u into a
/// relative error |2u| times larger in the negative tail. Without hardware FMA, c is 0.
#[inline(always)]
fn gelu_tanh_arg<S: Simd>(s: S, x: S::V) -> (S::V, S::V) {
    let (a, b) = (s.splat(GELU_A), s.splat(GELU_B));
    let xx = s.mul(x, x);
    let xx_err = s.fma_exact(x, x, s.neg(xx));
    let inner = s.fma(b, xx, a);
    let u2 = s.mul(x, inner);
    let u2_err = s.fma_exact(x, inner, s.neg(u2));
    let c = s.fma(s.mul(x, b), xx_err, u2_err);
    // Where x² or 2u overflow the remainders are NaN or ±∞ (x = −3.6e16: ∞, and then
    // 0·∞ = NaN below; found by the elementwise fuzz target); no correction is needed there.
    let finite = s.lt(s.abs(c), s.splat(f32::INFINITY));
    (u2, s.select(finite, c, s.zero()))
}

/// Binds `$f` to the forward function of `$op` and evaluates `$body` with it.
macro_rules! with_forward {
    ($s:ident, $S:ident, $op:expr, $p:expr, |$f:ident| $body:expr) => {{
        let p: Params = $p;
        let one = $s.splat(1.0);
        let zero = $s.zero();
        match $op {
            Unary::Neg => {
                let $f = |x: $S::V| $s.neg(x);
                $body
            }
            Unary::Abs => {
                let $f = |x: $S::V| $s.abs(x);
                $body
            }
            Unary::Square => {
                let $f = |x: $S::V| $s.mul(x, x);
                $body
            }
            Unary::Sqrt => {
                let $f = |x: $S::V| $s.sqrt(x);
                $body
            }
            Unary::Exp => {
                let $f = |x: $S::V| math::exp($s, x);
                $body
            }
            Unary::Log => {
                let $f = |x: $S::V| math::log($s, x);
                $body
            }
            Unary::Reciprocal => {
                let $f = |x: $S::V| $s.div(one, x);
                $body
            }
            Unary::Sigmoid => {
                let $f = |x: $S::V| math::sigmoid($s, x);
                $body
            }
            Unary::Tanh => {
                let $f = |x: $S::V| math::tanh($s, x);
                $body
            }
            Unary::Relu => {
                let $f = |x: $S::V| $s.select($s.lt(x, zero), zero, x);
                $body
            }
            Unary::LeakyRelu => {
                let slope = $s.splat(p.alpha);
                let $f = |x: $S::V| $s.select($s.gt(x, zero), x, $s.mul(x, slope));
                $body
            }
            Unary::Elu => {
                let a = $s.splat(p.alpha);
                let $f = |x: $S::V| $s.select($s.gt(x, zero), x, $s.mul(a, math::expm1($s, x)));
                $body
            }
            Unary::Selu => {
                let (l, la) = ($s.splat(SELU_SCALE), $s.splat(SELU_SCALE * SELU_ALPHA));
                let $f = |x: $S::V| {
                    $s.select($s.gt(x, zero), $s.mul(l, x), $s.mul(la, math::expm1($s, x)))
                };
                $body
            }
            Unary::Gelu => {
                let $f = |x: $S::V| $s.mul(x, math::normal_cdf($s, x));
                $body
            }
            Unary::GeluTanh => {
                // 0.5x(1 + tanh(u)) = x·σ(2u), which keeps its accuracy for negative x.
                let $f = |x: $S::V| {
                    let (u2, c) = gelu_tanh_arg($s, x);
                    let sg = math::sigmoid($s, u2);
                    // σ(u2 + c) ≈ σ(u2)·(1 + c·(1 − σ(u2))).
                    $s.mul(x, $s.fma($s.mul(sg, c), $s.sub(one, sg), sg))
                };
                $body
            }
            Unary::Silu => {
                let $f = |x: $S::V| $s.mul(x, math::sigmoid($s, x));
                $body
            }
            Unary::Mish => {
                let $f = |x: $S::V| $s.mul(x, math::tanh($s, math::softplus($s, x)));
                $body
            }
            Unary::Softplus => {
                let (beta, inv, th) =
                    ($s.splat(p.alpha), $s.splat(1.0 / p.alpha), $s.splat(p.beta));
                let $f = |x: $S::V| {
                    let bx = $s.mul(x, beta);
                    $s.select($s.gt(bx, th), x, $s.mul(math::softplus($s, bx), inv))
                };
                $body
            }
            Unary::HardSigmoid => {
                let (lo, hi) = ($s.splat(-3.0), $s.splat(3.0));
                let (three, six) = ($s.splat(3.0), $s.splat(6.0));
                let $f = |x: $S::V| {
                    // relu6(x + 3) / 6 as PyTorch: x + 3 is exact near -3, so no cancellation.
                    let r = $s.div($s.add(x, three), six);
                    let r = $s.select($s.le(x, lo), zero, r);
                    $s.select($s.le(hi, x), one, r)
                };
                $body
            }
        }
    }};
}

/// Binds `$g` to `(x, dy) -> dx` for `$op` and evaluates `$body` with it.
macro_rules! with_backward {
    ($s:ident, $S:ident, $op:expr, $p:expr, |$g:ident| $body:expr) => {{
        let p: Params = $p;
        let one = $s.splat(1.0);
        let zero = $s.zero();
        match $op {
            Unary::Neg => {
                let $g = |_x: $S::V, dy: $S::V| $s.neg(dy);
                $body
            }
            Unary::Abs => {
                let $g = |x: $S::V, dy: $S::V| {
                    let sign = $s.select(
                        $s.gt(x, zero),
                        one,
                        $s.select($s.lt(x, zero), $s.neg(one), zero),
                    );
                    $s.mul(dy, sign)
                };
                $body
            }
            Unary::Square => {
                let $g = |x: $S::V, dy: $S::V| $s.mul(dy, $s.add(x, x));
                $body
            }
            Unary::Sqrt => {
                let $g = |x: $S::V, dy: $S::V| $s.div($s.mul(dy, $s.splat(0.5)), $s.sqrt(x));
                $body
            }
            Unary::Exp => {
                let $g = |x: $S::V, dy: $S::V| $s.mul(dy, math::exp($s, x));
                $body
            }
            Unary::Log => {
                let $g = |x: $S::V, dy: $S::V| $s.div(dy, x);
                $body
            }
            Unary::Reciprocal => {
                let $g = |x: $S::V, dy: $S::V| $s.neg($s.div(dy, $s.mul(x, x)));
                $body
            }
            Unary::Sigmoid => {
                let $g = |x: $S::V, dy: $S::V| $s.mul(dy, math::sigmoid_grad($s, x));
                $body
            }
            Unary::Tanh => {
                let $g = |x: $S::V, dy: $S::V| $s.mul(dy, math::sech2($s, x));
                $body
            }
            Unary::Relu => {
                let $g = |x: $S::V, dy: $S::V| $s.select($s.le(x, zero), zero, dy);
                $body
            }
            Unary::LeakyRelu => {
                let slope = $s.splat(p.alpha);
                let $g = |x: $S::V, dy: $S::V| $s.select($s.gt(x, zero), dy, $s.mul(dy, slope));
                $body
            }
            Unary::Elu => {
                let a = $s.splat(p.alpha);
                let $g = |x: $S::V, dy: $S::V| {
                    $s.select($s.gt(x, zero), dy, $s.mul(dy, $s.mul(a, math::exp($s, x))))
                };
                $body
            }
            Unary::Selu => {
                let (l, la) = ($s.splat(SELU_SCALE), $s.splat(SELU_SCALE * SELU_ALPHA));
                let $g = |x: $S::V, dy: $S::V| {
                    let d = $s.select($s.gt(x, zero), l, $s.mul(la, math::exp($s, x)));
                    $s.mul(dy, d)
                };
                $body
            }
            Unary::Gelu => {
                let $g = |x: $S::V, dy: $S::V| {
                    let d = $s.fma(x, math::normal_pdf($s, x), math::normal_cdf($s, x));
                    $s.mul(dy, d)
                };
                $body
            }
            Unary::GeluTanh => {
                let (a, b3) = ($s.splat(GELU_A), $s.splat(GELU_3B));
                let lim = $s.splat(20.0);
                let $g = |x: $S::V, dy: $S::V| {
                    // Beyond ±20 the derivative is 1 or 0 in f32 (2u > 600); clamping keeps
                    // 0·∞ (x·σ'(2u)·du2 with x² overflowing) out of it. NaN passes through.
                    let x = $s.min(lim, $s.max($s.neg(lim), x));
                    let (u2, c) = gelu_tanh_arg($s, x);
                    let du2 = $s.fma(b3, $s.mul(x, x), a);
                    let sg = math::sigmoid($s, u2);
                    // First-order corrections for the rounding error c of u2.
                    let sg = $s.fma($s.mul(sg, c), $s.sub(one, sg), sg);
                    let dsg = math::sigmoid_grad($s, u2);
                    let dsg = $s.fma($s.mul(dsg, c), $s.sub(one, $s.add(sg, sg)), dsg);
                    let d = $s.fma($s.mul(x, dsg), du2, sg);
                    $s.mul(dy, d)
                };
                $body
            }
            Unary::Silu => {
                let $g = |x: $S::V, dy: $S::V| {
                    let d = $s.fma(x, math::sigmoid_grad($s, x), math::sigmoid($s, x));
                    $s.mul(dy, d)
                };
                $body
            }
            Unary::Mish => {
                let $g = |x: $S::V, dy: $S::V| {
                    let sp = math::softplus($s, x);
                    let d = $s.fma(
                        $s.mul(x, math::sech2($s, sp)),
                        math::sigmoid($s, x),
                        math::tanh($s, sp),
                    );
                    $s.mul(dy, d)
                };
                $body
            }
            Unary::Softplus => {
                let (beta, th) = ($s.splat(p.alpha), $s.splat(p.beta));
                let $g = |x: $S::V, dy: $S::V| {
                    let bx = $s.mul(x, beta);
                    $s.select($s.gt(bx, th), dy, $s.mul(dy, math::sigmoid($s, bx)))
                };
                $body
            }
            Unary::HardSigmoid => {
                let (lo, hi, six) = ($s.splat(-3.0), $s.splat(3.0), $s.splat(6.0));
                let $g = |x: $S::V, dy: $S::V| {
                    let inside = $s.and_m($s.lt(lo, x), $s.lt(x, hi));
                    $s.select(inside, $s.div(dy, six), zero)
                };
                $body
            }
        }
    }};
}

simd_fn! {
    fn forward_serial<S>(s, op: Unary, p: Params, out: &mut [f32], x: &[f32]) {
        with_forward!(s, S, op, p, |f| map(s, out, x, f))
    }
}

simd_fn! {
    fn forward_inplace_serial<S>(s, op: Unary, p: Params, x: &mut [f32]) {
        with_forward!(s, S, op, p, |f| map_inplace(s, x, f))
    }
}

simd_fn! {
    fn backward_serial<S>(s, op: Unary, p: Params, dx: &mut [f32], x: &[f32], dy: &[f32]) {
        with_backward!(s, S, op, p, |g| zip(s, dx, x, dy, g))
    }
}

simd_fn! {
    fn backward_inplace_serial<S>(s, op: Unary, p: Params, x: &[f32], dy: &mut [f32]) {
        with_backward!(s, S, op, p, |g| zip_inplace(s, dy, x, |d, v| g(v, d)))
    }
}

/// `out[i] = op(x[i])`. Slices must have equal lengths.
pub fn unary(op: Unary, p: Params, out: &mut [f32], x: &[f32]) {
    assert_eq!(out.len(), x.len(), "unary: length mismatch");
    let n = out.len();
    for_chunks((out, x), n, op.par_min(), &|(o, a)| {
        forward_serial(op, p, o, a)
    });
}

/// `x[i] = op(x[i])`.
pub fn unary_inplace(op: Unary, p: Params, x: &mut [f32]) {
    let n = x.len();
    for_chunks(x, n, op.par_min(), &|a| forward_inplace_serial(op, p, a));
}

/// `dx[i] = dy[i] * op'(x[i])`. Slices must have equal lengths.
pub fn unary_backward(op: Unary, p: Params, dx: &mut [f32], x: &[f32], dy: &[f32]) {
    assert!(
        dx.len() == x.len() && x.len() == dy.len(),
        "unary_backward: length mismatch"
    );
    let n = dx.len();
    for_chunks((dx, (x, dy)), n, op.par_min(), &|(d, (a, g))| {
        backward_serial(op, p, d, a, g)
    });
}

/// `dy[i] = dy[i] * op'(x[i])`, overwriting the incoming gradient.
pub fn unary_backward_inplace(op: Unary, p: Params, x: &[f32], dy: &mut [f32]) {
    assert_eq!(x.len(), dy.len(), "unary_backward_inplace: length mismatch");
    let n = x.len();
    for_chunks((x, dy), n, op.par_min(), &|(a, g)| {
        backward_inplace_serial(op, p, a, g)
    });
}
