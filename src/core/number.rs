//! Number lexing: the RFC 8259 number grammar as a byte-at-a-time state machine.
//!
//! `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
//!
//! A number is complete only when a byte that cannot continue it arrives (or the input ends),
//! which is why a partial value never shows `1` that later becomes `1000`.

use crate::core::error::Expected;

/// Where the scanner is inside a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumState {
    /// After the leading `-`.
    Minus,
    /// After a leading `0` (no more integer digits may follow).
    Zero,
    /// Inside the integer digits of a number that does not start with `0`.
    Int,
    /// After the `.`.
    Dot,
    /// Inside the fraction digits.
    Frac,
    /// After `e` or `E`.
    Exp,
    /// After the exponent's sign.
    ExpSign,
    /// Inside the exponent digits.
    ExpDigits,
}

/// The outcome of one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumStep {
    /// The byte belongs to the number.
    Continue(NumState),
    /// The byte does not belong to the number, which is complete before it.
    End,
    /// The byte is wrong here.
    Invalid(Expected),
    /// `-I`: with `allow_nan` this starts `-Infinity`.
    NegInfinity,
}

impl NumState {
    /// The state after the first byte of a number (`-` or a digit).
    #[inline]
    pub fn start(first: u8) -> NumState {
        match first {
            b'-' => NumState::Minus,
            b'0' => NumState::Zero,
            _ => NumState::Int,
        }
    }

    /// Feeds one byte.
    #[inline]
    pub fn step(self, b: u8, allow_nan: bool) -> NumStep {
        use NumState::*;
        let digit = b.is_ascii_digit();
        let next = match self {
            Minus if b == b'0' => Zero,
            Minus if digit => Int,
            Minus if b == b'I' && allow_nan => return NumStep::NegInfinity,
            Minus => return NumStep::Invalid(Expected::Digit),
            Int if digit => Int,
            Zero | Int if b == b'.' => Dot,
            Zero | Int | Frac if b == b'e' || b == b'E' => Exp,
            Dot if digit => Frac,
            Dot => return NumStep::Invalid(Expected::Digit),
            Frac if digit => Frac,
            Exp if b == b'+' || b == b'-' => ExpSign,
            Exp if digit => ExpDigits,
            Exp => return NumStep::Invalid(Expected::ExponentStart),
            ExpSign if digit => ExpDigits,
            ExpSign => return NumStep::Invalid(Expected::Digit),
            ExpDigits if digit => ExpDigits,
            Zero | Int | Frac | ExpDigits => return NumStep::End,
        };
        NumStep::Continue(next)
    }

    /// Whether the number read so far is a complete number.
    #[inline]
    pub fn is_complete(self) -> bool {
        matches!(
            self,
            NumState::Zero | NumState::Int | NumState::Frac | NumState::ExpDigits
        )
    }

    /// Whether the number read so far is an integer (no fraction, no exponent).
    #[inline]
    pub fn is_integer(self) -> bool {
        matches!(self, NumState::Zero | NumState::Int)
    }

    /// What an incomplete number still needs.
    pub fn expected(self) -> Expected {
        if self == NumState::Exp {
            Expected::ExponentStart
        } else {
            Expected::Digit
        }
    }
}

/// Fast path for a number that ends inside `bytes` (which starts at its first byte): the
/// length of the number and whether it is an integer, if the byte after it cannot continue it.
/// `None` sends the caller to the byte-at-a-time machine (cut by the chunk end, or invalid).
#[inline]
pub fn whole_number(bytes: &[u8]) -> Option<(usize, bool)> {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(i),
        _ => return None,
    }
    let mut integer = true;
    if bytes.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
        integer = false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let n = digits(i + 1 + sign);
        if n == 0 {
            return None;
        }
        i += 1 + sign + n;
        integer = false;
    }
    // The number must be followed by a byte that cannot continue it, inside this chunk.
    match bytes.get(i) {
        Some(b) if !b.is_ascii_digit() && !matches!(b, b'.' | b'e' | b'E') => Some((i, integer)),
        _ => None,
    }
}

/// Exact powers of ten as `f64` (10^0 to 10^22 are all representable).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a JSON number's text (grammar already checked) when the classic fast path
/// applies: its digits form an integer `w <= 2^53` and its decimal exponent `e` satisfies
/// `|e| <= 22`, so `w` and `10^|e|` are exact doubles and one IEEE multiplication or division
/// rounds the exact value correctly (Clinger's fast path) — the same result as a full parse.
/// `None` sends the caller to the general parser (`str::parse`).
#[inline]
pub fn fast_f64(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let mut w: u64 = 0;
    let mut significant = 0usize;
    let mut exponent: i64 = 0;
    let mut i = 0;
    let mut in_fraction = false;
    while let Some(&b) = digits.get(i) {
        match b {
            b'0'..=b'9' => {
                if w != 0 || b != b'0' {
                    significant += 1;
                }
                if significant > 19 {
                    return None;
                }
                w = w * 10 + u64::from(b - b'0');
                exponent -= i64::from(in_fraction);
            }
            b'.' => in_fraction = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if let Some(rest) = digits.get(i + 1..) {
        let (sign, exp_digits) = match rest.split_first() {
            Some((b'-', r)) => (-1, r),
            Some((b'+', r)) => (1, r),
            _ => (1, rest),
        };
        if exp_digits.is_empty() || exp_digits.len() > 4 {
            return None;
        }
        let mut e: i64 = 0;
        for &d in exp_digits {
            if !d.is_ascii_digit() {
                return None;
            }
            e = e * 10 + i64::from(d - b'0');
        }
        exponent += sign * e;
    }
    if w > 1 << 53 {
        return None;
    }
    let value = w as f64;
    let value = match exponent {
        0 => value,
        1..=22 => value * POW10[exponent as usize],
        -22..=-1 => value / POW10[(-exponent) as usize],
        _ if w == 0 => 0.0,
        _ => return None,
    };
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::fast_f64;

    fn check(text: &str) {
        let full: f64 = text.parse().unwrap();
        if let Some(fast) = fast_f64(text.as_bytes()) {
            assert_eq!(fast.to_bits(), full.to_bits(), "{text}");
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_parse() {
        for text in [
            "0.0",
            "-0.0",
            "1.5",
            "12.345",
            "99.999",
            "0.1",
            "0.30000000000000004",
            "1e22",
            "1e23",
            "1.7976931348623157e308",
            "5e-324",
            "123456789012345678.9",
            "9007199254740993.0",
            "-2.5E-3",
            "4.0e+2",
            "0e999",
            "3.14159265358979323846",
            "1E0",
            "0.000001",
        ] {
            check(text);
        }
        assert_eq!(fast_f64(b"12.345"), Some(12.345));
        assert_eq!(fast_f64(b"1e23"), None);
        // Every value with a few digits and a small exponent, as the benchmark's scores are.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let int = state % 1_000_000;
            let frac = (state >> 20) % 1000;
            let exp = ((state >> 40) % 60) as i64 - 30;
            check(&format!("{int}.{frac:03}"));
            check(&format!("-{int}.{frac}e{exp}"));
            check(&format!("{}", (state >> 11) as f64 / 1e6));
        }
    }
}
