//! The states of repair mode (`Options::repair`): strings that may be single-quoted and hold
//! raw control characters, a held closing quote that the next significant byte confirms,
//! unquoted words (keys, values, Python literals, numbers as models write them), comments,
//! missing commas, and closing what the end of input left open.
//!
//! The strict states hand over to these only where strict JSON would fail (or, for strings,
//! where the end of a string cannot be known yet), so valid JSON makes no repair. A decision
//! that depends on what comes next is held, never shown and taken back: a held quote is not
//! the end of its string until a byte that only follows a string arrives, and a word is not a
//! value until its end. Each decision depends on the bytes only, never on where a chunk ends.

use super::{CommentKind, Container, Fail, RepairKind, Scanner, State, Step};
use crate::core::error::{ErrorKind, Expected, Found};
use crate::core::events::{Event, EventLog};
use crate::core::options::Options;
use crate::core::repair::{
    classify_word, closes_string, continues_number_word, ends_word_key, ends_word_value,
    may_be_literal, refused_in_key, starts_next_item, starts_word, Word,
};
use crate::core::sink::Sink;
use crate::core::string::{count_continuation_bytes, simple_escape, Decoded};

/// Repair mode reads one value found after prose, so a document that is a scalar (`42`,
/// `"text"`, `true`) would be skipped as prose, yet it is valid JSON, which must read as in
/// strict mode. The text before any `{`/`[` is therefore also read by a strict scanner, its
/// events kept: if the input ends there and that text is one scalar, it is the value. The
/// candidate is dropped as soon as the text cannot be one (its first invalid byte), so it
/// holds at most one scalar's events.
#[derive(Clone, Debug)]
pub(super) struct ScalarCandidate {
    scanner: Scanner,
    log: EventLog,
}

impl ScalarCandidate {
    /// A candidate for a repair-mode parser of one value; `None` otherwise.
    pub(super) fn for_options(opts: &Options) -> Option<Box<ScalarCandidate>> {
        if !opts.repair || opts.multiple {
            return None;
        }
        let strict = Options {
            lenient: false,
            repair: false,
            max_bytes: None,
            ..opts.clone()
        };
        Some(Box::new(ScalarCandidate {
            scanner: Scanner::new(strict),
            log: EventLog::default(),
        }))
    }

    pub(super) fn heap_size(&self) -> usize {
        std::mem::size_of::<ScalarCandidate>() + self.scanner.heap_size()
    }
}

impl Scanner {
    /// Feeds prose to the scalar candidate, dropping it at its first error.
    pub(super) fn feed_candidate(&mut self, bytes: &[u8]) {
        let raw_surrogates = self.raw_surrogates;
        if let Some(candidate) = self.candidate.as_mut() {
            let ScalarCandidate { scanner, log } = &mut **candidate;
            scanner.raw_surrogates = raw_surrogates;
            if scanner.feed_checked(bytes, log).is_err() {
                self.candidate = None;
            }
        }
    }

    /// Whether the scalar candidate is inside a string.
    pub(super) fn candidate_in_string(&self) -> bool {
        self.candidate
            .as_ref()
            .is_some_and(|c| c.scanner.state == State::Str)
    }

    /// At the end of input with no `{`/`[` found: if the text read is one scalar, it is the
    /// value (no repair: it is valid JSON).
    pub(super) fn finish_candidate<S: Sink>(&mut self, sink: &mut S) {
        let Some(mut candidate) = self.candidate.take() else {
            return;
        };
        let ScalarCandidate { scanner, log } = &mut *candidate;
        if self.state != State::Prose || scanner.finish(log).is_err() {
            return;
        }
        for event in &log.events {
            match event {
                Event::BeginString => sink.begin_string(),
                Event::Text(text) => sink.string_piece(text, std::str::from_utf8(text).is_err()),
                Event::EndString => sink.end_string(),
                Event::Number(text, is_integer) => sink.number(text.as_bytes(), *is_integer),
                Event::Literal(literal) => sink.literal(*literal),
                // A `{` or `[` outside a string ends the prose, so no container gets here.
                _ => {}
            }
        }
        self.prose_start = None;
        self.values_done += 1;
        self.state = State::Stopped;
    }

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

