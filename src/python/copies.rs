//! Copies of one open list of a typed partial, brought up to date in place when nobody else
//! holds them (`stream_model(copy=True)`).
//!
//! A `copy=True` partial is a new object that nothing later changes, so each one holds its own
//! copy of every open list: for a list of 10,000 completed records, 10,000 item references per
//! partial. A generator cannot tell whether its consumer kept the last partial (a `for` loop
//! still holds it while the next one is made), but it can tell whether a copy it made before
//! is still held by anyone: a copy whose only reference is the one kept here was let go of by
//! every partial that held it, and no one can see whether the next copy is a new list or that
//! one updated. So the last copies are kept (two: the one the consumer's loop still holds, and
//! the one before, which it has let go of), and a copy nobody else holds is brought up to date
//! in place: its last item (then the open child) and the items added since, O(delta). A copy
//! that anyone can still reach is never touched: a new one is made, as always.
//!
//! This relies on how the typed layer changes its live list: it only ever appends an item or
//! replaces or removes its last one, so the items of a copy before its last one are still the
//! live list's. Partials are read-only by contract (they share completed values with each
//! other); a copy whose length its consumer changed and then let go of is not reused, one
//! whose items it replaced in place cannot be told without comparing every item, O(width),
//! which is what this avoids.
//!
//! A partial model of the spine (the root, the open list item) is a new object per partial
//! too, of a few fields: [`ModelCopies`] keeps its copies the same way, and one that nobody
//! holds any more (no reference, no weak reference) is refreshed from the live view, its
//! fields all set again: only the allocation is saved, whatever its consumer did to it.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySet, PyString, PyType};

/// Copies kept per list: the one a consumer's loop still holds, and the one before it.
const KEPT: usize = 2;

/// One copy made, and its length as made (a different length: its consumer changed it).
struct Copy {
    list: Py<PyList>,
    len: usize,
}

/// The copies made of one live list.
#[pyclass(module = "deltajson._deltajson", name = "ListCopies")]
pub struct ListCopies {
    /// The live list the copies were made from (held, so that comparing it by identity is
    /// meaningful: it cannot be freed and its address reused meanwhile).
    live: Option<Py<PyList>>,
    /// Oldest first.
    kept: Vec<Copy>,
}

/// Whether `object` has exactly one reference (the one held here).
fn only_held_here(object: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `object` is a live object; reading its reference count has no side effect and,
    // with the interpreter attached (the module declares that it uses the GIL), cannot race.
    unsafe { pyo3::ffi::Py_REFCNT(object.as_ptr()) == 1 }
}

#[pymethods]
impl ListCopies {
    #[new]
    pub fn new() -> Self {
        ListCopies {
            live: None,
            kept: Vec::new(),
        }
    }

    /// A list holding `live`'s items, its last one replaced by `last` unless that is `None`:
    /// a copy made before and held by nobody else, brought up to date, or else a new one.
    #[pyo3(signature = (live, last, /))]
    pub fn copy<'py>(
        &mut self,
        live: &Bound<'py, PyList>,
        last: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = live.py();
        if !self.live.as_ref().is_some_and(|known| known.is(live)) {
            self.kept.clear();
            self.live = Some(live.clone().unbind());
        }
        // `kept` holds one reference to each copy; `bind` borrows it without taking another.
        let free = self.kept.iter().position(|copy| {
            let list = copy.list.bind(py);
            only_held_here(list.as_any()) && list.len() == copy.len
        });
        let copy = match free {
            Some(index) => {
                let kept = self.kept.remove(index);
                let list = kept.list.into_bound(py);
                catch_up(&list, live)?;
                list
            }
            None => live.get_slice(0, live.len()),
        };
        if !last.is_none() {
            if let Some(index) = copy.len().checked_sub(1) {
                copy.set_item(index, last)?;
            }
        }
        if self.kept.len() >= KEPT {
            self.kept.remove(0);
        }
        self.kept.push(Copy {
            list: copy.clone().unbind(),
            len: copy.len(),
        });
        Ok(copy)
    }
}

