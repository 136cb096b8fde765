//! Scanner errors as Python exceptions.
//!
//! The exception classes are defined in Python (`deltajson._errors`), where subclassing
//! `json.JSONDecodeError` is natural, and shared with the pure-Python twin; the extension
//! imports them once.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use crate::core::Error;

fn error_class<'py>(py: Python<'py>, incomplete: bool) -> PyResult<&'py Bound<'py, PyType>> {
    static JSON_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static INCOMPLETE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    if incomplete {
        INCOMPLETE.import(py, "deltajson._errors", "IncompleteJSONError")
    } else {
        JSON_ERROR.import(py, "deltajson._errors", "JSONError")
    }
}

/// `deltajson.JSONError`, the base of the errors a parser raises on its input.
pub fn json_error_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    error_class(py, false)
}

/// `JSONError`, or `IncompleteJSONError` carrying `partial` when the input merely ended early.
pub fn to_py_err(
    py: Python<'_>,
    e: &Error,
    partial: impl FnOnce() -> PyResult<Py<PyAny>>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let incomplete = e.is_eof();
        let kwargs = PyDict::new(py);
        if incomplete {
            kwargs.set_item("partial", partial()?)?;
        }
        let args = (e.message(), e.excerpt.as_str(), e.offset, e.line, e.column);
        let exc = error_class(py, incomplete)?.call(args, Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|failure| failure)
}
