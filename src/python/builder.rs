//! The object builder: turns scanner events into Python objects, once each.
//!
//! The builder keeps the *open spine* — the containers from the root to the value being
//! written — as live Python lists and dicts. A completed value is converted exactly once and
//! attached to its parent; it is never touched again, so snapshots can share it.
//!
//! `snapshot()` must return a value that later feeds never mutate. It copies only the spine:
//! a shallow copy of each open container (completed children are shared), innermost first,
//! each parent's copy pointing at its child's copy, plus the text of the open string. That is
//! O(depth + width of the open containers + length of the open string), never O(document), and
//! when nothing changed since the last call the same object is returned.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::core::{Literal, Sink};
use crate::python::convert::{make_number, make_str, FloatMode, KeyCacheSession};

/// An open container of the spine.
enum Frame {
    List(Py<PyList>),
    /// A dict and the key of its member being written (the last key seen).
    Dict {
        dict: Py<PyDict>,
        key: Option<Py<PyString>>,
    },
}

/// The string value being read.
#[derive(Default)]
struct OpenString {
    /// Its prefix is in the tree (with `partial_strings`).
    attached: bool,
    /// Text received since it was last turned into a Python `str`.
    pending: Vec<u8>,
    pending_wtf8: bool,
    /// The text turned into a Python `str` so far.
    text: Option<Py<PyString>>,
}

/// Builds Python values from events. Used through [`BuildContext`], which brings the
/// interpreter token the event methods need.
pub struct PyBuilder {
    frames: Vec<Frame>,
    /// Single mode: the top-level value. Multiple mode: the list of values (also `frames[0]`).
    root: Option<Py<PyAny>>,
    multiple: bool,
    partial_strings: bool,
    float_mode: FloatMode,
    open: OpenString,
    /// Something visible changed since `cached` was made.
    dirty: bool,
    /// The last copied snapshot, returned again while nothing changes.
    cached: Option<Py<PyAny>>,
    /// The first Python error raised while building (e.g. MemoryError); the parser fails with
    /// it after the feed.
    error: Option<PyErr>,
}

impl PyBuilder {
    pub fn new(multiple: bool, partial_strings: bool, float_mode: FloatMode) -> PyBuilder {
        PyBuilder {
            frames: Vec::new(),
            root: None,
            multiple,
            partial_strings,
            float_mode,
            open: OpenString::default(),
            dirty: false,
            cached: None,
            error: None,
        }
    }

    /// Bytes of heap the builder holds besides the Python objects of the value: the spine's
    /// frames and the buffer of the open string's newest text.
    pub fn heap_size(&self) -> usize {
        self.frames.capacity() * std::mem::size_of::<Frame>() + self.open.pending.capacity()
    }

    /// Takes the error raised while building, if any.
    pub fn take_error(&mut self) -> Option<PyErr> {
        self.error.take()
    }

    /// The events interface for one feed.
    pub fn context<'a, 'py>(&'a mut self, py: Python<'py>) -> BuildContext<'a, 'py> {
        BuildContext {
            py,
            b: self,
            keys: KeyCacheSession::default(),
        }
    }

    /// The current value; a copy of the open spine unless `copy` is false (then the live tree,
    /// which later feeds keep mutating).
    pub fn snapshot(&mut self, py: Python<'_>, copy: bool) -> PyResult<Py<PyAny>> {
        if self.open.attached && !self.open.pending.is_empty() {
            let text = self.flush_open_text(py)?;
            self.replace_open_value(py, text.into_any())?;
        }
        let Some(root) = &self.root else {
            return Ok(py.None());
        };
        if !copy || self.frames.is_empty() {
            // Without open containers the root is complete (or a scalar): it never changes.
            return Ok(root.clone_ref(py));
        }
        if !self.dirty {
            if let Some(cached) = &self.cached {
                return Ok(cached.clone_ref(py));
            }
        }
        let mut child: Option<Bound<'_, PyAny>> = None;
        for frame in self.frames.iter().rev() {
            let copied = match frame {
                Frame::List(list) => {
                    let list = list.bind(py);
                    let len = list.len();
                    let copied = list.get_slice(0, len);
                    if let Some(child) = child.take() {
                        copied.set_item(len - 1, child)?;
                    }
                    copied.into_any()
                }
                Frame::Dict { dict, key } => {
                    let copied = dict.bind(py).copy()?;
                    if let (Some(child), Some(key)) = (child.take(), key) {
                        copied.set_item(key.bind(py), child)?;
                    }
                    copied.into_any()
                }
            };
            child = Some(copied);
        }
        let snapshot = child.map_or_else(|| py.None(), Bound::unbind);
        self.cached = Some(snapshot.clone_ref(py));
        self.dirty = false;
        Ok(snapshot)
    }

