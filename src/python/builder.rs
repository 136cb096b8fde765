//! The object builder: turns scanner events into Python objects, once each.
//!
//! The builder keeps the *open spine* — the containers from the root to the value being
//! written — as live Python lists and dicts. A completed value is converted exactly once and
//! attached to its parent; it is never touched again, so snapshots can share it.
//!
//! `snapshot()` must return a value that later feeds never mutate. It copies only the spine:
//! a shallow copy of each open container (completed children are shared), each parent's copy
//! pointing at its child's copy, plus the text of the open string. That is O(depth + width of
//! the open containers + length of the open string), never O(document); when the caller has
//! dropped the previous snapshot it is updated in place instead, O(delta) (`snapshot.rs`), and
//! when nothing changed since the last call the same object is returned.
//!
//! On request it also reports change ops, completed values and selected items
//! (see `changes.rs`); each new value then gets its path, built from the spine in O(depth).
//!
//! This file holds the builder's state, its reading side (`snapshot`, `path`) and the building
//! steps; the `Sink` a feed writes into is `builder/events.rs`, and what it reports besides
//! values is `builder/reporting.rs`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::python::changes::{OpLog, Selector};
use crate::python::convert::{make_str, FloatMode, KeyCacheSession};
use crate::python::frames::Frame;
use crate::python::snapshot::{fresh_copies, SnapshotCache};

mod events;
mod reporting;

pub use events::BuildContext;

