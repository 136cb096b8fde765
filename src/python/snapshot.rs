//! Copied snapshots (`Parser.snapshot()`), brought up to date in place when nobody else can
//! see them.
//!
//! A copied snapshot is a chain of shallow copies of the open containers, root to cursor,
//! sharing every completed value with the live tree, so later feeds never change it. Copying
//! the open containers afresh on every call costs their width: a top-level list of 10,000
//! completed records is 10,000 item references per snapshot, and a growing string is copied
//! whole. But when the caller has let go of the previous snapshot — the usual pattern: read
//! it, render it, drop it — its copies are held by nothing but this cache, and no one can tell
//! whether the next snapshot is a new object or the old one updated. So a copy whose only
//! holder is the cache (the root) or its parent copy (a nested level), all the way from the
//! root, is updated in place: a list gets the items added since, O(delta), and the open string
//! is let go of before it grows, so that it too can grow in place. A copy the caller can still
//! reach is never touched: a new one is made, as always.
//!
//! Snapshots are read-only by contract (they share completed values with each other). A list
//! copy the caller edited and let go of is not reused if its length changed; an item replaced
//! in it cannot be seen without comparing every item, O(width), which is what this avoids.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::python::frames::Frame;

/// The copy made for one open container last time, and what it was made from.
struct Level {
    /// The live container copied. Held, so that comparing it with the spine's container by
    /// identity is meaningful (it cannot be freed and its address reused meanwhile).
    live: Py<PyAny>,
    /// For a list: items dropped from it by a selection then; a copy is updated in place only
    /// while that is unchanged (a drop shifts the items).
    dropped: usize,
    /// For a dict: the key under which the copy holds the next level's copy (a list holds it
    /// as its last item).
    key: Option<Py<PyString>>,
    /// For a list: the length of the copy as made. A copy whose length changed since was
    /// edited by its caller, and is not reused.
    len: usize,
}

/// The last copied snapshot and its levels.
#[derive(Default)]
pub(crate) struct SnapshotCache {
    root: Option<Py<PyAny>>,
    levels: Vec<Level>,
}

/// Whether `object` has exactly `count` references.
///
/// Used on copies this cache made: when the count says only the cache and its caller hold one,
/// no other thread holds a reference, and none can take one (a reference is only ever taken
/// from another), so the answer stays true while the parser, borrowed exclusively, updates
/// the copy. On a free-threaded build the count is the sum of the owner's and the other
/// threads' counts, exact for that purpose.
fn refcount_is(object: &Bound<'_, PyAny>, count: isize) -> bool {
    // SAFETY: `object` is a live object; reading its reference count has no side effect.
    unsafe { pyo3::ffi::Py_REFCNT(object.as_ptr()) == count }
}

impl SnapshotCache {
    /// The last snapshot, if any (to return again while nothing changed).
    pub fn last(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.root.as_ref().map(|root| root.clone_ref(py))
    }

