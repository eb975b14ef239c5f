//! SGEMM throughput of the `gemm` crate (through `descent_kernels::gemm::sgemm`, and directly
//! via `gemm::gemm`) versus `matrixmultiply::sgemm`, single-threaded and with 2 threads.
//!
//! ```text
//! cargo run --release -p descent-kernels --example gemm_crates [-- --rounds N --blocks N]
//! ```
//!
//! `matrixmultiply` reads its thread count from `MATMUL_NUM_THREADS` once per process, and
//! rayon's global pool can be sized only once per process, so the parent re-runs this binary
//! as a child per thread count, alternating (1, 2, 1, 2, …: `--blocks` children per count) so
//! machine drift hits both alike. Each child sizes rayon's global pool and
//! `MATMUL_NUM_THREADS` to its count, warms up, then takes `--rounds` interleaved rounds: per
//! round, one sample of every (shape, implementation), implementations in rotated order. All
//! calls come from the main thread, as they do from Node. Reported: median GFLOPS
//! (2·m·n·k / time) over all samples, ± half the interquartile range.

use std::collections::BTreeMap;
use std::env;
use std::process::{Command, ExitCode};
use std::time::Instant;

use gemm::Parallelism;

/// (m, k, n): A is m×k, B is k×n, C is m×n, all row-major.
const SHAPES: [(usize, usize, usize); 4] = [
    (128, 784, 256),
    (128, 256, 128),
    (512, 512, 512),
    (1024, 1024, 1024),
];
const THREADS: [usize; 2] = [1, 2];
const IMPLS: [&str; 3] = ["descent sgemm", "gemm::gemm", "matrixmultiply"];
/// Target length of one timed sample, seconds.
const SAMPLE_SECS: f64 = 0.03;
const WARMUP_SECS: f64 = 0.15;
const CHILD_ENV: &str = "GEMM_CRATES_CHILD_THREADS";

struct Mats {
    m: usize,
    k: usize,
    n: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

fn fill(len: usize, seed: u32) -> Vec<f32> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

impl Mats {
    fn new((m, k, n): (usize, usize, usize)) -> Self {
        Mats {
            m,
            k,
            n,
            a: fill(m * k, 1),
            b: fill(k * n, 2),
            c: vec![0.0; m * n],
        }
    }

    /// C = A·B with implementation `which` using `threads` threads.
    fn run(&mut self, which: &str, threads: usize) {
        let (m, k, n) = (self.m, self.k, self.n);
        match which {
            "descent sgemm" => {
                // Threads come from rayon's global pool, sized to `threads` in this process.
                descent_kernels::gemm::sgemm(
                    false,
                    false,
                    m,
                    n,
                    k,
                    1.0,
                    &self.a,
                    &self.b,
                    0.0,
                    &mut self.c,
                );
            }
            "gemm::gemm" => {
                let par = if threads > 1 {
                    Parallelism::Rayon(threads)
                } else {
                    Parallelism::None
                };
                // SAFETY: a is m×k, b is k×n, c is m×n, row-major, with matching strides; c
                // is exclusively borrowed and does not overlap a or b.
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        k,
                        self.c.as_mut_ptr(),
                        1,
                        n as isize,
                        false,
                        self.a.as_ptr(),
                        1,
                        k as isize,
                        self.b.as_ptr(),
                        1,
                        n as isize,
                        0.0f32,
                        1.0f32,
                        false,
                        false,
                        false,
                        par,
                    );
                }
            }
            "matrixmultiply" => {
                // Threads come from MATMUL_NUM_THREADS, set for this process by the parent.
                // SAFETY: as above; strides (row, column) are (k, 1), (n, 1), (n, 1).
                unsafe {
                    matrixmultiply::sgemm(
                        m,
                        k,
                        n,
                        1.0,
                        self.a.as_ptr(),
                        k as isize,
                        1,
                        self.b.as_ptr(),
                        n as isize,
                        1,
                        0.0,
                        self.c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
            _ => unreachable!("unknown implementation {which}"),
        }
    }
}

/// Mean seconds per call over `iters` calls.
fn time_batch(mats: &mut Mats, which: &str, threads: usize, iters: usize) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        mats.run(which, threads);
    }
    t.elapsed().as_secs_f64() / iters as f64
}

