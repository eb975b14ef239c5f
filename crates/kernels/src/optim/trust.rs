//! The per-tensor two-pass driver of the trust-ratio optimizers (LAMB, LARS): for each tensor
//! packed in the group, pass 1 updates the moments and returns the sums of squares of the
//! parameters and of the update, pass 2 applies the update scaled by the tensor's trust ratio.
//!
//! Results do not depend on the number of threads: a tensor shorter than [`PAR_MIN`] is done
//! by one call of each pass (small tensors are batched into tasks of at least `PAR_MIN`
//! elements that run in parallel), a longer one is reduced over fixed blocks of `PAR_MIN`
//! elements combined in a fixed tree order, and pass 2 is elementwise.

use super::PAR_MIN;
use crate::parallel::{for_chunks, init_pool, Splittable};
use crate::simd::Simd;
use rayon::prelude::*;

/// Pass 1's two sums of squares (Σp², Σu²): vector accumulators folded into f64 every 64
/// vectors, so that long tensors lose no precision and the order is fixed.
pub(super) struct SquareSums<S: Simd> {
    p: S::V,
    u: S::V,
    count: u32,
    sp: f64,
    su: f64,
}

impl<S: Simd> SquareSums<S> {
    #[inline(always)]
    pub fn new(s: S) -> Self {
        SquareSums {
            p: s.zero(),
            u: s.zero(),
            count: 0,
            sp: 0.0,
            su: 0.0,
        }
    }

    #[inline(always)]
    pub fn add(&mut self, s: S, p: S::V, u: S::V) {
        self.p = s.fma(p, p, self.p);
        self.u = s.fma(u, u, self.u);
        self.count += 1;
        if self.count == 64 {
            self.sp += s.reduce_add(self.p) as f64;
            self.su += s.reduce_add(self.u) as f64;
            (self.p, self.u, self.count) = (s.zero(), s.zero(), 0);
        }
    }

    #[inline(always)]
    pub fn finish(self, s: S) -> Sums {
        (
            self.sp + s.reduce_add(self.p) as f64,
            self.su + s.reduce_add(self.u) as f64,
        )
    }
}

/// One tensor's (or chunk's) slice of the group's buffers.
pub(super) struct Seg<'a> {
    pub p: &'a mut [f32],
    pub g: &'a [f32],
    pub a: Option<&'a mut [f32]>,
    pub b: Option<&'a mut [f32]>,
}

impl<'a> Seg<'a> {
    pub fn len(&self) -> usize {
        self.p.len()
    }

    fn reborrow(&mut self) -> Seg<'_> {
        Seg {
            p: &mut *self.p,
            g: self.g,
            a: self.a.as_deref_mut(),
            b: self.b.as_deref_mut(),
        }
    }
}

impl Splittable for Seg<'_> {
    fn split_at(self, mid: usize) -> (Self, Self) {
        let ((p0, g0, a0, b0), (p1, g1, a1, b1)) = (self.p, self.g, self.a, self.b).split_at(mid);
        (
            Seg {
                p: p0,
                g: g0,
                a: a0,
                b: b0,
            },
            Seg {
                p: p1,
                g: g1,
                a: a1,
                b: b1,
            },
        )
    }
}

/// Sums of squares (Σp², Σu²) of a tensor or part of one.
pub(super) type Sums = (f64, f64);

