//! String lexing: raw runs, escapes, and UTF-8 sequences split across chunks.
//!
//! A string is scanned as runs of raw bytes separated by escapes. Each run is found with
//! `memchr2` (for `"` and `\`), then checked once for control characters and UTF-8 validity.
//! What cannot be decided yet at the end of a chunk (half an escape, a high surrogate whose
//! partner may follow, the first bytes of a multi-byte character) is held in small state here
//! and never shown to the sink, so a partial string is always a clean prefix of the final one.

use crate::core::error::Expected;

/// Position of the first `"` or `\` in `bytes`, if any.
#[inline]
pub fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    // A few bytes (the rest of a token-sized chunk): a plain loop, cheaper than setting up
    // the vector search.
    if bytes.len() <= 16 {
        return bytes.iter().position(|&b| b == b'"' || b == b'\\');
    }
    memchr::memchr2(b'"', b'\\', bytes)
}

/// Length of the leading run of printable ASCII other than `"` and `\\`: the whole content of
/// most keys and short values, found in one pass eight bytes at a time.
#[inline]
pub fn plain_ascii_len(bytes: &[u8]) -> usize {
    quiet_prefix::<true>(bytes)
}

/// Length of the leading run of string content that needs no attention: no `"`, no `\\`, no
/// control character (bytes of multi-byte characters are fine; UTF-8 is checked separately).
#[inline]
pub fn content_len(bytes: &[u8]) -> usize {
    quiet_prefix::<false>(bytes)
}

/// Length of the leading run without `"`, `\\` or control characters, nor (if `STOP_HIGH`)
/// bytes of 0x80 and above; SWAR, eight bytes at a time.
#[inline]
fn quiet_prefix<const STOP_HIGH: bool>(bytes: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let v = u64::from_le_bytes(w);
        let quote = v ^ (LO * u64::from(b'"'));
        let backslash = v ^ (LO * u64::from(b'\\'));
        // Per byte: equal to '"', equal to '\\', below 0x20 (`& !v` keeps that flag only where
        // the byte itself is below 0x80), and 0x80 and above if asked. A borrow can only flag
        // bytes above a truly flagged one, so the lowest flag is exact.
        let mut special = (quote.wrapping_sub(LO) & !quote)
            | (backslash.wrapping_sub(LO) & !backslash)
            | (v.wrapping_sub(LO * 0x20) & !v);
        if STOP_HIGH {
            special |= v;
        }
        special &= HI;
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 || (STOP_HIGH && b >= 0x80) {
            break;
        }
        i += 1;
    }
    i
}

/// Index of the first byte that is not printable ASCII (a control character or a byte of a
/// multi-byte UTF-8 sequence).
#[inline]
fn first_non_printable_ascii(run: &[u8]) -> Option<usize> {
    // Printable ASCII is 0x20..=0x7F; `b - 0x20` (wrapping) maps exactly that to 0..0x60.
    // Testing 16 bytes at a time with an OR-fold lets the compiler vectorise the common case.
    let mut start = 0;
    while start + 16 <= run.len() {
        let mask = run[start..start + 16]
            .iter()
            .fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(0x20) >= 0x60));
        if mask != 0 {
            break;
        }
        start += 16;
    }
    run[start..]
        .iter()
        .position(|&b| b.wrapping_sub(0x20) >= 0x60)
        .map(|i| i + start)
}

/// Number of UTF-8 continuation bytes (characters = bytes - continuation bytes).
#[inline]
pub fn count_continuation_bytes(bytes: &[u8]) -> usize {
    count_bytes_where(bytes, |c| (c & 0xC0) == 0x80)
}

/// Number of `\n` bytes.
#[inline]
pub fn count_newlines(bytes: &[u8]) -> usize {
    count_bytes_where(bytes, |c| c == b'\n')
}

