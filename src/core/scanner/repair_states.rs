//! The states of repair mode (`Options::repair`): strings that may be single-quoted and hold
//! raw control characters, a held closing quote that the next significant byte confirms,
//! unquoted words (keys, values, Python literals, numbers as models write them: `words.rs`),
//! comments, missing commas, and closing what the end of input left open.
//!
//! The strict states hand over to these only where strict JSON would fail (or, for strings,
//! where the end of a string cannot be known yet), so valid JSON makes no repair. A decision
//! that depends on what comes next is held, never shown and taken back: a held quote is not
//! the end of its string until a byte that only follows a string arrives, and a word is not a
//! value until its end. Each decision depends on the bytes only, never on where a chunk ends.

use super::{CommentKind, Container, Fail, RepairKind, Scanner, State, Step};
use crate::core::error::{ErrorKind, Expected, Found};
use crate::core::repair::{closes_string, starts_next_item, starts_word};
use crate::core::sink::Sink;
use crate::core::string::{count_continuation_bytes, simple_escape, Decoded};

impl Scanner {
    /// A key or value position got a byte strict JSON has nothing for there: a
    /// single-quoted string, a comment, or an unquoted word; anything else stays an error.
    pub(super) fn repair_token<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        key: bool,
        sink: &mut S,
    ) -> Step {
        match buf[pos] {
            b'\'' => self.begin_single_quoted(buf, pos, key, sink),
            b'/' | b'#' => self.begin_comment(buf, pos),
            b if starts_word(b) => self.begin_word(buf, pos, key, sink),
            _ => {
                let expected = match (key, self.state) {
                    (true, State::ObjectFirst) => Expected::KeyOrObjectEnd,
                    (true, _) => Expected::Key,
                    (false, State::ArrayFirst) => Expected::ValueOrArrayEnd,
                    (false, _) => Expected::Value,
                };
                Err(self.unexpected(buf, pos, expected))
            }
        }
    }

    /// After a complete value inside a container, a byte that is not `,` or the closing
    /// bracket: a comment, or the next member or item with its comma missing.
    pub(super) fn repair_after_value<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        container: Container,
        sink: &mut S,
    ) -> Step {
        let b = buf[pos];
        if b == b'/' || b == b'#' {
            return self.begin_comment(buf, pos);
        }
        let next_item = match container {
            Container::Object => b == b'"' || b == b'\'' || starts_word(b),
            Container::Array => matches!(b, b'"' | b'\'' | b'{' | b'[') || starts_word(b),
        };
        if !next_item {
            return Err(self.unexpected(buf, pos, self.expected_after_value()));
        }
        self.repair(RepairKind::MissingComma, self.pos.consumed + pos as u64, 0);
        match container {
            Container::Object => {
                self.state = State::ObjectKey;
                self.at_key(buf, pos, sink)
            }
            Container::Array => {
                self.state = State::Value;
                self.at_value(buf, pos, sink)
            }
        }
    }

    // ---- strings --------------------------------------------------------------------------

    fn begin_single_quoted<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        key: bool,
        sink: &mut S,
    ) -> Step {
        self.repair(RepairKind::SingleQuotes, self.pos.consumed + pos as u64, 1);
        self.open_string(key, b'\'', sink);
        self.in_repair_string(buf, pos + 1, sink)
    }

    /// A string in repair mode: like the strict loop, but a raw control character is kept
    /// (as `json.loads(..., strict=False)` keeps it), an escape JSON lacks is repaired, and
    /// the closing quote is only held (see [`Scanner::at_string_end`]).
    pub(super) fn in_repair_string<S: Sink>(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        sink: &mut S,
    ) -> Step {
        let quote = self.quote;
        while pos < buf.len() {
            if !self.held.is_empty() {
                pos = self.continue_held_char(buf, pos, sink)?;
                continue;
            }
            if !self.escapes.is_idle() {
                pos = self.repair_escape_byte(buf, pos, sink)?;
                continue;
            }
            let rest = &buf[pos..];
            let Some(len) = rest
                .iter()
                .position(|&b| b == quote || b == b'\\' || b < b' ')
            else {
                return self.string_run(buf, pos, rest.len(), true, sink);
            };
            pos = self.string_run(buf, pos, len, false, sink)?;
            let b = buf[pos];
            if b == quote {
                self.hold_quote(pos);
                return self.at_string_end(buf, pos + 1, sink);
            }
            self.count_string_byte(buf, pos)?;
            if b == b'\\' {
                self.escapes.begin();
            } else {
                let offset = self.pos.consumed + pos as u64;
                if b == b'\n' {
                    self.pos.newline_at(offset);
                }
                self.repair(RepairKind::ControlInString, offset, 1);
                self.emit_text(&[b], false, sink);
            }
            pos += 1;
        }
        Ok(pos)
    }

    /// An escape byte in repair mode: `\'` is a quote, and a backslash before a byte that is
    /// no escape is kept as text (`C:\path`); a bad `\u` escape stays an error.
    fn repair_escape_byte<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let b = buf[pos];
        if !self.escapes.after_backslash() || b == b'u' || simple_escape(b).is_some() {
            return self.escape_byte(buf, pos, sink);
        }
        let backslash = (self.pos.consumed + pos as u64).saturating_sub(1);
        let consumed = b == b'\'';
        if consumed {
            self.count_string_byte(buf, pos)?;
        }
        self.repair(RepairKind::InvalidEscape, backslash, 2);
        let mut out = Decoded::default();
        self.escapes.repair_unknown(b, &mut out);
        if out.wtf8 && !self.opts.lone_surrogates {
            return Err(self.error_at(buf, pos, ErrorKind::LoneSurrogate));
        }
        self.emit_text(out.as_bytes(), out.wtf8, sink);
        Ok(if consumed { pos + 1 } else { pos })
    }

    fn hold_quote(&mut self, pos: usize) {
        self.quote_at = self.pos.consumed + pos as u64;
        self.held_ws.clear();
        self.state = State::StrEnd;
    }

    /// After a quote that may end its string: whitespace is held with it until a byte
    /// decides. A byte that only follows a string ends it (and so does, after whitespace, one
    /// that starts the next item); a quote right after it, or anything else, makes the held
    /// quote and whitespace text (`"he said "hi""`).
    pub(super) fn at_string_end<S: Sink>(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        sink: &mut S,
    ) -> Step {
        while let Some(&b) = buf.get(pos) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    if b == b'\n' {
                        self.pos.newline_at(self.pos.consumed + pos as u64);
                    }
                    self.held_ws.push(b);
                    pos += 1;
                }
                _ if closes_string(b) || (!self.held_ws.is_empty() && starts_next_item(b)) => {
                    self.close_held_string(sink);
                    return Ok(pos);
                }
                _ => {
                    self.held_quote_is_text(buf, sink)?;
                    if b == self.quote {
                        self.hold_quote(pos);
                        pos += 1;
                        continue;
                    }
                    self.state = State::RStr;
                    return Ok(pos);
                }
            }
        }
        Ok(pos)
    }

    pub(super) fn close_held_string<S: Sink>(&mut self, sink: &mut S) {
        self.held_ws.clear();
        self.end_string(sink);
    }

    /// The held quote and the whitespace after it turn out to be text of the string.
    fn held_quote_is_text<S: Sink>(&mut self, buf: &[u8], sink: &mut S) -> Result<(), Fail> {
        let mut text = Vec::with_capacity(1 + self.held_ws.len());
        text.push(self.quote);
        text.extend_from_slice(&self.held_ws);
        self.held_ws.clear();
        if let Some(max_string_bytes) = self.opts.max_string_bytes {
            let room = max_string_bytes.saturating_sub(self.str_raw);
            if text.len() > room {
                self.emit_text(&text[..room], false, sink);
                let offset = self.quote_at + room as u64;
                let kind = ErrorKind::StringTooLong { max_string_bytes };
                return Err(self.error_at_offset(buf, offset, 0, kind));
            }
        }
        self.str_raw += text.len();
        self.repair(RepairKind::InnerQuote, self.quote_at, 1);
        self.emit_text(&text, false, sink);
        Ok(())
    }

    // ---- comments -------------------------------------------------------------------------

    pub(super) fn begin_comment(&mut self, buf: &[u8], pos: usize) -> Step {
        self.comment_start = self.pos.consumed + pos as u64;
        self.resume = self.state;
        self.comment = if buf[pos] == b'#' {
            CommentKind::Line
        } else {
            CommentKind::Slash
        };
        self.state = State::Comment;
        self.in_comment(buf, pos + 1)
    }

    /// Skips a `//`, `#` or `/* */` comment, keeping lines and columns; a line comment ends
    /// before its newline, which is then whitespace.
    pub(super) fn in_comment(&mut self, buf: &[u8], mut pos: usize) -> Step {
        while let Some(&b) = buf.get(pos) {
            match self.comment {
                CommentKind::Slash => match b {
                    b'/' => self.comment = CommentKind::Line,
                    b'*' => self.comment = CommentKind::Block,
                    _ => return Err(self.lone_slash(buf)),
                },
                CommentKind::Line => {
                    let rest = &buf[pos..];
                    let len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
                    self.pos
                        .add_continuation_bytes(count_continuation_bytes(&rest[..len]));
                    pos += len;
                    if pos < buf.len() {
                        self.end_comment(pos);
                        return Ok(pos);
                    }
                    return Ok(pos);
                }
                CommentKind::Block | CommentKind::BlockStar => {
                    if b == b'/' && self.comment == CommentKind::BlockStar {
                        self.end_comment(pos + 1);
                        return Ok(pos + 1);
                    }
                    self.comment = if b == b'*' {
                        CommentKind::BlockStar
                    } else {
                        CommentKind::Block
                    };
                    if b == b'\n' {
                        self.pos.newline_at(self.pos.consumed + pos as u64);
                    } else if (b & 0xC0) == 0x80 {
                        self.pos.add_continuation_bytes(1);
                    }
                }
            }
            pos += 1;
        }
        Ok(pos)
    }

    /// Ends the comment just before `end` (an index in this chunk, or the end of input).
    fn end_comment(&mut self, end: usize) {
        let end = self.pos.consumed + end as u64;
        self.repair(
            RepairKind::Comment,
            self.comment_start,
            end - self.comment_start,
        );
        self.state = self.resume;
    }

    /// A `/` that starts no comment: an error at the `/`, expecting what its place expects.
    #[cold]
    fn lone_slash(&self, buf: &[u8]) -> Fail {
        let expected = match self.resume {
            State::ArrayFirst => Expected::ValueOrArrayEnd,
            State::ObjectFirst => Expected::KeyOrObjectEnd,
            State::ObjectKey => Expected::Key,
            State::Colon => Expected::Colon,
            State::AfterValue => self.expected_after_value(),
            _ => Expected::Value,
        };
        let kind = ErrorKind::Unexpected {
            expected,
            found: Found::Byte(b'/'),
        };
        self.error_at_offset(buf, self.comment_start, 0, kind)
    }

    // ---- the end of input -----------------------------------------------------------------

    /// Repair mode at the end of input: closes what is open, as the input left it. A held
    /// quote ends its string and a word is judged (a cut literal completed); a cut string
    /// ends where the input does, a key without a value is dropped, and every open container
    /// is closed. Nothing to close (the value is complete) makes no repair; nothing begun is
    /// still an error.
    pub(super) fn finish_repair<S: Sink>(&mut self, sink: &mut S) -> Result<(), Fail> {
        let mut cut = false;
        if self.state == State::Comment {
            if self.comment == CommentKind::Slash {
                return Err(self.lone_slash(&[]));
            }
            let end = self.pos.consumed;
            self.repair(
                RepairKind::Comment,
                self.comment_start,
                end - self.comment_start,
            );
            self.state = self.resume;
        }
        match self.state {
            State::Prose | State::Stopped | State::Failed => return Ok(()),
            State::StrEnd => self.close_held_string(sink),
            State::RStr | State::Str => {
                cut = true;
                self.held.clear();
                self.escapes = Default::default();
                if self.str_is_key {
                    super::release(&mut self.key_buf);
                    self.state = State::ObjectKey;
                } else {
                    sink.end_string();
                    self.value_done();
                }
            }
            State::Word => {
                // A character cut by the end of input is dropped, as in a string; a held ` /`
                // starts no comment.
                self.held.clear();
                if std::mem::take(&mut self.word_slash) {
                    self.slash_is_text(&[])?;
                }
                if self.str_is_key {
                    cut = true;
                    super::release(&mut self.key_buf);
                    self.state = State::ObjectKey;
                } else {
                    self.end_word(&[], true, sink)?;
                }
            }
            State::Number if self.num.is_complete() => self.complete_number(&[], 0, 0, sink)?,
            State::Number => {
                cut = true;
                self.number_becomes_word(&[], 0, 0, sink)?;
                self.end_word(&[], true, sink)?;
            }
            State::Literal => {
                cut = true;
                sink.literal(self.lit);
                self.value_done();
            }
            _ => {}
        }
        while let Some(container) = self.stack.pop() {
            cut = true;
            match container {
                Container::Object => sink.end_object(),
                Container::Array => sink.end_array(),
            }
        }
        if self.state != State::Stopped {
            self.values_done += 1;
            self.state = State::Stopped;
        }
        if cut {
            self.repair(RepairKind::Truncated, self.pos.consumed, 0);
        }
        Ok(())
    }
}
