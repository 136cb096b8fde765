//! Python `str` objects from text the scanner has already checked.
//!
//! The scanner validates UTF-8 itself, to report an invalid byte at its exact offset.
//! `PyUnicode_FromStringAndSize` would validate the same bytes again, and build a non-ASCII
//! string by widening it as it goes (Latin-1, then UCS-2, then UCS-4, copying at each step).
//! Outside the stable ABI (per-interpreter wheels, the default build) a short string is made
//! at its final width instead: one pass counts its characters and finds its widest one, from
//! the lead bytes alone (vector code); `PyUnicode_New` allocates it; a second pass writes the
//! code points, checking the UTF-8 as it goes. Longer non-ASCII text goes to CPython's decoder,
//! whose word-at-a-time loops beat this one there. With the `abi3` feature the stable
//! `PyUnicode_FromStringAndSize` is used.
//!
//! Both check the UTF-8 they decode: the descent of a whole document leaves that check to
//! them (one pass over the text instead of two), and an invalid string makes it give up.
//!
//! Text that is not valid UTF-8 gives a `ValueError` (`UnicodeDecodeError` from CPython's
//! decoder), never an out-of-bounds write, a panic, or a string whose width disagrees with
//! its content (CPython requires the narrowest width).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

#[cfg(not(feature = "abi3"))]
use crate::core::codepoints::{decode_into, measure, Width};

/// A Python `str` from UTF-8 (checked).
#[cfg(feature = "abi3")]
#[inline]
pub fn str_from_utf8<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    cpython_str(py, bytes)
}

/// Non-ASCII text longer than this goes to CPython's decoder, whose word-at-a-time loops over
/// long text beat this module's; the short strings of structured output are made faster here.
#[cfg(not(feature = "abi3"))]
const OWN_DECODER_UP_TO: usize = 64;

/// A Python `str` from UTF-8, by CPython's own decoder (which checks it).
#[inline]
fn cpython_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    let len = bytes.len() as ffi::Py_ssize_t;
    // SAFETY: the pointer and length describe a live slice for the duration of the call;
    // CPython copies the bytes and returns a new reference, or NULL with an exception set.
    let raw = unsafe { ffi::PyUnicode_FromStringAndSize(bytes.as_ptr().cast(), len) };
    // SAFETY: `raw` is a new reference to a `str` (or NULL, turned into the pending exception).
    unsafe { Ok(Bound::from_owned_ptr_or_err(py, raw)?.cast_into_unchecked()) }
}

/// A Python `str` from UTF-8 (checked), made at its final width.
#[cfg(not(feature = "abi3"))]
#[inline]
pub fn str_from_utf8<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    if bytes.is_ascii() {
        let string = new_str(py, bytes.len(), 127)?;
        // SAFETY: `string` was just made by `PyUnicode_New(bytes.len(), 127)`: a compact ASCII
        // string whose data holds exactly `bytes.len()` one-byte units, not shared with anyone
        // yet. The source is a live slice of that length, in a different allocation.
        unsafe {
            let data = ffi::PyUnicode_DATA(string.as_ptr()).cast::<u8>();
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
        }
        return Ok(string);
    }
    if bytes.len() > OWN_DECODER_UP_TO {
        return cpython_str(py, bytes);
    }
    let (chars, width) = measure(bytes);
    let maxchar = match width {
        Width::Latin1 => 0xFF,
        Width::Ucs2 => 0xFFFF,
        Width::Ucs4 => 0x10_FFFF,
    };
    let string = new_str(py, chars, maxchar)?;
    // SAFETY: `PyUnicode_New(chars, maxchar)` made a compact string of `chars` units of the
    // width that `maxchar` selects (1, 2 or 4 bytes, aligned for it), not shared with anyone
    // yet; the slices cover exactly that data, and are dropped before `string` is returned.
    let max = unsafe {
        let data = ffi::PyUnicode_DATA(string.as_ptr());
        match width {
            Width::Latin1 => {
                decode_into::<u8>(bytes, std::slice::from_raw_parts_mut(data.cast(), chars))
            }
            Width::Ucs2 => {
                decode_into::<u16>(bytes, std::slice::from_raw_parts_mut(data.cast(), chars))
            }
            Width::Ucs4 => {
                decode_into::<u32>(bytes, std::slice::from_raw_parts_mut(data.cast(), chars))
            }
        }
    };
    match max {
        Some(max) if width.is_exact_for(max) => Ok(string),
        _ => Err(invalid()),
    }
}

/// A new, uninitialised compact `str` of `len` characters up to `maxchar`.
#[cfg(not(feature = "abi3"))]
#[inline]
fn new_str(py: Python<'_>, len: usize, maxchar: u32) -> PyResult<Bound<'_, PyString>> {
    // SAFETY: `PyUnicode_New` returns a new reference to a `str`, or NULL with an exception
    // set (e.g. MemoryError); its content is written by the caller before anyone sees it.
    unsafe {
        let raw = ffi::PyUnicode_New(len as ffi::Py_ssize_t, maxchar);
        Ok(Bound::from_owned_ptr_or_err(py, raw)?.cast_into_unchecked())
    }
}

#[cfg(not(feature = "abi3"))]
#[cold]
fn invalid() -> PyErr {
    pyo3::exceptions::PyValueError::new_err("deltajson: invalid UTF-8 reached the object builder")
}
