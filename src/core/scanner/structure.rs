//! The structural states of the scanner: where a value, a key, a colon or what follows a
//! value is expected, and the opening and closing of containers.

use super::{Container, Fail, RepairKind, Scanner, State, Step};
use crate::core::error::{ErrorKind, Expected};
use crate::core::number::{whole_number, NumState};
use crate::core::sink::{Literal, Sink};

impl Scanner {
    pub(super) fn at_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b']') if self.state == State::ArrayFirst => Ok(self.close(pos, sink)),
            Some(b']') if self.trailing_comma_allowed(Container::Array) => {
                self.repair(RepairKind::TrailingComma, self.last_comma, 1);
                Ok(self.close(pos, sink))
            }
            Some(_) => self.begin_value(buf, pos, sink),
        }
    }

    pub(super) fn begin_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let b = buf[pos];
        // Strings first, outside the `match`: the most common value, and a test the CPU
        // predicts better than the jump table the `match` becomes.
        if b == b'"' {
            return self.begin_string(buf, pos + 1, false, sink);
        }
        match b {
            b'{' => {
                self.open(buf, pos, Container::Object)?;
                sink.begin_object();
                self.state = State::ObjectFirst;
                Ok(pos + 1)
            }
            b'[' => {
                self.open(buf, pos, Container::Array)?;
                sink.begin_array();
                self.state = State::ArrayFirst;
                Ok(pos + 1)
            }
            // Repair mode reads words whole (`true` and `True`, `null` and `None`, `NaN`).
            b't' | b'f' | b'n' | b'N' | b'I' if self.opts.repair => {
                self.repair_token(buf, pos, false, sink)
            }
            b'-' | b'0'..=b'9' => {
                // Fast path: the number ends inside this chunk (nothing is held over).
                let number = whole_number(&buf[pos..])
                    .filter(|&(len, _)| !self.number_continues_as_word(buf.get(pos + len)));
                if let Some((len, is_integer)) = number {
                    let text = &buf[pos..pos + len];
                    if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
                        let digits = len - usize::from(b == b'-');
                        if digits > limit {
                            let kind = ErrorKind::IntegerTooLong { digits, limit };
                            let offset = self.pos.consumed + pos as u64;
                            return Err(self.error_at_offset(buf, offset, 0, kind));
                        }
                    }
                    sink.number(text, is_integer);
                    self.value_done();
                    return Ok(pos + len);
                }
                self.num = NumState::start(b);
                self.num_start = self.pos.consumed + pos as u64;
                self.num_buf.clear();
                self.state = State::Number;
                self.in_number(buf, pos + 1, pos, sink)
            }
            b't' | b'f' | b'n' => {
                let lit = match b {
                    b't' => Literal::True,
                    b'f' => Literal::False,
                    _ => Literal::Null,
                };
                // Fast path: the whole word is in this chunk.
                let word = lit.text().as_bytes();
                if buf.get(pos..pos + word.len()) == Some(word) {
                    sink.literal(lit);
                    self.value_done();
                    return Ok(pos + word.len());
                }
                self.begin_literal(buf, pos, lit, sink)
            }
            b'N' if self.opts.allow_nan => self.begin_literal(buf, pos, Literal::NaN, sink),
            b'I' if self.opts.allow_nan => self.begin_literal(buf, pos, Literal::Infinity, sink),
            _ if self.opts.repair => self.repair_token(buf, pos, false, sink),
            _ => {
                let expected = if self.state == State::ArrayFirst {
                    Expected::ValueOrArrayEnd
                } else {
                    Expected::Value
                };
                Err(self.unexpected(buf, pos, expected))
            }
        }
    }

    pub(super) fn at_key<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b'"') => {
                let next = self.begin_string(buf, pos + 1, true, sink)?;
                // Go straight on to the ':' and the value: one trip through the dispatch loop
                // per member instead of three (this never leads back here, so no recursion).
                if self.state == State::Colon {
                    self.at_colon(buf, next, sink)
                } else {
                    Ok(next)
                }
            }
            Some(b'}') if self.state == State::ObjectFirst => Ok(self.close(pos, sink)),
            Some(b'}') if self.trailing_comma_allowed(Container::Object) => {
                self.repair(RepairKind::TrailingComma, self.last_comma, 1);
                Ok(self.close(pos, sink))
            }
            Some(_) if self.opts.repair => self.repair_token(buf, pos, true, sink),
            Some(_) => {
                let expected = if self.state == State::ObjectFirst {
                    Expected::KeyOrObjectEnd
                } else {
                    Expected::Key
                };
                Err(self.unexpected(buf, pos, expected))
            }
        }
    }

    pub(super) fn at_colon<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        match buf.get(pos) {
            None => Ok(pos),
            Some(b':') => {
                self.state = State::Value;
                self.at_value(buf, pos + 1, sink)
            }
            Some(b'/' | b'#') if self.opts.repair => self.begin_comment(buf, pos),
            Some(_) => Err(self.unexpected(buf, pos, Expected::Colon)),
        }
    }

    pub(super) fn after_value<S: Sink>(&mut self, buf: &[u8], pos: usize, sink: &mut S) -> Step {
        let pos = self.skip_whitespace(buf, pos);
        let Some(&b) = buf.get(pos) else {
            return Ok(pos);
        };
        match (self.stack.last(), b) {
            (Some(Container::Object), b',') => {
                self.last_comma = self.pos.consumed + pos as u64;
                self.state = State::ObjectKey;
                self.at_key(buf, pos + 1, sink)
            }
            (Some(Container::Array), b',') => {
                self.last_comma = self.pos.consumed + pos as u64;
                self.state = State::Value;
                self.at_value(buf, pos + 1, sink)
            }
            (Some(Container::Array), b']') | (Some(Container::Object), b'}') => {
                Ok(self.close(pos, sink))
            }
            (Some(&container), _) if self.opts.repair => {
                self.repair_after_value(buf, pos, container, sink)
            }
            (Some(_), _) => Err(self.unexpected(buf, pos, self.expected_after_value())),
            (None, _) if self.opts.multiple => self.begin_value(buf, pos, sink),
            (None, _) => Err(self.unexpected(buf, pos, Expected::EndOfInput)),
        }
    }

    pub(super) fn expected_after_value(&self) -> Expected {
        match self.stack.last() {
            Some(Container::Object) => Expected::CommaOrObjectEnd,
            Some(Container::Array) => Expected::CommaOrArrayEnd,
            None => Expected::EndOfInput,
        }
    }

    pub(super) fn open(
        &mut self,
        buf: &[u8],
        pos: usize,
        container: Container,
    ) -> Result<(), Fail> {
        if self.stack.len() >= self.opts.max_depth {
            let kind = ErrorKind::TooDeep {
                max_depth: self.opts.max_depth,
            };
            return Err(self.error_at(buf, pos, kind));
        }
        self.stack.push(container);
        Ok(())
    }

    /// Closes the innermost container at `pos` (its `]` or `}`) and returns the next position.
    pub(super) fn close<S: Sink>(&mut self, pos: usize, sink: &mut S) -> usize {
        match self.stack.pop() {
            Some(Container::Object) => sink.end_object(),
            _ => sink.end_array(),
        }
        self.value_done();
        pos + 1
    }

    #[inline]
    pub(super) fn value_done(&mut self) {
        self.state = State::AfterValue;
        if self.stack.is_empty() {
            self.values_done += 1;
            if self.opts.lenient {
                // One value, or (`multiple`) the next one after prose, fences and commas.
                self.state = if self.opts.multiple {
                    State::Prose
                } else {
                    State::Stopped
                };
            }
        }
    }
}
