//! Prefix reuse for the `deltajson.compat` shims: the incremental parse of a stream's buffer,
//! found again by the text it read.
//!
//! Libraries that stream JSON call a parser on the *whole accumulated buffer* after every
//! chunk. A shim keeps the parser that read the previous buffer; when the next buffer starts
//! with the same text (a `memcmp`, far cheaper than parsing), only the new suffix is fed.
//! Anything else starts a fresh parser, so a call never depends on what came before it.
//!
//! This runs on every call of a shim, so it lives here rather than in Python: the lookup, the
//! comparison and the bookkeeping cost a fraction of a microsecond instead of a few.
//!
//! The text read is kept as our own objects, never as the caller's `str`: holding that object
//! would keep CPython from growing it in place (`buf += chunk` would copy the whole buffer each
//! time). A `str` is kept as pieces merged so that each is at least [`MERGE`] times the size
//! of the next: O(log n) of them, each character copied O(log n) times over a stream. A
//! `bytes` buffer is kept as it is: immutable, and CPython never grows one in place.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::MutexExt;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::python::errors::json_error_class;
use crate::python::parser::Parser;

/// Each kept piece of a `str` is at least this many times the size of the next one.
const MERGE: usize = 8;

/// The text a stream has read.
enum Text {
    Nothing,
    Bytes(Py<PyBytes>),
    Str(Vec<Py<PyString>>),
}

/// The length of a buffer in its own units (bytes, or code points of a `str`); `None` for any
/// other type.
fn length(data: &Bound<'_, PyAny>) -> Option<usize> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Some(bytes.as_bytes().len());
    }
    data.cast::<PyString>().ok().and_then(|s| s.len().ok())
}

impl Text {
    /// Whether `data` (of `len` units) starts with this text (of `size` units).
    fn starts(&self, data: &Bound<'_, PyAny>, size: usize, len: usize) -> bool {
        if len < size {
            return false;
        }
        match self {
            Text::Nothing => true,
            Text::Bytes(kept) => data.cast::<PyBytes>().is_ok_and(|d| {
                let kept = kept.bind(data.py()).as_bytes();
                d.as_bytes().starts_with(kept)
            }),
            Text::Str(pieces) => {
                if data.cast::<PyString>().is_err() {
                    return false;
                }
                let mut at: isize = 0;
                for piece in pieces {
                    let piece = piece.bind(data.py());
                    let n = piece.len().unwrap_or(0) as isize;
                    // SAFETY: both are live `str` objects; `PyUnicode_Tailmatch` only reads
                    // them (direction -1: does `piece` match `data[at:at + n]` at its start).
                    let found = unsafe {
                        ffi::PyUnicode_Tailmatch(data.as_ptr(), piece.as_ptr(), at, at + n, -1)
                    };
                    if found != 1 {
                        return false;
                    }
                    at += n;
                }
                true
            }
        }
    }

    /// Records the text `data` (which starts with this text, of `size` units); `new` is its
    /// part past `size`.
    fn extend(&mut self, data: &Bound<'_, PyAny>, new: Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            *self = Text::Bytes(bytes.clone().unbind());
            return Ok(());
        }
        let new = new.cast_into::<PyString>()?;
        let py = data.py();
        match self {
            Text::Str(pieces) => pieces.push(new.unbind()),
            _ => *self = Text::Str(vec![new.unbind()]),
        }
        let Text::Str(pieces) = self else {
            return Ok(());
        };
        while let [.., before, last] = pieces.as_slice() {
            let (before, last) = (before.bind(py), last.bind(py));
            if before.len()? >= MERGE * last.len()? {
                break;
            }
            let merged = before.add(last)?.cast_into::<PyString>()?.unbind();
            pieces.truncate(pieces.len() - 2);
            pieces.push(merged);
        }
        Ok(())
    }
}