    // ---- unquoted words -------------------------------------------------------------------

    /// Starts an unquoted word. Its text is read like string content (the same checks of
    /// UTF-8, surrogates and `max_string_bytes`, a character cut by the end of a chunk held
    /// the same way), into the key buffer or `word` instead of the sink.
    fn begin_word<S: Sink>(&mut self, buf: &[u8], pos: usize, key: bool, sink: &mut S) -> Step {
        self.str_is_key = key;
        self.str_raw = 0;
        self.held.clear();
        if key {
            self.key_buf.clear();
            self.key_wtf8 = false;
        }
        self.word.clear();
        self.word_wtf8 = false;
        self.word_may_be_literal = !key;
        self.word_slash = false;
        self.word_start = self.pos.consumed + pos as u64;
        self.state = State::Word;
        self.in_word(buf, pos, sink)
    }

    /// A number followed by a byte that continues it as a word (`1_000`, `1.2.3`): read on
    /// as one unquoted value, judged when it ends.
    pub(super) fn number_becomes_word<S: Sink>(
        &mut self,
        buf: &[u8],
        seg_start: usize,
        pos: usize,
        sink: &mut S,
    ) -> Step {
        let mut word = std::mem::take(&mut self.num_buf);
        word.extend_from_slice(&buf[seg_start..pos]);
        self.str_is_key = false;
        self.str_raw = word.len();
        self.held.clear();
        self.word = word;
        self.word_wtf8 = false;
        self.word_may_be_literal = false;
        self.word_slash = false;
        self.word_start = self.num_start;
        self.state = State::Word;
        self.in_word(buf, pos, sink)
    }

    /// Whether a strict number ending before `b` is a word instead.
    #[inline]
    pub(super) fn number_continues_as_word(&self, b: Option<&u8>) -> bool {
        self.opts.repair && b.is_some_and(|&b| continues_number_word(b))
    }