/// The copies made of one partial model view.
#[pyclass(module = "deltajson._deltajson", name = "ModelCopies")]
pub struct ModelCopies {
    /// Oldest first.
    kept: Vec<Py<PyAny>>,
}

#[pymethods]
impl ModelCopies {
    #[new]
    pub fn new() -> Self {
        ModelCopies { kept: Vec::new() }
    }

    /// A model of `view`'s class whose fields are a copy of `fields` (its `__dict__`), whose
    /// fields set is a copy of `fields_set`, whose extras are a copy of `view`'s, and whose
    /// private attributes are `None` (as `model_construct` makes one): a copy made before and
    /// held by nobody else, refreshed, or else a new one.
    #[pyo3(signature = (view, fields, fields_set, /))]
    pub fn copy<'py>(
        &mut self,
        view: &Bound<'py, PyAny>,
        fields: &Bound<'py, PyDict>,
        fields_set: &Bound<'py, PySet>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = view.py();
        let class = view.get_type();
        let mut free = None;
        for (index, kept) in self.kept.iter().enumerate() {
            let kept = kept.bind(py);
            if only_held_here(kept) && kept.get_type().is(&class) && !weakly_held(kept)? {
                free = Some(index);
                break;
            }
        }
        let extra = generic_getattr(view, intern!(py, "__pydantic_extra__"))?;
        let extra = match extra.cast::<PyDict>() {
            Ok(extra) => extra.copy()?.into_any(),
            Err(_) => extra,
        };
        let copy = match free {
            Some(index) => {
                let copy = self.kept.remove(index).into_bound(py);
                refresh_fields(&copy, fields)?;
                copy
            }
            None => {
                let copy = new_instance(&class)?;
                // `object.__setattr__`: past the model's own `__setattr__`, as
                // `model_construct` sets them.
                generic_setattr(&copy, intern!(py, "__dict__"), fields.copy()?.as_any())?;
                copy
            }
        };
        generic_setattr(
            &copy,
            intern!(py, "__pydantic_fields_set__"),
            &set_copy(fields_set)?,
        )?;
        generic_setattr(&copy, intern!(py, "__pydantic_extra__"), &extra)?;
        generic_setattr(
            &copy,
            intern!(py, "__pydantic_private__"),
            &py.None().into_bound(py),
        )?;
        if self.kept.len() >= KEPT {
            self.kept.remove(0);
        }
        self.kept.push(copy.clone().unbind());
        Ok(copy)
    }
}

/// The instance `__dict__` of `object` (made if it has none yet).
pub fn instance_dict<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `object` is a live object; `PyObject_GenericGetDict` returns a new reference to
    // its instance dict (or NULL with an exception set, for a class without one).
    unsafe {
        Bound::from_owned_ptr_or_err(
            object.py(),
            pyo3::ffi::PyObject_GenericGetDict(object.as_ptr(), std::ptr::null_mut()),
        )
    }
}

/// Sets the fields of the model `copy` to `fields`: in its own `__dict__` when nobody else
/// holds that and it has the same keys, else in a new copy of `fields`.
fn refresh_fields(copy: &Bound<'_, PyAny>, fields: &Bound<'_, PyDict>) -> PyResult<()> {
    let py = copy.py();
    let own = instance_dict(copy)?;
    match own.cast::<PyDict>() {
        // Held by the model and by `own` here.
        Ok(own) if only_held_here_and(own.as_any(), 2) && own.len() == fields.len() => {
            own.update(fields.as_mapping())
        }
        _ => generic_setattr(copy, intern!(py, "__dict__"), fields.copy()?.as_any()),
    }
}

/// Whether `object` has exactly `count` references.
fn only_held_here_and(object: &Bound<'_, PyAny>, count: isize) -> bool {
    // SAFETY: as in `only_held_here`.
    unsafe { pyo3::ffi::Py_REFCNT(object.as_ptr()) == count }
}

