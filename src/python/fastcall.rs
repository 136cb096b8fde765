//! The calls made once per chunk, `Parser.feed(chunk)` and `Parser.snapshot(copy=...)`, with
//! CPython's fastest calling convention and no general argument parser.
//!
//! PyO3's generated wrappers match keyword names by decoding and comparing strings and check
//! every parameter rule on every call: about 200 instructions for `snapshot(copy=False)`,
//! as much as a token-sized feed's own scanning. Streams call these two methods once per
//! token, so at module start the class's entries are replaced by `METH_FASTCALL` functions
//! that take the usual shapes of call directly (`feed(chunk)`, `snapshot()`,
//! `snapshot(copy=<bool>)`) and hand any other shape, unchanged, to PyO3's own wrapper, kept
//! aside: its errors and messages stay exactly as they were.

use std::ffi::CStr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::Borrowed;

use crate::python::parser::Parser;

/// PyO3's own wrappers, called for every shape of call the fast paths do not take.
static FEED_WRAPPER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SNAPSHOT_WRAPPER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Replaces `Parser.feed` and `Parser.snapshot` with the fast entry points.
pub fn install(parser_type: &Bound<'_, PyType>) -> PyResult<()> {
    // PyO3's own trampoline (the one its generated wrappers use: it counts the thread as
    // attached, turns a panic into `PanicException`, sets the error of an `Err`); a hidden
    // part of PyO3's API, which the lock file pins.
    let feed_entry = pyo3::get_trampoline_function!(fastcall_cfunction_with_keywords, feed);
    let snapshot_entry = pyo3::get_trampoline_function!(fastcall_cfunction_with_keywords, snapshot);
    replace_method(
        parser_type,
        &FEED_WRAPPER,
        c"feed",
        feed_entry,
        &raw mut FEED_DEF,
    )?;
    replace_method(
        parser_type,
        &SNAPSHOT_WRAPPER,
        c"snapshot",
        snapshot_entry,
        &raw mut SNAPSHOT_DEF,
    )
}

// The method tables CPython keeps pointers to for the life of the process; filled in once by
// `replace_method` (module initialisation runs once, holding the interpreter).
static mut FEED_DEF: ffi::PyMethodDef = ffi::PyMethodDef::zeroed();
static mut SNAPSHOT_DEF: ffi::PyMethodDef = ffi::PyMethodDef::zeroed();

fn replace_method(
    parser_type: &Bound<'_, PyType>,
    wrapper: &PyOnceLock<Py<PyAny>>,
    name: &'static CStr,
    fast: ffi::PyCFunctionFastWithKeywords,
    def: *mut ffi::PyMethodDef,
) -> PyResult<()> {
    let py = parser_type.py();
    let name_str = name
        .to_str()
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    // The descriptor itself (not a bound method), from the class's namespace.
    let original = parser_type.getattr("__dict__")?.get_item(name_str)?;
    // The docstring, with the text signature CPython reads `inspect.signature` from in
    // front of it, as PyO3 writes it; it must live as long as the method table (leaked, once
    // per method).
    let doc: Option<String> = original.getattr("__doc__")?.extract()?;
    let signature: Option<String> = original.getattr("__text_signature__")?.extract()?;
    let full_doc = match signature {
        Some(signature) => format!("{name_str}{signature}\n--\n\n{}", doc.unwrap_or_default()),
        None => doc.unwrap_or_default(),
    };
    let doc = std::ffi::CString::new(full_doc)
        .ok()
        .map(|d| &*Box::leak(d.into_boxed_c_str()));
    let _ = wrapper.set(py, original.unbind());
    // SAFETY: `def` points to one of the statics above, written only here, once, while the
    // interpreter is held; CPython then reads it for the life of the process. The type object
    // is live; `PyDescr_NewMethod` returns a new reference or NULL with an exception set; the
    // type's dict is set directly (the class is immutable to Python code) and its method
    // cache reset with `PyType_Modified`, as CPython does for slot updates.
    unsafe {
        def.write(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: fast,
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
            ml_doc: doc.map_or(std::ptr::null(), |d| d.as_ptr()),
        });
        let type_ptr = parser_type.as_ptr().cast::<ffi::PyTypeObject>();
        let descriptor = ffi::PyDescr_NewMethod(type_ptr, def);
        let descriptor = Bound::from_owned_ptr_or_err(py, descriptor)?;
        let dict = (*type_ptr).tp_dict;
        if ffi::PyDict_SetItemString(dict, name.as_ptr(), descriptor.as_ptr()) != 0 {
            return Err(PyErr::fetch(py));
        }
        ffi::PyType_Modified(type_ptr);
    }
    Ok(())
}