/// Whether a run of raw string bytes (no `"` or `\\`) holds no control character. Its UTF-8
/// is not checked here: the descent of a whole document leaves that to the decoder that
/// makes the string (which refuses invalid UTF-8), instead of checking every byte twice.
#[inline]
pub fn run_has_no_control(run: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = run.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let v = u64::from_le_bytes(w);
        // A byte below 0x20 flags its high bit (`& !v` drops bytes of 0x80 and above); a
        // borrow only flags bytes above a truly flagged one, so any flag is a true one.
        if v.wrapping_sub(LO * 0x20) & !v & HI != 0 {
            return false;
        }
        i += 8;
    }
    run[i..].iter().all(|&b| b >= 0x20)
}

/// Number of bytes that pass `test`, counted in 32 lanes of one byte (emptied every 255
/// blocks of 32 bytes), which the compiler turns into vector code: about half the
/// instructions of one sum per block.
#[inline(always)]
fn count_bytes_where(bytes: &[u8], test: impl Fn(u8) -> bool + Copy) -> usize {
    let mut total = 0;
    let mut lanes = [0u8; 32];
    let mut rounds = 0u8;
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        let Ok(block) = <&[u8; 32]>::try_from(block) else {
            continue;
        };
        for (lane, &b) in lanes.iter_mut().zip(block) {
            *lane += u8::from(test(b));
        }
        rounds += 1;
        if rounds == u8::MAX {
            total += lanes.iter().map(|&c| usize::from(c)).sum::<usize>();
            lanes = [0; 32];
            rounds = 0;
        }
    }
    total += lanes.iter().map(|&c| usize::from(c)).sum::<usize>();
    total + blocks.remainder().iter().filter(|&&b| test(b)).count()
}

/// Why a run of raw string bytes is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunError {
    /// A control character at this index.
    Control(u8),
    /// An invalid UTF-8 sequence starts at this index.
    Utf8,
    /// A lone surrogate in its WTF-8 form starts at this index, and lone surrogates are
    /// refused (see [`RawSurrogates::Refuse`]).
    LoneSurrogate,
}

/// What a run does with a surrogate code point written in WTF-8 (`ED A0..BF xx`): never valid
/// UTF-8, it can only come from a Python `str` (encoded with `surrogatepass`), which
/// `json.loads` reads with the surrogate kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawSurrogates {
    /// Bytes input: invalid UTF-8.
    Invalid,
    /// Text input: kept, as a lone surrogate.
    Keep,
    /// Text input, lone surrogates refused: an error of its own.
    Refuse,
}

/// Whether `bytes` starts with a surrogate code point in WTF-8 (a complete one, or, if `cut`
/// allows it, the first bytes of one that end `bytes`).
#[inline]
fn starts_with_wtf8_surrogate(bytes: &[u8], cut: bool) -> Option<usize> {
    match bytes {
        [0xED, 0xA0..=0xBF, 0x80..=0xBF, ..] => Some(3),
        [0xED, 0xA0..=0xBF] | [0xED] if cut => Some(bytes.len()),
        _ => None,
    }
}

/// The verdict on one run of raw string bytes (a run holds no `"` and no `\`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunCheck {
    /// Length of the prefix that is valid and complete text.
    pub valid: usize,
    /// Continuation bytes inside that prefix (for column numbers).
    pub continuation_bytes: usize,
    /// The error at index `valid`, if the run is invalid there. Without an error, bytes after
    /// `valid` are the start of a UTF-8 sequence cut by the end of the chunk.
    pub error: Option<RunError>,
    /// Index of the byte that proves the error: `valid` for a control character or a byte
    /// that can never start a character; for a sequence cut short, the byte after it (which
    /// may be just past the run: the `"`, `\` or control character that ended it).
    pub detected: usize,
    /// Whether the valid prefix holds a lone surrogate (in WTF-8, kept by
    /// [`RawSurrogates::Keep`]).
    pub wtf8: bool,
}

