//! Python values for the fast path of a whole document (see `core::descent`): the same
//! objects the builder makes from events, without its per-event bookkeeping.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyNone, PyString};

use crate::core::{Literal, ValueBuilder};
use crate::python::convert::{make_number, FloatMode, KeyCacheSession, MAX_CACHED_VALUE};

/// Makes the values of one document read by descent. A Python error gives up the descent
/// (the events' path then meets it again, and reports it).
pub struct PyValues<'py> {
    py: Python<'py>,
    float_mode: FloatMode,
    keys: KeyCacheSession,
    /// Items of the open arrays, innermost last: each array is made once, at its exact size.
    items: Vec<Bound<'py, PyAny>>,
}

impl<'py> PyValues<'py> {
    pub fn new(py: Python<'py>, float_mode: FloatMode) -> PyValues<'py> {
        PyValues {
            py,
            float_mode,
            keys: KeyCacheSession::default(),
            items: Vec::new(),
        }
    }
}

impl<'py> ValueBuilder for PyValues<'py> {
    type Value = Bound<'py, PyAny>;
    type Key = Bound<'py, PyString>;
    type Object = Bound<'py, PyDict>;

    fn string(&mut self, text: &[u8], wtf8: bool) -> Option<Self::Value> {
        // Through the cache as the events' path does, so both give the same objects.
        let py = self.py;
        self.keys
            .with_str(py, text, wtf8, MAX_CACHED_VALUE, |s| {
                Ok(s.clone().into_any())
            })
            .ok()
    }

    fn number(&mut self, text: &[u8], is_integer: bool) -> Option<Self::Value> {
        make_number(self.py, text, is_integer, self.float_mode).ok()
    }

    fn literal(&mut self, literal: Literal) -> Option<Self::Value> {
        let py = self.py;
        match literal {
            Literal::True => Some(PyBool::new(py, true).to_owned().into_any()),
            Literal::False => Some(PyBool::new(py, false).to_owned().into_any()),
            Literal::Null => Some(PyNone::get(py).to_owned().into_any()),
            // The descent leaves NaN and the infinities to the scanner.
            _ => None,
        }
    }

    fn key(&mut self, text: &[u8], wtf8: bool) -> Option<Self::Key> {
        self.keys.key(self.py, text, wtf8).ok()
    }

    fn begin_object(&mut self) -> Option<Self::Object> {
        Some(PyDict::new(self.py))
    }

    fn member(
        &mut self,
        object: &mut Self::Object,
        key: Self::Key,
        value: Self::Value,
    ) -> Option<()> {
        object.set_item(key, value).ok()
    }

    fn end_object(&mut self, object: Self::Object) -> Self::Value {
        object.into_any()
    }

    fn push_item(&mut self, value: Self::Value) {
        self.items.push(value);
    }

    fn end_array(&mut self, len: usize) -> Option<Self::Value> {
        let start = self.items.len().checked_sub(len)?;
        PyList::new(self.py, self.items.drain(start..))
            .ok()
            .map(Bound::into_any)
    }
}
