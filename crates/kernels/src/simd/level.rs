//! Runtime detection of the instruction set, with an optional cap for tests and benchmarks.

use std::sync::atomic::{AtomicU8, Ordering};

/// Instruction sets the kernels are compiled for, in increasing order of width on x86-64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Scalar = 1,
    Neon = 2,
    Avx2 = 3,
    Avx512 = 4,
    /// WebAssembly SIMD128 (4 lanes), on wasm32 builds only.
    Simd128 = 5,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "scalar",
            Level::Neon => "neon",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Simd128 => "simd128",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "scalar" => Some(Level::Scalar),
            "neon" => Some(Level::Neon),
            "avx2" => Some(Level::Avx2),
            "avx512" => Some(Level::Avx512),
            "simd128" => Some(Level::Simd128),
            _ => None,
        }
    }
}

const UNSET: u8 = 0;
static DETECTED: AtomicU8 = AtomicU8::new(UNSET);
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);

fn from_u8(v: u8) -> Level {
    match v {
        2 => Level::Neon,
        3 => Level::Avx2,
        4 => Level::Avx512,
        5 => Level::Simd128,
        _ => Level::Scalar,
    }
}

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        let avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw");
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
            && std::arch::is_x86_feature_detected!("lzcnt")
            && std::arch::is_x86_feature_detected!("popcnt");
        if avx512 && avx2 {
            return Level::Avx512;
        }
        if avx2 {
            return Level::Avx2;
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            return Level::Neon;
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        // Compiled in: a module using SIMD128 only validates on engines that have it.
        return Level::Simd128;
    }
    #[allow(unreachable_code)]
    Level::Scalar
}

/// The widest instruction set this CPU supports.
pub fn detected_level() -> Level {
    let v = DETECTED.load(Ordering::Relaxed);
    if v != UNSET {
        return from_u8(v);
    }
    let l = detect();
    DETECTED.store(l as u8, Ordering::Relaxed);
    l
}

/// The instruction set kernels use now: the detected one, unless capped by [`force_level`]
/// or by the environment variable `DESCENT_SIMD` (`scalar`, `avx2`, `avx512`, `neon`).
#[inline]
pub fn level() -> Level {
    let v = ACTIVE.load(Ordering::Relaxed);
    if v != UNSET {
        return from_u8(v);
    }
    let detected = detected_level();
    let l = match std::env::var("DESCENT_SIMD")
        .ok()
        .as_deref()
        .and_then(Level::parse)
    {
        Some(want) if supported(want, detected) => want,
        _ => detected,
    };
    ACTIVE.store(l as u8, Ordering::Relaxed);
    l
}

fn supported(want: Level, detected: Level) -> bool {
    // Neon and Simd128 are each alone on their architecture; x86 levels are ordered.
    let alone = |l: Level| matches!(l, Level::Neon | Level::Simd128);
    want == Level::Scalar
        || want == detected
        || (want <= detected && !alone(want) && !alone(detected))
}

/// Caps the instruction set at `want` (`None` restores the detected one). Returns the level
/// now in use; a level the CPU lacks is refused with `Err`.
pub fn force_level(want: Option<Level>) -> Result<Level, String> {
    let detected = detected_level();
    let l = match want {
        None => detected,
        Some(w) if supported(w, detected) => w,
        Some(w) => {
            return Err(format!(
                "instruction set {} is not supported by this CPU (detected {})",
                w.name(),
                detected.name()
            ))
        }
    };
    ACTIVE.store(l as u8, Ordering::Relaxed);
    Ok(l)
}