/// Index of the first control character (below 0x20) in `bytes`, and the number of UTF-8
/// continuation bytes before it, in one pass of 16-byte blocks the compiler vectorises.
#[inline]
fn first_control_and_continuations(bytes: &[u8]) -> (Option<usize>, usize) {
    let mut continuations = 0;
    let mut start = 0;
    while let Some(block) = bytes.get(start..start + 16) {
        let control = block.iter().fold(0u8, |acc, &b| acc | u8::from(b < 0x20));
        if control != 0 {
            break;
        }
        continuations += block
            .iter()
            .map(|&b| usize::from((b & 0xC0) == 0x80))
            .sum::<usize>();
        start += 16;
    }
    for (i, &b) in bytes[start..].iter().enumerate() {
        if b < 0x20 {
            return (Some(start + i), continuations);
        }
        continuations += usize::from((b & 0xC0) == 0x80);
    }
    (None, continuations)
}

/// Checks a run for control characters and UTF-8 validity.
///
/// `at_chunk_end` says whether the run reaches the end of the chunk; only then may it end in
/// the middle of a UTF-8 sequence, which the caller keeps until the next chunk. `surrogates`
/// says what a surrogate in WTF-8 is; [`RunCheck::wtf8`] says whether one was kept.
pub fn check_run(run: &[u8], at_chunk_end: bool, surrogates: RawSurrogates) -> RunCheck {
    let Some(first) = first_non_printable_ascii(run) else {
        return RunCheck {
            valid: run.len(),
            continuation_bytes: 0,
            error: None,
            detected: run.len(),
            wtf8: false,
        };
    };
    let (control, continuations) = first_control_and_continuations(&run[first..]);
    let control = control.map(|c| c + first);
    let text_end = control.unwrap_or(run.len());
    let mut start = first;
    let mut wtf8 = false;
    loop {
        let Err(e) = std::str::from_utf8(&run[start..text_end]) else {
            return RunCheck {
                valid: text_end,
                continuation_bytes: continuations,
                error: control.map(|c| RunError::Control(run[c])),
                detected: text_end,
                wtf8,
            };
        };
        let bad = start + e.valid_up_to();
        if surrogates != RawSurrogates::Invalid {
            let cut = control.is_none() && at_chunk_end;
            if let Some(len) = starts_with_wtf8_surrogate(&run[bad..text_end], cut) {
                // Refused once its second byte shows it is one (`ED` alone may start
                // U+D000..U+D7FF).
                if surrogates == RawSurrogates::Refuse && len >= 2 {
                    return RunCheck {
                        valid: bad,
                        continuation_bytes: count_continuation_bytes(&run[first..bad]),
                        error: Some(RunError::LoneSurrogate),
                        detected: bad,
                        wtf8,
                    };
                }
                if bad + len == text_end && len < 3 {
                    // The first bytes of a surrogate, cut by the end of the chunk.
                    return RunCheck {
                        valid: bad,
                        continuation_bytes: count_continuation_bytes(&run[first..bad]),
                        error: None,
                        detected: text_end,
                        wtf8,
                    };
                }
                wtf8 = true;
                start = bad + len;
                continue;
            }
        }
        let cut_by_chunk_end = e.error_len().is_none() && control.is_none() && at_chunk_end;
        let detected = match e.error_len() {
            // A sequence cut short by the end of the text checked.
            None => text_end,
            // A lead byte that can start a character: cut short by the byte after it.
            Some(n) if matches!(run[bad], 0xC2..=0xF4) => bad + n,
            Some(_) => bad,
        };
        return RunCheck {
            valid: bad,
            continuation_bytes: count_continuation_bytes(&run[first..bad]),
            error: if cut_by_chunk_end {
                None
            } else {
                Some(RunError::Utf8)
            },
            detected,
            wtf8,
        };
    }
}

