//! What the builder reports besides the value: change ops, completed values, selected items.
//!
//! All three are off until asked for, so a parser whose user only reads snapshots pays nothing
//! for them and accumulates nothing.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyString, PyTuple};

use crate::python::convert::make_str;
use crate::python::wire::PatchWriter;

/// The ops since the last `changes()` call, in order. String growth is kept as bytes and turned
/// into one `("append", path, text)` op when another op follows or the batch is taken, so a
/// string growing over many chunks costs O(new text) per batch.
pub struct OpLog {
    ops: Vec<Py<PyAny>>,
    append_path: Option<Py<PyTuple>>,
    append_text: Vec<u8>,
    append_wtf8: bool,
}

impl OpLog {
    pub fn new() -> OpLog {
        OpLog {
            ops: Vec::new(),
            append_path: None,
            append_text: Vec::new(),
            append_wtf8: false,
        }
    }

    /// Records `(op, path, value)`.
    pub fn push(
        &mut self,
        py: Python<'_>,
        op: &Bound<'_, PyString>,
        path: &Bound<'_, PyTuple>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.flush_append(py)?;
        self.ops.push(
            PyTuple::new(py, [op.as_any(), path.as_any(), value])?
                .into_any()
                .unbind(),
        );
        Ok(())
    }

    /// Records `("remove", path)`: a dropping selection took the value at `path` out.
    pub fn remove(&mut self, py: Python<'_>, path: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.flush_append(py)?;
        let op = intern!(py, "remove");
        self.ops.push(
            PyTuple::new(py, [op.as_any(), path.as_any()])?
                .into_any()
                .unbind(),
        );
        Ok(())
    }

    /// Whether the next `append` starts a new run of text (and so needs the string's path).
    pub fn needs_path(&self) -> bool {
        self.append_path.is_none()
    }

    /// Records new text of the open string; `path` is needed only when `needs_path()`.
    pub fn append(&mut self, path: Option<Py<PyTuple>>, text: &[u8], wtf8: bool) {
        if self.append_path.is_none() {
            self.append_path = path;
        }
        self.append_text.extend_from_slice(text);
        self.append_wtf8 |= wtf8;
    }

    fn flush_append(&mut self, py: Python<'_>) -> PyResult<()> {
        if let Some(path) = self.append_path.take() {
            if !self.append_text.is_empty() {
                let text = make_str(py, &self.append_text, self.append_wtf8)?;
                let op = intern!(py, "append");
                let path = path.bind(py);
                self.ops.push(
                    PyTuple::new(py, [op.as_any(), path.as_any(), text.as_any()])?
                        .into_any()
                        .unbind(),
                );
            }
            crate::core::scanner::release(&mut self.append_text);
            self.append_wtf8 = false;
        }
        Ok(())
    }

    /// Writes the ops recorded since the last call into `writer` (the SSE wire text), string
    /// growth straight from its bytes.
    pub fn write_to(&mut self, py: Python<'_>, writer: &mut PatchWriter) -> PyResult<()> {
        for op in self.ops.drain(..) {
            writer.op(op.bind(py))?;
        }
        if let Some(path) = self.append_path.take() {
            if !self.append_text.is_empty() {
                writer.append_at(path.bind(py), &self.append_text)?;
            }
            crate::core::scanner::release(&mut self.append_text);
            self.append_wtf8 = false;
        }
        Ok(())
    }

    /// Whether no op was recorded since the last call.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && (self.append_path.is_none() || self.append_text.is_empty())
    }

    /// The ops recorded since the last call, as a list.
    pub fn take<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.flush_append(py)?;
        PyList::new(py, self.ops.drain(..))
    }
}

/// One step of a selection pattern.
#[derive(Debug)]
pub enum Step {
    Key(String),
    /// A key holding a lone surrogate (no UTF-8 form): compared as a Python string.
    OddKey(Py<PyString>),
    Index(u64),
    Any,
}

/// Completed values at paths matching a pattern, optionally removed from the tree once taken
/// (bounded memory on huge arrays and endless JSON Lines).
pub struct Selector {
    pub pattern: Vec<Step>,
    pub drop: bool,
    pub taken: Vec<Py<PyAny>>,
}

impl Selector {
    /// Whether a value completed at `path` is selected.
    pub fn matches(&self, path: &Bound<'_, PyTuple>) -> PyResult<bool> {
        if path.len() != self.pattern.len() {
            return Ok(false);
        }
        for (part, step) in path.iter().zip(&self.pattern) {
            let hit = match step {
                Step::Any => true,
                Step::Key(key) => part
                    .cast::<PyString>()
                    .is_ok_and(|s| s.to_str().is_ok_and(|s| s == key)),
                Step::OddKey(key) => part.cast::<PyString>().is_ok() && part.eq(key)?,
                Step::Index(i) => part
                    .cast::<PyInt>()
                    .is_ok_and(|n| n.extract::<u64>().is_ok_and(|n| n == *i)),
            };
            if !hit {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads a pattern: a tuple of keys (str), indexes (int) and `"*"` wildcards.
    pub fn parse_pattern(pattern: &Bound<'_, PyTuple>) -> PyResult<Vec<Step>> {
        pattern
            .iter()
            .map(|part| {
                if part.is_instance_of::<pyo3::types::PyBool>() {
                    Err(pyo3::exceptions::PyTypeError::new_err(
                        "a selection path holds keys (str), indexes (int >= 0) and \"*\"",
                    ))
                } else if let Ok(s) = part.cast::<PyString>() {
                    Ok(match s.to_str() {
                        Ok("*") => Step::Any,
                        Ok(key) => Step::Key(key.to_owned()),
                        Err(_) => Step::OddKey(s.clone().unbind()),
                    })
                } else if let Ok(n) = part.extract::<u64>() {
                    Ok(Step::Index(n))
                } else {
                    Err(pyo3::exceptions::PyTypeError::new_err(
                        "a selection path holds keys (str), indexes (int >= 0) and \"*\"",
                    ))
                }
            })
            .collect()
    }
}
