//! Fused in-place optimizer steps over flat parameter groups: one pass over memory per step.
//!
//! Every optimizer takes its hyperparameters as an `f64` slice (layout documented in its
//! module and mirrored by the TS `OPTIM_KINDS` table) and a [`Group`] of equally long,
//! pairwise disjoint buffers: parameters, gradients and up to four state buffers.

mod adabelief;
mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod adan;
mod asgd;
mod lamb;
mod lanes;
mod lars;
mod lion;
mod nadam;
mod radam;
mod rmsprop;
mod rprop;
mod schedule_free;
mod sgd;
mod stream;
mod subnormal;
mod trust;
mod yogi;

pub use adam::{adam_step, adam_step_routed, AdamParams};
pub use sgd::{sgd_step, sgd_step_routed, SgdParams};

/// Below this many parameters a step runs on one thread (thread wake-up costs more);
/// measured: 2 threads win from 32K parameters, break even at 16K. The light kernels (SGD,
/// Lion, ASGD, Rprop, schedule-free SGD) once needed 128K, but since a pool thread spins for
/// a while after each call (warm.rs) two threads win for them too: at 64K SGD+momentum 11.7 ->
/// 8.9 µs, Lion 12.6 -> 8.9, and at 32K 7.2 -> 6.2 (Xeon AVX-512, optim-vs-c.mjs).
pub(crate) const PAR_MIN: usize = 1 << 15;

/// Optimizer kinds. The numeric codes are part of the N-API contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    Sgd = 0,
    Adam = 1,
    Lion = 2,
    AdaBelief = 3,
    Yogi = 4,
    Adan = 5,
    Lamb = 6,
    Lars = 7,
    ScheduleFree = 8,
    ScheduleFreeSwap = 9,
    Adagrad = 10,
    Adadelta = 11,
    Rmsprop = 12,
    Adamax = 13,
    Nadam = 14,
    Radam = 15,
    Rprop = 16,
    Asgd = 17,
}

impl Kind {
    pub const ALL: [Kind; 18] = [
        Kind::Sgd,
        Kind::Adam,
        Kind::Lion,
        Kind::AdaBelief,
        Kind::Yogi,
        Kind::Adan,
        Kind::Lamb,
        Kind::Lars,
        Kind::ScheduleFree,
        Kind::ScheduleFreeSwap,
        Kind::Adagrad,
        Kind::Adadelta,
        Kind::Rmsprop,
        Kind::Adamax,
        Kind::Nadam,
        Kind::Radam,
        Kind::Rprop,
        Kind::Asgd,
    ];

    pub fn from_code(code: u32) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| *k as u32 == code)
    }
}

/// The buffers of one flat parameter group.
pub struct Group<'a> {
    pub p: &'a mut [f32],
    pub g: &'a [f32],
    /// Optimizer state buffers, in the order the optimizer documents.
    pub s: [Option<&'a mut [f32]>; 4],
    /// Lengths of the tensors packed in the group (for per-tensor norms).
    pub segments: Option<&'a [u32]>,
}

impl<'a> Group<'a> {
    pub fn len(&self) -> usize {
        self.p.len()
    }

    pub fn is_empty(&self) -> bool {
        self.p.is_empty()
    }

    /// State buffer `i`, which the optimizer needs.
    pub(crate) fn state(&mut self, i: usize, name: &str) -> Result<&'a mut [f32], String> {
        let n = self.p.len();
        match self.s[i].take() {
            Some(b) if b.len() == n => Ok(b),
            Some(b) => Err(format!("state {name} has length {}, expected {n}", b.len())),
            None => Err(format!("state {name} is required")),
        }
    }

    /// State buffer `i` if given (checked for length).
    pub fn maybe_state(&mut self, i: usize, name: &str) -> Result<Option<&'a mut [f32]>, String> {
        match self.s[i] {
            Some(_) => self.state(i, name).map(Some),
            None => Ok(None),
        }
    }
}

/// Exactly `N` hyperparameters, all finite.
pub(crate) fn hyper<const N: usize>(name: &str, h: &[f64]) -> Result<[f64; N], String> {
    let a: [f64; N] = h
        .try_into()
        .map_err(|_| format!("{name}: expected {N} hyperparameters, got {}", h.len()))?;
    if let Some(i) = a.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "{name}: hyperparameter {i} is not finite ({})",
            a[i]
        ));
    }
    Ok(a)
}

/// One optimizer step over a group, in place.
pub fn step(kind: Kind, h: &[f64], mut group: Group<'_>) -> Result<(), String> {
    if group.g.len() != group.p.len() {
        return Err(format!(
            "grads have length {}, expected {}",
            group.g.len(),
            group.p.len()
        ));
    }
    match kind {
        Kind::Sgd => sgd::step(h, &mut group),
        Kind::Adam => adam::step(h, &mut group),
        Kind::Lion => lion::step(h, &mut group),
        Kind::AdaBelief => adabelief::step(h, &mut group),
        Kind::Yogi => yogi::step(h, &mut group),
        Kind::Adan => adan::step(h, &mut group),
        Kind::Lamb => lamb::step(h, &mut group),
        Kind::Lars => lars::step(h, &mut group),
        Kind::ScheduleFree => schedule_free::step(h, &mut group),
        Kind::ScheduleFreeSwap => schedule_free::swap(h, &mut group),
        Kind::Adagrad => adagrad::step(h, &mut group),
        Kind::Adadelta => adadelta::step(h, &mut group),
        Kind::Rmsprop => rmsprop::step(h, &mut group),
        Kind::Adamax => adamax::step(h, &mut group),
        Kind::Nadam => nadam::step(h, &mut group),
        Kind::Radam => radam::step(h, &mut group),
        Kind::Rprop => rprop::step(h, &mut group),
        Kind::Asgd => asgd::step(h, &mut group),
    }
}
