//! Line and column bookkeeping without keeping the input.
//!
//! Raw newlines can only appear in whitespace between tokens (a string may not hold one), so
//! lines are counted while skipping whitespace. Columns count characters, like
//! `json.JSONDecodeError.colno`: the column of an offset is one plus the number of characters
//! that start before it, i.e. bytes since the line start minus the UTF-8 continuation bytes
//! among them, which are counted as string runs are validated. A character cut by the end of a
//! chunk counts from its first byte on.

use crate::core::string::{count_continuation_bytes, count_newlines};

/// Where the scanner is in the stream.
#[derive(Clone, Debug)]
pub struct Position {
    /// Bytes of all chunks before the current one.
    pub consumed: u64,
    line: u64,
    line_start: u64,
    continuation_bytes: u64,
}

impl Default for Position {
    fn default() -> Self {
        Position {
            consumed: 0,
            line: 1,
            line_start: 0,
            continuation_bytes: 0,
        }
    }
}

impl Position {
    /// Records a `\n` at absolute offset `offset`.
    #[inline]
    pub fn newline_at(&mut self, offset: u64) {
        self.line += 1;
        self.line_start = offset + 1;
        self.continuation_bytes = 0;
    }

    /// Records the newlines and continuation bytes of `chunk`, read whole without tracking
    /// them (its bytes start at `consumed`, which the caller then advances).
    pub fn advance_over(&mut self, chunk: &[u8]) {
        match memchr::memrchr(b'\n', chunk) {
            Some(last) => {
                // Counted in blocks the compiler vectorises, not one search per newline.
                self.line += count_newlines(&chunk[..=last]) as u64;
                self.line_start = self.consumed + last as u64 + 1;
                self.continuation_bytes = count_continuation_bytes(&chunk[last + 1..]) as u64;
            }
            None => self.continuation_bytes += count_continuation_bytes(chunk) as u64,
        }
    }

    /// Records continuation bytes consumed on the current line.
    #[inline]
    pub fn add_continuation_bytes(&mut self, n: usize) {
        self.continuation_bytes += n as u64;
    }

    /// The current 1-based line.
    #[inline]
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The 1-based column of `offset` on the current line: one plus the number of characters
    /// that start before it. `uncounted` continuation bytes before `offset` (of a character
    /// still being read) have not been recorded yet.
    #[inline]
    pub fn column_at(&self, offset: u64, uncounted: usize) -> u64 {
        1 + offset
            .saturating_sub(self.line_start)
            .saturating_sub(self.continuation_bytes)
            .saturating_sub(uncounted as u64)
    }
}

/// The last few bytes before the current chunk, for error excerpts: a fixed window, updated
/// with one copy per chunk.
#[derive(Clone, Debug, Default)]
pub struct RecentBytes {
    /// A ring: the byte at absolute offset `o` (among the last `len`) is at `o % RING`.
    ring: [u8; RING],
    /// Bytes written so far, modulo `RING`: where the next one goes.
    end: usize,
    len: usize,
}

/// The ring's size: a power of two at least `EXCERPT_BYTES`, so that positions wrap with a
/// mask and a short chunk costs a few byte stores, not two copies of the window.
const RING: usize = crate::core::error::EXCERPT_BYTES.next_power_of_two();

impl RecentBytes {
    /// Keeps the tail of `chunk` (and of what came before, if the chunk is short).
    pub fn remember(&mut self, chunk: &[u8]) {
        let keep = crate::core::error::EXCERPT_BYTES;
        let tail = &chunk[chunk.len().saturating_sub(keep)..];
        for &b in tail {
            self.ring[self.end] = b;
            self.end = (self.end + 1) & (RING - 1);
        }
        self.len = (self.len + tail.len()).min(keep);
    }

    /// The remembered bytes, oldest first.
    fn bytes(&self) -> Vec<u8> {
        let start = (self.end + RING - self.len) & (RING - 1);
        (0..self.len)
            .map(|i| self.ring[(start + i) & (RING - 1)])
            .collect()
    }

    /// The input up to and including absolute offset `through`, as far as it is known:
    /// the remembered bytes (which end at absolute offset `consumed`) followed by `current`.
    pub fn through(&self, consumed: u64, current: &[u8], through: u64) -> Vec<u8> {
        let start = consumed - self.len as u64;
        let mut all = self.bytes();
        all.extend_from_slice(current);
        let end = (through + 1).saturating_sub(start).min(all.len() as u64);
        all.truncate(end as usize);
        all
    }
}