/// Where `place` puts a value in a list: after the last item, or over it.
#[derive(Clone, Copy)]
enum Place {
    New,
    Last,
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
    /// Something visible changed since the last copied snapshot was made.
    dirty: bool,
    /// The last copied snapshot, returned again while nothing changes.
    snapshots: SnapshotCache,
    /// Change ops, recorded from the first `changes()` call on.
    ops: Option<OpLog>,
    /// Completed `[path, value]` pairs, recorded from the first `done()` call on.
    done: Option<Vec<Py<PyAny>>>,
    /// Values completed at a selected path.
    selector: Option<Selector>,
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
            snapshots: SnapshotCache::default(),
            ops: None,
            done: None,
            selector: None,
            error: None,
        }
    }

    /// Bytes of heap the builder holds besides the Python objects of the value: the spine's
    /// frames and the buffer of the open string's newest text.
    pub fn heap_size(&self) -> usize {
        self.frames.capacity() * std::mem::size_of::<Frame>() + self.open.pending.capacity()
    }

    /// Whether a Python error was raised while building (see `take_error`).
    #[inline]
    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }

    /// Takes the error raised while building, if any.
    pub fn take_error(&mut self) -> Option<PyErr> {
        self.error.take()
    }

    /// Whether a whole document may go straight into the tree (see `Scanner::feed_whole`):
    /// nothing built yet, nothing recorded, one value.
    pub fn takes_whole(&self) -> bool {
        self.root.is_none() && self.frames.is_empty() && !self.multiple && !self.observed()
    }

    /// The float mode numbers are made with.
    pub fn float_mode(&self) -> FloatMode {
        self.float_mode
    }

    /// Puts a document read whole into the empty tree (see [`PyBuilder::takes_whole`]).
    pub fn set_whole(&mut self, value: Bound<'_, PyAny>) {
        self.root = Some(value.unbind());
        self.dirty = true;
    }

    /// The events interface for one feed.
    pub fn context<'a, 'py>(&'a mut self, py: Python<'py>) -> BuildContext<'a, 'py> {
        BuildContext {
            py,
            b: self,
            keys: KeyCacheSession::default(),
        }
    }

    // ---- reading ------------------------------------------------------------------------

    /// The current value; a copy of the open spine unless `copy` is false (then the live tree,
    /// which later feeds keep mutating).
    pub fn snapshot(&mut self, py: Python<'_>, copy: bool) -> PyResult<Py<PyAny>> {
        // How deep the last snapshot is private, found at most once per call.
        let mut private = None;
        if self.open_string_is_behind() {
            let (depth, innermost) = self.snapshots.private_depth(py, &self.frames);
            if let Some(text) = &self.open.text {
                self.snapshots.release_open_string(
                    py,
                    &self.frames,
                    depth,
                    innermost.as_ref(),
                    text,
                );
            }
            private = Some(depth);
        }
        self.catch_up_open_string(py)?;
        let Some(root) = &self.root else {
            return Ok(py.None());
        };
        if !copy || self.frames.is_empty() {
            // Without open containers the root is complete (or a scalar): it never changes.
            return Ok(root.clone_ref(py));
        }
        if !self.dirty {
            if let Some(last) = self.snapshots.last(py) {
                return Ok(last);
            }
        }
        let private = private.unwrap_or_else(|| self.snapshots.private_depth(py, &self.frames).0);
        let snapshot = self.snapshots.refresh(py, &self.frames, private)?;
        self.dirty = false;
        Ok(snapshot)
    }

    /// New copies of the open containers, outermost first (see `snapshot::fresh_copies`);
    /// empty when none is open. The open string is brought up to date first.
    pub fn fresh_spine<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.catch_up_open_string(py)?;
        fresh_copies(py, &self.frames)
    }

    /// Whether the tree holds an open string without its newest text.
    fn open_string_is_behind(&self) -> bool {
        self.open.attached && !self.open.pending.is_empty()
    }

    /// Puts the open string's newest text into the tree, if it is behind.
    fn catch_up_open_string(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.open_string_is_behind() {
            let text = self.flush_open_text(py)?;
            self.replace_open_value(py, text.into_any())?;
        }
        Ok(())
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
        let mut parts = self.spine_parts(py, self.frames.len().saturating_sub(1))?;
        match self.frames.last() {
            Some(Frame::List { list, dropped }) if scalar_open => {
                // An open string is already in the list (as its prefix); an open number or
                // literal is not yet.
                let len = list.bind(py).len() + dropped;
                let index = if self.open.attached { len - 1 } else { len };
                parts.push(index.into_pyobject(py)?.into_any());
            }
            Some(Frame::Dict { key: Some(key), .. }) if scalar_open || key_pending => {
                parts.push(key.bind(py).clone().into_any());
            }
            _ => {}
        }
        PyTuple::new(py, parts)
    }

    /// Whether a value exists at `path` in the tree, or existed and was dropped by a selection.
    pub fn exists(&self, py: Python<'_>, path: &Bound<'_, PyTuple>) -> PyResult<bool> {
        let Some(root) = &self.root else {
            return Ok(false);
        };
        let mut node = root.bind(py).clone();
        for (depth, part) in path.iter().enumerate() {
            let next = if let Ok(list) = node.cast::<PyList>() {
                let Ok(index) = part.extract::<usize>() else {
                    return Ok(false);
                };
                let dropped = self.dropped_at(py, depth, list);
                if index < dropped {
                    return Ok(true);
                }
                match list.get_item(index - dropped) {
                    Ok(item) => item,
                    Err(_) => return Ok(false),
                }
            } else if let Ok(dict) = node.cast::<PyDict>() {
                if !part.is_instance_of::<PyString>() {
                    return Ok(false);
                }
                match dict.get_item(&part)? {
                    Some(item) => item,
                    None => return Ok(false),
                }
            } else {
                return Ok(false);
            };
            node = next;
        }
        Ok(true)
    }

    /// Items dropped from `list` if it is the open list at `depth` of the spine.
    fn dropped_at(&self, py: Python<'_>, depth: usize, list: &Bound<'_, PyList>) -> usize {
        match self.frames.get(depth) {
            Some(Frame::List {
                list: open,
                dropped,
            }) if open.bind(py).is(list) => *dropped,
            _ => 0,
        }
    }

    // ---- building -----------------------------------------------------------------------

    /// Adds a new value to the innermost container (or makes it the root); `fresh` is what an
    /// `add` op carries (a new empty container for containers, the value itself otherwise);
    /// `complete` says whether the value is already final.
    #[inline(always)]
    fn add_child<'py>(
        &mut self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        empty_container: Option<fn(Python<'py>) -> Bound<'py, PyAny>>,
        complete: bool,
    ) -> PyResult<()> {
        if self.quiet() {
            // Nothing to report: the value only joins the tree (one-shot parsing, plain feeds).
            return self.attach_new(py, value);
        }
        self.add_child_reported(py, value, empty_container, complete)
    }

    /// Whether a new value only has to join the tree: nothing is recorded (ops, completed
    /// values, a selection) and no top-level list of `multiple` values is still to be made.
    #[inline(always)]
    fn quiet(&self) -> bool {
        !(self.observed() || (self.multiple && self.frames.is_empty()))
    }

    /// Appends `value` to the innermost container (or makes it the root): `place(.., New)`,
    /// inlined into every event of the common case.
    #[inline(always)]
    fn attach_new(&mut self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.dirty = true;
        self.place(py, value, Place::New)
    }

    /// `add_child` when ops, completed values or a selection are recorded, or a stream of
    /// values (`multiple`) makes its top-level list: out of line, so that the common case above
    /// stays small.
    #[inline(never)]
    fn add_child_reported<'py>(
        &mut self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
        empty_container: Option<fn(Python<'py>) -> Bound<'py, PyAny>>,
        complete: bool,
    ) -> PyResult<()> {
        self.dirty = true;
        if self.frames.is_empty() && self.multiple {
            let values = PyList::empty(py);
            self.root = Some(values.clone().into_any().unbind());
            self.frames.push(Frame::List {
                list: values.unbind(),
                dropped: 0,
            });
            if let Some(ops) = self.ops.as_mut() {
                ops.push(
                    py,
                    intern!(py, "add"),
                    &PyTuple::empty(py),
                    PyList::empty(py).as_any(),
                )?;
            }
        }
        let path = if self.observed() {
            Some(self.new_child_path(py)?)
        } else {
            None
        };
        if let (true, Some(path)) = (self.ops.is_some(), &path) {
            // An `add` op carries a container empty (its content arrives as later ops).
            let carried = match empty_container {
                Some(make) => make(py),
                None => value.clone(),
            };
            let at = self.tree_path(py, path)?;
            if let Some(ops) = self.ops.as_mut() {
                ops.push(py, intern!(py, "add"), &at, &carried)?;
            }
        }
        self.place(py, value, Place::New)?;
        match (complete, path) {
            (true, Some(path)) => self.value_completed(py, &path, value),
            _ => Ok(()),
        }
    }

    /// Reports a value completed at `path` (the innermost container's last child, or the
    /// root): ops, done list, selection — and drops it from the tree if the selection says so.
    fn value_completed(
        &mut self,
        py: Python<'_>,
        path: &Bound<'_, PyTuple>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let at = match self.ops.is_some() {
            true => Some(self.tree_path(py, path)?),
            false => None,
        };
        if let (Some(ops), Some(at)) = (self.ops.as_mut(), &at) {
            ops.push(py, intern!(py, "done"), at, value)?;
        }
        if let Some(done) = self.done.as_mut() {
            done.push(
                PyTuple::new(py, [path.as_any(), value])?
                    .into_any()
                    .unbind(),
            );
        }
        let Some(selector) = self.selector.as_mut() else {
            return Ok(());
        };
        if !selector.matches(path)? {
            return Ok(());
        }
        selector.taken.push(
            PyTuple::new(py, [path.as_any(), value])?
                .into_any()
                .unbind(),
        );
        if selector.drop {
            self.dirty = true;
            if let (Some(ops), Some(at)) = (self.ops.as_mut(), &at) {
                ops.remove(py, at)?;
            }
            match self.frames.last_mut() {
                Some(Frame::List { list, dropped }) => {
                    let list = list.bind(py);
                    list.del_item(list.len() - 1)?;
                    *dropped += 1;
                }
                Some(Frame::Dict {
                    dict,
                    key: Some(key),
                }) => dict.bind(py).del_item(key.bind(py))?,
                Some(Frame::Dict { key: None, .. }) => {}
                None => self.root = None,
            }
        }
        Ok(())
    }

    /// Closes the innermost container and reports it complete.
    fn close(&mut self, py: Python<'_>) -> PyResult<()> {
        let path = if self.observed() {
            Some(self.last_child_path_of_closing(py)?)
        } else {
            None
        };
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        // Released through `Bound` (a plain decref): dropping a `Py` first asks a thread-local
        // whether the interpreter is attached, once per container.
        let value = match frame {
            Frame::List { list, .. } => list.into_bound(py).into_any(),
            Frame::Dict { dict, key } => {
                drop(key.map(|key| key.into_bound(py)));
                dict.into_bound(py).into_any()
            }
        };
        if let Some(path) = path {
            self.value_completed(py, &path, &value)?;
        }
        Ok(())
    }

    /// The path of the innermost container (about to close).
    fn last_child_path_of_closing<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            self.spine_parts(py, self.frames.len().saturating_sub(1))?,
        )
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
            // Held only by the builder and the tree: let go of the tree's reference so that
            // CPython can grow the string in place.
            Some(prefix) if self.open.attached && only_builder_and_tree_hold(&prefix) => {
                self.replace_open_value(py, piece.clone().into_any())?;
                append_str(py, prefix, &piece)?
            }
            // Someone else holds it too (a copied snapshot): a new string.
            Some(prefix) => prefix.bind(py).add(piece)?.cast_into::<PyString>()?,
            None => piece,
        };
        self.open.text = Some(whole.clone().unbind());
        Ok(whole)
    }

    /// Puts `value` where the open string value sits in the tree.
    fn replace_open_value(&mut self, py: Python<'_>, value: Bound<'_, PyAny>) -> PyResult<()> {
        self.place(py, &value, Place::Last)
    }

    /// Puts `value` in the innermost container — as a new item, or over its last item (the
    /// open string) — or makes it the root. Inlined: with `place` known, only one arm is left.
    #[inline(always)]
    fn place(&mut self, py: Python<'_>, value: &Bound<'_, PyAny>, place: Place) -> PyResult<()> {
        match self.frames.last() {
            Some(Frame::List { list, .. }) => {
                let list = list.bind(py);
                match place {
                    Place::New => list.append(value),
                    Place::Last => list.set_item(list.len() - 1, value),
                }
            }
            Some(Frame::Dict {
                dict,
                key: Some(key),
            }) => dict.bind(py).set_item(key.bind(py), value),
            Some(Frame::Dict { key: None, .. }) => Ok(()),
            None => {
                self.root = Some(value.clone().unbind());
                Ok(())
            }
        }
    }
}

/// Whether the builder and the tree hold the only two references to the open string: then it
/// is worth letting go of the tree's one so that the string can grow in place. A hint only:
/// on a free-threaded build another thread reading the live tree (`snapshot(copy=False)`) may
/// take a reference meanwhile, and `PyUnicode_Append` itself decides, with CPython's own
/// check (owned by this thread, no reference from another), whether to grow it in place.
fn only_builder_and_tree_hold(text: &Py<PyString>) -> bool {
    // SAFETY: `text` is a live object; reading its reference count has no side effect.
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