enum Task<'a> {
    /// Consecutive tensors each shorter than `PAR_MIN`, done one after the other.
    Small(Vec<Seg<'a>>),
    /// One tensor of at least `PAR_MIN` elements, done in parallel blocks.
    Big(Seg<'a>),
}

fn reduce_tree<P1>(x: Seg<'_>, len: usize, pass1: &P1) -> Sums
where
    P1: Fn(Seg<'_>) -> Sums + Sync,
{
    if len <= PAR_MIN {
        return pass1(x);
    }
    let mid = len.div_ceil(PAR_MIN) / 2 * PAR_MIN;
    let (a, b) = x.split_at(mid);
    let (l, r) = crate::parallel::join(
        || reduce_tree(a, mid, pass1),
        || reduce_tree(b, len - mid, pass1),
    );
    (l.0 + r.0, l.1 + r.1)
}

fn one<P1, P2>(mut x: Seg<'_>, pass1: &P1, pass2: &P2)
where
    P1: Fn(Seg<'_>) -> Sums + Sync,
    P2: Fn(Seg<'_>, Sums) + Sync,
{
    let sums = pass1(x.reborrow());
    pass2(x, sums);
}

fn run_task<P1, P2>(t: Task<'_>, pass1: &P1, pass2: &P2)
where
    P1: Fn(Seg<'_>) -> Sums + Sync,
    P2: Fn(Seg<'_>, Sums) + Sync,
{
    match t {
        Task::Small(v) => v.into_iter().for_each(|x| one(x, pass1, pass2)),
        Task::Big(mut x) => {
            init_pool();
            let n = x.len();
            let sums = reduce_tree(x.reborrow(), n, pass1);
            for_chunks(x, n, PAR_MIN, &|c| pass2(c, sums));
        }
    }
}

/// Runs both passes over every tensor of `x` (`segments`: tensor lengths summing to the
/// group length; `None`: the group is one tensor).
pub(super) fn per_tensor<P1, P2>(
    name: &str,
    x: Seg<'_>,
    segments: Option<&[u32]>,
    pass1: &P1,
    pass2: &P2,
) -> Result<(), String>
where
    P1: Fn(Seg<'_>) -> Sums + Sync,
    P2: Fn(Seg<'_>, Sums) + Sync,
{
    let n = x.len();
    let whole = [n as u32];
    let segs = match segments {
        Some(s) => s,
        None if n <= u32::MAX as usize => &whole[..],
        None => return Err(format!("{name}: group too long for one tensor")),
    };
    let total: u64 = segs.iter().map(|&l| l as u64).sum();
    if total != n as u64 {
        return Err(format!(
            "{name}: segments sum to {total}, expected the group length {n}"
        ));
    }
    let mut tasks: Vec<Task<'_>> = Vec::new();
    let mut batch: Vec<Seg<'_>> = Vec::new();
    let mut batch_len = 0;
    let mut rest = x;
    for &l in segs {
        let l = l as usize;
        let (t, r) = rest.split_at(l);
        rest = r;
        if l >= PAR_MIN {
            tasks.push(Task::Big(t));
        } else {
            batch.push(t);
            batch_len += l;
            if batch_len >= PAR_MIN {
                tasks.push(Task::Small(std::mem::take(&mut batch)));
                batch_len = 0;
            }
        }
    }
    if !batch.is_empty() {
        tasks.push(Task::Small(batch));
    }
    if tasks.len() <= 1 {
        if let Some(t) = tasks.pop() {
            run_task(t, pass1, pass2);
        }
        return Ok(());
    }
    if crate::parallel::threads() <= 1 {
        tasks.into_iter().for_each(|t| run_task(t, pass1, pass2));
    } else {
        tasks
            .into_par_iter()
            .for_each(|t| run_task(t, pass1, pass2));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{step, Group, Kind};

    fn data(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
            })
            .collect()
    }

    /// LAMB and LARS over tensors of every size class give the same bits on 1, 2 and 3 threads.
    #[test]
    fn per_tensor_steps_do_not_depend_on_thread_count() {
        let mut segs: Vec<u32> = vec![7, 17, 0, 1023, 65_539, 100];
        segs.extend(std::iter::repeat_n(257u32, 300));
        segs.push(1_000_003);
        let n: usize = segs.iter().map(|&l| l as usize).sum();
        let g = data(n, 2);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut p = data(n, 1);
                let (mut m, mut v) = (vec![0f32; n], vec![0f32; n]);
                let mut q = p.clone();
                let mut t = vec![0f32; n];
                for k in 1..=3 {
                    let h = [1e-2, 0.9, 0.999, 1e-6, 0.0, 1e-2, 0.0, k as f64];
                    let grp = Group {
                        p: &mut p,
                        g: &g,
                        s: [Some(&mut m), Some(&mut v), None, None],
                        segments: Some(&segs),
                    };
                    step(Kind::Lamb, &h, grp).unwrap();
                    let h = [0.5, 0.9, 1e-3, 1e-2, 0.0, 1.0, 0.0];
                    let grp = Group {
                        p: &mut q,
                        g: &g,
                        s: [Some(&mut t), None, None, None],
                        segments: Some(&segs),
                    };
                    step(Kind::Lars, &h, grp).unwrap();
                }
                (p, q)
            })
        };
        let one = run(1);
        for threads in [2, 3] {
            let other = run(threads);
            assert!(one.0 == other.0, "lamb differs with {threads} threads");
            assert!(one.1 == other.1, "lars differs with {threads} threads");
        }
    }
}
