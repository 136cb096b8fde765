//! Strings: runs of plain bytes found with `memchr`, escapes, UTF-8 held across chunks, and
//! what is delivered of a string while it is still open.

use super::{release, Fail, Scanner, State, Step};
use crate::core::error::ErrorKind;
use crate::core::repair::close_is_certain;
use crate::core::sink::Sink;
use crate::core::string::{
    check_run, content_len, count_continuation_bytes, decode_closed, find_quote_or_backslash,
    plain_ascii_len, utf8_sequence_len, Decoded, Escapes, RunError, Utf8Progress,
};

impl Scanner {
    // ---- strings --------------------------------------------------------------------------

    /// Starts a string whose opening quote is just before `pos`.
    pub(super) fn begin_string<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        key: bool,
        sink: &mut S,
    ) -> Step {
        let rest = &buf[pos..];
        let max_string_bytes = self.opts.max_string_bytes;
        // Repair mode takes a string whole only if what follows its quote proves it ends.
        let repair = self.opts.repair;
        let fits = |len: usize| {
            max_string_bytes.is_none_or(|max| len <= max)
                && (!repair || close_is_certain(rest, len))
        };
        // Fastest path: short printable ASCII, closed in this chunk (most keys and values).
        let plain = plain_ascii_len(rest);
        if rest.get(plain) == Some(&b'"') && fits(plain) {
            self.whole_string(&rest[..plain], key, false, sink);
            return Ok(pos + plain + 1);
        }
        // Fast path: a short string with multi-byte characters, closed in this chunk, no
        // escapes (longer ones go through memchr below).
        if rest.get(plain).is_some_and(|&b| b >= 0x80) {
            let window = &rest[plain..rest.len().min(plain + 64)];
            let end = plain + content_len(window);
            if rest.get(end) == Some(&b'"') && fits(end) {
                if let Ok(text) = std::str::from_utf8(&rest[plain..end]) {
                    self.pos
                        .add_continuation_bytes(count_continuation_bytes(text.as_bytes()));
                    self.whole_string(&rest[..end], key, false, sink);
                    return Ok(pos + end + 1);
                }
            }
        }
        match find_quote_or_backslash(rest) {
            // Fast path: the whole string is in this chunk, without escapes.
            Some(end) if rest[end] == b'"' => {
                let check = check_run(&rest[..end], false, self.raw_surrogates);
                if check.error.is_none() && fits(end) {
                    self.pos.add_continuation_bytes(check.continuation_bytes);
                    self.whole_string(&rest[..end], key, check.wtf8, sink);
                    return Ok(pos + end + 1);
                }
            }
            // Fast path: with escapes, decoded in one go if it closes in this chunk, so the sink
            // gets it whole too (no open string to build up piece by piece).
            Some(_) => {
                if let Some((end, wtf8, continuation_bytes)) = self.decode_whole(rest) {
                    if fits(end) {
                        self.pos.add_continuation_bytes(continuation_bytes);
                        let text = std::mem::take(&mut self.scratch);
                        if key {
                            sink.key(&text, wtf8);
                            self.state = State::Colon;
                        } else {
                            sink.string(&text, wtf8);
                            self.value_done();
                        }
                        self.scratch = text;
                        release(&mut self.scratch);
                        return Ok(pos + end + 1);
                    }
                }
            }
            None => {}
        }
        // Slow path: the general loop reports any error at its exact byte.
        self.open_string(key, b'"', sink);
        if self.opts.repair {
            self.in_repair_string(buf, pos, sink)
        } else {
            self.in_string(buf, pos, sink)
        }
    }

    /// Starts the general loop of a string (in repair mode, quoted with `quote`).
    pub(super) fn open_string<S: Sink>(&mut self, key: bool, quote: u8, sink: &mut S) {
        self.str_is_key = key;
        self.str_raw = 0;
        self.state = if self.opts.repair {
            State::RStr
        } else {
            State::Str
        };
        self.quote = quote;
        self.escapes = Escapes::default();
        self.held.clear();
        if key {
            self.key_buf.clear();
            self.key_wtf8 = false;
        } else {
            sink.begin_string();
        }
    }

    /// Delivers a string found whole in one chunk, without escapes, as a key or a value.
    #[inline(always)]
    pub(super) fn whole_string<S: Sink>(
        &mut self,
        text: &[u8],
        key: bool,
        wtf8: bool,
        sink: &mut S,
    ) {
        if key {
            sink.key(text, wtf8);
            self.state = State::Colon;
        } else {
            sink.string(text, wtf8);
            self.value_done();
        }
    }

    /// Decodes into `scratch` a string that closes in `rest`, with the chunk's surrogate rule
    /// (see [`decode_closed`]); nothing is emitted either way.
    pub(super) fn decode_whole(&mut self, rest: &[u8]) -> Option<(usize, bool, usize)> {
        decode_closed(
            rest,
            &mut self.scratch,
            self.raw_surrogates,
            self.opts.lone_surrogates,
            true,
        )
    }

    pub(super) fn in_string<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        while pos < buf.len() {
            if !self.held.is_empty() {
                pos = self.continue_held_char(buf, pos, sink)?;
                continue;
            }
            if !self.escapes.is_idle() {
                pos = self.escape_byte(buf, pos, sink)?;
                continue;
            }
            let rest = &buf[pos..];
            let Some(len) = find_quote_or_backslash(rest) else {
                return self.string_run(buf, pos, rest.len(), true, sink);
            };
            pos = self.string_run(buf, pos, len, false, sink)?;
            if buf[pos] == b'"' {
                self.end_string(sink);
                return Ok(pos + 1);
            }
            self.count_string_byte(buf, pos)?;
            self.escapes.begin();
            pos += 1;
        }
        Ok(pos)
    }

    /// Emits a run of raw string bytes (no `"` or `\`) at `buf[pos..pos + len]`.
    pub(super) fn string_run<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        len: usize,
        at_chunk_end: bool,
        sink: &mut S,
    ) -> Step {
        let run = &buf[pos..pos + len];
        let room = self
            .opts
            .max_string_bytes
            .map_or(usize::MAX, |m| m.saturating_sub(self.str_raw));
        let check = check_run(run, at_chunk_end, self.raw_surrogates);
        // The first offending byte wins: an invalid sequence counts from the byte that proves
        // it invalid (which wins a tie with the limit, as a held character's bytes are checked
        // before they are counted), a control character from itself (it loses the tie: it is
        // a content byte past the limit).
        let error_first = match check.error {
            Some(RunError::Utf8) => check.detected <= room,
            Some(RunError::Control(_) | RunError::LoneSurrogate) => check.valid < room,
            None => false,
        };
        if room < len && !error_first {
            // The run goes past the limit before any other problem: show the characters that
            // fit, then fail at the first byte beyond the limit.
            let mut fit = check.valid.min(room);
            // Back off to a character boundary (`check.valid` itself is one).
            while fit > 0 && fit < check.valid && (run[fit] & 0xC0) == 0x80 {
                fit -= 1;
            }
            self.emit_counted(&run[..fit], check.wtf8, sink);
            // Columns count characters that start before the error, so the continuation
            // bytes of a character cut by the limit must not count as characters.
            let cut = count_continuation_bytes(&run[fit..room.min(run.len())]);
            self.pos.add_continuation_bytes(cut);
            let max_string_bytes = self.opts.max_string_bytes.unwrap_or(usize::MAX);
            let kind = ErrorKind::StringTooLong { max_string_bytes };
            return Err(self.error_at(buf, pos + room, kind));
        }
        self.emit_counted(&run[..check.valid], check.wtf8, sink);
        self.str_raw += check.valid;
        match check.error {
            Some(RunError::LoneSurrogate) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::LoneSurrogate))
            }
            Some(RunError::Control(b)) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::ControlInString(b)))
            }
            Some(RunError::Utf8) => {
                Err(self.error_at(buf, pos + check.valid, ErrorKind::InvalidUtf8))
            }
            None => {
                if check.valid < len {
                    // A character cut by the end of the chunk: hold it until the rest arrives.
                    self.held.hold(&run[check.valid..]);
                    self.held_start = self.pos.consumed + (pos + check.valid) as u64;
                    self.str_raw += len - check.valid;
                }
                Ok(pos + len)
            }
        }
    }

    /// Emits valid text and counts its continuation bytes for column numbers.
    pub(super) fn emit_counted<S: Sink>(&mut self, text: &[u8], wtf8: bool, sink: &mut S) {
        if !text.is_empty() {
            if !text.is_ascii() {
                let n = count_continuation_bytes(text);
                self.pos.add_continuation_bytes(n);
            }
            self.emit_text(text, wtf8, sink);
        }
    }

    /// Adds the next byte to a held partial character.
    pub(super) fn continue_held_char<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        sink: &mut S,
    ) -> Step {
        match self.held.push(&buf[pos..pos + 1]) {
            Utf8Progress::Invalid => {
                Err(self.error_at_offset(buf, self.held_start, 0, ErrorKind::InvalidUtf8))
            }
            progress => {
                if self.count_string_byte(buf, pos).is_err() {
                    // Past the limit inside a held character: its continuation bytes before
                    // this one are not columns (the character counts once, from its first byte).
                    let max_string_bytes = self.opts.max_string_bytes.unwrap_or(usize::MAX);
                    let kind = ErrorKind::StringTooLong { max_string_bytes };
                    let offset = self.pos.consumed + pos as u64;
                    let uncounted = self.held.len().saturating_sub(2);
                    return Err(self.error_at_offset(buf, offset, uncounted, kind));
                }
                if let Utf8Progress::Complete(_) = progress {
                    let char_bytes = self.held;
                    self.held.clear();
                    let n = utf8_sequence_len(char_bytes.bytes()[0]) - 1;
                    self.pos.add_continuation_bytes(n);
                    self.emit_text(char_bytes.bytes(), false, sink);
                }
                Ok(pos + 1)
            }
        }
    }

    /// Feeds one byte to the escape in progress.
    pub(super) fn escape_byte<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let b = buf[pos];
        let consumes = self.escapes.consumes(b);
        if consumes {
            self.count_string_byte(buf, pos)?;
        }
        let mut out = Decoded::default();
        if let Err(expected) = self.escapes.step(b, &mut out) {
            return Err(self.unexpected(buf, pos, expected));
        }
        // Surrogate code points come out of escapes only alone (a pair makes one character).
        if out.wtf8 && !self.opts.lone_surrogates {
            return Err(self.error_at(buf, pos, ErrorKind::LoneSurrogate));
        }
        if !out.as_bytes().is_empty() {
            self.emit_text(out.as_bytes(), out.wtf8, sink);
        }
        Ok(if consumes { pos + 1 } else { pos })
    }

    /// Counts one raw content byte of the string against `max_string_bytes`.
    #[inline]
    pub(super) fn count_string_byte(&mut self, buf: &[u8], pos: usize) -> Result<(), Fail> {
        if let Some(max_string_bytes) = self.opts.max_string_bytes {
            if self.str_raw >= max_string_bytes {
                return Err(self.error_at(buf, pos, ErrorKind::StringTooLong { max_string_bytes }));
            }
        }
        self.str_raw += 1;
        Ok(())
    }

    #[inline]
    pub(super) fn emit_text<S: Sink>(&mut self, text: &[u8], wtf8: bool, sink: &mut S) {
        if self.str_is_key {
            self.key_buf.extend_from_slice(text);
            self.key_wtf8 |= wtf8;
        } else if self.state == State::Word {
            // An unquoted value is judged when it ends (repair mode).
            self.word.extend_from_slice(text);
            self.word_wtf8 |= wtf8;
        } else {
            sink.string_piece(text, wtf8);
        }
    }

    pub(super) fn end_string<S: Sink>(&mut self, sink: &mut S) {
        if self.str_is_key {
            sink.key(&self.key_buf, self.key_wtf8);
            release(&mut self.key_buf);
            self.state = State::Colon;
        } else {
            sink.end_string();
            self.value_done();
        }
    }
}