    /// The path of the value being written: keys and indexes from the root.
    ///
    /// `scalar_open`: a string, number or literal is being read in the innermost container;
    /// `key_pending`: the innermost object has a complete key whose value has not begun.
    pub fn path<'py>(
        &self,
        py: Python<'py>,
        scalar_open: bool,
        key_pending: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let mut parts: Vec<Bound<'py, PyAny>> = Vec::with_capacity(self.frames.len());
        let last = self.frames.len().saturating_sub(1);
        for (i, frame) in self.frames.iter().enumerate() {
            let innermost = i == last;
            match frame {
                Frame::List(list) => {
                    let len = list.bind(py).len();
                    if !innermost {
                        parts.push((len - 1).into_pyobject(py)?.into_any());
                    } else if scalar_open {
                        // An open string is already in the list (as its prefix); an open
                        // number or literal is not yet.
                        let index = if self.open.attached { len - 1 } else { len };
                        parts.push(index.into_pyobject(py)?.into_any());
                    }
                }
                Frame::Dict { key, .. } => {
                    if let (true, Some(key)) = (!innermost || scalar_open || key_pending, key) {
                        parts.push(key.bind(py).clone().into_any());
                    }
                }
            }
        }
        PyTuple::new(py, parts)
    }

    /// Turns the pending text of the open string into Python and returns the whole text so far.
    ///
    /// The text grows in place when nothing but the builder holds it (see [`append_str`]): the
    /// tree's reference is dropped first, so on the live tree (`snapshot(copy=False)`) an open
    /// string costs O(new text) per snapshot, not O(its length).
    fn flush_open_text<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        if self.open.pending.is_empty() {
            if let Some(text) = &self.open.text {
                return Ok(text.bind(py).clone());
            }
        }
        let piece = make_str(py, &self.open.pending, self.open.pending_wtf8)?;
        crate::core::scanner::release(&mut self.open.pending);
        self.open.pending_wtf8 = false;
        let whole = match self.open.text.take() {
            None => piece,
            // Held only by the builder and the tree: let go of the tree's reference so that
            // CPython can grow the string in place.
            Some(prefix) if self.open.attached && only_builder_and_tree_hold(&prefix) => {
                self.replace_open_value(py, piece.clone().into_any())?;
                append_str(py, prefix, &piece)?
            }
            // Someone else holds it too (a copied snapshot): a new string.
            Some(prefix) => prefix.bind(py).add(piece)?.cast_into::<PyString>()?,
        };
        self.open.text = Some(whole.clone().unbind());
        Ok(whole)
    }

    /// Puts `value` where the open string value sits in the tree.
    fn replace_open_value(&mut self, py: Python<'_>, value: Bound<'_, PyAny>) -> PyResult<()> {
        match self.frames.last() {
            Some(Frame::List(list)) => {
                let list = list.bind(py);
                list.set_item(list.len() - 1, value)
            }
            Some(Frame::Dict {
                dict,
                key: Some(key),
            }) => dict.bind(py).set_item(key.bind(py), value),
            Some(Frame::Dict { key: None, .. }) => Ok(()),
            None => {
                self.root = Some(value.unbind());
                Ok(())
            }
        }
    }

    /// Attaches a new value to the innermost container (or makes it the root).
    fn attach(&mut self, py: Python<'_>, value: Bound<'_, PyAny>) -> PyResult<()> {
        self.dirty = true;
        if self.frames.is_empty() && self.multiple {
            let values = PyList::empty(py);
            self.root = Some(values.clone().into_any().unbind());
            self.frames.push(Frame::List(values.unbind()));
        }
        match self.frames.last() {
            Some(Frame::List(list)) => list.bind(py).append(value),
            Some(Frame::Dict {
                dict,
                key: Some(key),
            }) => dict.bind(py).set_item(key.bind(py), value),
            Some(Frame::Dict { key: None, .. }) => Ok(()),
            None => {
                self.root = Some(value.unbind());
                Ok(())
            }
        }
    }
}

/// Whether the builder and the tree hold the only two references to the open string.
fn only_builder_and_tree_hold(text: &Py<PyString>) -> bool {
    // SAFETY: `text` is a live object; reading its reference count has no side effect (the
    // caller is attached to the interpreter, so the count cannot change under us).
    unsafe { pyo3::ffi::Py_REFCNT(text.as_ptr()) == 2 }
}

