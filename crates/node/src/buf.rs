//! Typed-array arguments borrowed from JavaScript without copying.
//!
//! A [`Buf`] records only the address and length of the caller's memory. Slices are made
//! after the aliasing checks here, so a buffer that is written never overlaps another
//! argument (Rust slices that alias a `&mut` are undefined behaviour). The JS thread is
//! blocked for the duration of the call, so nothing else touches the memory meanwhile.

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue};
use napi::{sys, Error, Result, Status, ValueType};
use std::marker::PhantomData;
use std::ptr;

pub trait Elem: Copy {
    const TYPE: i32;
    const NAME: &'static str;
}
impl Elem for f32 {
    const TYPE: i32 = sys::TypedarrayType::float32_array;
    const NAME: &'static str = "Float32Array";
}
impl Elem for i32 {
    const TYPE: i32 = sys::TypedarrayType::int32_array;
    const NAME: &'static str = "Int32Array";
}
impl Elem for f64 {
    const TYPE: i32 = sys::TypedarrayType::float64_array;
    const NAME: &'static str = "Float64Array";
}
impl Elem for u32 {
    const TYPE: i32 = sys::TypedarrayType::uint32_array;
    const NAME: &'static str = "Uint32Array";
}

pub struct Buf<T: Elem> {
    ptr: *mut T,
    len: usize,
    _t: PhantomData<T>,
}

pub type F32 = Buf<f32>;
pub type I32 = Buf<i32>;
pub type U32 = Buf<u32>;
pub type F64 = Buf<f64>;

impl<T: Elem> FromNapiValue for Buf<T> {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut ty = -1;
        let mut len = 0usize;
        let mut data = ptr::null_mut();
        let mut ab = ptr::null_mut();
        let mut offset = 0usize;
        // SAFETY: env and value come from N-API for this call.
        let status = unsafe {
            sys::napi_get_typedarray_info(
                env,
                value,
                &mut ty,
                &mut len,
                &mut data,
                &mut ab,
                &mut offset,
            )
        };
        if status != sys::Status::napi_ok || ty != T::TYPE {
            return Err(Error::new(
                Status::InvalidArg,
                format!("expected a {}", T::NAME),
            ));
        }
        let ptr = if len == 0 || data.is_null() {
            ptr::NonNull::<T>::dangling().as_ptr()
        } else {
            data.cast()
        };
        if !(ptr as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return Err(Error::new(
                Status::InvalidArg,
                format!("{} is misaligned", T::NAME),
            ));
        }
        Ok(Buf {
            ptr,
            len: if data.is_null() { 0 } else { len },
            _t: PhantomData,
        })
    }
}

impl<T: Elem> TypeName for Buf<T> {
    fn type_name() -> &'static str {
        T::NAME
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T: Elem> ValidateNapiValue for Buf<T> {}

impl<T: Elem> Buf<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    /// The address of the first element (dangling for an empty array).
    pub fn addr(&self) -> usize {
        self.ptr as usize
    }

    fn range(&self) -> (usize, usize) {
        let start = self.ptr as usize;
        (start, start + self.len * std::mem::size_of::<T>())
    }

    /// The same memory exactly (the declared in-place form).
    pub fn same<U: Elem>(&self, other: &Buf<U>) -> bool {
        self.len > 0 && self.range() == other.range()
    }

    pub fn overlaps<U: Elem>(&self, other: &Buf<U>) -> bool {
        let (a0, a1) = self.range();
        let (b0, b1) = other.range();
        self.len > 0 && other.len > 0 && a0 < b1 && b0 < a1
    }

