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

use super::{CommentKind, Container, Fail, RawSurrogates, RepairKind, Scanner, State, Step};
use crate::core::error::{Error, ErrorKind, Expected, Found};
use crate::core::events::{Event, EventLog};
use crate::core::options::Options;
use crate::core::repair::{
    classify_word, closes_string, continues_number_word, ends_atom_word, ends_word_key,
    ends_word_value, may_be_literal, refused_in_key, starts_next_item, starts_word, NumWord, Word,
};
use crate::core::sink::{Literal, Sink};
use crate::core::string::{count_continuation_bytes, simple_escape, Decoded};

/// Repair mode reads one value found after prose, so a document that is a scalar (`42`,
/// `"text"`, `true`) would be skipped as prose, yet it is valid JSON, which must read as in
/// strict mode. The text before any `{`/`[` is therefore also read by a strict scanner, its
/// events kept: if the input ends there and that text is one scalar, it is the value. The
/// candidate is dropped as soon as the text cannot be one (its first invalid byte), so it
/// holds at most one scalar's events.
///
/// Strict mode's limits hold too: a string over `max_string_bytes` (or an integer over
/// `max_int_digits`) fails with strict mode's error, but only once the input has ended and
/// the text is known to be the document rather than prose before one. So when a limit is
/// set, a second strict scanner without limits (`shape`, events dropped) reads the same
/// bytes, to tell whether the text is still one scalar after the limited one failed.
#[derive(Clone, Debug)]
pub(super) struct ScalarCandidate {
    scanner: Scanner,
    log: EventLog,
    shape: Option<Scanner>,
    /// The limited scanner's error, if it failed on a limit.
    over_limit: Option<Error>,
}

/// A sink that drops every event (the candidate's `shape` scanner only checks the grammar).
struct Ignore;

impl Sink for Ignore {
    fn begin_object(&mut self) {}
    fn end_object(&mut self) {}
    fn begin_array(&mut self) {}
    fn end_array(&mut self) {}
    fn key(&mut self, _: &[u8], _: bool) {}
    fn string(&mut self, _: &[u8], _: bool) {}
    fn begin_string(&mut self) {}
    fn string_piece(&mut self, _: &[u8], _: bool) {}
    fn end_string(&mut self) {}
    fn number(&mut self, _: &[u8], _: bool) {}
    fn literal(&mut self, _: Literal) {}
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
        let limited = strict.max_string_bytes.is_some() || strict.max_int_digits.is_some();
        let shape = limited.then(|| {
            Scanner::new(Options {
                max_string_bytes: None,
                max_int_digits: None,
                ..strict.clone()
            })
        });
        Some(Box::new(ScalarCandidate {
            scanner: Scanner::new(strict),
            log: EventLog::default(),
            shape,
            over_limit: None,
        }))
    }

    pub(super) fn heap_size(&self) -> usize {
        std::mem::size_of::<ScalarCandidate>()
            + self.scanner.heap_size()
            + self.shape.as_ref().map_or(0, Scanner::heap_size)
    }

    /// Reads `bytes`; false once the text cannot be one scalar.
    fn feed(&mut self, bytes: &[u8], raw_surrogates: RawSurrogates) -> bool {
        if self.over_limit.is_none() {
            self.scanner.raw_surrogates = raw_surrogates;
            if let Err(e) = self.scanner.feed_checked(bytes, &mut self.log) {
                if self.shape.is_none() || !e.kind.is_limit() {
                    return false;
                }
                self.over_limit = Some(e);
            }
        }
        match &mut self.shape {
            Some(shape) => {
                shape.raw_surrogates = raw_surrogates;
                shape.feed_checked(bytes, &mut Ignore).is_ok()
            }
            None => true,
        }
    }

    /// Whether the text read is inside a string.
    fn in_string(&self) -> bool {
        self.shape.as_ref().unwrap_or(&self.scanner).state == State::Str
    }
}

/// Delivers the candidate's events (its scalar, or what strict mode delivered before a
/// limit error).
fn replay<S: Sink>(log: &EventLog, sink: &mut S) {
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
}

