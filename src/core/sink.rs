//! The events the scanner emits, as a trait its consumers implement.
//!
//! The scanner is generic over the sink, so every call below is inlined into the scanning loop:
//! no event objects are allocated. Strings arrive as byte slices that are valid UTF-8, except
//! that a lone surrogate written as a `\uD800`-style escape is encoded the WTF-8 way (three bytes
//! `ED A0 80`), since `json.loads` keeps such surrogates; the `wtf8` flag says so.

/// A literal value of JSON (or one of the `allow_nan` extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literal {
    True,
    False,
    Null,
    NaN,
    Infinity,
    NegInfinity,
}

impl Literal {
    /// The literal exactly as it is spelled in the input.
    pub fn text(self) -> &'static str {
        match self {
            Literal::True => "true",
            Literal::False => "false",
            Literal::Null => "null",
            Literal::NaN => "NaN",
            Literal::Infinity => "Infinity",
            Literal::NegInfinity => "-Infinity",
        }
    }
}

/// Receives the events of one stream, in document order.
///
/// A value string arrives either whole (`string`, when it started and ended inside one chunk)
/// or as `begin_string`, any number of `string_piece`s and `end_string`.
/// Pieces always end on a character boundary: a half escape, half a surrogate pair or half a
/// UTF-8 sequence is held back by the scanner until it is complete.
pub trait Sink {
    /// `{` opened an object.
    fn begin_object(&mut self);
    /// `}` closed the innermost object.
    fn end_object(&mut self);
    /// `[` opened an array.
    fn begin_array(&mut self);
    /// `]` closed the innermost array.
    fn end_array(&mut self);
    /// A complete object key; its value follows.
    fn key(&mut self, key: &[u8], wtf8: bool);
    /// A complete string value, seen in one piece (decoded; WTF-8 if `wtf8`).
    fn string(&mut self, text: &[u8], wtf8: bool);
    /// A string value has begun.
    fn begin_string(&mut self);
    /// More decoded text of the open string value.
    fn string_piece(&mut self, text: &[u8], wtf8: bool);
    /// The open string value is closed.
    fn end_string(&mut self);
    /// A complete number, as its JSON text (already checked against the grammar).
    fn number(&mut self, text: &[u8], is_integer: bool);
    /// A complete literal.
    fn literal(&mut self, literal: Literal);
}