    /// How many levels of the last snapshot, from the root, nobody but this cache can reach
    /// and still copy the spine's containers `frames`, and the innermost of those copies.
    /// Found once per snapshot, for `release_open_string` and `refresh`.
    pub fn private_depth<'py>(
        &self,
        py: Python<'py>,
        frames: &[Frame],
    ) -> (usize, Option<Bound<'py, PyAny>>) {
        let Some(root) = &self.root else {
            return (0, None);
        };
        let mut node = root.bind(py).clone();
        let mut depth = 0;
        let mut innermost = None;
        // Each copy is held by its holder (the cache for the root, else its parent copy) and
        // by `node` made here.
        for (level, frame) in self.levels.iter().zip(frames) {
            if !level.copies(frame, &node) || !refcount_is(&node, 2) {
                break;
            }
            depth += 1;
            let child = level.child_of(py, &node);
            innermost = Some(node);
            match child {
                Some(child) => node = child,
                None => break,
            }
        }
        (depth, innermost)
    }

    /// Lets go of the open string `text` where the last snapshot holds it, if nobody but this
    /// cache can reach that snapshot (`depth` and `innermost` from `private_depth`): the
    /// string can then grow in place instead of being copied whole (see
    /// `PyBuilder::flush_open_text`). The next `refresh` puts the grown string back.
    pub fn release_open_string(
        &self,
        py: Python<'_>,
        frames: &[Frame],
        depth: usize,
        innermost: Option<&Bound<'_, PyAny>>,
        text: &Py<PyString>,
    ) {
        if depth != frames.len() {
            return;
        }
        let (Some(innermost), Some(frame)) = (innermost, frames.last()) else {
            return;
        };
        let none = py.None().into_bound(py);
        let _ = match (innermost.cast::<PyList>(), frame) {
            (Ok(list), Frame::List { .. }) => match list.len().checked_sub(1) {
                Some(last) if list.get_item(last).is_ok_and(|v| v.is(text.bind(py))) => {
                    list.set_item(last, none)
                }
                _ => Ok(()),
            },
            (Err(_), Frame::Dict { key: Some(key), .. }) => match innermost.cast::<PyDict>() {
                Ok(dict)
                    if dict
                        .get_item(key.bind(py))
                        .is_ok_and(|v| v.is_some_and(|v| v.is(text.bind(py)))) =>
                {
                    dict.set_item(key.bind(py), none)
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        };
    }

    /// A snapshot of the spine `frames` (not empty): the last one updated in place for its
    /// first `depth` levels, which nobody else can see (from `private_depth`), new copies
    /// below. Kept as the last snapshot; its levels are updated in place too (no allocation
    /// per call in the steady state). On an error no snapshot is kept.
    pub fn refresh(
        &mut self,
        py: Python<'_>,
        frames: &[Frame],
        depth: usize,
    ) -> PyResult<Py<PyAny>> {
        // The old chain is walked as it is updated: `old` is level i's last copy.
        let mut old = self.root.take().map(|root| root.into_bound(py));
        let mut parent: Option<(Bound<'_, PyAny>, &Frame)> = None;
        let mut root = None;
        self.levels.truncate(frames.len());
        for (i, frame) in frames.iter().enumerate() {
            let reused = old.take().filter(|_| i < depth);
            // The next level's old copy, read before this copy changes.
            if let (Some(copy), Some(level)) = (&reused, self.levels.get(i)) {
                old = level.child_of(py, copy);
            }
            let copy = match frame {
                Frame::List { list, dropped } => {
                    let live = list.bind(py);
                    let copy = match reused.as_ref().and_then(|c| c.cast::<PyList>().ok()) {
                        Some(old) if old.len() <= live.len() => {
                            catch_up(old, live)?;
                            old.clone()
                        }
                        _ => live.get_slice(0, live.len()),
                    };
                    let len = copy.len();
                    self.set_level(py, i, live.as_any(), *dropped, None, len);
                    copy.into_any()
                }
                // Dicts are copied afresh: objects are narrow in practice, and updating a
                // small dict in place (refresh the member written, add the new ones) was
                // measured slower than CPython's copy of it.
                Frame::Dict { dict, key } => {
                    let live = dict.bind(py);
                    self.set_level(py, i, live.as_any(), 0, key.as_ref(), 0);
                    live.copy()?.into_any()
                }
            };
            match &parent {
                Some((holder, holder_frame)) => link(py, holder, holder_frame, &copy)?,
                None => root = Some(copy.clone()),
            }
            parent = Some((copy, frame));
        }
        // `frames` is not empty (the caller's contract), so the loop made a root.
        let root = root
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("snapshot of no spine"))?
            .unbind();
        self.root = Some(root.clone_ref(py));
        Ok(root)
    }

    /// Records level `i` as made from `live` (in place when it was already there, so that
    /// the steady state allocates nothing and touches few reference counts).
    fn set_level(
        &mut self,
        py: Python<'_>,
        i: usize,
        live: &Bound<'_, PyAny>,
        dropped: usize,
        key: Option<&Py<PyString>>,
        len: usize,
    ) {
        match self.levels.get_mut(i) {
            Some(level) => {
                if !level.live.is(live) {
                    level.live = live.clone().unbind();
                }
                // The same key as last time (the usual case) is kept, not re-counted.
                let same_key = match (&level.key, key) {
                    (Some(old), Some(new)) => old.is(new),
                    (None, None) => true,
                    _ => false,
                };
                if !same_key {
                    level.key = key.map(|k| k.clone_ref(py));
                }
                level.dropped = dropped;
                level.len = len;
            }
            None => self.levels.push(Level {
                live: live.clone().unbind(),
                dropped,
                key: key.map(|k| k.clone_ref(py)),
                len,
            }),
        }
    }
}

impl Level {
    /// Whether `copy`, this level's copy, still copies the spine's container `frame`.
    fn copies(&self, frame: &Frame, copy: &Bound<'_, PyAny>) -> bool {
        match frame {
            Frame::List { list, dropped } => {
                list.as_ptr() == self.live.as_ptr()
                    && *dropped == self.dropped
                    && copy
                        .cast::<PyList>()
                        .is_ok_and(|copy| copy.len() == self.len)
            }
            Frame::Dict { dict, .. } => dict.as_ptr() == self.live.as_ptr(),
        }
    }

    /// The next level's copy in `copy`, this level's: a list's last item, a dict's member
    /// under the level's key.
    fn child_of<'py>(
        &self,
        py: Python<'py>,
        copy: &Bound<'py, PyAny>,
    ) -> Option<Bound<'py, PyAny>> {
        match (copy.cast::<PyList>(), &self.key) {
            (Ok(list), _) => list
                .len()
                .checked_sub(1)
                .and_then(|i| list.get_item(i).ok()),
            (Err(_), Some(key)) => copy
                .cast::<PyDict>()
                .ok()
                .and_then(|dict| dict.get_item(key.bind(py)).ok().flatten()),
            (Err(_), None) => None,
        }
    }
}

