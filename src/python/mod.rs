//! PyO3 bindings: the `deltajson._deltajson` extension module.
//!
//! `parser` holds the `Parser` class, `builder` turns scanner events into Python objects,
//! `snapshot` copies them for `snapshot()`, `convert` makes the leaf objects, `input` reads
//! chunks and `errors` raises exceptions; `reuse` is the prefix cache of the compat shims;
//! `copies` keeps the list copies of the typed layer's `copy=True` partials, and `typed`
//! applies its common ops.

mod builder;
mod changes;
mod convert;
mod copies;
mod errors;
#[cfg(not(feature = "abi3"))]
mod fastcall;
mod input;
mod parser;
mod reuse;
mod snapshot;
mod strings;
mod typed;
mod whole;
mod wire;

use pyo3::prelude::*;

/// The Rust engine of deltajson; use it through the `deltajson` package.
#[pymodule(gil_used = true)]
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
    m.add_class::<typed::Steps>()?;
    m.add_function(wrap_pyfunction!(typed::copy_spine, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
