//! What the builder reports besides values: change ops, completed values and selected
//! items, and the paths they are found at (built from the spine in O(depth)).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::python::changes::{OpLog, Selector};
use crate::python::frames::Frame;
use crate::python::wire::PatchWriter;

use super::PyBuilder;

impl PyBuilder {
    /// The ops since the last call. The first call turns recording on and returns what is
    /// there already as one `("add", (), value)`.
    pub fn changes<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        if let Some(ops) = self.ops.as_mut() {
            return ops.take(py);
        }
        let mut ops = OpLog::new();
        if self.root.is_some() {
            let current = self.snapshot(py, true)?;
            ops.push(
                py,
                intern!(py, "add"),
                &PyTuple::empty(py),
                current.bind(py),
            )?;
        }
        let first = ops.take(py);
        self.ops = Some(ops);
        first
    }

    /// Whether ops are being recorded and some were since the last `changes()`.
    pub fn has_changes(&self) -> bool {
        self.ops.as_ref().is_some_and(|ops| !ops.is_empty())
    }

    /// Writes the ops since the last call into `writer` (as `changes()` would return them).
    pub fn write_changes(&mut self, py: Python<'_>, writer: &mut PatchWriter) -> PyResult<()> {
        match self.ops.as_mut() {
            Some(ops) => ops.write_to(py, writer),
            None => {
                for op in self.changes(py)?.iter() {
                    writer.op(&op)?;
                }
                Ok(())
            }
        }
    }

    /// The `[path, value]` pairs completed since the last call (recording starts at the first
    /// call).
    pub fn take_done<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let done = self.done.get_or_insert_with(Vec::new);
        PyList::new(py, done.drain(..))
    }

    /// Starts selecting the values completed at paths matching `pattern`.
    pub fn select(&mut self, selector: Selector) {
        self.selector = Some(selector);
    }

    /// The `(path, value)` pairs selected since the last call.
    pub fn take_selected<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match self.selector.as_mut() {
            Some(selector) => PyList::new(py, selector.taken.drain(..)),
            None => Ok(PyList::empty(py)),
        }
    }

    pub(super) fn observed(&self) -> bool {
        self.ops.is_some() || self.done.is_some() || self.selector.is_some()
    }

    /// Path components of `frames[1..=upto]` inside their parents.
    pub(super) fn spine_parts<'py>(
        &self,
        py: Python<'py>,
        upto: usize,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let mut parts = Vec::with_capacity(upto + 1);
        for frame in &self.frames[..upto.min(self.frames.len())] {
            parts.push(match frame {
                Frame::List { list, dropped } => (list.bind(py).len() + dropped - 1)
                    .into_pyobject(py)?
                    .into_any(),
                Frame::Dict { key, .. } => match key {
                    Some(key) => key.bind(py).clone().into_any(),
                    None => py.None().into_bound(py),
                },
            });
        }
        Ok(parts)
    }

    /// `path` (with the stream's indexes) as it addresses the tree now: in each list on the
    /// way, minus the items a dropping selection removed before (JSON Patch's rule for op
    /// paths, so that replaying ops gives the snapshot).
    pub(super) fn tree_path<'py>(
        &self,
        py: Python<'py>,
        path: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let any_dropped = self
            .frames
            .iter()
            .any(|frame| matches!(frame, Frame::List { dropped, .. } if *dropped > 0));
        if !any_dropped {
            return Ok(path.clone());
        }
        let mut parts = Vec::with_capacity(path.len());
        for (depth, part) in path.iter().enumerate() {
            parts.push(match self.frames.get(depth) {
                Some(Frame::List { dropped, .. }) if *dropped > 0 => (part.extract::<usize>()?
                    - dropped)
                    .into_pyobject(py)?
                    .into_any(),
                _ => part,
            });
        }
        PyTuple::new(py, parts)
    }

    /// The path a value attached now to the innermost container gets.
    pub(super) fn new_child_path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let Some(last) = self.frames.len().checked_sub(1) else {
            return Ok(PyTuple::empty(py));
        };
        let mut parts = self.spine_parts(py, last)?;
        match &self.frames[last] {
            Frame::List { list, dropped } => parts.push(
                (list.bind(py).len() + dropped)
                    .into_pyobject(py)?
                    .into_any(),
            ),
            Frame::Dict { key: Some(key), .. } => parts.push(key.bind(py).clone().into_any()),
            Frame::Dict { key: None, .. } => {}
        }
        PyTuple::new(py, parts)
    }

    /// The path of the innermost container's last child (a value just attached).
    pub(super) fn last_child_path<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.spine_parts(py, self.frames.len())?)
    }
}
