//! The exact routes for subnormal state (optim/subnormal.rs) change speed, never bits: at
//! every instruction set, Adam and SGD steps with and without the route give the same
//! parameters and state, over lanes mixing subnormal, tiny, normal, zero, infinite and NaN
//! values and every option.
mod common;

use common::*;
use descent_kernels::optim::{adam_step_routed, sgd_step_routed, AdamParams, SgdParams};

/// Deterministic values of the kinds that meet in a long training run: moments decayed into
/// (and stuck in) the subnormal range, gradients that are exactly ±0 for most steps.
fn mixed(n: usize, seed: u64, kinds: &[fn(f32) -> f32]) -> Vec<f32> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((x >> 40) as f32) / (1u64 << 24) as f32;
            kinds[(x >> 33) as usize % kinds.len()](u)
        })
        .collect()
}

fn sub_k(u: f32) -> f32 {
    // k·2⁻¹⁴⁹ with small k (where round(0.9·k) = k sticks) or any k, either sign.
    let k = if u < 0.5 {
        1 + (u * 16.0) as u32
    } else {
        (u * 8_388_607.0) as u32 + 1
    };
    let x = f32::from_bits(k);
    if ((u * 1000.0) as u32).is_multiple_of(2) {
        x
    } else {
        -x
    }
}

const MOMENT: &[fn(f32) -> f32] = &[
    sub_k,
    sub_k,
    sub_k,
    |u| (u - 0.5) * 1e-3,
    |u| f32::MIN_POSITIVE * (1.0 + u),
    |_| 0.0,
];
const SECOND: &[fn(f32) -> f32] = &[
    |u| sub_k(u).abs(),
    |u| sub_k(u).abs(),
    |u| u * 1e-6,
    |u| u * 1e4, // √v > 1: m/denominator lands in the subnormal range
    |u| f32::MIN_POSITIVE * (1.0 + u),
    |_| 0.0,
];
const GRAD: &[fn(f32) -> f32] = &[
    |_| 0.0,
    |_| 0.0,
    |_| -0.0,
    |u| (u - 0.5) * 1e-2,
    |u| (u - 0.5) * 1e-20, // g² subnormal
    sub_k,
];
const PARAM: &[fn(f32) -> f32] = &[|u| u - 0.5, |u| (u - 0.5) * 1e-3, sub_k];
const SPECIAL: &[fn(f32) -> f32] = &[|_| f32::NAN, |_| f32::INFINITY, |u| u - 0.5];

