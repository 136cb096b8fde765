//! A sink that records events to replay them later into another sink.
//!
//! The Python extension scans a large chunk into a tape with the GIL released (the scanning —
//! validation, escapes, UTF-8 checks, number grammar — needs no Python), then replays the tape
//! into the object builder with the GIL held. Other threads run Python meanwhile.
//!
//! Most text the scanner delivers is a slice of the chunk itself (every key, string and number
//! without escapes), and the chunk outlives the tape: such text is recorded as a range of the
//! chunk, not copied. Only text the scanner made (decoded escapes, a token begun in an earlier
//! chunk) is copied into the tape's own buffer. So recording costs a few words per event, and
//! a tape about a tenth of its chunk's size.

use crate::core::sink::{Literal, Sink};

/// Where a recorded text is: `start..end` of the chunk, or of the tape's own buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Text {
    start: usize,
    end: usize,
    in_chunk: bool,
    wtf8: bool,
}

/// One recorded event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recorded {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Key(Text),
    String(Text),
    BeginString,
    StringPiece(Text),
    EndString,
    Number { text: Text, is_integer: bool },
    Literal(Literal),
}

/// Events recorded in order, with their text: ranges of `chunk` where the text is a slice of
/// it, else copies in `own`.
#[derive(Clone, Debug, Default)]
pub struct Tape<'c> {
    chunk: &'c [u8],
    events: Vec<Recorded>,
    own: Vec<u8>,
}

impl<'c> Tape<'c> {
    /// An empty tape for the events of `chunk` (text inside it is recorded by reference).
    pub fn for_chunk(chunk: &'c [u8]) -> Tape<'c> {
        // About one event per six bytes of typical (indented) JSON: reserving that avoids
        // copying the events as they grow, and costs no memory that is not touched.
        Tape {
            chunk,
            events: Vec::with_capacity(chunk.len() / 6),
            own: Vec::new(),
        }
    }

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
        let text = |t: Text| {
            let from = if t.in_chunk { self.chunk } else { &self.own };
            // Ranges were taken from these very buffers; `get` keeps a mistake from panicking.
            from.get(t.start..t.end).unwrap_or_default()
        };
        for event in &self.events {
            match *event {
                Recorded::BeginObject => sink.begin_object(),
                Recorded::EndObject => sink.end_object(),
                Recorded::BeginArray => sink.begin_array(),
                Recorded::EndArray => sink.end_array(),
                Recorded::Key(t) => sink.key(text(t), t.wtf8),
                Recorded::String(t) => sink.string(text(t), t.wtf8),
                Recorded::BeginString => sink.begin_string(),
                Recorded::StringPiece(t) => sink.string_piece(text(t), t.wtf8),
                Recorded::EndString => sink.end_string(),
                Recorded::Number {
                    text: t,
                    is_integer,
                } => sink.number(text(t), is_integer),
                Recorded::Literal(literal) => sink.literal(literal),
            }
        }
    }

    /// Records where `bytes` is: a range of the chunk when it lies inside it (compared by
    /// address, no `unsafe`), else a copy in the tape's own buffer.
    #[inline]
    fn text(&mut self, bytes: &[u8], wtf8: bool) -> Text {
        let at = (bytes.as_ptr() as usize).wrapping_sub(self.chunk.as_ptr() as usize);
        if at <= self.chunk.len() && bytes.len() <= self.chunk.len() - at {
            return Text {
                start: at,
                end: at + bytes.len(),
                in_chunk: true,
                wtf8,
            };
        }
        let start = self.own.len();
        self.own.extend_from_slice(bytes);
        Text {
            start,
            end: self.own.len(),
            in_chunk: false,
            wtf8,
        }
    }
}

impl Sink for Tape<'_> {
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
        let text = self.text(key, wtf8);
        self.events.push(Recorded::Key(text));
    }
    fn string(&mut self, text: &[u8], wtf8: bool) {
        let text = self.text(text, wtf8);
        self.events.push(Recorded::String(text));
    }
    fn begin_string(&mut self) {
        self.events.push(Recorded::BeginString);
    }
    fn string_piece(&mut self, text: &[u8], wtf8: bool) {
        let text = self.text(text, wtf8);
        self.events.push(Recorded::StringPiece(text));
    }
    fn end_string(&mut self) {
        self.events.push(Recorded::EndString);
    }
    fn number(&mut self, text: &[u8], is_integer: bool) {
        let text = self.text(text, false);
        self.events.push(Recorded::Number { text, is_integer });
    }
    fn literal(&mut self, literal: Literal) {
        self.events.push(Recorded::Literal(literal));
    }
}