impl Scanner {
    /// Feeds prose to the scalar candidate, dropping it at its first error.
    pub(super) fn feed_candidate(&mut self, bytes: &[u8]) {
        let raw_surrogates = self.raw_surrogates;
        if let Some(candidate) = self.candidate.as_mut() {
            if !candidate.feed(bytes, raw_surrogates) {
                self.candidate = None;
            }
        }
    }

    /// Whether the scalar candidate is inside a string.
    pub(super) fn candidate_in_string(&self) -> bool {
        self.candidate.as_ref().is_some_and(|c| c.in_string())
    }

    /// At the end of input with no `{`/`[` found: if the text read is one scalar, it is the
    /// value (no repair: it is valid JSON), or strict mode's error if it passes a limit (the
    /// events before the error delivered first, as strict mode delivers them).
    pub(super) fn finish_candidate<S: Sink>(&mut self, sink: &mut S) -> Result<(), Fail> {
        let Some(mut candidate) = self.candidate.take() else {
            return Ok(());
        };
        if self.state != State::Prose {
            return Ok(());
        }
        let ScalarCandidate {
            scanner,
            log,
            shape,
            over_limit,
        } = &mut *candidate;
        if over_limit.is_none() {
            match scanner.finish(log) {
                Ok(()) => {}
                Err(e) if shape.is_some() && e.kind.is_limit() => *over_limit = Some(e),
                Err(_) => return Ok(()),
            }
        }
        if let Some(shape) = shape {
            if shape.finish(&mut Ignore).is_err() {
                return Ok(());
            }
        }
        replay(log, sink);
        if let Some(e) = over_limit.take() {
            return Err(Box::new(e));
        }
        self.prose_start = None;
        self.values_done += 1;
        self.state = State::Stopped;
        Ok(())
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
    ///
    /// `max_string_bytes` counts the bytes of strings of the result, as in strict mode: a
    /// value word is not counted while it may still be a literal or a number (which are no
    /// strings), nor are spaces at its end (trimmed if it ends there). Once the word can only
    /// be text, what it holds counts at once, the error at the first byte past the limit.
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
        self.word_num = if key { NumWord::Dead } else { NumWord::Start };
        self.word_spaces = 0;
        self.word_slash = false;
        self.word_start = self.pos.consumed + pos as u64;
        self.state = State::Word;
        self.in_word(buf, pos, sink)
    }

    /// A number followed by a byte that continues it as a word (`1_000`, `1.2.3`, `20°C`):
    /// read on as one unquoted value, judged when it ends.
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
        self.str_raw = 0;
        self.held.clear();
        self.word_may_be_literal = may_be_literal(&word, self.opts.allow_nan);
        self.word_num = NumWord::of(&word);
        self.word = word;
        self.word_wtf8 = false;
        self.word_spaces = 0;
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

