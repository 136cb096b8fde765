//! A sink that records events in a normal form, so that two runs can be compared.
//!
//! How a string value is split into pieces depends on the chunking; everything else must not.
//! The log therefore records every string value as `BeginString`, one merged `Text` (absent
//! when the string is empty) and `EndString`, whichever way the scanner delivered it.

use crate::core::sink::{Literal, Sink};

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    /// A key: its decoded bytes (WTF-8 when it holds a lone surrogate).
    Key(Vec<u8>),
    BeginString,
    /// Decoded text of the open string value, pieces merged.
    Text(Vec<u8>),
    EndString,
    /// A number's text and whether it is an integer.
    Number(String, bool),
    Literal(Literal),
}

/// Records events in normal form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventLog {
    /// The events so far.
    pub events: Vec<Event>,
}

impl EventLog {
    fn text(&mut self, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        if let Some(Event::Text(open)) = self.events.last_mut() {
            open.extend_from_slice(text);
        } else {
            self.events.push(Event::Text(text.to_vec()));
        }
    }
}

impl Sink for EventLog {
    fn begin_object(&mut self) {
        self.events.push(Event::BeginObject);
    }
    fn end_object(&mut self) {
        self.events.push(Event::EndObject);
    }
    fn begin_array(&mut self) {
        self.events.push(Event::BeginArray);
    }
    fn end_array(&mut self) {
        self.events.push(Event::EndArray);
    }
    fn key(&mut self, key: &[u8], _wtf8: bool) {
        self.events.push(Event::Key(key.to_vec()));
    }
    fn string(&mut self, text: &[u8], _wtf8: bool) {
        self.events.push(Event::BeginString);
        self.text(text);
        self.events.push(Event::EndString);
    }
    fn begin_string(&mut self) {
        self.events.push(Event::BeginString);
    }
    fn string_piece(&mut self, text: &[u8], _wtf8: bool) {
        self.text(text);
    }
    fn end_string(&mut self) {
        self.events.push(Event::EndString);
    }
    fn number(&mut self, text: &[u8], is_integer: bool) {
        let text = String::from_utf8_lossy(text).into_owned();
        self.events.push(Event::Number(text, is_integer));
    }
    fn literal(&mut self, literal: Literal) {
        self.events.push(Event::Literal(literal));
    }
}
