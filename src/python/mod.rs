//! PyO3 bindings: the `deltajson._deltajson` extension module.
//!
//! `parser` holds the `Parser` class, `builder` turns scanner events into Python objects,
//! `snapshot` copies them for `snapshot()` (`frames`, the open containers, is what both share), `convert` makes the leaf objects, `input` reads
//! chunks and `errors` raises exceptions; `reuse` is the prefix cache of the compat shims;
//! `copies` keeps the list copies of the typed layer's `copy=True` partials, `typed` applies
//! its common ops, and `steps` is `stream_model`'s plain loop.
//!
//! # Threads
//!
//! The module declares itself free-threading ready (`gil_used = false`): on a free-threaded
//! CPython (3.13t) importing it leaves the GIL off. What that rests on, piece by piece:
//! - `Parser` and `Stream` hold all of a parse's state; PyO3's borrow flag (atomic) lets one
//!   call at a time change it, so a call overlapping another on the same object raises
//!   `RuntimeError` (`Already borrowed`) and changes nothing, with or without a GIL. A parser
//!   never hands its live containers to another parser.
//! - The key cache (`convert`) is one per thread: parsers of different threads share no
//!   mutable state of ours, only immutable `str` objects.
//! - `PrefixCache` (`reuse`) keeps its streams behind a lock, held for a few comparisons and
//!   never while Python code runs; a stream is taken out while a call uses it.
//! - The statics are `PyOnceLock`s (imported classes and functions, set once, read-only
//!   after) and `fastcall`'s method tables, written once while the module is initialised.
//! - The copy-on-read shortcuts (a snapshot updated in place, a string grown in place) test
//!   that nobody else holds the object: CPython's own check on a free-threaded build
//!   (`PyUnicode_Append`), or a reference count of objects only this parser can reach.
//! - A big chunk is scanned detached only while a GIL is there to let go of (`parser`).

mod builder;
mod changes;
mod convert;
mod copies;
mod errors;
#[cfg(not(feature = "abi3"))]
mod fastcall;
mod frames;
mod input;
mod parser;
mod reuse;
mod snapshot;
mod steps;
mod strings;
mod typed;
mod whole;
mod wire;

use pyo3::prelude::*;

/// The Rust engine of deltajson; use it through the `deltajson` package.
#[pymodule(gil_used = false)]
fn _deltajson(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<parser::Parser>()?;
    // Per-chunk calls without PyO3's general argument parser (not in the stable ABI).
    #[cfg(not(feature = "abi3"))]
    fastcall::install(&m.py().get_type::<parser::Parser>())?;
    m.add_class::<reuse::PrefixCache>()?;
    m.add_class::<reuse::Stream>()?;
    m.add_function(wrap_pyfunction!(wire::patch_event, m)?)?;
    m.add_function(wrap_pyfunction!(wire::value_event, m)?)?;
    m.add_function(wrap_pyfunction!(wire::event, m)?)?;
    m.add_function(wrap_pyfunction!(wire::json_text, m)?)?;
    m.add_class::<copies::ListCopies>()?;
    m.add_class::<copies::ModelCopies>()?;
    m.add_class::<typed::Lane>()?;
    m.add_class::<steps::Steps>()?;
    m.add_function(wrap_pyfunction!(typed::copy_spine, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
