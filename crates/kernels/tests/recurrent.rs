//! Fused recurrent cell kernels against f64 references, on every instruction set, with
//! strided gate/output rows, ragged hidden sizes and row counts large enough to use threads.

mod common;

use common::{for_each_level, LEVEL_LOCK};
use descent_kernels::recurrent::{self as rk, Strided, StridedMut};

/// Deterministic pseudo-random values in [lo, hi).
fn vals(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)) as f32
        })
        .collect()
}

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// |got − want| ≤ 1e-5·(1 + |want|) (inputs are O(1), so terms are O(1)).
fn close(what: &str, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (*g as f64 - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "{what}[{i}]: got {g}, want {w}"
        );
    }
}

const SIZES: [(usize, usize); 6] = [(1, 1), (2, 3), (3, 17), (5, 16), (4, 33), (48, 130)];
const T: usize = 3;
const STEP: usize = 2;

#[test]
fn lstm_forward_and_backward_match_f64() {
    for_each_level(|level| {
        for &(rows, hd) in &SIZES {
            let g = 4 * hd;
            let seed = (rows * 1000 + hd) as u64;
            let gates0 = vals(rows * T * g, seed, -2.0, 2.0);
            let hp = vals(rows * g, seed + 1, -2.0, 2.0);
            let c_prev = vals(rows * hd, seed + 2, -2.0, 2.0);
            let mut gates = gates0.clone();
            let mut c = vec![0f32; rows * hd];
            let mut h = vec![0f32; rows * hd];
            let mut y = vec![7f32; rows * T * hd];
            rk::lstm_forward(
                rows,
                hd,
                StridedMut {
                    data: &mut gates[STEP * g..],
                    stride: T * g,
                },
                &hp,
                &c_prev,
                &mut c,
                &mut h,
                Some(StridedMut {
                    data: &mut y[STEP * hd..],
                    stride: T * hd,
                }),
            );
            let (mut want_c, mut want_h) = (vec![0f64; rows * hd], vec![0f64; rows * hd]);
            let mut want_g = vec![0f64; rows * g];
            for r in 0..rows {
                for j in 0..hd {
                    let pre = |k: usize| {
                        gates0[r * T * g + STEP * g + k * hd + j] as f64
                            + hp[r * g + k * hd + j] as f64
                    };
                    let (i, f, gg, o) = (sig(pre(0)), sig(pre(1)), pre(2).tanh(), sig(pre(3)));
                    let cn = f * c_prev[r * hd + j] as f64 + i * gg;
                    want_c[r * hd + j] = cn;
                    want_h[r * hd + j] = o * cn.tanh();
                    for (k, v) in [i, f, gg, o].into_iter().enumerate() {
                        want_g[r * g + k * hd + j] = v;
                    }
                }
            }
            close(&format!("{level:?} c"), &c, &want_c);
            close(&format!("{level:?} h"), &h, &want_h);
            for r in 0..rows {
                let at = r * T * g + STEP * g;
                close(
                    &format!("{level:?} gates"),
                    &gates[at..at + g],
                    &want_g[r * g..(r + 1) * g],
                );
                // Other steps are untouched; y holds h in step STEP's rows only.
                for t in (0..T).filter(|t| *t != STEP) {
                    let o = r * T * g + t * g;
                    assert_eq!(gates[o..o + g], gates0[o..o + g]);
                    assert!(y[r * T * hd + t * hd..][..hd].iter().all(|v| *v == 7.0));
                }
                assert_eq!(y[r * T * hd + STEP * hd..][..hd], h[r * hd..(r + 1) * hd]);
            }

            // Backward from the activations just computed, with dy strided.
            let dh = vals(rows * hd, seed + 3, -1.0, 1.0);
            let dy = vals(rows * T * hd, seed + 4, -1.0, 1.0);
            let dc0 = vals(rows * hd, seed + 5, -1.0, 1.0);
            let mut dc = dc0.clone();
            let mut dpre = vec![0f32; rows * g];
            let mut dpre_s = vec![0f32; rows * T * g];
            rk::lstm_backward(
                rows,
                hd,
                Strided {
                    data: &gates[STEP * g..],
                    stride: T * g,
                },
                &c_prev,
                &c,
                &dh,
                Some(Strided {
                    data: &dy[STEP * hd..],
                    stride: T * hd,
                }),
                &mut dc,
                &mut dpre,
                StridedMut {
                    data: &mut dpre_s[STEP * g..],
                    stride: T * g,
                },
            );
            let mut want_dpre = vec![0f64; rows * g];
            let mut want_dc = vec![0f64; rows * hd];
            for r in 0..rows {
                for j in 0..hd {
                    let a = |k: usize| gates[r * T * g + STEP * g + k * hd + j] as f64;
                    let (i, f, gg, o) = (a(0), a(1), a(2), a(3));
                    let d = dh[r * hd + j] as f64 + dy[r * T * hd + STEP * hd + j] as f64;
                    let cn = c[r * hd + j] as f64;
                    let dct = dc0[r * hd + j] as f64 + d * o * (1.0 - cn.tanh().powi(2));
                    let grads = [
                        dct * gg * i * (1.0 - i),
                        dct * c_prev[r * hd + j] as f64 * f * (1.0 - f),
                        dct * i * (1.0 - gg * gg),
                        d * cn.tanh() * o * (1.0 - o),
                    ];
                    for (k, v) in grads.into_iter().enumerate() {
                        want_dpre[r * g + k * hd + j] = v;
                    }
                    want_dc[r * hd + j] = dct * f;
                }
            }
            close(&format!("{level:?} dpre"), &dpre, &want_dpre);
            close(&format!("{level:?} dc"), &dc, &want_dc);
            for r in 0..rows {
                let at = r * T * g + STEP * g;
                assert_eq!(dpre_s[at..at + g], dpre[r * g..(r + 1) * g]);
            }
        }
    });
}

