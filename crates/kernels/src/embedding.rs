//! Embedding lookup: gather rows of a table by index, and the scatter-add of the backward.

use crate::map::zip_inplace;
use crate::simd_fn;

/// Rows·dim from which the gather is split over the pool's threads: rows of a large table
/// miss the caches, and each thread keeps its own reads in flight (a batch of 128
/// Fashion-MNIST images, 100K values, gathered in a loop: 60 µs on one thread, 33 on two).
const PAR_MIN: usize = 1 << 16;

/// `out[r, :] = weight[idx[r], :]` for every index (each must lie in [0, weight rows)).
pub fn embedding_forward(out: &mut [f32], weight: &[f32], idx: &[i32], dim: usize) {
    assert!(
        out.len() == idx.len() * dim && (dim == 0 || weight.len().is_multiple_of(dim)),
        "embedding_forward: shape"
    );
    if dim == 0 {
        return;
    }
    let rows = weight.len() / dim;
    assert!(
        idx.iter().all(|&i| i >= 0 && (i as usize) < rows),
        "embedding_forward: index out of range"
    );
    let pieces = if out.len() < PAR_MIN {
        1
    } else {
        crate::parallel::threads()
    };
    gather_rows(out, weight, idx, dim, pieces);
}

/// The copies, in `pieces` runs of rows on as many pool threads.
fn gather_rows(out: &mut [f32], weight: &[f32], idx: &[i32], dim: usize, pieces: usize) {
    if pieces <= 1 || idx.len() < 2 {
        for (r, (o, &i)) in out.chunks_exact_mut(dim).zip(idx).enumerate() {
            if let Some(&next) = idx.get(r + AHEAD) {
                prefetch(&weight[next as usize * dim..(next as usize + 1) * dim]);
            }
            let i = i as usize;
            o.copy_from_slice(&weight[i * dim..(i + 1) * dim]);
        }
        return;
    }
    let half = idx.len() / 2;
    let (oa, ob) = out.split_at_mut(half * dim);
    let (ia, ib) = idx.split_at(half);
    crate::parallel::join(
        || gather_rows(oa, weight, ia, dim, pieces / 2),
        || gather_rows(ob, weight, ib, dim, pieces - pieces / 2),
    );
}

/// Rows ahead of the copy whose lines are prefetched. Inside a training step (its other work
/// having evicted the table's page-table entries from the caches) a row took ~1 µs to gather
/// and prefetching 4 rows ahead cut a 128-image batch from 160–190 to 115–150 µs
/// (benchmarks/step-phases.mjs).
const AHEAD: usize = 4;

/// Hints the cache lines of `row` into L1.
#[inline(always)]
fn prefetch(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in row.chunks(16) {
        // SAFETY: prefetch reads nothing architecturally; the address is inside `row`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

simd_fn! {
    fn scatter_add_serial<S>(s, grad: &mut [f32], dy: &[f32], idx: &[i32], dim: usize, skip: i64) {
        for (row, &i) in dy.chunks_exact(dim).zip(idx) {
            if i as i64 == skip {
                continue;
            }
            let i = i as usize;
            zip_inplace(s, &mut grad[i * dim..(i + 1) * dim], row, |a, b| s.add(a, b));
        }
    }
}

/// `grad[idx[r], :] += dy[r, :]` in row order, skipping rows whose index equals `skip` (the
/// padding index; pass −1 for none). Serial, so repeated indices add in a fixed order.
pub fn embedding_backward(grad: &mut [f32], dy: &[f32], idx: &[i32], dim: usize, skip: i64) {
    assert!(
        dy.len() == idx.len() * dim && (dim == 0 || grad.len().is_multiple_of(dim)),
        "embedding_backward: shape"
    );
    if dim == 0 {
        return;
    }
    let rows = grad.len() / dim;
    assert!(
        idx.iter().all(|&i| i >= 0 && (i as usize) < rows),
        "embedding_backward: index out of range"
    );
    scatter_add_serial(grad, dy, idx, dim, skip);
}
