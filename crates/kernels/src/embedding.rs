//! Embedding lookup: gather rows of a table by index, and the scatter-add of the backward.

use crate::map::zip_inplace;
use crate::simd_fn;
use rayon::prelude::*;

/// Rows·dim above which the gather is split over threads (it is a memory copy).
const PAR_MIN: usize = 1 << 18;

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
    let copy = |(o, &i): (&mut [f32], &i32)| {
        let i = i as usize;
        o.copy_from_slice(&weight[i * dim..(i + 1) * dim]);
    };
    if out.len() < PAR_MIN || crate::parallel::threads() <= 1 {
        out.chunks_exact_mut(dim).zip(idx).for_each(copy);
    } else {
        out.par_chunks_exact_mut(dim)
            .zip(idx.par_iter())
            .for_each(copy);
    }
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