/// One incremental parse: its parser, the text it read, the error that stopped it, whatever
/// the shim keeps beside them (`extra`), and — during a call only — the caller's buffer
/// (`data`).
#[pyclass(module = "deltajson._deltajson", name = "Stream")]
pub struct Stream {
    #[pyo3(get)]
    parser: Py<PyAny>,
    #[pyo3(get, set)]
    extra: Py<PyAny>,
    #[pyo3(get, set)]
    error: Option<Py<PyAny>>,
    #[pyo3(get)]
    data: Option<Py<PyAny>>,
    text: Text,
    /// Length of the text read, in its own units (bytes, or code points of a `str`).
    #[pyo3(get)]
    size: usize,
    /// Whether the `str` text read holds a lone surrogate (it has no UTF-8 form: pydantic_core
    /// refuses such a buffer whole, wherever the surrogate is).
    #[pyo3(get)]
    lone_surrogate: bool,
}

#[pymethods]
impl Stream {
    #[new]
    #[pyo3(signature = (parser, extra=None))]
    fn new(py: Python<'_>, parser: Py<PyAny>, extra: Option<Py<PyAny>>) -> Self {
        Stream {
            parser,
            extra: extra.unwrap_or_else(|| py.None()),
            error: None,
            data: None,
            text: Text::Nothing,
            size: 0,
            lone_surrogate: false,
        }
    }

    /// Reads what `data` adds to the text read so far (`data` starts with it). A `JSONError`
    /// from the parser is kept in `error` (later text is then only recorded); any other
    /// exception propagates, and the stream must not be used again.
    #[pyo3(signature = (data, /))]
    fn extend(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        self.read_to(py, data, checked_length(data)?)
    }
}

/// The length of a buffer a stream can read (see `length`), or the `TypeError` it deserves.
fn checked_length(data: &Bound<'_, PyAny>) -> PyResult<usize> {
    length(data).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "a stream reads bytes or str, not {}",
            data.get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string())
        ))
    })
}

impl Stream {
    /// `extend` for `data` of `len` units, already measured.
    fn read_to(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>, len: usize) -> PyResult<()> {
        self.data = Some(data.clone().unbind());
        if len == self.size {
            return Ok(());
        }
        let new = slice(data, self.size, len)?;
        if let Ok(text) = new.cast::<PyString>() {
            // CPython keeps the UTF-8 form it makes here, for the parser to read again.
            self.lone_surrogate |= text.to_str().is_err();
        }
        if self.error.is_none() {
            if let Err(e) = feed(py, self.parser.bind(py), &new) {
                if !e.is_instance(py, json_error_class(py)?) {
                    return Err(e);
                }
                self.error = Some(e.into_value(py).into_any());
            }
        }
        self.text.extend(data, new)?;
        self.size = len;
        Ok(())
    }
}

/// `data[start:end]` for a `bytes` or `str`, always a new object: neither the parser nor the
/// kept text may hold the caller's `str` (see the module's doc).
fn slice<'py>(data: &Bound<'py, PyAny>, start: usize, end: usize) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(PyBytes::new(data.py(), &bytes.as_bytes()[start..end]).into_any());
    }
    let text = data.cast::<PyString>()?;
    let piece = substring(text, start, end)?;
    if !piece.is(text) {
        return Ok(piece.into_any());
    }
    // A whole slice is the caller's object itself: made of two halves, it is our own (a
    // one-character `str` is one of CPython's shared singletons anyway).
    let half = start + (end - start) / 2;
    substring(text, start, half)?.add(substring(text, half, end)?)
}

/// `text[start:end]` (code points).
fn substring<'py>(
    text: &Bound<'py, PyString>,
    start: usize,
    end: usize,
) -> PyResult<Bound<'py, PyString>> {
    let py = text.py();
    // SAFETY: `text` is a live `str`; `PyUnicode_Substring` returns a new reference or NULL
    // with an exception set, which `from_owned_ptr_or_err` turns into an error.
    unsafe {
        let piece = ffi::PyUnicode_Substring(text.as_ptr(), start as isize, end as isize);
        Ok(Bound::from_owned_ptr_or_err(py, piece)?.cast_into_unchecked::<PyString>())
    }
}

