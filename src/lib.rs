//! deltajson: a truly incremental partial-JSON parser.
//!
//! [`core`] is pure Rust (scanner, lexing, errors, limits) and is what `cargo test` and the
//! fuzz targets exercise. The `python` feature adds the PyO3 extension module
//! `deltajson._deltajson` built by maturin.

pub mod core;

#[cfg(feature = "python")]
mod python;
