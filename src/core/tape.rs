//! A sink that records events to replay them later into another sink.
//!
//! The Python extension scans a large chunk into a tape with the GIL released (the scanning —
//! validation, escapes, UTF-8 checks, number grammar — needs no Python), then replays the tape
//! into the object builder with the GIL held. Other threads run Python meanwhile. Text-bearing
//! events keep their bytes in one shared buffer, so a tape costs about the chunk's size.

use crate::core::sink::{Literal, Sink};

/// One recorded event; text events hold where their bytes end in the tape's buffer (they
/// start where the previous text event's bytes ended).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recorded {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Key { end: usize, wtf8: bool },
    String { end: usize, wtf8: bool },
    BeginString,
    StringPiece { end: usize, wtf8: bool },
    EndString,
    Number { end: usize, is_integer: bool },
    Literal(Literal),
}

/// Events recorded in order, with their text.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    events: Vec<Recorded>,
    text: Vec<u8>,
}

impl Tape {
    /// Number of events recorded.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Calls `sink` for every recorded event, in order.
    pub fn replay<S: Sink>(&self, sink: &mut S) {
        let mut start = 0;
        let mut text = |end: usize| {
            let slice = &self.text[start..end];
            start = end;
            slice
        };
        for event in &self.events {
            match *event {
                Recorded::BeginObject => sink.begin_object(),
                Recorded::EndObject => sink.end_object(),
                Recorded::BeginArray => sink.begin_array(),
                Recorded::EndArray => sink.end_array(),
                Recorded::Key { end, wtf8 } => sink.key(text(end), wtf8),
                Recorded::String { end, wtf8 } => sink.string(text(end), wtf8),
                Recorded::BeginString => sink.begin_string(),
                Recorded::StringPiece { end, wtf8 } => sink.string_piece(text(end), wtf8),
                Recorded::EndString => sink.end_string(),
                Recorded::Number { end, is_integer } => sink.number(text(end), is_integer),
                Recorded::Literal(literal) => sink.literal(literal),
            }
        }
    }

    fn push_text(&mut self, bytes: &[u8]) -> usize {
        self.text.extend_from_slice(bytes);
        self.text.len()
    }
}

impl Sink for Tape {
    fn begin_object(&mut self) {
        self.events.push(Recorded::BeginObject);
    }
    fn end_object(&mut self) {
        self.events.push(Recorded::EndObject);
    }
    fn begin_array(&mut self) {
        self.events.push(Recorded::BeginArray);
    }
    fn end_array(&mut self) {
        self.events.push(Recorded::EndArray);
    }
    fn key(&mut self, key: &[u8], wtf8: bool) {
        let end = self.push_text(key);
        self.events.push(Recorded::Key { end, wtf8 });
    }
    fn string(&mut self, text: &[u8], wtf8: bool) {
        let end = self.push_text(text);
        self.events.push(Recorded::String { end, wtf8 });
    }
    fn begin_string(&mut self) {
        self.events.push(Recorded::BeginString);
    }
    fn string_piece(&mut self, text: &[u8], wtf8: bool) {
        let end = self.push_text(text);
        self.events.push(Recorded::StringPiece { end, wtf8 });
    }
    fn end_string(&mut self) {
        self.events.push(Recorded::EndString);
    }
    fn number(&mut self, text: &[u8], is_integer: bool) {
        let end = self.push_text(text);
        self.events.push(Recorded::Number { end, is_integer });
    }
    fn literal(&mut self, literal: Literal) {
        self.events.push(Recorded::Literal(literal));
    }
}
