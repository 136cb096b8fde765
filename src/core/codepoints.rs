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
/// input is caught by `decode_into`.
#[inline]
pub fn measure(bytes: &[u8]) -> (usize, Width) {
    let mut continuation = 0;
    let mut widest = 0u8;
    for &b in bytes {
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

/// Writes the code points of `bytes` into `out` and returns the largest outside runs of eight
/// ASCII characters (what decides the width of text that is not all ASCII), if they filled it
/// exactly, each fitting its unit (`None` for anything that is not valid UTF-8 of that many
/// characters).
#[inline]
pub fn decode_into<U: TryFrom<u32> + From<u8> + Copy>(bytes: &[u8], out: &mut [U]) -> Option<u32> {
    let mut at = 0;
    let mut i = 0;
    let mut max = 0;
    while let Some(&lead) = bytes.get(i) {
        // A run of ASCII eight characters at a time (most text between the wide characters;
        // it never decides the width, so it leaves `max` alone).
        if let (Some(word), Some(units)) = (bytes.get(i..i + 8), out.get_mut(at..at + 8)) {
            if word.is_ascii() {
                for (unit, &b) in units.iter_mut().zip(word) {
                    *unit = U::from(b);
                }
                at += 8;
                i += 8;
                continue;
            }
        }
        let (cp, len) = if lead < 0x80 {
            (u32::from(lead), 1)
        } else {
            let len = match lead {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => return None,
            };
            let seq = bytes.get(i..i + len)?;
            let mut cp = u32::from(lead) & (0x7F >> len);
            for &b in &seq[1..] {
                if (b & 0xC0) != 0x80 {
                    return None;
                }
                cp = (cp << 6) | u32::from(b & 0x3F);
            }
            (cp, len)
        };
        *out.get_mut(at)? = U::try_from(cp).ok()?;
        max = max.max(cp);
        at += 1;
        i += len;
    }
    (at == out.len()).then_some(max)
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
        // An overlong form decodes, but its width is then not exact: refused by the caller.
        assert_eq!(decode_into(b"\xE0\x81\x81", &mut [0u16; 1]), Some(0x41));
        assert!(!Width::Ucs2.is_exact_for(0x41));
    }
}
