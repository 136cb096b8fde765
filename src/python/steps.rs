//! The plain loop of `stream_model`'s iterator, in Rust (`Steps`): chunks stepped into the
//! model engine, the lane (`typed.rs`) taking the common ops, a partial yielded per chunk that
//! changed anything.

use crate::python::parser::Parser;
use crate::python::typed::{copy_spine, Lane};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::{PyTraverseError, PyVisit};

/// What `Steps` holds.
struct Held {
    core: Py<PyAny>,
    engine: Py<PyAny>,
    /// The source, an iterable until the first step makes it an iterator.
    source: Py<PyAny>,
    parser: Py<Parser>,
    pieces: Py<PyList>,
    apply: Py<PyAny>,
    stack: Py<PyList>,
    lane: Option<Py<Lane>>,
}

/// The loop of `stream_model`'s iterator where nothing is timed or throttled
/// (`ModelStream._run` specialised, in Rust): each chunk of the source is stepped into the
/// engine (`Parser._step`), and a partial is yielded after each chunk that changed anything,
/// until the final value (`core.end()`). Chunks that change nothing, and, in live mode, chunks
/// whose ops the lane took all of, never enter Python. Errors go where `_run` sends them: the
/// source's to `core._raise_interrupted`, the stream's to `core._raise_failed`.
#[pyclass(module = "deltajson._deltajson", name = "Steps")]
pub struct Steps {
    /// `None` once finished or cleared by the garbage collector.
    held: Option<Held>,
    started: bool,
    live: bool,
    /// Chunks read from the source.
    #[pyo3(get)]
    chunks: usize,
}

#[pymethods]
impl Steps {
    #[new]
    #[pyo3(signature = (core, engine, source, live, /))]
    fn new(
        core: &Bound<'_, PyAny>,
        engine: &Bound<'_, PyAny>,
        source: &Bound<'_, PyAny>,
        live: bool,
    ) -> PyResult<Self> {
        let py = engine.py();
        let lane = engine.call_method0(intern!(py, "lane_now"))?;
        Ok(Steps {
            held: Some(Held {
                core: core.clone().unbind(),
                engine: engine.clone().unbind(),
                source: source.clone().unbind(),
                parser: engine
                    .getattr(intern!(py, "parser"))?
                    .cast_into::<Parser>()?
                    .unbind(),
                pieces: engine
                    .getattr(intern!(py, "_pieces"))?
                    .cast_into::<PyList>()?
                    .unbind(),
                apply: engine.getattr(intern!(py, "_apply"))?.unbind(),
                stack: engine
                    .getattr(intern!(py, "stack"))?
                    .cast_into::<PyList>()?
                    .unbind(),
                lane: if lane.is_none() {
                    None
                } else {
                    Some(lane.cast_into::<Lane>()?.unbind())
                },
            }),
            started: false,
            live,
            chunks: 0,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let Some(held) = self.held.as_ref() else {
            return Ok(None);
        };
        let core = held.core.clone_ref(py).into_bound(py);
        if !self.started {
            self.started = true;
            match held.source.bind(py).try_iter() {
                Ok(iterator) => {
                    if let Some(held) = self.held.as_mut() {
                        held.source = iterator.into_any().unbind();
                    }
                }
                Err(e) => return Err(self.interrupted(py, &core, e)),
            }
        }
        loop {
            let Some(held) = self.held.as_ref() else {
                return Ok(None);
            };
            let source = held.source.bind(py);
            // SAFETY: `source` is a live iterator (made by `try_iter` above); `PyIter_Next`
            // returns a new reference, or NULL at the end or with an exception set.
            let next = unsafe { pyo3::ffi::PyIter_Next(source.as_ptr()) };
            if next.is_null() {
                if let Some(e) = PyErr::take(py) {
                    return Err(self.interrupted(py, &core, e));
                }
                // The end: the final value (or the error that the end is).
                self.held = None;
                return core
                    .call_method0(intern!(py, "end"))
                    .map(|v| Some(v.unbind()));
            }
            // SAFETY: a non-NULL result of `PyIter_Next` is a new reference.
            let chunk = unsafe { Bound::from_owned_ptr(py, next) };
            self.chunks += 1;
            let stepped = {
                let Some(held) = self.held.as_ref() else {
                    return Ok(None);
                };
                let lane = held.lane.as_ref().map(|lane| lane.bind(py));
                let mut parser = held.parser.bind(py).borrow_mut();
                parser.step(py, &chunk, held.pieces.bind(py), held.apply.bind(py), lane)
            };
            let code = match stepped {
                Ok(code) => code,
                Err(e) => {
                    let raised = core
                        .call_method1(intern!(py, "_raise_failed"), (e.value(py),))
                        .err()
                        .unwrap_or(e);
                    self.held = None;
                    return Err(raised);
                }
            };
            if code == 0 {
                continue;
            }
            let Some(held) = self.held.as_ref() else {
                return Ok(None);
            };
            let engine = held.engine.bind(py);
            if engine.getattr(intern!(py, "done"))?.is_truthy()? {
                continue; // the final value is yielded at the end
            }
            if code == 1 {
                // The lane took every op (the open string is shown where it grows): what
                // `partial()` gives, without it: the live root as it is, or its copy.
                let stack = held.stack.bind(py);
                if self.live {
                    let root = stack.get_item(0)?;
                    return Ok(Some(root.getattr(intern!(py, "view"))?.unbind()));
                }
                return copy_spine(stack).map(|v| Some(v.unbind()));
            }
            return engine
                .call_method0(intern!(py, "partial"))
                .map(|v| Some(v.unbind()));
        }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(held) = &self.held {
            visit.call(&held.core)?;
            visit.call(&held.engine)?;
            visit.call(&held.source)?;
            visit.call(&held.parser)?;
            visit.call(&held.pieces)?;
            visit.call(&held.apply)?;
            visit.call(&held.stack)?;
            visit.call(&held.lane)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.held = None;
    }
}

impl Steps {
    /// The error the source's failure `e` becomes (`core._raise_interrupted`); the stream
    /// is over.
    fn interrupted(&mut self, py: Python<'_>, core: &Bound<'_, PyAny>, e: PyErr) -> PyErr {
        self.held = None;
        core.call_method1(intern!(py, "_raise_interrupted"), (e.value(py),))
            .err()
            .unwrap_or(e)
    }
}
