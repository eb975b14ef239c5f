//! `optim::step` on arbitrary kinds, hyperparameters, lengths, offsets, state buffers and
//! segment lists. It must never panic; every instruction set must return the same Ok/Err;
//! an Err must leave every buffer untouched (validation before mutation); and with
//! well-conditioned hyperparameters (see `well_conditioned`) every level's parameters and
//! state must agree with the scalar level's.
#![no_main]

use descent_kernels::optim::{step, Group, Kind};
use descent_kernels_fuzz::{assert_levels_agree, buffer, per_level, tame};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Hyper {
    /// In [0, 1): learning rates, betas, epsilons, decays.
    Unit(u16),
    Zero,
    One,
    /// A step counter.
    Count(u8),
    /// Any f64, non-finite ones included: must be refused or survived, never panic.
    Wild(u64),
}

impl Hyper {
    fn value(&self) -> f64 {
        match *self {
            Hyper::Unit(b) => b as f64 / 65536.0,
            Hyper::Zero => 0.0,
            Hyper::One => 1.0,
            Hyper::Count(c) => c as f64 + 1.0,
            Hyper::Wild(b) => f64::from_bits(b),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: u8,
    h: Vec<Hyper>,
    n: u16,
    off: u8,
    /// Per state slot: absent, or present with a length off by `delta` (mostly 0).
    states: [Option<i8>; 4],
    segments: Option<Vec<u16>>,
    seed: u64,
    steps: u8,
}

/// Value `i` of a stream in [-a, a) picked by `seed` and `salt` (a hash, so the fuzzer's
/// bytes go to shapes and options rather than to thousands of values).
fn values(seed: u64, salt: u64, a: f32) -> impl Fn(usize) -> f32 {
    let s = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    move |i| {
        let x = (s ^ (i as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
            .wrapping_mul(0x94D0_49BB_1331_11EB);
        tame((x >> 48) as u16, a)
    }
}

/// The index of ε, the guard of the update's denominator, in each kind's hyperparameters.
fn eps_index(kind: Kind) -> Option<usize> {
    match kind {
        Kind::Sgd | Kind::Lion | Kind::Rprop | Kind::Asgd | Kind::ScheduleFreeSwap => None,
        Kind::Adadelta | Kind::Rmsprop => Some(2),
        Kind::Adam | Kind::AdaBelief | Kind::Yogi | Kind::Lamb | Kind::Adagrad => Some(3),
        Kind::Adamax | Kind::Radam => Some(3),
        Kind::Adan | Kind::Lars => Some(4),
        Kind::Nadam => Some(5),
        Kind::ScheduleFree => Some(6),
    }
}

/// Whether the levels' results must agree to a fixed tolerance: every hyperparameter in
/// [0, 1] (η = 200 with ASGD's μ = 140, say, amplifies one rounding difference past any
/// fixed tolerance), ε at least 1e-3 (with ε → 0, g/(√v + ε) is 0/0 where v rounds to 0 on
/// one level only), and not centered RMSprop, whose √(v − ḡ²) cancels:
/// optim-torch-basic.test.ts checks it with a tolerance scaled by that condition number.
fn well_conditioned(kind: Kind, h: &[f64]) -> bool {
    h.iter().all(|v| (0.0..=1.0).contains(v))
        && eps_index(kind).is_none_or(|i| h.get(i).is_none_or(|&e| e >= 1e-3))
        && !(kind == Kind::Rmsprop && h.get(5).is_some_and(|&c| c != 0.0))
}

fn tail(x: &mut Option<Vec<f32>>, off: usize) -> Option<&mut [f32]> {
    x.as_mut().map(|v| &mut v[off..])
}

struct Bufs {
    p: Vec<f32>,
    s: [Option<Vec<f32>>; 4],
}

fuzz_target!(|inp: Input| {
    let kind = Kind::ALL[inp.kind as usize % Kind::ALL.len()];
    let h: Vec<f64> = inp.h.iter().take(16).map(Hyper::value).collect();
    let tame_h = well_conditioned(kind, &h);
    let n = inp.n as usize % 700;
    let off = inp.off as usize % 17;
    let g = buffer(off, n, values(inp.seed, 1, 4.0));
    let segments: Option<Vec<u32>> = inp
        .segments
        .as_ref()
        .map(|s| s.iter().take(8).map(|&v| v as u32 % 400).collect());
    let fresh = || Bufs {
        p: buffer(off, n, values(inp.seed, 2, 8.0)),
        s: std::array::from_fn(|k| {
            inp.states[k].map(|d| {
                let len = (n as i64 + if d % 8 == 0 { d as i64 / 8 } else { 0 }).max(0) as usize;
                let v = values(inp.seed, 3 + k as u64, 2.0);
                buffer(off, len, move |i| v(i).abs())
            })
        }),
    };
    let steps = 1 + inp.steps as usize % 3;
    let runs = per_level(|_| {
        let mut b = fresh();
        let before = (b.p.clone(), b.s.clone());
        let mut result = Ok(());
        for _ in 0..steps {
            let [s0, s1, s2, s3] = &mut b.s;
            result = step(
                kind,
                &h,
                Group {
                    p: &mut b.p[off..],
                    g: &g[off..],
                    s: [tail(s0, off), tail(s1, off), tail(s2, off), tail(s3, off)],
                    segments: segments.as_deref(),
                },
            );
            if result.is_err() {
                let same =
                    |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same(&b.p, &before.0), "{kind:?}: {result:?} but p changed");
                for k in 0..4 {
                    if let (Some(x), Some(y)) = (&b.s[k], &before.1[k]) {
                        assert!(same(x, y), "{kind:?}: {result:?} but state {k} changed");
                    }
                }
                break;
            }
        }
        (result, b)
    });
    let (_, (r0, _)) = &runs[0];
    for (l, (r, _)) in &runs[1..] {
        assert_eq!(
            r.is_ok(),
            r0.is_ok(),
            "{kind:?} at {l:?}: {r:?} vs scalar {r0:?}"
        );
    }
    if r0.is_err() || !tame_h {
        return;
    }
    let scale = |i: usize| 1.0 + g.get(off + i).map_or(0.0, |v| v.abs()) + 8.0;
    let ps: Vec<_> = runs
        .iter()
        .map(|(l, (_, b))| (*l, b.p[off..].to_vec()))
        .collect();
    assert_levels_agree(&format!("{kind:?} p, h={h:?}"), &ps, 1e-4, scale);
    for k in 0..4 {
        let sk: Vec<_> = runs
            .iter()
            .filter_map(|(l, (_, b))| b.s[k].as_ref().map(|v| (*l, v[off..].to_vec())))
            .collect();
        if !sk.is_empty() {
            assert_levels_agree(&format!("{kind:?} state {k}, h={h:?}"), &sk, 1e-4, scale);
        }
    }
});