fn child(threads: usize, rounds: usize) -> ExitCode {
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
    {
        eprintln!("gemm_crates: cannot size the rayon pool: {e}");
        return ExitCode::FAILURE;
    }
    let mut mats: Vec<Mats> = SHAPES.iter().map(|&s| Mats::new(s)).collect();
    // Warm-up and calibration, and a check that all three compute the same product.
    let mut iters = vec![[1usize; IMPLS.len()]; SHAPES.len()];
    for (si, mt) in mats.iter_mut().enumerate() {
        let mut reference: Option<Vec<f32>> = None;
        for (ii, which) in IMPLS.iter().enumerate() {
            mt.c.iter_mut().for_each(|x| *x = f32::NAN);
            mt.run(which, threads);
            match &reference {
                None => reference = Some(mt.c.clone()),
                Some(r) => {
                    let diff = r
                        .iter()
                        .zip(&mt.c)
                        .map(|(x, y)| (x - y).abs())
                        .fold(0.0f32, f32::max);
                    let tol = 1e-4 * mt.k as f32;
                    if diff.is_nan() || diff > tol {
                        eprintln!(
                            "gemm_crates: {which} differs from {} on {}×{}×{}: max |Δ| {diff}",
                            IMPLS[0], mt.m, mt.k, mt.n
                        );
                        return ExitCode::FAILURE;
                    }
                }
            }
            let start = Instant::now();
            let mut calls = 0usize;
            while calls < 3 || start.elapsed().as_secs_f64() < WARMUP_SECS {
                mt.run(which, threads);
                calls += 1;
            }
            let per = time_batch(mt, which, threads, 3);
            iters[si][ii] = ((SAMPLE_SECS / per).round() as usize).max(1);
        }
    }
    for r in 0..rounds {
        for (si, mt) in mats.iter_mut().enumerate() {
            for j in 0..IMPLS.len() {
                let ii = (r + si + j) % IMPLS.len();
                let secs = time_batch(mt, IMPLS[ii], threads, iters[si][ii]);
                println!("S\t{threads}\t{ii}\t{si}\t{secs:.9e}\t{}", iters[si][ii]);
            }
        }
    }
    ExitCode::SUCCESS
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// (median, ± half IQR relative to the median) of throughputs.
fn summary(values: &[f64]) -> (f64, f64) {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    let med = quantile(&s, 0.5);
    (med, (quantile(&s, 0.75) - quantile(&s, 0.25)) / 2.0 / med)
}

fn arg(args: &[String], name: &str, default: usize) -> Result<usize, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .filter(|&v: &usize| v > 0)
            .ok_or_else(|| format!("{name} needs a positive integer")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let parsed = arg(&args, "--rounds", 3).and_then(|r| Ok((r, arg(&args, "--blocks", 3)?)));
    let (rounds, blocks) = match parsed {
        Ok(v) => v,
        Err(e) => {
            eprintln!("gemm_crates: {e}\nusage: gemm_crates [--rounds N] [--blocks N]");
            return ExitCode::FAILURE;
        }
    };
    if let Some(t) = env::var(CHILD_ENV).ok().and_then(|v| v.parse().ok()) {
        return child(t, rounds);
    }

    let exe = match env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("gemm_crates: cannot find this executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    // samples[(threads, impl, shape)] = GFLOPS per sample
    let mut samples: BTreeMap<(usize, usize, usize), Vec<f64>> = BTreeMap::new();
    let flops: Vec<f64> = SHAPES
        .iter()
        .map(|&(m, k, n)| 2.0 * (m * n * k) as f64)
        .collect();
    for b in 0..blocks {
        for &t in &THREADS {
            eprintln!("gemm_crates: block {}/{blocks}, {t} thread(s)…", b + 1);
            let out = Command::new(&exe)
                .env(CHILD_ENV, t.to_string())
                .env("MATMUL_NUM_THREADS", t.to_string())
                .env("RAYON_NUM_THREADS", t.to_string())
                .args(["--rounds", &rounds.to_string()])
                .output();
            let out = match out {
                Ok(o) if o.status.success() => o,
                Ok(o) => {
                    eprintln!(
                        "gemm_crates: child ({t} threads) failed: {}\n{}",
                        o.status,
                        String::from_utf8_lossy(&o.stderr)
                    );
                    return ExitCode::FAILURE;
                }
                Err(e) => {
                    eprintln!("gemm_crates: cannot run child: {e}");
                    return ExitCode::FAILURE;
                }
            };
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let f: Vec<&str> = line.split('\t').collect();
                if f.len() < 5 || f[0] != "S" {
                    continue;
                }
                let (Ok(tt), Ok(ii), Ok(si), Ok(secs)) = (
                    f[1].parse::<usize>(),
                    f[2].parse::<usize>(),
                    f[3].parse::<usize>(),
                    f[4].parse::<f64>(),
                ) else {
                    continue;
                };
                samples
                    .entry((tt, ii, si))
                    .or_default()
                    .push(flops[si] / secs / 1e9);
            }
        }
    }

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "SGEMM GFLOPS (2·m·n·k / time), median of {} samples per cell (± half IQR); {cpu}, {} logical cores",
        rounds * blocks,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "descent SIMD level: {}; gemm 0.19 (features std, rayon, x86-v4); matrixmultiply 0.3 (threading)",
        descent_kernels::simd::level().name()
    );
    println!();
    let w = 22;
    print!("{:<14} {:>3}", "m×k×n", "thr");
    for name in IMPLS {
        print!(" {name:>w$}");
    }
    println!(" {:>10} {:>10}", "mm/gemm", "mm/descent");
    for (si, &(m, k, n)) in SHAPES.iter().enumerate() {
        for &t in &THREADS {
            print!("{:<14} {t:>3}", format!("{m}×{k}×{n}"));
            let mut med = [f64::NAN; IMPLS.len()];
            for (ii, slot) in med.iter_mut().enumerate() {
                match samples.get(&(t, ii, si)) {
                    Some(v) if !v.is_empty() => {
                        let (md, sp) = summary(v);
                        *slot = md;
                        print!(" {:>w$}", format!("{md:.1} ±{:.1}%", sp * 100.0));
                    }
                    _ => print!(" {:>w$}", "n/a"),
                }
            }
            println!(" {:>9.2}× {:>9.2}×", med[2] / med[1], med[2] / med[0]);
        }
    }
    println!();
    println!("thr 1: rayon pool of 1 (descent sgemm → Parallelism::None), gemm::gemm Parallelism::None, MATMUL_NUM_THREADS=1");
    println!("thr 2: rayon pool of 2 (descent sgemm → Rayon(2) at ≥ 2^21 multiply-adds), gemm::gemm Parallelism::Rayon(2), MATMUL_NUM_THREADS=2");
    ExitCode::SUCCESS
}
