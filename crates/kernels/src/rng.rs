//! Seeded random numbers that the JS backend reproduces bit for bit: xoshiro128**
//! (Blackman & Vigna, 2018) for bits, f64 arithmetic with only IEEE basic operations for
//! the transforms (the logarithm below is our own series, not libm, for that reason).

/// xoshiro128** state: four u32 words, advanced in place.
pub struct Xoshiro128<'a> {
    s: &'a mut [u32; 4],
}

impl<'a> Xoshiro128<'a> {
    pub fn new(s: &'a mut [u32; 4]) -> Self {
        Xoshiro128 { s }
    }

    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut *self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }
}

fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// State for a seed in [0, 2^53), identical to `seedState` in the JS backend.
pub fn seed_state(seed: u64) -> [u32; 4] {
    let lo = seed as u32;
    let hi = (seed >> 32) as u32;
    let mut x = lo ^ fmix32(hi ^ 0x5bd1_e995);
    let mut st = [0u32; 4];
    for w in &mut st {
        x = x.wrapping_add(0x9e37_79b9);
        *w = fmix32(x);
    }
    st
}

/// Natural log of s in (0, 1) using only + - * / (bit-identical to the JS backend's `detLn`).
pub fn det_ln(s: f64) -> f64 {
    let bits = s.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let mut p = 1.0 / 21.0;
    let mut k = 19.0;
    while k >= 3.0 {
        p = p * t2 + 1.0 / k;
        k -= 2.0;
    }
    p = p * t2 + 1.0;
    (e as f64) * std::f64::consts::LN_2 + (2.0 * t) * p
}

const TWO_M24: f64 = 1.0 / 16_777_216.0;
const TWO_M23: f64 = 1.0 / 8_388_608.0;

/// Uniform draws lo + (hi - lo)·u with u = (bits >> 8)·2^-24.
pub fn uniform(state: &mut [u32; 4], out: &mut [f32], lo: f64, hi: f64) {
    let mut r = Xoshiro128::new(state);
    for o in out {
        let u = (r.next_u32() >> 8) as f64 * TWO_M24;
        *o = (lo + (hi - lo) * u) as f32;
    }
}

/// Normal draws by the Marsaglia polar method, two per accepted pair (the second is dropped
/// at an odd end).
pub fn normal(state: &mut [u32; 4], out: &mut [f32], mean: f64, std: f64) {
    let mut r = Xoshiro128::new(state);
    for pair in out.chunks_mut(2) {
        let (u, v, s) = loop {
            let u = (r.next_u32() >> 8) as f64 * TWO_M23 - 1.0;
            let v = (r.next_u32() >> 8) as f64 * TWO_M23 - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                break (u, v, s);
            }
        };
        let f = (-2.0 * det_ln(s) / s).sqrt();
        pair[0] = (mean + std * (u * f)) as f32;
        if let Some(second) = pair.get_mut(1) {
            *second = (mean + std * (v * f)) as f32;
        }
    }
}

/// Inverted-dropout mask: 0 with probability p, else 1/(1-p).
pub fn dropout_mask(state: &mut [u32; 4], out: &mut [f32], p: f64) {
    let threshold = (p * 16_777_216.0).floor() as u32;
    let scale = (1.0 / (1.0 - p)) as f32;
    let mut r = Xoshiro128::new(state);
    for o in out {
        *o = if (r.next_u32() >> 8) < threshold {
            0.0
        } else {
            scale
        };
    }
}
