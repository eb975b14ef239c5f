//! A transposed operand gives bit-identical results to its explicit transpose: the GEMM may
//! copy B into k×n (see `gemm::sgemm`) without changing any result, at any thread count.
use descent_kernels::gemm;

fn data(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

fn transposed(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; x.len()];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = x[i * cols + j];
        }
    }
    t
}

#[test]
fn trans_b_matches_the_explicit_transpose_bit_for_bit() {
    // The MLP's layers (batch 128 and 32), a ragged size, and one above SCRATCH_KEEP_MAX.
    let mut bad = Vec::new();
    for &(m, n, k) in &[
        (128, 256, 784),
        (128, 128, 256),
        (32, 256, 784),
        (77, 129, 300),
        (16, 2048, 2100),
    ] {
        for ta in [false, true] {
            for beta in [0.0f32, 1.0] {
                let a = data(m * k, 1);
                let b = data(n * k, 2); // stored n×k
                let c0 = data(m * n, 3);
                let bt = transposed(&b, n, k);
                let mut c1 = c0.clone();
                let mut c2 = c0.clone();
                gemm::sgemm(ta, true, m, n, k, 0.5, &a, &b, beta, &mut c1);
                gemm::sgemm(ta, false, m, n, k, 0.5, &a, &bt, beta, &mut c2);
                let diff = (0..m * n)
                    .filter(|&i| c1[i].to_bits() != c2[i].to_bits())
                    .count();
                if diff > 0 {
                    bad.push(format!("{m}x{n}x{k} ta={ta} beta={beta}: {diff} differ"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
