//! Decoding checked UTF-8 into fixed-width code units, the way CPython stores a `str`.
//!
//! CPython keeps each string at the narrowest width that holds its widest character: one
//! byte (Latin-1), two (UCS-2) or four (UCS-4) per character. `measure` finds the count and
//! the width from the lead bytes in one pass; `decode_into` writes the code points. Both are
//! defensive: input that is not valid UTF-8 makes `decode_into` refuse, never write out of
//! bounds or panic, and its result tells whether the width was exact.

/// The width of the widest character in a string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Width {
    /// One byte per character (U+0000-U+00FF).
    Latin1,
    /// Two bytes (up to U+FFFF).
    Ucs2,
    /// Four bytes.
    Ucs4,
}

/// Characters in `bytes` and the width they need, from the lead bytes (exact for valid UTF-8:
/// `C2`-`C3` lead U+0080-U+00FF, `C4`-`EF` lead U+0100-U+FFFF, `F0`-`F4` the rest). Invalid
/// input is caught by `decode_into`. Counted in 32 lanes of one byte (emptied every 255
/// blocks of 32 bytes), which the compiler turns into vector code.
#[inline]
pub fn measure(bytes: &[u8]) -> (usize, Width) {
    let mut continuation = 0;
    let mut counts = [0u8; 32];
    let mut highs = [0u8; 32];
    let mut rounds = 0u8;
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        let Ok(block) = <&[u8; 32]>::try_from(block) else {
            continue;
        };
        for ((count, high), &b) in counts.iter_mut().zip(highs.iter_mut()).zip(block) {
            // 0x80..=0xBF (a continuation byte) is -128..=-65 as a signed byte.
            *count += u8::from((b as i8) < -64);
            *high = (*high).max(b);
        }
        rounds += 1;
        if rounds == u8::MAX {
            continuation += counts.iter().map(|&c| usize::from(c)).sum::<usize>();
            counts = [0; 32];
            rounds = 0;
        }
    }
    continuation += counts.iter().map(|&c| usize::from(c)).sum::<usize>();
    let mut widest = highs.iter().copied().max().unwrap_or(0);
    for &b in blocks.remainder() {
        continuation += usize::from((b & 0xC0) == 0x80);
        widest = widest.max(b);
    }
    let width = match widest {
        0x00..=0xC3 => Width::Latin1,
        0xC4..=0xEF => Width::Ucs2,
        _ => Width::Ucs4,
    };
    (bytes.len() - continuation, width)
}

impl Width {
    /// Whether `max` (the largest code point) needs exactly this width and not a narrower
    /// one (CPython compares strings of different widths as different).
    pub fn is_exact_for(self, max: u32) -> bool {
        match self {
            Width::Latin1 => (0x80..0x100).contains(&max),
            Width::Ucs2 => (0x100..0x1_0000).contains(&max),
            Width::Ucs4 => max >= 0x1_0000,
        }
    }
}

/// A code unit of a CPython string: `u8` (Latin-1), `u16` (UCS-2) or `u32` (UCS-4).
pub trait Unit: Copy {
    /// The unit of an ASCII byte.
    fn ascii(byte: u8) -> Self;
    /// The unit of a code point, if it fits.
    fn of(cp: u32) -> Option<Self>;
}

impl Unit for u8 {
    #[inline(always)]
    fn ascii(byte: u8) -> Self {
        byte
    }
    #[inline(always)]
    fn of(cp: u32) -> Option<Self> {
        u8::try_from(cp).ok()
    }
}

impl Unit for u16 {
    #[inline(always)]
    fn ascii(byte: u8) -> Self {
        u16::from(byte)
    }
    #[inline(always)]
    fn of(cp: u32) -> Option<Self> {
        u16::try_from(cp).ok()
    }
}

impl Unit for u32 {
    #[inline(always)]
    fn ascii(byte: u8) -> Self {
        u32::from(byte)
    }
    #[inline(always)]
    fn of(cp: u32) -> Option<Self> {
        (cp <= 0x10_FFFF).then_some(cp)
    }
}