/// Feeds `chunk` to `parser`: straight into the Rust engine, through `feed()` otherwise.
fn feed(py: Python<'_>, parser: &Bound<'_, PyAny>, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
    match parser.cast::<Parser>() {
        Ok(rust) => rust.try_borrow_mut()?.feed(py, chunk),
        Err(_) => parser
            .call_method1(intern!(py, "feed"), (chunk,))
            .map(|_| ()),
    }
}

/// A kept stream and the key it was kept under.
struct Kept {
    key: Py<PyAny>,
    stream: Py<Stream>,
    size: usize,
}

struct State {
    max_streams: usize,
    max_size: usize,
    /// Least recently used first.
    kept: Vec<Kept>,
    size: usize,
    hits: u64,
    misses: u64,
}

impl State {
    /// Removes streams until the bounds hold; they are returned, to be dropped once the lock
    /// is let go of (dropping runs deallocators).
    fn evict(&mut self) -> Vec<Kept> {
        let mut out = Vec::new();
        while !self.kept.is_empty()
            && (self.kept.len() > self.max_streams || self.size > self.max_size)
        {
            let old = self.kept.remove(0);
            self.size -= old.size;
            out.push(old);
        }
        out
    }
}

/// The streams a shim keeps, each under a key saying which parser options it uses (keys are
/// compared by identity: the shims keep one object per set of options).
///
/// Bounds: at most `max_streams` streams (least recently used go first), whose text totals at
/// most `max_bytes` (in the buffers' own units: bytes, or characters of a `str`); a longer
/// stream is parsed but not kept. Thread safety: a stream is taken out of the cache while a
/// call uses it, so two threads never share a parser; a second thread on the same buffer
/// parses on its own. The cache's own bookkeeping is behind a lock held for a few
/// comparisons at a time, never while Python code runs.
#[pyclass(module = "deltajson._deltajson", name = "PrefixCache", frozen)]
pub struct PrefixCache {
    state: Mutex<State>,
}

