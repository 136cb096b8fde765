//! Tests of the core: grammar and error tables, and chunking properties.

mod chunking;
mod descent;
mod number;
mod repair;
mod string;
mod table;

use crate::core::{Error, EventLog, Options, Scanner, TreeBuilder, Value};

/// Feeds `chunks` then finishes; returns the events and the first error.
pub fn scan_chunks<'a>(
    opts: &Options,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> (EventLog, Result<(), Error>) {
    let mut scanner = Scanner::new(opts.clone());
    let mut log = EventLog::default();
    for chunk in chunks {
        if let Err(e) = scanner.feed(chunk, &mut log) {
            return (log, Err(e));
        }
    }
    let end = scanner.finish(&mut log);
    (log, end)
}

/// Parses `input` in one feed into complete values.
pub fn parse_values(opts: &Options, input: &[u8]) -> Result<Vec<Value>, Error> {
    let mut scanner = Scanner::new(opts.clone());
    let mut tree = TreeBuilder::default();
    scanner.feed(input, &mut tree)?;
    scanner.finish(&mut tree)?;
    Ok(tree.values)
}