/// Parameters and gradients; with `specials`, NaN and ∞ lanes among them every 37 elements.
fn params_and_grads(n: usize, seed: u64, specials: bool) -> (Vec<f32>, Vec<f32>) {
    let mut p = mixed(n, seed, PARAM);
    let mut g = mixed(n, seed + 1, GRAD);
    if specials {
        let s = mixed(n, seed + 2, SPECIAL);
        for i in (0..n).step_by(37) {
            if i % 2 == 0 {
                g[i] = s[i]
            } else {
                p[i] = s[i]
            }
        }
    }
    (p, g)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[allow(clippy::too_many_arguments)]
fn run(
    o: AdamParams,
    route: bool,
    steps: usize,
    p: &[f32],
    g: &[f32],
    m: &[f32],
    v: &[f32],
    x: &[f32],
) -> [Vec<u32>; 4] {
    let (mut p, mut m, mut v, mut x) = (p.to_vec(), m.to_vec(), v.to_vec(), x.to_vec());
    for t in 0..steps {
        let o = AdamParams {
            step: o.step + t as f64,
            ..o
        };
        let vmax = if o.amsgrad { Some(&mut x[..]) } else { None };
        adam_step_routed(o, route, &mut p, g, &mut m, &mut v, vmax);
    }
    [bits(&p), bits(&m), bits(&v), bits(&x)]
}

#[test]
fn routed_subnormal_lanes_match_the_plain_kernel_bit_for_bit() {
    let n = 16 * 61 + 7; // a vector tail at every width
    let mut checked = 0;
    for_each_level(|level| {
        for (case, &(beta1, beta2, eps)) in [
            (0.9, 0.999, 1e-8),
            (0.5, 0.5, 1e-8),
            (0.0, 0.999, 0.0),
            (0.99, 0.9, 1e-6),
            (0.999, 0.999, 1e-8),
        ]
        .iter()
        .enumerate()
        {
            for flags in 0..16u32 {
                let (maximize, amsgrad, decoupled) =
                    (flags & 1 != 0, flags & 2 != 0, flags & 4 != 0);
                let wd = if flags & 8 != 0 { 1e-2 } else { 0.0 };
                let seed = (case as u64) << 8 | flags as u64;
                let (p, g) = params_and_grads(n, seed, case == 0 && flags == 0);
                let m = mixed(n, seed + 3, MOMENT);
                let v = mixed(n, seed + 4, SECOND);
                let x: Vec<f32> = v
                    .iter()
                    .zip(mixed(n, seed + 5, SECOND))
                    .map(|(a, b)| a.max(b))
                    .collect();
                let o = AdamParams {
                    lr: 1e-3,
                    beta1,
                    beta2,
                    eps,
                    weight_decay: wd,
                    decoupled,
                    amsgrad,
                    maximize,
                    step: 3.0,
                };
                let routed = run(o, true, 4, &p, &g, &m, &v, &x);
                let plain = run(o, false, 4, &p, &g, &m, &v, &x);
                for (k, name) in ["p", "m", "v", "vmax"].iter().enumerate() {
                    if let Some(i) = (0..n).find(|&i| routed[k][i] != plain[k][i]) {
                        panic!(
                            "{level:?} β1 {beta1} β2 {beta2} flags {flags:#b}: {name}[{i}] routed {:e} plain {:e} (p {:e} g {:e} m {:e} v {:e})",
                            f32::from_bits(routed[k][i]),
                            f32::from_bits(plain[k][i]),
                            p[i], g[i], m[i], v[i]
                        );
                    }
                }
                checked += 1;
            }
        }
    });
    assert!(checked >= 80, "only {checked} cases ran");
}

#[test]
fn routed_momentum_buffers_match_the_plain_kernel_bit_for_bit() {
    let n = 16 * 61 + 7;
    let mut checked = 0;
    for_each_level(|level| {
        for (case, &(lr, momentum)) in [(0.1f32, 0.9f32), (1e-3, 0.5), (1e-2, 0.99), (1e-30, 0.9)]
            .iter()
            .enumerate()
        {
            for flags in 0..16u32 {
                let (maximize, nesterov) = (flags & 1 != 0, flags & 2 != 0);
                let dampening = if flags & 4 != 0 { 0.1 } else { 0.0 };
                let weight_decay = if flags & 8 != 0 { 1e-2 } else { 0.0 };
                let seed = 1 << 20 | (case as u64) << 8 | flags as u64;
                let (p, g) = params_and_grads(n, seed, case == 0 && flags == 0);
                let buf = mixed(n, seed + 3, MOMENT);
                let o = SgdParams {
                    lr,
                    momentum,
                    dampening,
                    weight_decay,
                    nesterov,
                    maximize,
                    first_step: false,
                };
                let run = |route: bool| {
                    let (mut p, mut b) = (p.clone(), buf.clone());
                    for _ in 0..4 {
                        sgd_step_routed(o, route, &mut p, &g, Some(&mut b));
                    }
                    [bits(&p), bits(&b)]
                };
                let (routed, plain) = (run(true), run(false));
                for (k, name) in ["p", "buf"].iter().enumerate() {
                    if let Some(i) = (0..n).find(|&i| routed[k][i] != plain[k][i]) {
                        panic!(
                            "{level:?} lr {lr} μ {momentum} flags {flags:#b}: {name}[{i}] routed {:e} plain {:e} (p {:e} g {:e} buf {:e})",
                            f32::from_bits(routed[k][i]),
                            f32::from_bits(plain[k][i]),
                            p[i], g[i], buf[i]
                        );
                    }
                }
                checked += 1;
            }
        }
    });
    assert!(checked >= 64, "only {checked} cases ran");
}