    /// # Safety
    /// No other live slice of this memory may be mutable.
    pub unsafe fn as_ref(&self) -> &[T] {
        // SAFETY: ptr/len describe a live typed array (or a dangling empty one).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// # Safety
    /// No other live slice may overlap this memory.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut(&self) -> &mut [T] {
        // SAFETY: as above, and the caller guarantees exclusivity.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

pub fn invalid(func: &str, msg: String) -> Error {
    Error::new(Status::InvalidArg, format!("{func}: {msg}"))
}

/// Refuses any overlap between `written` and each of `others` (given with their names).
pub fn disjoint<T: Elem>(
    func: &str,
    written: (&str, &Buf<T>),
    others: &[(&str, &F32)],
) -> Result<()> {
    for (name, b) in others {
        if written.1.overlaps(*b) {
            return Err(invalid(
                func,
                format!("{} overlaps {} in memory", written.0, name),
            ));
        }
    }
    Ok(())
}

pub fn len_is<T: Elem>(func: &str, name: &str, b: &Buf<T>, want: usize) -> Result<()> {
    if b.len() != want {
        return Err(invalid(
            func,
            format!("{name} has length {}, expected {want}", b.len()),
        ));
    }
    Ok(())
}

/// Converts a JS number to a count, refusing negatives, fractions and non-finite values.
pub fn count(func: &str, name: &str, v: f64) -> Result<usize> {
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= (1u64 << 53) as f64) {
        return Err(invalid(
            func,
            format!("{name} must be a non-negative integer, got {v}"),
        ));
    }
    Ok(v as usize)
}

/// The product of sizes, refusing overflow (a wrapped product would pass length checks).
pub fn product(func: &str, what: &str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| invalid(func, format!("{what} = {dims:?} overflows")))
}

/// An op code: a non-negative integer (NaN and fractions are refused, not truncated).
pub fn code(func: &str, v: f64) -> Result<u32> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as u32)
    } else {
        Err(invalid(
            func,
            format!("op code must be a non-negative integer, got {v}"),
        ))
    }
}

/// The 4-word RNG state as an array reference.
#[allow(clippy::mut_from_ref)]
pub fn rng_state<'a>(func: &str, st: &'a U32) -> Result<&'a mut [u32; 4]> {
    len_is(func, "state", st, 4)?;
    // SAFETY: the state is the only u32 argument of RNG calls, checked disjoint by callers.
    let s = unsafe { st.as_mut() };
    // xoshiro128** never leaves the all-zero state, and the normal draw's rejection loop
    // would then spin forever (found by binding-fuzz.test.ts).
    if s.iter().all(|&w| w == 0) {
        return Err(invalid(
            func,
            "state must not be all zeros (xoshiro128** would stay at zero)".into(),
        ));
    }
    Ok(s.try_into().expect("length checked"))
}

/// The position of the first value outside `[0, end)`, if any. A min/max pass first: it
/// vectorises, where a search with early exit does not (max-pool backward's check of its
/// indices was 1.6% of the CNN step as a search).
pub fn first_outside(v: &[i32], end: i64) -> Option<usize> {
    let (lo, hi) = v
        .iter()
        .fold((i32::MAX, i32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    if v.is_empty() || (lo >= 0 && (hi as i64) < end) {
        return None;
    }
    v.iter().position(|&x| x < 0 || x as i64 >= end)
}

#[cfg(test)]
mod tests {
    use super::first_outside;

    #[test]
    fn first_outside_finds_the_first_bad_index() {
        assert_eq!(first_outside(&[], 4), None);
        assert_eq!(first_outside(&[0, 3, 2, 1], 4), None);
        assert_eq!(first_outside(&[0, 3, 4, -1], 4), Some(2));
        assert_eq!(first_outside(&[0, -1, 9], 4), Some(1));
        assert_eq!(first_outside(&[i32::MIN], 4), Some(0));
        assert_eq!(first_outside(&[i32::MAX], i64::from(i32::MAX)), Some(0));
        assert_eq!(first_outside(&[5; 100], 5), Some(0));
        let mut v = vec![1; 1000];
        v[777] = 8;
        assert_eq!(first_outside(&v, 8), Some(777));
    }
}
