//! A transposed B gives bit-identical results to its explicit transpose and to the gemm crate's
//! own one-thread product: sgemm may split a transposed B's product into pieces (see
//! `gemm::sgemm`) without changing any result, whatever the thread count.
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

/// The crate's own product of A (stored k×m if `ta`) and a B stored n×k, on one thread.
#[allow(clippy::too_many_arguments)]
fn one_thread(
    ta: bool,
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    b: &[f32],
    beta: f32,
    c: &mut [f32],
) {
    let (a_rs, a_cs) = if ta { (1, m as isize) } else { (k as isize, 1) };
    // SAFETY: the strides stay inside a (m·k), b (n·k) and c (m·n).
    unsafe {
        ::gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            beta != 0.0,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            k as isize,
            1,
            beta,
            0.5,
            false,
            false,
            false,
            ::gemm::Parallelism::None,
        );
    }
}

#[test]
fn trans_b_matches_the_explicit_transpose_bit_for_bit() {
    // The MLP's layers (batch 32, 128, 512), the CNN's classifier, ragged sizes, and shapes
    // whose halves would cross the crate's regimes (64×64, 16×16, one row).
    let mut bad = Vec::new();
    let mut shapes = vec![
        (128, 256, 784),
        (128, 128, 256),
        (32, 256, 784),
        (64, 128, 1568),
        (128, 64, 1568),
        (65, 64, 3000),
        (64, 65, 3000),
        (16, 40, 9000),
        (2, 1000, 2000),
        (1000, 2, 2000),
        (77, 129, 300),
        (200, 33, 513),
    ];
    // Node's WASI (the wasm32-wasip1 test runner) crashes at exit once the module's memory
    // has grown for these two; on wasm the GEMM runs on one thread, so nothing is split anyway.
    if cfg!(not(target_arch = "wasm32")) {
        shapes.extend([(512, 256, 784), (16, 2048, 2100)]);
    }
    for &(m, n, k) in &shapes {
        for ta in [false, true] {
            for beta in [0.0f32, 1.0] {
                let a = data(m * k, 1);
                let b = data(n * k, 2); // stored n×k
                let c0 = data(m * n, 3);
                let bt = transposed(&b, n, k);
                let mut c1 = c0.clone();
                let mut c2 = c0.clone();
                let mut c3 = c0.clone();
                gemm::sgemm(ta, true, m, n, k, 0.5, &a, &b, beta, &mut c1);
                gemm::sgemm(ta, false, m, n, k, 0.5, &a, &bt, beta, &mut c2);
                one_thread(ta, m, n, k, &a, &b, beta, &mut c3);
                for (what, c) in [("explicit transpose", &c2), ("one thread", &c3)] {
                    let diff = (0..m * n)
                        .filter(|&i| c1[i].to_bits() != c[i].to_bits())
                        .count();
                    if diff > 0 {
                        bad.push(format!(
                            "{m}x{n}x{k} ta={ta} beta={beta}: {diff} differ from {what}"
                        ));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