/// New copies of the open containers `frames`, outermost first, each holding the next one's
/// copy where its container holds the open child: a snapshot that nothing keeps (no cache is
/// read or written), for callers that edit what they get.
pub fn fresh_copies<'py>(py: Python<'py>, frames: &[Frame]) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let mut copies = Vec::with_capacity(frames.len());
    for frame in frames {
        copies.push(match frame {
            Frame::List { list, .. } => {
                let live = list.bind(py);
                live.get_slice(0, live.len()).into_any()
            }
            Frame::Dict { dict, .. } => dict.bind(py).copy()?.into_any(),
        });
    }
    link_copies(py, frames, &copies)?;
    Ok(copies)
}

/// Makes each copy of `copies` (one per frame of `frames`) hold the next level's copy where its
/// live container holds the open child.
fn link_copies(py: Python<'_>, frames: &[Frame], copies: &[Bound<'_, PyAny>]) -> PyResult<()> {
    for (i, frame) in frames
        .iter()
        .enumerate()
        .take(frames.len().saturating_sub(1))
    {
        link(py, &copies[i], frame, &copies[i + 1])?;
    }
    Ok(())
}

/// Makes `holder`, the copy of `frame`'s container, hold `child` (the next level's copy)
/// where the container holds its open child.
fn link(
    py: Python<'_>,
    holder: &Bound<'_, PyAny>,
    frame: &Frame,
    child: &Bound<'_, PyAny>,
) -> PyResult<()> {
    match frame {
        Frame::List { .. } => {
            let list = holder.cast::<PyList>()?;
            if let Some(last) = list.len().checked_sub(1) {
                list.set_item(last, child)?;
            }
        }
        Frame::Dict { key: Some(key), .. } => {
            holder.cast::<PyDict>()?.set_item(key.bind(py), child)?;
        }
        Frame::Dict { key: None, .. } => {}
    }
    Ok(())
}

/// Brings the list copy `old` up to date with the live list it was made from: its last item
/// (then the open child, now perhaps complete) replaced, the items added since appended.
fn catch_up(old: &Bound<'_, PyList>, live: &Bound<'_, PyList>) -> PyResult<()> {
    let copied = old.len();
    if let Some(last) = copied.checked_sub(1) {
        old.set_item(last, live.get_item(last)?)?;
    }
    for i in copied..live.len() {
        old.append(live.get_item(i)?)?;
    }
    Ok(())
}