#[test]
fn gru_forward_and_backward_match_f64() {
    for_each_level(|level| {
        for &(rows, hd) in &SIZES {
            for with_bias in [false, true] {
                let g = 3 * hd;
                let seed = (rows * 1000 + hd) as u64 + 77;
                let gates0 = vals(rows * T * g, seed, -2.0, 2.0);
                let hp = vals(rows * g, seed + 1, -2.0, 2.0);
                let bhh = vals(g, seed + 2, -1.0, 1.0);
                let h_prev = vals(rows * hd, seed + 3, -1.0, 1.0);
                let mut gates = gates0.clone();
                let mut hn = vec![0f32; rows * hd];
                let mut h = vec![0f32; rows * hd];
                rk::gru_forward(
                    rows,
                    hd,
                    StridedMut {
                        data: &mut gates[STEP * g..],
                        stride: T * g,
                    },
                    &hp,
                    with_bias.then_some(&bhh[..]),
                    &h_prev,
                    &mut hn,
                    &mut h,
                    None,
                );
                let b = |k: usize, j: usize| {
                    if with_bias {
                        bhh[k * hd + j] as f64
                    } else {
                        0.0
                    }
                };
                let mut want_h = vec![0f64; rows * hd];
                let mut want_hn = vec![0f64; rows * hd];
                for r in 0..rows {
                    for j in 0..hd {
                        let x = |k: usize| gates0[r * T * g + STEP * g + k * hd + j] as f64;
                        let p = |k: usize| hp[r * g + k * hd + j] as f64;
                        let rv = sig(x(0) + p(0) + b(0, j));
                        let zv = sig(x(1) + p(1) + b(1, j));
                        let hnv = p(2) + b(2, j);
                        let nv = (x(2) + rv * hnv).tanh();
                        want_hn[r * hd + j] = hnv;
                        want_h[r * hd + j] = (1.0 - zv) * nv + zv * h_prev[r * hd + j] as f64;
                    }
                }
                close(&format!("{level:?} gru h"), &h, &want_h);
                close(&format!("{level:?} gru hn"), &hn, &want_hn);

                let dh = vals(rows * hd, seed + 4, -1.0, 1.0);
                let mut dpre = vec![0f32; rows * g];
                let mut dpre_s = vec![0f32; rows * T * g];
                let mut dh_prev = vec![0f32; rows * hd];
                rk::gru_backward(
                    rows,
                    hd,
                    Strided {
                        data: &gates[STEP * g..],
                        stride: T * g,
                    },
                    &hn,
                    &h_prev,
                    &dh,
                    None,
                    &mut dpre,
                    StridedMut {
                        data: &mut dpre_s[STEP * g..],
                        stride: T * g,
                    },
                    &mut dh_prev,
                );
                let mut want_dpre = vec![0f64; rows * g];
                let mut want_s = vec![0f64; rows * g];
                let mut want_dhp = vec![0f64; rows * hd];
                for r in 0..rows {
                    for j in 0..hd {
                        let a = |k: usize| gates[r * T * g + STEP * g + k * hd + j] as f64;
                        let (rv, zv, nv) = (a(0), a(1), a(2));
                        let d = dh[r * hd + j] as f64;
                        let dn = d * (1.0 - zv) * (1.0 - nv * nv);
                        let dz = d * (h_prev[r * hd + j] as f64 - nv) * zv * (1.0 - zv);
                        let dr = dn * hn[r * hd + j] as f64 * rv * (1.0 - rv);
                        for (k, v) in [dr, dz, dn * rv].into_iter().enumerate() {
                            want_dpre[r * g + k * hd + j] = v;
                        }
                        for (k, v) in [dr, dz, dn].into_iter().enumerate() {
                            want_s[r * g + k * hd + j] = v;
                        }
                        want_dhp[r * hd + j] = d * zv;
                    }
                }
                close(&format!("{level:?} gru dpre"), &dpre, &want_dpre);
                close(&format!("{level:?} gru dhPrev"), &dh_prev, &want_dhp);
                for r in 0..rows {
                    let at = r * T * g + STEP * g;
                    close(
                        &format!("{level:?} gru dpreS"),
                        &dpre_s[at..at + g],
                        &want_s[r * g..(r + 1) * g],
                    );
                }
            }
        }
    });
}

