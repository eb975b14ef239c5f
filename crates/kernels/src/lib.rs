//! Numeric kernels of `descent`: pure Rust, no N-API. Every kernel works on caller-owned
//! `f32` slices, picks the widest instruction set at run time and splits large inputs over
//! the rayon pool at thread-count-independent boundaries.

pub mod simd;
mod unswitch;

pub mod binary;
pub mod conv;
pub mod conv_images;
pub mod conv_pool;
pub mod denormal;
pub mod embedding;
pub mod gemm;
pub mod loss;
pub mod map;
pub mod math;
pub mod norm;
pub mod optim;
pub mod pages;
pub mod parallel;
pub mod pool;
pub mod recurrent;
pub mod reduce;
pub mod rng;
pub mod softmax;
pub mod unary;
pub mod warm;