/// Length of the UTF-8 sequence that `lead` starts (1 for anything that is not a lead byte of
/// a multi-byte sequence; validity is checked separately).
#[inline]
pub fn utf8_sequence_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Decodes into `out` a string that closes in `rest` (which starts after its opening quote),
/// escapes included, with the same decoder as the scanner's general loop. Returns the index of
/// the closing quote, whether the text holds a lone surrogate (WTF-8) and the raw continuation
/// bytes (for columns); `None` when the general loop must take over: the string does not close
/// in `rest`, or something in it is invalid (reported there at its exact byte), or a lone
/// surrogate is not allowed (`lone_surrogates`). `surrogates` is as for [`check_run`].
///
/// Without `checked`, the raw runs are only checked for control characters, not for UTF-8,
/// nor counted (no continuation bytes are returned), and a lone surrogate gives `None`: for
/// the descent, whose string decoder refuses invalid UTF-8 itself.
pub fn decode_closed(
    rest: &[u8],
    out: &mut Vec<u8>,
    surrogates: RawSurrogates,
    lone_surrogates: bool,
    checked: bool,
) -> Option<(usize, bool, usize)> {
    out.clear();
    let mut escapes = Escapes::default();
    let (mut i, mut wtf8, mut continuation_bytes) = (0, false, 0);
    loop {
        if !escapes.is_idle() {
            let b = *rest.get(i)?;
            let consumes = escapes.consumes(b);
            let mut decoded = Decoded::default();
            escapes.step(b, &mut decoded).ok()?;
            if decoded.wtf8 && (!lone_surrogates || !checked) {
                return None;
            }
            wtf8 |= decoded.wtf8;
            out.extend_from_slice(decoded.as_bytes());
            i += usize::from(consumes);
            continue;
        }
        let len = find_quote_or_backslash(&rest[i..])?;
        let run = &rest[i..i + len];
        if checked {
            let check = check_run(run, false, surrogates);
            if check.error.is_some() {
                return None;
            }
            wtf8 |= check.wtf8;
            continuation_bytes += check.continuation_bytes;
        } else if !run_has_no_control(run) {
            return None;
        }
        out.extend_from_slice(run);
        i += len;
        if rest[i] == b'"' {
            return Some((i, wtf8, continuation_bytes));
        }
        // A one-letter escape (most of them: `\"`, `\n`, `\\`) and a `\u` escape of a
        // character or of a surrogate pair are decoded here; a lone surrogate and anything
        // invalid go through the escape decoder.
        if let Some(byte) = rest.get(i + 1).and_then(|&b| simple_escape(b)) {
            out.push(byte);
            i += 2;
            continue;
        }
        if let Some((cp, len)) = unicode_escape(&rest[i..]) {
            let mut decoded = Decoded::default();
            decoded.push(cp);
            out.extend_from_slice(decoded.as_bytes());
            i += len;
            continue;
        }
        escapes.begin();
        i += 1;
    }
}

/// The code point of a `\\uXXXX` escape at the start of `bytes` that is not a surrogate, or
/// of a pair `\\uD83D\\uDE00` (high then low surrogate), and the escape's length; `None` for
/// a lone surrogate and anything else (which the escape decoder takes, one byte at a time).
#[inline]
fn unicode_escape(bytes: &[u8]) -> Option<(u32, usize)> {
    if bytes.get(..2)? != b"\\u" {
        return None;
    }
    let unit = hex4(bytes.get(2..6)?)?;
    if !(0xD800..0xE000).contains(&unit) {
        return Some((unit, 6));
    }
    if unit >= 0xDC00 || bytes.get(6..8)? != b"\\u" {
        return None;
    }
    let low = hex4(bytes.get(8..12)?)?;
    (0xDC00..0xE000)
        .contains(&low)
        .then(|| (0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12))
}

/// Four hex digits.
#[inline]
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &d| {
        let digit = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some((value << 4) | u32::from(digit))
    })
}