/// `prefix + piece`. CPython's `PyUnicode_Append` (stable ABI) resizes `prefix` in place when
/// it is the only reference to it, exactly as `s += piece` does; otherwise it makes a new
/// string, so a string someone else holds (a copied snapshot) is never changed.
fn append_str<'py>(
    py: Python<'py>,
    prefix: Py<PyString>,
    piece: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyString>> {
    let mut left = prefix.into_ptr();
    // SAFETY: `left` is a reference we own to a `str`, and `piece` a live `str`. The call
    // consumes `left` and stores a new owned reference to the result in it, or NULL with an
    // exception set; `piece` is only borrowed.
    unsafe {
        pyo3::ffi::PyUnicode_Append(&mut left, piece.as_ptr());
        Ok(Bound::from_owned_ptr_or_err(py, left)?.cast_into_unchecked())
    }
}

/// The builder plus the interpreter token: what the scanner calls during one feed.
pub struct BuildContext<'a, 'py> {
    py: Python<'py>,
    b: &'a mut PyBuilder,
    keys: KeyCacheSession,
}

impl BuildContext<'_, '_> {
    /// Runs a fallible build step, keeping the first error for the parser to raise.
    #[inline]
    fn run(&mut self, step: impl FnOnce(Python<'_>, &mut PyBuilder) -> PyResult<()>) {
        if self.b.error.is_none() {
            if let Err(e) = step(self.py, self.b) {
                self.b.error = Some(e);
            }
        }
    }
}

impl Sink for BuildContext<'_, '_> {
    fn begin_object(&mut self) {
        self.run(|py, b| {
            let dict = PyDict::new(py);
            b.attach(py, dict.clone().into_any())?;
            b.frames.push(Frame::Dict {
                dict: dict.unbind(),
                key: None,
            });
            Ok(())
        });
    }

    fn end_object(&mut self) {
        self.b.frames.pop();
    }

    fn begin_array(&mut self) {
        self.run(|py, b| {
            let list = PyList::empty(py);
            b.attach(py, list.clone().into_any())?;
            b.frames.push(Frame::List(list.unbind()));
            Ok(())
        });
    }

    fn end_array(&mut self) {
        self.b.frames.pop();
    }

    fn key(&mut self, key: &[u8], wtf8: bool) {
        if self.b.error.is_some() {
            return;
        }
        match self.keys.key(self.py, key, wtf8) {
            Ok(key) => {
                if let Some(Frame::Dict { key: slot, .. }) = self.b.frames.last_mut() {
                    *slot = Some(key.unbind());
                }
            }
            Err(e) => self.b.error = Some(e),
        }
    }

    fn string(&mut self, text: &[u8]) {
        if self.b.error.is_some() {
            return;
        }
        // Short values repeat in structured output (tags, enums, names): the key cache serves
        // them too, so a repeated value is one lookup instead of a new string.
        let made = self.keys.key(self.py, text, false);
        if let Err(e) = made.and_then(|s| self.b.attach(self.py, s.into_any())) {
            self.b.error = Some(e);
        }
    }

    fn begin_string(&mut self) {
        self.run(|py, b| {
            // Reuse the pending buffer's allocation from string to string.
            let open = &mut b.open;
            open.pending.clear();
            open.pending_wtf8 = false;
            open.text = None;
            open.attached = false;
            if b.partial_strings {
                b.open.attached = true;
                b.attach(py, PyString::new(py, "").into_any())?;
            }
            Ok(())
        });
    }

    fn string_piece(&mut self, text: &[u8], wtf8: bool) {
        let open = &mut self.b.open;
        open.pending.extend_from_slice(text);
        open.pending_wtf8 |= wtf8;
        if open.attached {
            self.b.dirty = true;
        }
    }

    fn end_string(&mut self) {
        self.run(|py, b| {
            let text = b.flush_open_text(py)?.into_any();
            let attached = b.open.attached;
            b.open.attached = false;
            b.open.text = None;
            if attached {
                b.dirty = true;
                b.replace_open_value(py, text)
            } else {
                b.attach(py, text)
            }
        });
    }

    fn number(&mut self, text: &[u8], is_integer: bool) {
        self.run(|py, b| {
            let n = make_number(py, text, is_integer, b.float_mode)?;
            b.attach(py, n)
        });
    }

    fn literal(&mut self, literal: Literal) {
        self.run(|py, b| {
            let value = match literal {
                Literal::True => true.into_pyobject(py)?.to_owned().into_any(),
                Literal::False => false.into_pyobject(py)?.to_owned().into_any(),
                Literal::Null => py.None().into_bound(py),
                Literal::NaN => pyo3::types::PyFloat::new(py, f64::NAN).into_any(),
                Literal::Infinity => pyo3::types::PyFloat::new(py, f64::INFINITY).into_any(),
                Literal::NegInfinity => pyo3::types::PyFloat::new(py, f64::NEG_INFINITY).into_any(),
            };
            b.attach(py, value)
        });
    }
}
