//! Accepting chunks: bytes, bytearray, memoryview or str.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

/// The bytes of one chunk, borrowed when the object allows it.
pub enum Chunk<'a, 'py> {
    Bytes(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
    Text(Cow<'a, str>),
    /// A `str` holding a lone surrogate, encoded with `surrogatepass` (WTF-8).
    Wtf8(Bound<'py, PyBytes>),
}

impl Chunk<'_, '_> {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Chunk::Bytes(b) => b.as_bytes(),
            Chunk::Owned(v) => v,
            Chunk::Text(t) => t.as_bytes(),
            Chunk::Wtf8(b) => b.as_bytes(),
        }
    }

    /// Whether the bytes are WTF-8 (see [`Scanner::feed_wtf8`](crate::core::scanner::Scanner::feed_wtf8)).
    pub fn is_wtf8(&self) -> bool {
        matches!(self, Chunk::Wtf8(_))
    }
}

/// Reads a chunk. A `str` is read as its UTF-8 form (kept by CPython, no copy); one holding a
/// lone surrogate has none, and is encoded with `surrogatepass` into WTF-8, whose surrogates
/// the scanner keeps in string content as `json.loads` does.
pub fn read_chunk<'a, 'py>(chunk: &'a Bound<'py, PyAny>) -> PyResult<Chunk<'a, 'py>> {
    if let Ok(bytes) = chunk.cast::<PyBytes>() {
        return Ok(Chunk::Bytes(bytes.clone()));
    }
    if let Ok(text) = chunk.cast::<PyString>() {
        return match text.to_str() {
            Ok(utf8) => Ok(Chunk::Text(Cow::Borrowed(utf8))),
            Err(_) => {
                let encoded = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
                Ok(Chunk::Wtf8(encoded.cast_into::<PyBytes>()?))
            }
        };
    }
    if let Ok(array) = chunk.cast::<PyByteArray>() {
        // Copied: the scanner calls into Python, which could resize the bytearray under us.
        return Ok(Chunk::Owned(array.to_vec()));
    }
    if chunk.cast::<PyMemoryView>().is_ok() {
        let bytes = chunk.py().get_type::<PyBytes>().call1((chunk,))?;
        return Ok(Chunk::Bytes(bytes.cast_into::<PyBytes>()?));
    }
    Err(PyTypeError::new_err(format!(
        "feed() takes bytes, bytearray, memoryview or str, not {}",
        chunk.get_type().name()?
    )))
}