/// Whether a weak reference to `object` exists (its class's `__weakref__` slot is set).
fn weakly_held(object: &Bound<'_, PyAny>) -> PyResult<bool> {
    match generic_getattr(object, intern!(object.py(), "__weakref__")) {
        Ok(first) => Ok(!first.is_none()),
        // A class without weak references.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(object.py()) => Ok(false),
        Err(e) => Err(e),
    }
}

fn set_copy<'py>(set: &Bound<'py, PySet>) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `set` is a live set; `PySet_New` makes a new set of its items (a new reference,
    // or NULL with an exception set).
    unsafe { Bound::from_owned_ptr_or_err(set.py(), pyo3::ffi::PySet_New(set.as_ptr())) }
}

/// `cls.__new__(cls)` for a class whose `__new__` is `object.__new__` (a model's), else
/// that call itself.
pub fn new_instance<'py>(class: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
    let py = class.py();
    let object_new = py.get_type::<PyAny>();
    // SAFETY: both are live type objects; reading their `tp_new`, `tp_alloc` and `tp_flags`
    // slots has no side effect. The `tp_new` pointers are compared as addresses: both are
    // read from the types (a class that does not define `__new__` inherits the pointer).
    let (inherited, alloc) = unsafe {
        let class = class.as_type_ptr();
        let own = (*class).tp_new.map(|f| f as usize);
        let base = (*object_new.as_type_ptr()).tp_new.map(|f| f as usize);
        // `PyType_GetFlags`, not the field: on a free-threaded build `tp_flags` is atomic.
        let abstract_ = pyo3::ffi::PyType_GetFlags(class) & pyo3::ffi::Py_TPFLAGS_IS_ABSTRACT != 0;
        (
            own.is_some() && own == base && !abstract_,
            (*class).tp_alloc,
        )
    };
    match alloc {
        Some(alloc) if inherited => {
            // SAFETY: what `object.__new__(cls)` does for a class without abstract methods:
            // `tp_alloc` gives a new, zeroed instance (or NULL with an exception set).
            unsafe { Bound::from_owned_ptr_or_err(py, alloc(class.as_type_ptr(), 0)) }
        }
        _ => class.call_method1(intern!(py, "__new__"), (class,)),
    }
}

/// `object.__getattribute__(object, name)`: past a `__getattr__` the class may define.
pub fn generic_getattr<'py>(
    object: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: both are live objects held by the caller; `PyObject_GenericGetAttr` returns a
    // new reference, or NULL with an exception set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            object.py(),
            pyo3::ffi::PyObject_GenericGetAttr(object.as_ptr(), name.as_ptr()),
        )
    }
}

/// `object.__setattr__(object, name, value)`.
pub fn generic_setattr(
    object: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: all three are live objects held by the caller for the duration of the call;
    // `PyObject_GenericSetAttr` does not steal references and returns -1 with an exception
    // set on failure.
    let status = unsafe {
        pyo3::ffi::PyObject_GenericSetAttr(object.as_ptr(), name.as_ptr(), value.as_ptr())
    };
    if status < 0 {
        return Err(PyErr::fetch(object.py()));
    }
    Ok(())
}

/// Brings `copy`, made from `live` earlier, up to date: the items from its last one on (then
/// the open child, perhaps complete or removed since) replaced by the live ones, the items
/// added since appended.
fn catch_up(copy: &Bound<'_, PyList>, live: &Bound<'_, PyList>) -> PyResult<()> {
    let (copied, now) = (copy.len(), live.len());
    let from = copied.min(now).saturating_sub(1);
    if copied > now {
        copy.del_slice(now, copied)?;
    }
    for index in from..copied.min(now) {
        copy.set_item(index, live.get_item(index)?)?;
    }
    for index in copied..now {
        copy.append(live.get_item(index)?)?;
    }
    Ok(())
}
