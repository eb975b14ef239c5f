//! Throughput of the torch.optim-style optimizer steps (Adagrad, Adadelta, RMSprop, Adamax,
//! NAdam, RAdam, Rprop, ASGD; Adam for reference) per instruction set, single-threaded,
//! through the generic `optim::step` entry, from Rust (no N-API):
//! `cargo run --release -p descent-kernels --example optim_levels`.
//! Each step reads the gradient and reads and writes the parameters and each state buffer
//! once; the GB/s column counts those bytes.
use descent_kernels::optim::{step, Group, Kind};
use descent_kernels::simd::{force_level, Level};
use std::time::Instant;

struct Case {
    name: &'static str,
    kind: Kind,
    /// Hyperparameters for step t (1-based).
    hyper: fn(f64) -> Vec<f64>,
    /// Initial values of the state buffers used.
    states: &'static [f32],
}

const CASES: &[Case] = &[
    Case {
        name: "adam",
        kind: Kind::Adam,
        hyper: |t| vec![1e-3, 0.9, 0.999, 1e-8, 0.0, 0.0, 0.0, 0.0, t],
        states: &[0.0, 0.0],
    },
    Case {
        name: "adagrad",
        kind: Kind::Adagrad,
        hyper: |t| vec![1e-2, 0.0, 0.0, 1e-10, 0.0, t],
        states: &[0.0],
    },
    Case {
        name: "adadelta",
        kind: Kind::Adadelta,
        hyper: |_| vec![1.0, 0.9, 1e-6, 0.0, 0.0],
        states: &[0.0, 0.0],
    },
    Case {
        name: "rmsprop",
        kind: Kind::Rmsprop,
        hyper: |_| vec![1e-2, 0.99, 1e-8, 0.0, 0.0, 0.0, 0.0],
        states: &[0.0],
    },
    Case {
        name: "rmsprop centered+momentum",
        kind: Kind::Rmsprop,
        hyper: |_| vec![1e-2, 0.99, 1e-8, 0.0, 0.9, 1.0, 0.0],
        states: &[0.0, 0.0, 0.0],
    },
    Case {
        name: "adamax",
        kind: Kind::Adamax,
        hyper: |t| vec![2e-3, 0.9, 0.999, 1e-8, 0.0, 0.0, t],
        states: &[0.0, 0.0],
    },
    Case {
        name: "nadam",
        kind: Kind::Nadam,
        hyper: |t| {
            vec![
                -1e-4,
                -1e-3,
                0.9,
                0.999,
                1.0 - 0.999f64.powf(t),
                1e-8,
                0.0,
                1.0,
                0.0,
            ]
        },
        states: &[0.0, 0.0],
    },
    Case {
        name: "radam (rectified)",
        kind: Kind::Radam,
        hyper: |t| {
            let bc2 = 1.0 - 0.999f64.powf(t);
            vec![
                1e-3,
                0.9,
                0.999,
                1e-8,
                0.0,
                1.0,
                0.0,
                1.0 - 0.9f64.powf(t),
                bc2.sqrt(),
                1.0,
                0.5,
            ]
        },
        states: &[0.0, 0.0],
    },
    Case {
        name: "rprop",
        kind: Kind::Rprop,
        hyper: |_| vec![0.5, 1.2, 1e-6, 50.0, 0.0],
        states: &[0.0, 1e-2],
    },
    Case {
        name: "asgd",
        kind: Kind::Asgd,
        hyper: |_| vec![1.0 - 1e-6, 1e-2, 0.5, 0.0, 0.0],
        states: &[0.0],
    },
];

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for n in [1 << 16, 1 << 20] {
        let g: Vec<f32> = (0..n).map(|i| ((i % 17) as f32 - 8.0) * 0.01).collect();
        for c in CASES {
            let mut p = vec![0.5f32; n];
            let mut s: Vec<Vec<f32>> = c.states.iter().map(|&v| vec![v; n]).collect();
            let bytes = (4 * (2 + 2 * s.len()) + 4) * n;
            for level in [Level::Scalar, Level::Avx2, Level::Avx512] {
                if force_level(Some(level)).is_err() {
                    continue;
                }
                let mut best = f64::INFINITY;
                for round in 0..7 {
                    let steps = if n < 1 << 18 { 400 } else { 30 };
                    let t = Instant::now();
                    pool.install(|| {
                        for k in 0..steps {
                            let h = (c.hyper)((k + 1) as f64);
                            let mut it = s.iter_mut();
                            let st = [(); 4].map(|_| it.next().map(|b| b.as_mut_slice()));
                            let grp = Group {
                                p: &mut p,
                                g: &g,
                                s: st,
                                segments: None,
                            };
                            step(c.kind, &h, grp).unwrap();
                        }
                    });
                    let dt = t.elapsed().as_secs_f64() / steps as f64;
                    if round > 0 {
                        best = best.min(dt);
                    }
                }
                println!(
                    "n={n:>8} {:<26} {level:?}: {:>5.0} M params/s {:>5.1} GB/s",
                    c.name,
                    n as f64 / best / 1e6,
                    bytes as f64 / best / 1e9
                );
            }
        }
    }
    force_level(None).unwrap();
}
