//! Lenient mode around the value: the text skipped before it (prose, code fences) and after
//! it, and the list of repairs made.

use super::{Container, Repair, RepairKind, Scanner, State};

impl Scanner {
    // ---- lenient mode ---------------------------------------------------------------------

    /// Whether a `]` or `}` right after a `,` may close `container` (lenient mode only).
    pub(super) fn trailing_comma_allowed(&self, container: Container) -> bool {
        self.opts.lenient
            && self.stack.last() == Some(&container)
            && match container {
                Container::Array => self.state == State::Value,
                Container::Object => self.state == State::ObjectKey,
            }
    }

    pub(super) fn repair(&mut self, kind: RepairKind, offset: u64, length: u64) {
        self.repairs.push(Repair {
            kind,
            offset,
            length,
        });
    }

    /// The repairs made so far, in input order (lenient mode). The list only grows: a repair
    /// is added once it is final, so what a caller read while streaming stays true. The text
    /// ignored after the value is therefore added when the input ends (at `finish`, or at an
    /// error), when its length is known.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    /// Reports the text ignored after the value, which ran to `end` (the end of input).
    pub(super) fn report_suffix(&mut self, end: u64) {
        if let Some(offset) = self.suffix_start.take() {
            self.repair(
                RepairKind::IgnoredSuffix,
                offset,
                end.saturating_sub(offset),
            );
        }
    }

    /// Skips text before the value up to the first `{` or `[`: LLMs wrap JSON in prose and in
    /// Markdown code fences, which in practice hold no bracket before the JSON.
    pub(super) fn in_prose(&mut self, buf: &[u8], mut pos: usize) -> usize {
        loop {
            let (end, visible) = self.skip_text(buf, pos, true);
            if self.prose_start.is_none() {
                self.prose_start = visible;
            }
            self.feed_candidate(&buf[pos..end]);
            if end == buf.len() {
                return end;
            }
            if self.candidate_in_string() {
                // A bracket inside a string that may be the whole document (repair mode):
                // text, not the start of the value, if that string takes it (not after the
                // first bytes of a character or a backslash: then it is no scalar).
                self.feed_candidate(&buf[end..end + 1]);
                if self.candidate.is_some() {
                    self.prose_start = self.prose_start.or(Some(self.pos.consumed + end as u64));
                    pos = end + 1;
                    continue;
                }
            }
            self.candidate = None;
            if let Some(start) = self.prose_start.take() {
                let here = self.pos.consumed + end as u64;
                self.repair(RepairKind::SkippedPrefix, start, here - start);
            }
            self.state = State::Value;
            return end;
        }
    }

    /// Ignores everything after the value (a closing fence, prose), noting where it began.
    pub(super) fn in_suffix(&mut self, buf: &[u8], pos: usize) -> usize {
        let (end, visible) = self.skip_text(buf, pos, false);
        if self.suffix_start.is_none() {
            self.suffix_start = visible;
        }
        end
    }

    /// Skips text unchecked (lenient mode, around the value) while keeping lines and columns,
    /// up to the first `{` or `[` if `until_value`. Returns where it stopped and the offset of
    /// the first byte that is not whitespace.
    pub(super) fn skip_text(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        until_value: bool,
    ) -> (usize, Option<u64>) {
        let mut visible = None;
        while let Some(&b) = buf.get(pos) {
            match b {
                b'{' | b'[' if until_value => break,
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.pos.newline_at(self.pos.consumed + pos as u64),
                _ => {
                    visible = visible.or(Some(self.pos.consumed + pos as u64));
                    if (b & 0xC0) == 0x80 {
                        self.pos.add_continuation_bytes(1);
                    }
                }
            }
            pos += 1;
        }
        (pos, visible)
    }
}
