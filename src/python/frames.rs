//! The open containers of a tree being built: the type the builder keeps its spine in and the
//! snapshot cache copies from. It lives apart from both so that neither depends on the other
//! for it (`builder` uses `snapshot`; `snapshot` only reads the frames).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// An open container of the spine.
pub(crate) enum Frame {
    /// A list, and how many of its completed items were dropped by a selection (indexes in
    /// paths go on counting from there).
    List { list: Py<PyList>, dropped: usize },
    /// A dict and the key of its member being written (the last key seen).
    Dict {
        dict: Py<PyDict>,
        key: Option<Py<PyString>>,
    },
}
