//! Numeric kernels of `descent`: pure Rust, no N-API. Every kernel works on caller-owned
//! `f32` slices, picks the widest instruction set at run time and splits large inputs over
//! the rayon pool at thread-count-independent boundaries.

pub mod simd;

pub mod binary;
pub mod gemm;
pub mod map;
pub mod math;
pub mod optim;
pub mod parallel;
pub mod reduce;
pub mod rng;
pub mod softmax;
pub mod unary;
