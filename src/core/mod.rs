//! The pure-Rust core of deltajson: an incremental JSON scanner that turns chunks of bytes into
//! events, with exact error positions and resource limits. Nothing here knows about Python;
//! `src/python` builds Python objects from the events.
//!
//! ```
//! use deltajson::core::{Options, Scanner, TreeBuilder, Value};
//!
//! let mut scanner = Scanner::new(Options::default());
//! let mut tree = TreeBuilder::default();
//! for chunk in [&b"{\"a\": [1, tr"[..], b"ue]}"] {
//!     scanner.feed(chunk, &mut tree).unwrap();
//! }
//! scanner.finish(&mut tree).unwrap();
//! let expected = Value::Object(vec![(
//!     b"a".to_vec(),
//!     Value::Array(vec![Value::Number("1".into()), Value::Bool(true)]),
//! )]);
//! assert_eq!(tree.values, vec![expected]);
//! ```

pub mod codepoints;
pub mod descent;
pub mod error;
pub mod events;
pub mod json_text;
pub mod number;
pub mod options;
pub mod position;
pub mod repair;
pub mod scanner;
pub mod sink;
pub mod string;
pub mod tape;
pub mod tree;

pub use descent::ValueBuilder;
pub use error::{Error, ErrorKind, Expected, Found};
pub use events::{Event, EventLog};
pub use options::Options;
pub use scanner::{Container, Repair, RepairKind, Scanner, Status};
pub use sink::{Literal, Sink};
pub use tape::Tape;
pub use tree::{TreeBuilder, TreeValues, Value};

#[cfg(test)]
mod tests;
