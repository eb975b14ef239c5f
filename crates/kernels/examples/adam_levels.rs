//! Adam step throughput per instruction set, single-threaded, from Rust (no N-API):
//! `cargo run --release -p descent-kernels --example adam_levels`.
use descent_kernels::optim::{adam_step, AdamParams};
use descent_kernels::simd::{force_level, Level};
use std::time::Instant;

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for n in [1 << 16, 1 << 20] {
        let mut p = vec![0.5f32; n];
        let g = vec![0.1f32; n];
        let (mut m, mut v) = (vec![0f32; n], vec![0f32; n]);
        for level in [Level::Scalar, Level::Avx2, Level::Avx512] {
            if force_level(Some(level)).is_err() {
                continue;
            }
            let mut best = f64::INFINITY;
            for round in 0..7 {
                let steps = if n < 1 << 18 { 400 } else { 30 };
                let t = Instant::now();
                pool.install(|| {
                    for s in 0..steps {
                        let o = AdamParams {
                            lr: 1e-3,
                            beta1: 0.9,
                            beta2: 0.999,
                            eps: 1e-8,
                            weight_decay: 0.0,
                            decoupled: false,
                            amsgrad: false,
                            maximize: false,
                            step: (s + 1) as f64,
                        };
                        adam_step(o, &mut p, &g, &mut m, &mut v, None);
                    }
                });
                let dt = t.elapsed().as_secs_f64() / steps as f64;
                if round > 0 {
                    best = best.min(dt);
                }
            }
            println!(
                "n={n:>8} {level:?}: {:.0} M params/s",
                n as f64 / best / 1e6
            );
        }
    }
}