#[test]
fn rnn_forward_and_backward_match_f64() {
    for_each_level(|level| {
        for &(rows, hd) in &SIZES {
            for relu in [false, true] {
                let seed = (rows * 1000 + hd) as u64 + 991;
                let gates0 = vals(rows * T * hd, seed, -2.0, 2.0);
                let hp = vals(rows * hd, seed + 1, -2.0, 2.0);
                let mut gates = gates0.clone();
                let mut h = vec![0f32; rows * hd];
                rk::rnn_forward(
                    relu,
                    rows,
                    hd,
                    StridedMut {
                        data: &mut gates[STEP * hd..],
                        stride: T * hd,
                    },
                    &hp,
                    &mut h,
                    None,
                );
                let act = |x: f64| if relu { x.max(0.0) } else { x.tanh() };
                let want: Vec<f64> = (0..rows * hd)
                    .map(|i| {
                        let (r, j) = (i / hd, i % hd);
                        act(gates0[r * T * hd + STEP * hd + j] as f64 + hp[i] as f64)
                    })
                    .collect();
                close(&format!("{level:?} rnn h relu={relu}"), &h, &want);

                let dh = vals(rows * hd, seed + 2, -1.0, 1.0);
                let dy = vals(rows * hd, seed + 3, -1.0, 1.0);
                let mut dpre = vec![0f32; rows * hd];
                let mut dpre_s = vec![0f32; rows * T * hd];
                rk::rnn_backward(
                    relu,
                    rows,
                    hd,
                    Strided {
                        data: &gates[STEP * hd..],
                        stride: T * hd,
                    },
                    &dh,
                    Some(Strided {
                        data: &dy,
                        stride: hd,
                    }),
                    &mut dpre,
                    StridedMut {
                        data: &mut dpre_s[STEP * hd..],
                        stride: T * hd,
                    },
                );
                let want: Vec<f64> = (0..rows * hd)
                    .map(|i| {
                        let d = dh[i] as f64 + dy[i] as f64;
                        let a = h[i] as f64;
                        if relu {
                            if a > 0.0 {
                                d
                            } else {
                                0.0
                            }
                        } else {
                            d * (1.0 - a * a)
                        }
                    })
                    .collect();
                close(&format!("{level:?} rnn dpre relu={relu}"), &dpre, &want);
            }
        }
    });
}

/// A step split over threads gives bit-identical results to the same rows done one by one.
#[test]
fn results_do_not_depend_on_the_row_split() {
    // Other tests in this binary change the instruction set: hold their lock.
    let _g = LEVEL_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (rows, hd) = (96, 200);
    let g = 4 * hd;
    let gates0 = vals(rows * g, 5, -2.0, 2.0);
    let hp = vals(rows * g, 6, -2.0, 2.0);
    let c_prev = vals(rows * hd, 7, -2.0, 2.0);
    let mut ga = gates0.clone();
    let (mut ca, mut ha) = (vec![0f32; rows * hd], vec![0f32; rows * hd]);
    rk::lstm_forward(
        rows,
        hd,
        StridedMut {
            data: &mut ga,
            stride: g,
        },
        &hp,
        &c_prev,
        &mut ca,
        &mut ha,
        None,
    );
    let mut gb = gates0.clone();
    let (mut cb, mut hb) = (vec![0f32; rows * hd], vec![0f32; rows * hd]);
    for r in 0..rows {
        rk::lstm_forward(
            1,
            hd,
            StridedMut {
                data: &mut gb[r * g..(r + 1) * g],
                stride: g,
            },
            &hp[r * g..(r + 1) * g],
            &c_prev[r * hd..(r + 1) * hd],
            &mut cb[r * hd..(r + 1) * hd],
            &mut hb[r * hd..(r + 1) * hd],
            None,
        );
    }
    assert_eq!(ga, gb);
    assert_eq!(ca, cb);
    assert_eq!(ha, hb);
}
