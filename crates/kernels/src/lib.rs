//! Numeric kernels of `descent`: pure Rust, no N-API. Every kernel works on caller-owned
//! `f32` slices, picks the widest instruction set at run time and splits large inputs over
//! the rayon pool at thread-count-independent boundaries.

pub mod simd;

pub mod map;
pub mod math;
pub mod parallel;
pub mod unary;