    /// Whether the value word may still be a literal or a number: its bytes are not counted
    /// yet.
    #[inline]
    fn word_uncounted(&self) -> bool {
        self.word_may_be_literal || self.word_num != NumWord::Dead
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
        while pos < buf.len() {
            if !self.held.is_empty() {
                pos = self.continue_held_char(buf, pos, sink)?;
                continue;
            }
            if self.word_uncounted() {
                pos = self.word_prefix(buf, pos, sink)?;
                if pos == buf.len() || self.state != State::Word {
                    return Ok(pos);
                }
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
                return self.word_run(buf, pos, rest.len(), true, sink);
            };
            pos = self.word_run(buf, pos, len, false, sink)?;
            let b = buf[pos];
            if b == b'/' {
                // `True // note`: a comment after a space ends the word; `n/a` is text.
                let after_space = self.word_spaces > 0;
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
                        pos = self.word_run(buf, pos, 1, false, sink)?;
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

    /// Reads a value word while it may still be a literal (`true`, `None`; `NaN` with
    /// `allow_nan`) or a number (`.5`, `1_000`), uncounted: ASCII bytes only, so no character
    /// is ever cut here. Returns at the first byte it leaves to [`Scanner::in_word`]: one
    /// that ends the word or is a `/` (the word still uncounted), or the first byte of text
    /// (the word counted).
    ///
    /// After spaces, a byte that starts the next item ([`ends_atom_word`]) ends a complete
    /// literal or number, as whitespace ends a number in JSON: `[true 2]` is `[true, 2]`,
    /// `[.5 [1]]` is `[0.5, [1]]`, `{"a": true # note}` has a comment. A letter makes the
    /// word text (`True Love`), and so does anything after a word that is neither (`tru 2`).
    /// The word is not shown before it ends, so nothing is taken back.
    fn word_prefix<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        while let Some(&b) = buf.get(pos) {
            if b == b' ' {
                if self.word_spaces == 0 {
                    self.word_spaces_at = self.pos.consumed + pos as u64;
                }
                self.word_spaces += 1;
                self.word.push(b' ');
                pos += 1;
                continue;
            }
            if b < b' ' || ends_word_value(b) || b == b'/' {
                return Ok(pos);
            }
            if self.word_spaces > 0 {
                if ends_atom_word(b) && self.word_is_atom() {
                    self.end_word(buf, false, sink)?;
                } else {
                    self.count_word(buf)?;
                }
                return Ok(pos);
            }
            self.word.push(b);
            let literal =
                self.word_may_be_literal && may_be_literal(&self.word, self.opts.allow_nan);
            let number = self.word_num.step(b);
            if !literal && number == NumWord::Dead {
                self.word.pop();
                self.count_word(buf)?;
                return Ok(pos);
            }
            self.word_may_be_literal = literal;
            self.word_num = number;
            pos += 1;
        }
        Ok(pos)
    }

    /// Whether the value word, without the spaces after it, is a literal or a number.
    fn word_is_atom(&self) -> bool {
        let word = &self.word[..self.word.len() - self.word_spaces];
        self.word_num.is_number()
            || (self.word_may_be_literal
                && matches!(
                    classify_word(word, self.opts.allow_nan, false),
                    Word::Literal { .. }
                ))
    }

    /// The word is text from here on (something follows what it holds): its bytes so far
    /// count against `max_string_bytes`, then the spaces after them.
    fn count_word(&mut self, buf: &[u8]) -> Result<(), Fail> {
        let max_string_bytes = self.opts.max_string_bytes.unwrap_or(usize::MAX);
        let kind = ErrorKind::StringTooLong { max_string_bytes };
        if self.word_uncounted() {
            self.word_may_be_literal = false;
            self.word_num = NumWord::Dead;
            self.str_raw = self.word.len() - self.word_spaces;
            if self.str_raw > max_string_bytes {
                let offset = self.word_start + max_string_bytes as u64;
                return Err(self.error_at_offset(buf, offset, 0, kind));
            }
        }
        let room = max_string_bytes.saturating_sub(self.str_raw);
        if self.word_spaces > room {
            let offset = self.word_spaces_at + room as u64;
            return Err(self.error_at_offset(buf, offset, 0, kind));
        }
        self.str_raw += std::mem::take(&mut self.word_spaces);
        Ok(())
    }

    /// Text of a word at `buf[pos..pos + len]` (no byte that ends it): the spaces held before
    /// it count first, and spaces at its end are held, uncounted, until more text follows.
    fn word_run<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        len: usize,
        at_chunk_end: bool,
        sink: &mut S,
    ) -> Step {
        let run = &buf[pos..pos + len];
        let text = run.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        if text > 0 {
            self.count_word(buf)?;
            // A character cut by the end of the chunk is held only if nothing follows it.
            self.string_run(buf, pos, text, at_chunk_end && text == len, sink)?;
        }
        if text < len {
            if self.word_spaces == 0 {
                self.word_spaces_at = self.pos.consumed + (pos + text) as u64;
            }
            self.word_spaces += len - text;
            self.emit_text(&run[text..], false, sink);
        }
        Ok(pos + len)
    }

    /// The held ` /` at the end of the last chunk turned out to be text of the word (it is
    /// the byte just before this chunk).
    fn slash_is_text(&mut self, buf: &[u8]) -> Result<(), Fail> {
        self.count_word(buf)?;
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
        self.word_spaces = 0;
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
                    if let (true, Some(max_string_bytes)) =
                        (self.word_uncounted(), self.opts.max_string_bytes)
                    {
                        // A prefix of a literal or a number that stopped there (`tru`, `-`):
                        // text, not counted until now.
                        if word.len() > max_string_bytes {
                            let offset = offset + max_string_bytes as u64;
                            let kind = ErrorKind::StringTooLong { max_string_bytes };
                            return Err(self.error_at_offset(buf, offset, 0, kind));
                        }
                    }
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
