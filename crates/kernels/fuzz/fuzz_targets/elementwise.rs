//! The elementwise, reduction and softmax kernels on arbitrary lengths, offsets and f32 bit
//! patterns (NaN, ±∞, subnormals, −0 included): no panic, no read or write outside the
//! slices (AddressSanitizer), every instruction set agreeing with the scalar level, sums
//! within their error bound of the exact f64 sum, softmax rows in [0, 1] summing to 1.
#![no_main]

use descent_kernels::{binary as bk, reduce, softmax, unary as uk};
use descent_kernels_fuzz::{assert_levels_agree, buffer, per_level, tame, wild};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    Unary(u8),
    UnaryBackward(u8),
    Binary(u8),
    BinaryScalar(u8, u32),
    Sums,
    MaxAbs,
    Softmax { cols: u8, log: bool },
    SoftmaxBackward { cols: u8, log: bool },
}

#[derive(Arbitrary, Debug)]
struct Input {
    op: Op,
    off: u8,
    /// Raw bits (any f32) or, if `tame`, 16-bit values in [-30, 30).
    tame: bool,
    x: Vec<u32>,
    y: Vec<u32>,
}

fuzz_target!(|inp: Input| {
    let off = inp.off as usize % 17;
    let n = inp.x.len().min(3000);
    let val = |v: &[u32], i: usize| {
        let b = v.get(i).copied().unwrap_or(i as u32);
        if inp.tame {
            tame(b as u16, 30.0)
        } else {
            wild(b)
        }
    };
    let x = buffer(off, n, |i| val(&inp.x, i));
    let y = buffer(off, n, |i| val(&inp.y, i));
    let (x, y) = (&x[off..], &y[off..]);
    // Unary results are each within ~1e-5 of exact (kernels.rs checks against f64), so two
    // levels within twice that.
    match inp.op {
        Op::Unary(k) => {
            let op = uk::Unary::ALL[k as usize % uk::Unary::ALL.len()];
            let p = params(op);
            let outs = per_level(|_| {
                let mut out = vec![0f32; n];
                uk::unary(op, p, &mut out, x);
                let mut inplace = x.to_vec();
                uk::unary_inplace(op, p, &mut inplace);
                assert_same(&out, &inplace, "unary_inplace");
                out
            });
            assert_levels_agree(&format!("{op:?}"), &outs, 2e-5, |_| 0.0);
        }
        Op::UnaryBackward(k) => {
            let op = uk::Unary::ALL[k as usize % uk::Unary::ALL.len()];
            let p = params(op);
            let outs = per_level(|_| {
                let mut dx = vec![0f32; n];
                uk::unary_backward(op, p, &mut dx, x, y);
                let mut inplace = y.to_vec();
                uk::unary_backward_inplace(op, p, x, &mut inplace);
                assert_same(&dx, &inplace, "unary_backward_inplace");
                dx
            });
            assert_levels_agree(&format!("{op:?} backward"), &outs, 4e-5, |_| 0.0);
        }
        Op::Binary(k) => {
            let op = bk::Binary::ALL[k as usize % bk::Binary::ALL.len()];
            let outs = per_level(|_| {
                let mut out = vec![0f32; n];
                bk::binary(op, &mut out, x, y);
                out
            });
            // Correctly rounded IEEE operations: identical on every level.
            assert_levels_agree(&format!("{op:?}"), &outs, 0.0, |_| 0.0);
        }
        Op::BinaryScalar(k, c) => {
            let op = bk::Binary::ALL[k as usize % bk::Binary::ALL.len()];
            let c = if inp.tame {
                tame(c as u16, 30.0)
            } else {
                wild(c)
            };
            let outs = per_level(|_| {
                let mut out = vec![0f32; n];
                bk::binary_scalar(op, &mut out, x, c);
                out
            });
            assert_levels_agree(&format!("{op:?} scalar {c}"), &outs, 0.0, |_| 0.0);
        }
        Op::Sums => {
            let exact: f64 = x.iter().map(|&v| v as f64).sum();
            let abs: f64 = x.iter().map(|&v| (v as f64).abs()).sum();
            let dot: f64 = x.iter().zip(y).map(|(&a, &b)| a as f64 * b as f64).sum();
            let dot_abs: f64 = x
                .iter()
                .zip(y)
                .map(|(&a, &b)| (a as f64 * b as f64).abs())
                .sum();
            per_level(|l| {
                // The kernels accumulate in f32 lanes (blocks combined in f64): where the terms
                // reach f32's range a lane may overflow to ±∞ (or ∞ − ∞ = NaN) although the
                // exact sum is finite.
                let within = |got: f64, want: f64, mag: f64, what: &str| {
                    let ok = if want.is_finite() {
                        (got - want).abs() <= 2e-6 * mag + 1e-30
                            || mag >= f32::MAX as f64 / 64.0 && !got.is_finite()
                    } else {
                        got == want || got.is_nan() && want.is_nan()
                    };
                    assert!(ok, "{what} at {l:?}, n={n}: {got} vs exact {want}");
                };
                within(reduce::sum(x), exact, abs, "sum");
                within(reduce::sum_abs(x), abs, abs, "sum_abs");
                within(reduce::dot(x, y), dot, dot_abs, "dot");
            });
        }
        Op::MaxAbs => {
            let want = if x.iter().any(|v| v.is_nan()) {
                f32::NAN
            } else {
                x.iter().fold(0f32, |m, v| m.max(v.abs()))
            };
            per_level(|l| {
                let got = reduce::max_abs(x);
                assert!(
                    got == want || got.is_nan() && want.is_nan(),
                    "max_abs at {l:?}: {got} vs {want}"
                );
            });
        }
        Op::Softmax { cols, log } => {
            let cols = 1 + cols as usize % 70;
            let rows = n / cols;
            let x = &x[..rows * cols];
            let outs = per_level(|_| {
                let mut out = vec![0f32; rows * cols];
                softmax::softmax(&mut out, x, rows, cols, log);
                out
            });
            assert_levels_agree("softmax", &outs, 2e-5, |_| if log { 1.0 } else { 1e-6 });
            if !inp.tame {
                return;
            }
            for (r, row) in outs[0].1.chunks_exact(cols).enumerate() {
                let probs: Vec<f64> = row
                    .iter()
                    .map(|&v| if log { (v as f64).exp() } else { v as f64 })
                    .collect();
                assert!(
                    probs.iter().all(|p| (0.0..=1.0 + 1e-6).contains(p)),
                    "row {r}: {row:?}"
                );
                let total: f64 = probs.iter().sum();
                assert!(
                    (total - 1.0).abs() <= 1e-5 * cols as f64,
                    "row {r} sums to {total}"
                );
            }
        }
        Op::SoftmaxBackward { cols, log } => {
            let cols = 1 + cols as usize % 70;
            let rows = n / cols;
            let m = rows * cols;
            let mut ysm = vec![0f32; m];
            softmax::softmax(&mut ysm, &x[..m], rows, cols, log);
            let outs = per_level(|_| {
                let mut dx = vec![0f32; m];
                softmax::softmax_backward(&mut dx, &ysm, &y[..m], rows, cols, log);
                dx
            });
            // Σ dy·y over a row cancels: scale by the row's Σ|dy|.
            let row_mag: Vec<f32> = y[..m]
                .chunks_exact(cols)
                .map(|r| r.iter().map(|v| v.abs()).sum())
                .collect();
            assert_levels_agree("softmax_backward", &outs, 1e-5, |i| row_mag[i / cols]);
        }
    }
});

fn params(op: uk::Unary) -> uk::Params {
    if op == uk::Unary::Softplus {
        uk::Params {
            alpha: 1.0,
            beta: 20.0,
        }
    } else {
        uk::Params {
            alpha: 0.01,
            beta: 0.0,
        }
    }
}

fn assert_same(a: &[f32], b: &[f32], what: &str) {
    for i in 0..a.len() {
        assert!(
            a[i].to_bits() == b[i].to_bits() || a[i].is_nan() && b[i].is_nan(),
            "{what}: element {i}: {} vs out-of-place {}",
            b[i],
            a[i]
        );
    }
}
