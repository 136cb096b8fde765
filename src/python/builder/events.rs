//! The scanner's events, delivered to the builder: `BuildContext` is the `Sink` one feed
//! writes into.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::core::{Literal, Sink};
use crate::python::convert::{make_number, KeyCacheSession, MAX_CACHED_VALUE};
use crate::python::frames::Frame;

use super::PyBuilder;

/// The builder plus the interpreter token: what the scanner calls during one feed.
pub struct BuildContext<'a, 'py> {
    pub(super) py: Python<'py>,
    pub(super) b: &'a mut PyBuilder,
    pub(super) keys: KeyCacheSession,
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
            b.add_child(
                py,
                dict.as_any(),
                Some(|py| PyDict::new(py).into_any()),
                false,
            )?;
            b.frames.push(Frame::Dict {
                dict: dict.unbind(),
                key: None,
            });
            Ok(())
        });
    }

    fn end_object(&mut self) {
        self.run(|py, b| b.close(py));
    }

    fn begin_array(&mut self) {
        self.run(|py, b| {
            let list = PyList::empty(py);
            b.add_child(
                py,
                list.as_any(),
                Some(|py| PyList::empty(py).into_any()),
                false,
            )?;
            b.frames.push(Frame::List {
                list: list.unbind(),
                dropped: 0,
            });
            Ok(())
        });
    }

    fn end_array(&mut self) {
        self.run(|py, b| b.close(py));
    }

    fn key(&mut self, key: &[u8], wtf8: bool) {
        if self.b.error.is_some() {
            return;
        }
        match self.keys.key(self.py, key, wtf8) {
            Ok(key) => {
                if let Some(Frame::Dict { key: slot, .. }) = self.b.frames.last_mut() {
                    // The previous key released as a `Bound` (see `close`).
                    drop(
                        slot.replace(key.unbind())
                            .map(|old| old.into_bound(self.py)),
                    );
                }
            }
            Err(e) => self.b.error = Some(e),
        }
    }

    fn string(&mut self, text: &[u8], wtf8: bool) {
        if self.b.error.is_some() {
            return;
        }
        // Short values repeat in structured output (tags, enums, names): the key cache serves
        // them too, so a repeated value is one lookup instead of a new string.
        let BuildContext { py, b, keys } = self;
        let placed = keys.with_str(*py, text, wtf8, MAX_CACHED_VALUE, |s| {
            b.add_child(*py, s.as_any(), None, true)
        });
        if let Err(e) = placed {
            b.error = Some(e);
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
                b.add_child(py, PyString::new(py, "").as_any(), None, false)?;
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
            if self.b.ops.is_some() {
                self.run(|py, b| {
                    let path = match b.ops.as_ref() {
                        Some(ops) if ops.needs_path() => {
                            let path = b.last_child_path(py)?;
                            Some(b.tree_path(py, &path)?.unbind())
                        }
                        _ => None,
                    };
                    if let Some(ops) = b.ops.as_mut() {
                        ops.append(path, text, wtf8);
                    }
                    Ok(())
                });
            }
        }
    }

    fn end_string(&mut self) {
        self.run(|py, b| {
            let text = b.flush_open_text(py)?;
            let attached = b.open.attached;
            b.open.attached = false;
            b.open.text = None;
            if attached {
                b.dirty = true;
                b.replace_open_value(py, text.clone().into_any())?;
                if b.observed() {
                    let path = b.last_child_path(py)?;
                    b.value_completed(py, &path, text.as_any())?;
                }
                Ok(())
            } else {
                b.add_child(py, text.as_any(), None, true)
            }
        });
    }

    fn number(&mut self, text: &[u8], is_integer: bool) {
        self.run(|py, b| {
            let n = make_number(py, text, is_integer, b.float_mode)?;
            b.add_child(py, &n, None, true)
        });
    }

    fn literal(&mut self, literal: Literal) {
        self.run(|py, b| {
            let float = |f: f64| pyo3::types::PyFloat::new(py, f).into_any();
            match literal {
                // The singletons borrowed, not new references: no reference counting here.
                Literal::True => {
                    b.add_child(py, pyo3::types::PyBool::new(py, true).as_any(), None, true)
                }
                Literal::False => {
                    b.add_child(py, pyo3::types::PyBool::new(py, false).as_any(), None, true)
                }
                Literal::Null => b.add_child(py, pyo3::types::PyNone::get(py).as_any(), None, true),
                Literal::NaN => b.add_child(py, &float(f64::NAN), None, true),
                Literal::Infinity => b.add_child(py, &float(f64::INFINITY), None, true),
                Literal::NegInfinity => b.add_child(py, &float(f64::NEG_INFINITY), None, true),
            }
        });
    }
}
