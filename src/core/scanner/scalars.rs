//! Literals (`true`, `false`, `null`) and numbers, completed across chunks.

use super::{release, Fail, Scanner, State, Step};
use crate::core::error::{ErrorKind, Expected};
use crate::core::number::NumStep;
use crate::core::sink::{Literal, Sink};

impl Scanner {
    // ---- literals and numbers -------------------------------------------------------------

    pub(super) fn begin_literal<S: Sink>(
        &mut self,
        buf: &[u8],
        pos: usize,
        lit: Literal,
        sink: &mut S,
    ) -> Step {
        self.lit = lit;
        self.lit_matched = 1;
        self.state = State::Literal;
        self.in_literal(buf, pos + 1, sink)
    }

    pub(super) fn in_literal<S: Sink>(&mut self, buf: &[u8], mut pos: usize, sink: &mut S) -> Step {
        let word = self.lit.text().as_bytes();
        while self.lit_matched < word.len() {
            let Some(&b) = buf.get(pos) else {
                return Ok(pos);
            };
            if b != word[self.lit_matched] {
                return Err(self.unexpected(buf, pos, Expected::Literal(self.lit)));
            }
            self.lit_matched += 1;
            pos += 1;
        }
        sink.literal(self.lit);
        self.value_done();
        Ok(pos)
    }

    /// Continues a number; `seg_start` is where its bytes in this chunk begin.
    pub(super) fn in_number<S: Sink>(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        seg_start: usize,
        sink: &mut S,
    ) -> Step {
        loop {
            let Some(&b) = buf.get(pos) else {
                self.num_buf.extend_from_slice(&buf[seg_start..]);
                return Ok(pos);
            };
            match self.num.step(b, self.opts.allow_nan) {
                NumStep::Continue(next) => {
                    self.num = next;
                    pos += 1;
                }
                NumStep::End if self.number_continues_as_word(buf.get(pos)) => {
                    return self.number_becomes_word(buf, seg_start, pos, sink);
                }
                NumStep::End => {
                    self.complete_number(buf, seg_start, pos, sink)?;
                    return Ok(pos);
                }
                NumStep::Invalid(_) if self.opts.repair => {
                    return self.number_becomes_word(buf, seg_start, pos, sink);
                }
                NumStep::Invalid(expected) => return Err(self.unexpected(buf, pos, expected)),
                NumStep::NegInfinity => {
                    self.lit = Literal::NegInfinity;
                    self.lit_matched = 2;
                    self.state = State::Literal;
                    return self.in_literal(buf, pos + 1, sink);
                }
            }
        }
    }

    pub(super) fn complete_number<S: Sink>(
        &mut self,
        buf: &[u8],
        start: usize,
        end: usize,
        sink: &mut S,
    ) -> Result<(), Fail> {
        let from_chunk = self.num_buf.is_empty();
        if !from_chunk {
            self.num_buf.extend_from_slice(&buf[start..end]);
        }
        let text: &[u8] = if from_chunk {
            &buf[start..end]
        } else {
            &self.num_buf
        };
        let is_integer = self.num.is_integer();
        if let (true, Some(limit)) = (is_integer, self.opts.max_int_digits) {
            let digits = text.len() - usize::from(text.first() == Some(&b'-'));
            if digits > limit {
                let kind = ErrorKind::IntegerTooLong { digits, limit };
                return Err(self.error_at_offset(buf, self.num_start, 0, kind));
            }
        }
        sink.number(text, is_integer);
        release(&mut self.num_buf);
        self.value_done();
        Ok(())
    }
}
