//! A sink that builds plain Rust values: the core's reference builder for `cargo test` and the
//! fuzz targets (the Python builder lives in `src/python`).

use crate::core::descent::ValueBuilder;
use crate::core::sink::{Literal, Sink};

/// A JSON value. Numbers keep their text; strings and keys keep their decoded bytes (WTF-8
/// when they hold a lone surrogate); objects keep every member in order, duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    /// `NaN`, `Infinity` or `-Infinity` (with `allow_nan`).
    NonFinite(Literal),
    String(Vec<u8>),
    Array(Vec<Value>),
    Object(Vec<(Vec<u8>, Value)>),
}

/// Builds complete top-level values from events.
#[derive(Clone, Debug, Default)]
pub struct TreeBuilder {
    /// Completed top-level values, in order.
    pub values: Vec<Value>,
    open: Vec<Value>,
    keys: Vec<Vec<u8>>,
    text: Option<Vec<u8>>,
}

impl TreeBuilder {
    fn attach(&mut self, value: Value) {
        match self.open.last_mut() {
            Some(Value::Array(items)) => items.push(value),
            Some(Value::Object(members)) => {
                let key = self.keys.pop().unwrap_or_default();
                members.push((key, value));
            }
            _ => self.values.push(value),
        }
    }

    fn close(&mut self) {
        if let Some(done) = self.open.pop() {
            self.attach(done);
        }
    }
}

impl Sink for TreeBuilder {
    fn begin_object(&mut self) {
        self.open.push(Value::Object(Vec::new()));
    }
    fn end_object(&mut self) {
        self.close();
    }
    fn begin_array(&mut self) {
        self.open.push(Value::Array(Vec::new()));
    }
    fn end_array(&mut self) {
        self.close();
    }
    fn key(&mut self, key: &[u8], _wtf8: bool) {
        self.keys.push(key.to_vec());
    }
    fn string(&mut self, text: &[u8], _wtf8: bool) {
        self.attach(Value::String(text.to_vec()));
    }
    fn begin_string(&mut self) {
        self.text = Some(Vec::new());
    }
    fn string_piece(&mut self, text: &[u8], _wtf8: bool) {
        if let Some(open) = self.text.as_mut() {
            open.extend_from_slice(text);
        }
    }
    fn end_string(&mut self) {
        let text = self.text.take().unwrap_or_default();
        self.attach(Value::String(text));
    }
    fn number(&mut self, text: &[u8], _is_integer: bool) {
        self.attach(Value::Number(String::from_utf8_lossy(text).into_owned()));
    }
    fn literal(&mut self, literal: Literal) {
        self.attach(literal_value(literal));
    }
}

fn literal_value(literal: Literal) -> Value {
    match literal {
        Literal::True => Value::Bool(true),
        Literal::False => Value::Bool(false),
        Literal::Null => Value::Null,
        other => Value::NonFinite(other),
    }
}

/// Builds the same values as [`TreeBuilder`] for the descent of a whole document
/// ([`Scanner::feed_whole`](crate::core::Scanner::feed_whole)), so that the two readers can be
/// compared.
#[derive(Clone, Debug, Default)]
pub struct TreeValues {
    items: Vec<Value>,
}

/// The text of a string the descent read, refused where it is not valid UTF-8 (the descent
/// checks it no more than the Python builder's decoder does); WTF-8 is taken as it is.
fn text_of(text: &[u8], wtf8: bool) -> Option<Vec<u8>> {
    (wtf8 || std::str::from_utf8(text).is_ok()).then(|| text.to_vec())
}

impl ValueBuilder for TreeValues {
    type Value = Value;
    type Key = Vec<u8>;
    type Object = Vec<(Vec<u8>, Value)>;
    fn string(&mut self, text: &[u8], wtf8: bool) -> Option<Value> {
        text_of(text, wtf8).map(Value::String)
    }
    fn number(&mut self, text: &[u8], _is_integer: bool) -> Option<Value> {
        Some(Value::Number(String::from_utf8_lossy(text).into_owned()))
    }
    fn literal(&mut self, literal: Literal) -> Option<Value> {
        Some(literal_value(literal))
    }
    fn key(&mut self, text: &[u8], wtf8: bool) -> Option<Vec<u8>> {
        text_of(text, wtf8)
    }
    fn begin_object(&mut self) -> Option<Self::Object> {
        Some(Vec::new())
    }
    fn member(&mut self, object: &mut Self::Object, key: Vec<u8>, value: Value) -> Option<()> {
        object.push((key, value));
        Some(())
    }
    fn end_object(&mut self, object: Self::Object) -> Value {
        Value::Object(object)
    }
    fn push_item(&mut self, value: Value) {
        self.items.push(value);
    }
    fn end_array(&mut self, len: usize) -> Option<Value> {
        let start = self.items.len().checked_sub(len)?;
        Some(Value::Array(self.items.split_off(start)))
    }
}