/// Calls PyO3's wrapper with the call as it came: `self` first, then the arguments.
///
/// # Safety
/// `args` holds `nargs` positional arguments followed by one value per name in `kwnames`.
unsafe fn delegate(
    py: Python<'_>,
    wrapper: &PyOnceLock<Py<PyAny>>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    let Some(wrapper) = wrapper.get(py) else {
        // Unreachable: `replace_method` keeps the wrapper before it installs the entry.
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "deltajson: the method's own wrapper is missing",
        ));
    };
    let nkw = if kwnames.is_null() {
        0
    } else {
        // SAFETY: `kwnames` is a tuple when not NULL.
        unsafe { ffi::PyTuple_GET_SIZE(kwnames) }
    };
    let mut all = Vec::with_capacity(1 + (nargs + nkw) as usize);
    all.push(slf);
    for i in 0..(nargs + nkw) {
        // SAFETY: `args` holds `nargs + nkw` entries.
        all.push(unsafe { *args.offset(i) });
    }
    // SAFETY: `all` holds `self`, the positional arguments and the keyword values, borrowed
    // for the call; the result is a new reference or NULL with an exception set.
    let result = unsafe {
        ffi::PyObject_Vectorcall(
            wrapper.as_ptr(),
            all.as_ptr(),
            (nargs + 1) as usize,
            kwnames,
        )
    };
    if result.is_null() {
        Err(PyErr::fetch(py))
    } else {
        Ok(result)
    }
}

/// The `Parser` a method was called on, borrowed, not owned: no reference counting of the
/// call's own arguments. The class cannot be subclassed, so the exact type check is the whole
/// check (anything else is a `TypeError`).
///
/// # Safety
/// `slf` is a live object and the thread is attached.
#[inline(always)]
unsafe fn parser_at<'a, 'py>(
    py: Python<'py>,
    slf: *mut ffi::PyObject,
) -> PyResult<Borrowed<'a, 'py, Parser>> {
    // SAFETY: as the function's contract says.
    let object = unsafe { Borrowed::from_ptr(py, slf) };
    Ok(object.cast_exact::<Parser>()?)
}

/// `Parser.feed(chunk)`.
///
/// # Safety
/// Called through PyO3's trampoline: the thread is attached; `args` holds `nargs` positional
/// arguments then one value per name of `kwnames`.
unsafe fn feed(
    py: Python<'_>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: as the function's contract says; `slf` is the instance the method was called on.
    unsafe {
        if nargs != 1 || !kwnames.is_null() && ffi::PyTuple_GET_SIZE(kwnames) != 0 {
            return delegate(py, &FEED_WRAPPER, slf, args, nargs, kwnames);
        }
        let chunk = Borrowed::from_ptr(py, *args);
        parser_at(py, slf)?.try_borrow_mut()?.feed(py, &chunk)?;
        Ok(ffi::Py_NewRef(ffi::Py_None()))
    }
}

/// `Parser.snapshot()` and `Parser.snapshot(copy=<bool>)`.
///
/// # Safety
/// As for [`feed`].
unsafe fn snapshot(
    py: Python<'_>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: as the function's contract says.
    unsafe {
        let copy = match (nargs, kwnames.is_null()) {
            (0, true) => Some(true),
            (0, false) if ffi::PyTuple_GET_SIZE(kwnames) == 0 => Some(true),
            (0, false) if ffi::PyTuple_GET_SIZE(kwnames) == 1 => {
                let name = ffi::PyTuple_GET_ITEM(kwnames, 0);
                let value = *args;
                // Keyword names are interned by the compiler: a pointer compare, usually.
                let is_copy = name == pyo3::intern!(py, "copy").as_ptr()
                    || Bound::from_borrowed_ptr(py, name).eq("copy")?;
                match (is_copy, value) {
                    (true, v) if v == ffi::Py_True() => Some(true),
                    (true, v) if v == ffi::Py_False() => Some(false),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some(copy) = copy else {
            return delegate(py, &SNAPSHOT_WRAPPER, slf, args, nargs, kwnames);
        };
        let value = parser_at(py, slf)?.try_borrow_mut()?.snapshot(py, copy)?;
        Ok(value.into_ptr())
    }
}