/// The byte a one-letter escape (`\\n`, `\\"`, ...) stands for; `None` for `u` and for
/// anything that is not an escape.
#[inline]
pub fn simple_escape(letter: u8) -> Option<u8> {
    Some(match letter {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

/// The first bytes of a multi-byte character whose rest has not arrived yet.
#[derive(Clone, Copy, Debug, Default)]
pub struct PendingUtf8 {
    bytes: [u8; 4],
    len: u8,
}

/// What adding bytes to a [`PendingUtf8`] gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf8Progress {
    /// Still incomplete; every byte given was taken.
    NeedMore,
    /// The character is complete after taking this many bytes; see [`PendingUtf8::bytes`].
    Complete(usize),
    /// The sequence is invalid.
    Invalid,
}

impl PendingUtf8 {
    /// Whether a partial character is being held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of bytes held.
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Starts holding `bytes` (1 to 3 bytes of one incomplete character).
    pub fn hold(&mut self, bytes: &[u8]) {
        debug_assert!(!bytes.is_empty() && bytes.len() < 4);
        self.bytes[..bytes.len()].copy_from_slice(bytes);
        self.len = bytes.len() as u8;
    }

    /// The complete character once `push` returned `Complete`.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }

    /// Forgets the held bytes.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Adds bytes from the start of `input` until the character is complete.
    pub fn push(&mut self, input: &[u8]) -> Utf8Progress {
        let need = utf8_sequence_len(self.bytes[0]);
        let take = (need - self.len()).min(input.len());
        let old = self.len();
        self.bytes[old..old + take].copy_from_slice(&input[..take]);
        self.len += take as u8;
        match std::str::from_utf8(self.bytes()) {
            Ok(_) => Utf8Progress::Complete(take),
            Err(e) if e.error_len().is_none() => Utf8Progress::NeedMore,
            Err(_) => Utf8Progress::Invalid,
        }
    }
}

/// Up to two decoded characters produced by one step of escape decoding.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decoded {
    bytes: [u8; 8],
    len: u8,
    /// A lone surrogate was written in its WTF-8 form.
    pub wtf8: bool,
}

impl Decoded {
    /// The decoded bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Appends one code point, which may be a lone surrogate (written as WTF-8).
    fn push(&mut self, cp: u32) {
        let at = usize::from(self.len);
        let out = &mut self.bytes[at..];
        let n = if cp < 0x80 {
            out[0] = cp as u8;
            1
        } else if cp < 0x800 {
            out[0] = 0xC0 | (cp >> 6) as u8;
            out[1] = 0x80 | (cp & 0x3F) as u8;
            2
        } else if cp < 0x1_0000 {
            if (0xD800..0xE000).contains(&cp) {
                self.wtf8 = true;
            }
            out[0] = 0xE0 | (cp >> 12) as u8;
            out[1] = 0x80 | ((cp >> 6) & 0x3F) as u8;
            out[2] = 0x80 | (cp & 0x3F) as u8;
            3
        } else {
            out[0] = 0xF0 | (cp >> 18) as u8;
            out[1] = 0x80 | ((cp >> 12) & 0x3F) as u8;
            out[2] = 0x80 | ((cp >> 6) & 0x3F) as u8;
            out[3] = 0x80 | (cp & 0x3F) as u8;
            4
        };
        self.len += n;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EscapeState {
    /// Not inside an escape.
    Idle,
    /// After `\`.
    Backslash,
    /// After `\u` and this many hex digits.
    Hex(u8),
    /// After a complete `\uD800`-`\uDBFF` escape: a low surrogate escape may follow.
    AfterHighSurrogate,
}

/// Decodes escapes one byte at a time, exactly as `json.loads` does: `\uD83D\uDE00` is one
/// character, a high surrogate not followed by a low one is kept alone, and so is a lone low
/// surrogate.
#[derive(Clone, Copy, Debug)]
pub struct Escapes {
    state: EscapeState,
    hex: u16,
    high: u16,
}

impl Default for Escapes {
    fn default() -> Self {
        Escapes {
            state: EscapeState::Idle,
            hex: 0,
            high: 0,
        }
    }
}

impl Escapes {
    /// True when no escape is in progress and nothing is held back.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.state == EscapeState::Idle
    }

    /// Starts an escape after its `\` was consumed.
    #[inline]
    pub fn begin(&mut self) {
        self.state = EscapeState::Backslash;
    }

    /// Whether `step(b)` would consume `b` as part of the escape (otherwise `b` only ends a
    /// pending high surrogate and is then scanned as ordinary string content).
    #[inline]
    pub fn consumes(&self, b: u8) -> bool {
        self.state != EscapeState::AfterHighSurrogate || b == b'\\'
    }

    /// How many raw bytes of the escape in progress are not decoded yet: a partial escape,
    /// or a high surrogate escape (6 bytes) waiting for its low half, plus what follows it.
    pub fn pending_len(&self) -> usize {
        let held_high = if self.high != 0 { 6 } else { 0 };
        held_high
            + match self.state {
                EscapeState::Idle | EscapeState::AfterHighSurrogate => 0,
                EscapeState::Backslash => 1,
                EscapeState::Hex(k) => 2 + usize::from(k),
            }
    }

    /// What the string still needs if the input ends now.
    pub fn expected_at_end(&self) -> Expected {
        match self.state {
            EscapeState::Backslash => Expected::EscapeChar,
            EscapeState::Hex(_) => Expected::HexDigit,
            EscapeState::Idle | EscapeState::AfterHighSurrogate => Expected::StringEnd,
        }
    }

    /// Feeds one byte while an escape is in progress (`!is_idle()`).
    ///
    /// Returns whether the byte was consumed; a byte that merely ends a pending high surrogate
    /// is not, and must then be scanned as ordinary string content.
    pub fn step(&mut self, b: u8, out: &mut Decoded) -> Result<bool, Expected> {
        match self.state {
            EscapeState::Idle => Ok(false),
            EscapeState::Backslash => {
                if b == b'u' {
                    self.state = EscapeState::Hex(0);
                    self.hex = 0;
                    return Ok(true);
                }
                let simple = simple_escape(b).ok_or(Expected::EscapeChar)?;
                self.flush_high(out);
                out.push(u32::from(simple));
                self.state = EscapeState::Idle;
                Ok(true)
            }
            EscapeState::Hex(k) => {
                let digit = match b {
                    b'0'..=b'9' => b - b'0',
                    b'a'..=b'f' => b - b'a' + 10,
                    b'A'..=b'F' => b - b'A' + 10,
                    _ => return Err(Expected::HexDigit),
                };
                self.hex = (self.hex << 4) | u16::from(digit);
                if k < 3 {
                    self.state = EscapeState::Hex(k + 1);
                } else {
                    self.state = EscapeState::Idle;
                    self.code_unit(self.hex, out);
                }
                Ok(true)
            }
            EscapeState::AfterHighSurrogate => {
                if b == b'\\' {
                    self.state = EscapeState::Backslash;
                    Ok(true)
                } else {
                    self.flush_high(out);
                    self.state = EscapeState::Idle;
                    Ok(false)
                }
            }
        }
    }

    /// Whether the escape in progress is just after its `\\`.
    #[inline]
    pub fn after_backslash(&self) -> bool {
        self.state == EscapeState::Backslash
    }

    /// Repair mode: ends an escape whose letter `b` JSON lacks (`after_backslash()`), as
    /// text: `\\'` is a quote (models escape it in single-quoted strings), and any other
    /// keeps its backslash. Returns whether `b` was consumed (otherwise it is content).
    pub fn repair_unknown(&mut self, b: u8, out: &mut Decoded) -> bool {
        self.state = EscapeState::Idle;
        self.flush_high(out);
        if b == b'\'' {
            out.push(u32::from(b'\''));
            return true;
        }
        out.push(u32::from(b'\\'));
        false
    }

    /// Writes out a held high surrogate as a lone one (the string ended or went on without
    /// its partner).
    pub fn flush_high(&mut self, out: &mut Decoded) {
        if self.high != 0 {
            out.push(u32::from(self.high));
            self.high = 0;
        }
        if self.state == EscapeState::AfterHighSurrogate {
            self.state = EscapeState::Idle;
        }
    }

    fn code_unit(&mut self, unit: u16, out: &mut Decoded) {
        let is_low = (0xDC00..0xE000).contains(&unit);
        if self.high != 0 {
            if is_low {
                let cp =
                    0x1_0000 + ((u32::from(self.high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                self.high = 0;
                out.push(cp);
                return;
            }
            out.push(u32::from(self.high));
            self.high = 0;
        }
        if (0xD800..0xDC00).contains(&unit) {
            self.high = unit;
            self.state = EscapeState::AfterHighSurrogate;
        } else {
            out.push(u32::from(unit));
        }
    }
}