/// Writes the code points of `bytes` into `out` and returns the largest outside runs of
/// ASCII (what decides the width of text that is not all ASCII), if `bytes` is valid UTF-8
/// that fills `out` exactly, each code point fitting its unit; `None` for anything else: a
/// continuation byte out of place, a sequence cut short, an overlong form, a surrogate, a
/// code point past U+10FFFF, or too few or too many units. It checks its input fully (the
/// descent of a whole document leaves UTF-8 to it). ASCII goes eight bytes at a time where
/// eight come together.
#[inline]
pub fn decode_into<U: Unit>(bytes: &[u8], out: &mut [U]) -> Option<u32> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (mut i, mut at, mut max) = (0usize, 0usize, 0u32);
    while let Some(&lead) = bytes.get(i) {
        if lead < 0x80 {
            if let (Some(word), Some(units)) = (bytes.get(i..i + 8), out.get_mut(at..at + 8)) {
                let mut w = [0u8; 8];
                w.copy_from_slice(word);
                if u64::from_le_bytes(w) & HIGH == 0 {
                    for (unit, &b) in units.iter_mut().zip(&w) {
                        *unit = U::ascii(b);
                    }
                    at += 8;
                    i += 8;
                    continue;
                }
            }
            // A short run: byte by byte up to the next wider character.
            loop {
                *out.get_mut(at)? = U::ascii(*bytes.get(i)?);
                at += 1;
                i += 1;
                if bytes.get(i).is_none_or(|&b| b >= 0x80) {
                    break;
                }
            }
            continue;
        }
        let (cp, len) = match lead {
            0xC2..=0xDF => {
                let c1 = continuation(bytes.get(i + 1))?;
                ((u32::from(lead & 0x1F) << 6) | c1, 2)
            }
            0xE0..=0xEF => {
                let c1 = continuation(bytes.get(i + 1))?;
                let c2 = continuation(bytes.get(i + 2))?;
                let cp = (u32::from(lead & 0x0F) << 12) | (c1 << 6) | c2;
                if cp < 0x800 || (0xD800..0xE000).contains(&cp) {
                    return None; // overlong, or a surrogate
                }
                (cp, 3)
            }
            0xF0..=0xF4 => {
                let c1 = continuation(bytes.get(i + 1))?;
                let c2 = continuation(bytes.get(i + 2))?;
                let c3 = continuation(bytes.get(i + 3))?;
                let cp = (u32::from(lead & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
                if !(0x1_0000..=0x10_FFFF).contains(&cp) {
                    return None; // overlong, or past U+10FFFF
                }
                (cp, 4)
            }
            _ => return None,
        };
        *out.get_mut(at)? = U::of(cp)?;
        max = max.max(cp);
        at += 1;
        i += len;
    }
    (at == out.len()).then_some(max)
}

/// The six bits of a continuation byte, or `None` for anything else (or nothing).
#[inline(always)]
fn continuation(byte: Option<&u8>) -> Option<u32> {
    let b = *byte?;
    ((b & 0xC0) == 0x80).then_some(u32::from(b & 0x3F))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_from_lead_bytes() {
        let m = |s: &str| {
            let (n, w) = measure(s.as_bytes());
            (n, w as u8)
        };
        assert_eq!(m("café"), (4, Width::Latin1 as u8));
        assert_eq!(m("ÿĀ"), (2, Width::Ucs2 as u8));
        assert_eq!(m("東京"), (2, Width::Ucs2 as u8));
        assert_eq!(m("a😀"), (2, Width::Ucs4 as u8));
    }

    #[test]
    fn decoding_fills_exactly_or_refuses() {
        let mut out = [0u32; 3];
        assert_eq!(decode_into("a東😀".as_bytes(), &mut out), Some(0x1F600));
        assert_eq!(out, [0x61, 0x6771, 0x1F600]);
        assert_eq!(decode_into("ab".as_bytes(), &mut [0u16; 1]), None);
        assert_eq!(decode_into("東".as_bytes(), &mut [0u8; 1]), None);
        assert_eq!(decode_into(b"\xE6\x9D", &mut [0u32; 1]), None);
        assert_eq!(decode_into(b"\xC0\x80", &mut [0u8; 1]), None);
        assert_eq!(decode_into(b"\xF4\x90\x80\x80", &mut [0u32; 1]), None);
        assert_eq!(
            decode_into("ab東😀".repeat(5).as_bytes(), &mut [0u32; 20]),
            Some(0x1F600)
        );
        let mut wide = [0u16; 12];
        assert_eq!(
            decode_into("abcdefghij東é".as_bytes(), &mut wide),
            Some(0x6771)
        );
        assert_eq!(
            &wide[..10],
            "abcdefghij".encode_utf16().collect::<Vec<_>>().as_slice()
        );
        // Overlong forms, surrogates and code points past U+10FFFF are refused.
        assert_eq!(decode_into(b"\xE0\x81\x81", &mut [0u16; 1]), None);
        assert_eq!(decode_into(b"\xED\xA0\x80", &mut [0u16; 1]), None);
        assert_eq!(decode_into(b"\xF0\x8F\xBF\xBF", &mut [0u32; 1]), None);
        assert!(!Width::Ucs2.is_exact_for(0x41));
    }
}