impl PrefixCache {
    fn state(&self, py: Python<'_>) -> MutexGuard<'_, State> {
        // A thread that has to wait for the lock detaches meanwhile (`lock_py_attached`): on a
        // free-threaded interpreter a thread blocked while attached would hold up a
        // stop-the-world pause (the garbage collector's) that the holder might be waiting on.
        // No Python code runs while the lock is held, so a panic cannot leave it half-way.
        self.state
            .lock_py_attached(py)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes a bound, and evicts what it no longer allows (dropped after the lock is let go
    /// of: dropping runs deallocators).
    fn rebound(&self, py: Python<'_>, change: impl FnOnce(&mut State)) {
        let evicted = {
            let mut state = self.state(py);
            change(&mut state);
            state.evict()
        };
        drop(evicted);
    }
}

#[pymethods]
impl PrefixCache {
    #[new]
    #[pyo3(signature = (max_streams=16, max_bytes=67_108_864))]
    fn new(max_streams: usize, max_bytes: usize) -> Self {
        PrefixCache {
            state: Mutex::new(State {
                max_streams,
                max_size: max_bytes,
                kept: Vec::new(),
                size: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    /// Streams kept at most (0 turns reuse off).
    #[getter]
    fn max_streams(&self, py: Python<'_>) -> usize {
        self.state(py).max_streams
    }

    #[setter]
    fn set_max_streams(&self, py: Python<'_>, value: usize) {
        self.rebound(py, |state| state.max_streams = value);
    }

    /// Text kept at most, over all streams.
    #[getter]
    fn max_bytes(&self, py: Python<'_>) -> usize {
        self.state(py).max_size
    }

    #[setter]
    fn set_max_bytes(&self, py: Python<'_>, value: usize) {
        self.rebound(py, |state| state.max_size = value);
    }

    /// The stream that has read `data` (reusing one kept under `key` that read a prefix of it,
    /// else `make()`), now the caller's; give it back with `keep` (in a `finally`) once done.
    #[pyo3(signature = (key, data, make, /))]
    fn open(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
        make: &Bound<'_, PyAny>,
    ) -> PyResult<Py<Stream>> {
        let len = checked_length(data)?;
        let found = {
            let mut state = self.state(py);
            // Most recent first: the stream a call continues is usually the last one used. Any
            // stream whose text starts the buffer gives the same result; the first is used.
            let at = state.kept.iter().rposition(|k| {
                k.key.is(key)
                    && k.stream
                        .bind(py)
                        .try_borrow()
                        .is_ok_and(|s| s.text.starts(data, s.size, len))
            });
            match at {
                Some(i) => {
                    state.hits += 1;
                    let kept = state.kept.remove(i);
                    state.size -= kept.size;
                    Some(kept.stream)
                }
                None => {
                    state.misses += 1;
                    None
                }
            }
        };
        let stream = match found {
            Some(stream) => stream,
            None => make.call0()?.cast_into::<Stream>()?.unbind(),
        };
        // An exception from the feed (KeyboardInterrupt, MemoryError) may leave the parser in
        // any state: it propagates, and the stream is not kept.
        stream.bind(py).try_borrow_mut()?.read_to(py, data, len)?;
        Ok(stream)
    }

    /// `open`, and then the usual call of a shim in partial mode mid-stream answered here too:
    /// when the stream has no error and no `extra` state, its text no lone surrogate, and its
    /// (Rust) parser is inside a container and not reading a number, the copy of the open
    /// spine is the answer (`Parser.settled_value`), and the stream is kept again. Returns
    /// `(True, value)` then, else `(False, stream)` for the caller to answer and `keep`.
    #[pyo3(signature = (key, data, make, /))]
    fn read(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        data: &Bound<'_, PyAny>,
        make: &Bound<'_, PyAny>,
    ) -> PyResult<(bool, Py<PyAny>)> {
        let stream = self.open(py, key, data, make)?.into_bound(py);
        let value = {
            let s = stream.try_borrow()?;
            match s.parser.bind(py).cast::<Parser>() {
                Ok(parser) if s.error.is_none() && s.extra.is_none(py) && !s.lone_surrogate => {
                    parser.try_borrow_mut()?.settled_value(py)?
                }
                _ => None,
            }
        };
        match value {
            Some(value) => {
                self.keep(py, key.clone().unbind(), stream)?;
                Ok((true, value))
            }
            None => Ok((false, stream.into_any().unbind())),
        }
    }

    /// Keeps `stream` for the next call (within the bounds); it lets go of the caller's buffer.
    #[pyo3(signature = (key, stream, /))]
    fn keep(&self, py: Python<'_>, key: Py<PyAny>, stream: Bound<'_, Stream>) -> PyResult<()> {
        let size = {
            let mut s = stream.try_borrow_mut()?;
            s.data = None;
            s.size
        };
        let evicted = {
            let mut state = self.state(py);
            if size > state.max_size || state.max_streams == 0 {
                return Ok(());
            }
            state.kept.push(Kept {
                key,
                stream: stream.unbind(),
                size,
            });
            state.size += size;
            state.evict()
        };
        drop(evicted);
        Ok(())
    }

    /// Forgets every stream, and zeroes the counts.
    fn clear(&self, py: Python<'_>) {
        let kept = {
            let mut state = self.state(py);
            state.size = 0;
            state.hits = 0;
            state.misses = 0;
            std::mem::take(&mut state.kept)
        };
        drop(kept);
    }

    /// `hits` (calls that reused a stream), `misses`, `streams` kept, `bytes` of text they keep.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (hits, misses, streams, size) = {
            let state = self.state(py);
            (state.hits, state.misses, state.kept.len(), state.size)
        };
        let info = PyDict::new(py);
        info.set_item("hits", hits)?;
        info.set_item("misses", misses)?;
        info.set_item("streams", streams)?;
        info.set_item("bytes", size)?;
        Ok(info)
    }
}
