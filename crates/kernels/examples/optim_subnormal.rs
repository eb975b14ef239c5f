//! Adam's and SGD-momentum's steps on state with stuck subnormal values, with and without the
//! exact route for those lanes (optim/subnormal.rs), from Rust on the pool's threads:
//! `cargo run --release -p descent-kernels --example optim_subnormal`.
//! The state mimics the MLP's first layer on Fashion-MNIST after ~2,000 steps: a weight in 7
//! has g = 0, and half of those hold 3·2⁻¹⁴⁹ in m (or the momentum buffer), where 0.9·m
//! rounds back to m.
use descent_kernels::optim::{adam_step_routed, sgd_step_routed, AdamParams, SgdParams};
use std::time::Instant;

fn main() {
    let n = 235_146; // the MLP 784-256-128-10's parameters
    let p0: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 * 1e-4 - 0.05)
        .collect();
    let g: Vec<f32> = (0..n)
        .map(|i| {
            if i % 7 == 0 {
                0.0
            } else {
                ((i * 31) % 100) as f32 * 1e-4
            }
        })
        .collect();
    for opt in ["adam", "sgd-momentum"] {
        for stuck in [false, true] {
            let m0: Vec<f32> = (0..n)
                .map(|i| {
                    if stuck && i % 14 == 0 {
                        f32::from_bits(3)
                    } else {
                        1e-4
                    }
                })
                .collect();
            let v0 = vec![1e-10f32; n];
            for route in [false, true] {
                let (mut p, mut m, mut v) = (p0.clone(), m0.clone(), v0.clone());
                let mut times = Vec::new();
                for it in 0..400 {
                    p.copy_from_slice(&p0);
                    m.copy_from_slice(&m0);
                    v.copy_from_slice(&v0);
                    let t = Instant::now();
                    if opt == "adam" {
                        let o = AdamParams {
                            lr: 1e-3,
                            beta1: 0.9,
                            beta2: 0.999,
                            eps: 1e-8,
                            weight_decay: 0.0,
                            decoupled: false,
                            amsgrad: false,
                            maximize: false,
                            step: 2000.0 + it as f64,
                        };
                        adam_step_routed(o, route, &mut p, &g, &mut m, &mut v, None);
                    } else {
                        let o = SgdParams {
                            lr: 1e-2,
                            momentum: 0.9,
                            dampening: 0.0,
                            weight_decay: 0.0,
                            nesterov: false,
                            maximize: false,
                            first_step: false,
                        };
                        sgd_step_routed(o, route, &mut p, &g, Some(&mut m));
                    }
                    times.push(t.elapsed().as_secs_f64() * 1e6);
                }
                times.sort_by(f64::total_cmp);
                println!(
                    "{opt}, {} state, route {route}: median {:.1} µs, best {:.1} µs",
                    if stuck { "stuck-subnormal" } else { "normal" },
                    times[times.len() / 2],
                    times[0]
                );
            }
        }
    }
}
