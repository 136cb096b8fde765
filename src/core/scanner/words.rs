//! Repair mode's unquoted words: keys, values, Python literals and numbers as models write
//! them, each a value only once its end is known.

use super::{CommentKind, Fail, RepairKind, Scanner, State, Step};
use crate::core::error::{ErrorKind, Expected};
use crate::core::repair::{
    classify_word, continues_number_word, ends_atom_word, ends_word_key, ends_word_value,
    may_be_literal, refused_in_key, NumWord, Word,
};
use crate::core::sink::Sink;

impl Scanner {
    /// Starts an unquoted word. Its text is read like string content (the same checks of
    /// UTF-8, surrogates and `max_string_bytes`, a character cut by the end of a chunk held
    /// the same way), into the key buffer or `word` instead of the sink.
    ///
    /// `max_string_bytes` counts the bytes of strings of the result, as in strict mode: a
    /// value word is not counted while it may still be a literal or a number (which are no
    /// strings), nor are spaces at its end (trimmed if it ends there). Once the word can only
    /// be text, what it holds counts at once, the error at the first byte past the limit.
    pub(super) fn begin_word<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        key: bool,
        sink: &mut S,
    ) -> Step {
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
    pub(super) fn word_uncounted(&self) -> bool {
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
    pub(super) fn word_prefix<S: Sink>(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        sink: &mut S,
    ) -> Step {
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
    pub(super) fn word_is_atom(&self) -> bool {
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
    pub(super) fn count_word(&mut self, buf: &[u8]) -> Result<(), Fail> {
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
    pub(super) fn word_run<S: Sink>(
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
    pub(super) fn slash_is_text(&mut self, buf: &[u8]) -> Result<(), Fail> {
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
}