    pub(super) fn in_word<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        let key = self.str_is_key;
        if self.word_slash && pos < buf.len() {
            self.word_slash = false;
            if matches!(buf[pos], b'/' | b'*') {
                // The ` /` that ended the last chunk starts a comment.
                self.end_word(buf, false, sink)?;
                self.comment_start = self.pos.consumed - 1;
                self.resume = self.state;
                self.comment = CommentKind::Slash;
                self.state = State::Comment;
                return self.in_comment(buf, pos);
            }
            self.slash_is_text(buf)?;
        }
        if self.word_may_be_literal {
            pos = self.literal_prefix(buf, pos)?;
        }
        while pos < buf.len() {
            if !self.held.is_empty() {
                pos = self.continue_held_char(buf, pos, sink)?;
                continue;
            }
            let rest = &buf[pos..];
            // Every byte that ends or refuses a word is ASCII: never inside a character.
            let stop = rest.iter().position(|&b| {
                b < b' '
                    || if key {
                        ends_word_key(b) || refused_in_key(b)
                    } else {
                        ends_word_value(b) || b == b'/'
                    }
            });
            let Some(len) = stop else {
                return self.string_run(buf, pos, rest.len(), true, sink);
            };
            pos = self.string_run(buf, pos, len, false, sink)?;
            let b = buf[pos];
            if b == b'/' {
                // `True // note`: a comment after a space ends the word; `n/a` is text.
                let after_space = self.word.last() == Some(&b' ');
                match buf.get(pos + 1) {
                    Some(b'/' | b'*') if after_space => {
                        self.end_word(buf, false, sink)?;
                        return self.begin_comment(buf, pos);
                    }
                    None if after_space => {
                        // Decided by the next chunk's first byte: held, not counted yet.
                        self.word_slash = true;
                        return Ok(pos + 1);
                    }
                    _ => {
                        pos = self.string_run(buf, pos, 1, false, sink)?;
                        continue;
                    }
                }
            }
            let ends = b == b'\t'
                || if key {
                    ends_word_key(b)
                } else {
                    ends_word_value(b)
                };
            if !ends {
                let expected = if key {
                    Expected::Colon
                } else {
                    self.expected_after_value()
                };
                return Err(self.unexpected(buf, pos, expected));
            }
            self.end_word(buf, false, sink)?;
            return Ok(pos);
        }
        Ok(pos)
    }

    /// The held ` /` at the end of the last chunk turned out to be text of the word (it is
    /// the byte just before this chunk).
    fn slash_is_text(&mut self, buf: &[u8]) -> Result<(), Fail> {
        if let Some(max_string_bytes) = self.opts.max_string_bytes {
            if self.str_raw >= max_string_bytes {
                let offset = self.pos.consumed - 1;
                let kind = ErrorKind::StringTooLong { max_string_bytes };
                return Err(self.error_at_offset(buf, offset, 0, kind));
            }
        }
        self.str_raw += 1;
        self.word.push(b'/');
        Ok(())
    }

    /// Reads the bytes of a value word while it may still be a literal (`true`, `None`,
    /// `-Infinity`: at most nine ASCII bytes), uncounted: a literal is no string, so
    /// `max_string_bytes` does not apply to it, as in strict mode. When the word can no longer
    /// be one it is text, and its bytes so far count (an error at the first one past the
    /// limit).
    fn literal_prefix(&mut self, buf: &[u8], mut pos: usize) -> Step {
        while let Some(&b) = buf.get(pos) {
            if b < b' ' || ends_word_value(b) {
                return Ok(pos);
            }
            self.word.push(b);
            if !may_be_literal(&self.word) {
                self.word.pop();
                self.word_may_be_literal = false;
                self.str_raw = self.word.len();
                if let Some(max_string_bytes) = self.opts.max_string_bytes {
                    if self.str_raw > max_string_bytes {
                        let offset = self.word_start + max_string_bytes as u64;
                        let kind = ErrorKind::StringTooLong { max_string_bytes };
                        return Err(self.error_at_offset(buf, offset, 0, kind));
                    }
                }
                return Ok(pos);
            }
            pos += 1;
        }
        Ok(pos)
    }

    /// Delivers a finished word: an unquoted key, or a value judged by [`classify_word`].
    pub(super) fn end_word<S: Sink>(
        &mut self,
        buf: &[u8],
        at_end: bool,
        sink: &mut S,
    ) -> Result<(), Fail> {
        let key = self.str_is_key;
        let mut word = std::mem::take(if key {
            &mut self.key_buf
        } else {
            &mut self.word
        });
        while word.last() == Some(&b' ') {
            word.pop();
        }
        let (offset, length) = (self.word_start, word.len() as u64);
        if key {
            self.repair(RepairKind::UnquotedKey, offset, length);
            sink.key(&word, self.key_wtf8);
            self.state = State::Colon;
        } else {
            match classify_word(&word, self.opts.allow_nan, at_end) {
                Word::Literal { literal, repaired } => {
                    if repaired {
                        let kind = if at_end && literal.text().len() != word.len() {
                            RepairKind::Truncated
                        } else {
                            RepairKind::PythonLiteral
                        };
                        self.repair(kind, offset, length);
                    }
                    sink.literal(literal);
                }
                Word::Number { text, is_integer } => {
                    if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
                        let digits = text.len() - usize::from(text.first() == Some(&b'-'));
                        if digits > limit {
                            let kind = ErrorKind::IntegerTooLong { digits, limit };
                            return Err(self.error_at_offset(buf, offset, 0, kind));
                        }
                    }
                    self.repair(RepairKind::NumberFixed, offset, length);
                    sink.number(&text, is_integer);
                }
                Word::Text => {
                    self.repair(RepairKind::UnquotedValue, offset, length);
                    sink.string(&word, self.word_wtf8);
                }
            }
            self.value_done();
        }
        word.clear();
        if key {
            self.key_buf = word;
            super::release(&mut self.key_buf);
        } else {
            self.word = word;
            super::release(&mut self.word);
        }
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
